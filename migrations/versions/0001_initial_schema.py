"""initial schema: territory, buildings, people, orgs, visits, users

Revision ID: 0001_initial_schema
Revises: 
Create Date: 2026-11-29 11:43:22.363644

"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry


# revision identifiers, used by Alembic.
revision = '0001_initial_schema'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # The extensions need a superuser; devdb creates them, this is a no-op then.
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table('code_item',
    sa.Column('list_name', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('list_name', 'code')
    )
    op.create_geospatial_table('town',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('town', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_town_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})

    op.create_geospatial_table('police_station',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('town_id', 'code')
    )
    with op.batch_alter_table('police_station', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_police_station_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_police_station_town_id'), ['town_id'], unique=False)

    op.create_geospatial_table('road',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('geom', Geometry(geometry_type='LINESTRING', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='LINESTRING', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=False),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('road', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_road_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_geospatial_index('idx_road_geom_3857', ['geom_3857'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_road_town_id'), ['town_id'], unique=False)

    op.create_geospatial_table('village',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='MULTIPOLYGON', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['police_station.id'], ),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('town_id', 'code')
    )
    with op.batch_alter_table('village', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_village_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_geospatial_index('idx_village_geom_3857', ['geom_3857'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_village_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_village_town_id'), ['town_id'], unique=False)

    op.create_geospatial_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('area', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['police_station.id'], ),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['village.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_app_user_area', ['area'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_app_user_town_id'), ['town_id'], unique=False)

    op.create_geospatial_table('grid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='MULTIPOLYGON', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=False),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['village.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('town_id', 'code')
    )
    with op.batch_alter_table('grid', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_grid_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_geospatial_index('idx_grid_geom_3857', ['geom_3857'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_grid_town_id'), ['town_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grid_village_id'), ['village_id'], unique=False)

    op.create_geospatial_table('building',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('address_form', sa.String(length=10), nullable=False),
    sa.Column('group_name', sa.String(length=20), nullable=True),
    sa.Column('house_no', sa.String(length=20), nullable=True),
    sa.Column('compound', sa.String(length=60), nullable=True),
    sa.Column('building_no', sa.String(length=20), nullable=True),
    sa.Column('building_type', sa.String(length=20), nullable=False),
    sa.Column('floors', sa.Integer(), nullable=False),
    sa.Column('rooms_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('collection_status', sa.String(length=20), server_default='not_visited', nullable=False),
    sa.Column('geom', Geometry(geometry_type='POLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('geom_pt', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_3857', Geometry(geometry_type='POINT', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), sa.Computed('ST_Transform(geom_pt, 3857)', persisted=True), nullable=False),
    sa.Column('footprint_3857', Geometry(geometry_type='POLYGON', srid=3857, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_Transform(geom, 3857)', persisted=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], ),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['village.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('building', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_building_footprint_3857', ['footprint_3857'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_geospatial_index('idx_building_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_geospatial_index('idx_building_geom_3857', ['geom_3857'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_geospatial_index('idx_building_geom_pt', ['geom_pt'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_building_collection_status'), ['collection_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_building_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_building_town_id'), ['town_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_building_village_id'), ['village_id'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('gender', sa.String(length=2), nullable=False),
    sa.Column('ethnicity', sa.String(length=2), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('occupation', sa.String(length=2), nullable=True),
    sa.Column('employer', sa.String(length=80), nullable=True),
    sa.Column('marital', sa.String(length=2), nullable=True),
    sa.Column('hukou_consistent', sa.Boolean(), nullable=False),
    sa.Column('registered_address', sa.String(length=120), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], ),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_id_number'), ['id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_town_id'), ['town_id'], unique=False)

    op.create_table('user_grid',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'grid_id')
    )
    op.create_table('household',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=True),
    sa.Column('room', sa.String(length=20), nullable=True),
    sa.Column('sort_key', sa.Integer(), nullable=False),
    sa.Column('house_nature', sa.String(length=20), nullable=True),
    sa.Column('landlord', sa.String(length=40), nullable=True),
    sa.Column('lease_period', sa.String(length=60), nullable=True),
    sa.Column('lease_reason', sa.String(length=120), nullable=True),
    sa.Column('cotenant_relation', sa.String(length=120), nullable=True),
    sa.Column('special_space', sa.String(length=40), nullable=True),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('last_visit_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_visit_result', sa.String(length=20), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], ),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_town_id'), ['town_id'], unique=False)

    op.create_geospatial_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=120), nullable=True),
    sa.Column('principal', sa.String(length=40), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], ),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_organisation_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_organisation_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_town_id'), ['town_id'], unique=False)

    op.create_table('key_attention',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=2), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('key_attention', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_attention_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_attention_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_attention_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_attention_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_attention_town_id'), ['town_id'], unique=False)

    op.create_table('residence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('relation_to_head', sa.String(length=2), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('residence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residence_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_town_id'), ['town_id'], unique=False)

    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('visitor_id', sa.Integer(), nullable=True),
    sa.Column('visited_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('awareness', sa.Boolean(), nullable=True),
    sa.Column('satisfaction', sa.Boolean(), nullable=True),
    sa.Column('form_filler', sa.String(length=40), nullable=True),
    sa.Column('police_officer', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], ),
    sa.ForeignKeyConstraint(['visitor_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_town_id'), ['town_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_visited_at'), ['visited_at'], unique=False)

    op.create_table('verification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['officer_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], ),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_town_id'), ['town_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_verified_at'), ['verified_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_visit_id'), ['visit_id'], unique=False)

    code_item = sa.table("code_item", sa.column("list_name"), sa.column("code"),
                         sa.column("label"), sa.column("sort_order"))
    op.bulk_insert(code_item, [dict(list_name=l, code=c, label=t, sort_order=o) for l, c, t, o in CODE_ROWS])
    # ### end Alembic commands ###


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_visit_id'))
        batch_op.drop_index(batch_op.f('ix_verification_verified_at'))
        batch_op.drop_index(batch_op.f('ix_verification_town_id'))
        batch_op.drop_index(batch_op.f('ix_verification_household_id'))
        batch_op.drop_index(batch_op.f('ix_verification_grid_id'))

    op.drop_table('verification')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_visited_at'))
        batch_op.drop_index(batch_op.f('ix_visit_town_id'))
        batch_op.drop_index(batch_op.f('ix_visit_household_id'))
        batch_op.drop_index(batch_op.f('ix_visit_grid_id'))
        batch_op.drop_index(batch_op.f('ix_visit_building_id'))

    op.drop_table('visit')
    with op.batch_alter_table('residence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residence_town_id'))
        batch_op.drop_index(batch_op.f('ix_residence_person_id'))
        batch_op.drop_index(batch_op.f('ix_residence_household_id'))
        batch_op.drop_index(batch_op.f('ix_residence_grid_id'))

    op.drop_table('residence')
    with op.batch_alter_table('key_attention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_attention_town_id'))
        batch_op.drop_index(batch_op.f('ix_key_attention_person_id'))
        batch_op.drop_index(batch_op.f('ix_key_attention_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_key_attention_household_id'))
        batch_op.drop_index(batch_op.f('ix_key_attention_grid_id'))

    op.drop_table('key_attention')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_town_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_grid_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_building_id'))
        batch_op.drop_geospatial_index('idx_organisation_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('organisation')
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_town_id'))
        batch_op.drop_index(batch_op.f('ix_household_grid_id'))
        batch_op.drop_index(batch_op.f('ix_household_building_id'))

    op.drop_table('household')
    op.drop_table('user_grid')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_town_id'))
        batch_op.drop_index(batch_op.f('ix_person_id_number'))
        batch_op.drop_index(batch_op.f('ix_person_grid_id'))

    op.drop_table('person')
    with op.batch_alter_table('building', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_building_village_id'))
        batch_op.drop_index(batch_op.f('ix_building_town_id'))
        batch_op.drop_index(batch_op.f('ix_building_grid_id'))
        batch_op.drop_index(batch_op.f('ix_building_collection_status'))
        batch_op.drop_geospatial_index('idx_building_geom_pt', postgresql_using='gist', column_name='geom_pt')
        batch_op.drop_geospatial_index('idx_building_geom_3857', postgresql_using='gist', column_name='geom_3857')
        batch_op.drop_geospatial_index('idx_building_geom', postgresql_using='gist', column_name='geom')
        batch_op.drop_geospatial_index('idx_building_footprint_3857', postgresql_using='gist', column_name='footprint_3857')

    op.drop_geospatial_table('building')
    with op.batch_alter_table('grid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_village_id'))
        batch_op.drop_index(batch_op.f('ix_grid_town_id'))
        batch_op.drop_geospatial_index('idx_grid_geom_3857', postgresql_using='gist', column_name='geom_3857')
        batch_op.drop_geospatial_index('idx_grid_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('grid')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_town_id'))
        batch_op.drop_geospatial_index('idx_app_user_area', postgresql_using='gist', column_name='area')

    op.drop_geospatial_table('app_user')
    with op.batch_alter_table('village', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_village_town_id'))
        batch_op.drop_index(batch_op.f('ix_village_station_id'))
        batch_op.drop_geospatial_index('idx_village_geom_3857', postgresql_using='gist', column_name='geom_3857')
        batch_op.drop_geospatial_index('idx_village_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('village')
    with op.batch_alter_table('road', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_road_town_id'))
        batch_op.drop_geospatial_index('idx_road_geom_3857', postgresql_using='gist', column_name='geom_3857')
        batch_op.drop_geospatial_index('idx_road_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('road')
    with op.batch_alter_table('police_station', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_police_station_town_id'))
        batch_op.drop_geospatial_index('idx_police_station_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('police_station')
    with op.batch_alter_table('town', schema=None) as batch_op:
        batch_op.drop_geospatial_index('idx_town_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('town')
    op.drop_table('code_item')
    # ### end Alembic commands ###


# The code lists as the first revision seeded them (frozen; webgis/codes/data.py holds today's lists,
# later revisions add their own rows). (list_name, code, label, sort_order)
CODE_ROWS = (
    ('gender', '1', '男', 1),
    ('gender', '2', '女', 2),
    ('ethnicity', '01', '汉族', 1),
    ('ethnicity', '02', '蒙古族', 2),
    ('ethnicity', '03', '回族', 3),
    ('ethnicity', '04', '藏族', 4),
    ('ethnicity', '05', '维吾尔族', 5),
    ('ethnicity', '06', '苗族', 6),
    ('ethnicity', '07', '彝族', 7),
    ('ethnicity', '08', '壮族', 8),
    ('ethnicity', '09', '布依族', 9),
    ('ethnicity', '10', '朝鲜族', 10),
    ('ethnicity', '11', '满族', 11),
    ('ethnicity', '12', '侗族', 12),
    ('ethnicity', '13', '瑶族', 13),
    ('ethnicity', '14', '白族', 14),
    ('ethnicity', '15', '土家族', 15),
    ('ethnicity', '16', '哈尼族', 16),
    ('ethnicity', '17', '哈萨克族', 17),
    ('ethnicity', '18', '傣族', 18),
    ('ethnicity', '19', '黎族', 19),
    ('ethnicity', '20', '傈僳族', 20),
    ('ethnicity', '21', '佤族', 21),
    ('ethnicity', '22', '畲族', 22),
    ('ethnicity', '23', '高山族', 23),
    ('ethnicity', '24', '拉祜族', 24),
    ('ethnicity', '25', '水族', 25),
    ('ethnicity', '26', '东乡族', 26),
    ('ethnicity', '27', '纳西族', 27),
    ('ethnicity', '28', '景颇族', 28),
    ('ethnicity', '29', '柯尔克孜族', 29),
    ('ethnicity', '30', '土族', 30),
    ('ethnicity', '31', '达斡尔族', 31),
    ('ethnicity', '32', '仫佬族', 32),
    ('ethnicity', '33', '羌族', 33),
    ('ethnicity', '34', '布朗族', 34),
    ('ethnicity', '35', '撒拉族', 35),
    ('ethnicity', '36', '毛南族', 36),
    ('ethnicity', '37', '仡佬族', 37),
    ('ethnicity', '38', '锡伯族', 38),
    ('ethnicity', '39', '阿昌族', 39),
    ('ethnicity', '40', '普米族', 40),
    ('ethnicity', '41', '塔吉克族', 41),
    ('ethnicity', '42', '怒族', 42),
    ('ethnicity', '43', '乌孜别克族', 43),
    ('ethnicity', '44', '俄罗斯族', 44),
    ('ethnicity', '45', '鄂温克族', 45),
    ('ethnicity', '46', '德昂族', 46),
    ('ethnicity', '47', '保安族', 47),
    ('ethnicity', '48', '裕固族', 48),
    ('ethnicity', '49', '京族', 49),
    ('ethnicity', '50', '塔塔尔族', 50),
    ('ethnicity', '51', '独龙族', 51),
    ('ethnicity', '52', '鄂伦春族', 52),
    ('ethnicity', '53', '赫哲族', 53),
    ('ethnicity', '54', '门巴族', 54),
    ('ethnicity', '55', '珞巴族', 55),
    ('ethnicity', '56', '基诺族', 56),
    ('occupation', '1', '机关、党群、军队、事业单位工作人员', 1),
    ('occupation', '2', '制造业工作人员', 2),
    ('occupation', '3', '商业、服务人员', 3),
    ('occupation', '4', '农、林、牧、渔业人员', 4),
    ('occupation', '5', '失业', 5),
    ('occupation', '6', '其他', 6),
    ('relation', '1', '户主', 1),
    ('relation', '2', '配偶', 2),
    ('relation', '3', '子女', 3),
    ('relation', '4', '儿媳或女婿', 4),
    ('relation', '5', '父母', 5),
    ('relation', '6', '配偶父母', 6),
    ('relation', '7', '孙子（女）', 7),
    ('relation', '8', '外孙（女）', 8),
    ('relation', '9', '祖父母或外祖父母', 9),
    ('relation', '10', '其他', 10),
    ('marital', '1', '已婚', 1),
    ('marital', '2', '未婚', 2),
    ('marital', '3', '离婚', 3),
    ('marital', '4', '丧偶', 4),
    ('house_nature', 'self_bought', '自购', 1),
    ('house_nature', 'self_built', '自建', 2),
    ('house_nature', 'rented', '租住', 3),
    ('house_nature', 'vacant', '空置', 4),
    ('house_nature', 'dormitory', '单位宿舍', 5),
    ('house_nature', 'dilapidated', '危房', 6),
    ('house_nature', 'pending_demolition', '待拆迁', 7),
    ('house_nature', 'other', '其他', 8),
    ('person_category', 'registered', '户籍人口', 1),
    ('person_category', 'floating', '流动人口', 2),
    ('person_category', 'foreign', '境外人员', 3),
    ('person_status', 'active', '在住', 1),
    ('person_status', 'moved_out', '已搬离', 2),
    ('person_status', 'long_absent', '长期不在本网格', 3),
    ('person_status', 'deceased', '死亡', 4),
    ('org_category', 'legal_entity', '法人单位', 1),
    ('org_category', 'activity_site', '产业活动场所', 2),
    ('org_category', 'individual', '个体工商户', 3),
    ('org_category', 'social_org', '社会组织', 4),
    ('building_type', 'rural_house', '农村自建房', 1),
    ('building_type', 'residential', '住宅楼', 2),
    ('building_type', 'mixed', '商住楼', 3),
    ('building_type', 'commercial', '商业用房', 4),
    ('building_type', 'factory', '厂房', 5),
    ('building_type', 'public', '公共建筑', 6),
    ('building_type', 'other', '其他', 7),
    ('building_status', 'existing', '现存', 1),
    ('building_status', 'new', '新建', 2),
    ('building_status', 'pending_demolition', '待拆迁', 3),
    ('building_status', 'demolished', '已拆除', 4),
    ('household_status', 'active', '在用', 1),
    ('household_status', 'vacant', '空置', 2),
    ('household_status', 'demolished', '已拆除', 3),
    ('collection_status', 'not_visited', '未走访', 1),
    ('collection_status', 'visited', '已走访', 2),
    ('collection_status', 'verified', '已核验', 3),
    ('collection_status', 'new', '新增', 4),
    ('collection_status', 'demolished', '已拆除', 5),
    ('address_form', 'rural', '村组门牌', 1),
    ('address_form', 'urban', '小区楼幢单元室', 2),
    ('village_kind', 'village', '村', 1),
    ('village_kind', 'community', '社区', 2),
    ('key_category', 'key_unit', '重点单位', 1),
    ('key_category', 'key_place', '重点场所', 2),
    ('key_category', 'rental_house', '出租房', 3),
    ('key_category', 'floating', '流动人口', 4),
    ('key_category', 'released', '刑满释放人员', 5),
    ('key_category', 'corrections', '社区服刑人员', 6),
    ('key_category', 'mental', '严重精神障碍患者', 7),
    ('key_category', 'drug', '吸毒人员', 8),
    ('key_category', 'hiv', '艾滋病人', 9),
    ('key_category', 'youth', '重点青少年', 10),
    ('attention_level', '1', '一般关注', 1),
    ('attention_level', '2', '重点关注', 2),
    ('attention_level', '3', '严格管控', 3),
    ('visit_result', 'verified', '核对无误', 1),
    ('visit_result', 'changed', '信息变更', 2),
    ('visit_result', 'new', '新增登记', 3),
    ('visit_result', 'nobody_home', '敲不开门', 4),
    ('visit_result', 'refused', '拒绝配合（移交民警）', 5),
    ('verification_outcome', 'signed', '签字确认', 1),
    ('verification_outcome', 'disputed', '有争议，退回重访', 2),
    ('role', 'town_admin', '镇网格办', 1),
    ('role', 'village_admin', '村级网格办（总网格长）', 2),
    ('role', 'grid_leader', '网格长（专职网格员）', 3),
    ('role', 'liaison', '网格联络员（信息员）', 4),
    ('role', 'police', '社区民警（辅警）', 5),
    ('role', 'station_admin', '辖区派出所', 6),
    ('role', 'inspector', '检查验收', 7),
    ('role', 'property', '物业公司', 8),
)
