"""initial schema: territory, buildings, people, orgs, visits, users

Revision ID: 0001_initial_schema
Revises: 
Create Date: 2026-11-29 11:43:22.363644

"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry

from webgis.codes.data import rows as code_rows

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
    op.bulk_insert(code_item, [dict(list_name=l, code=c, label=t, sort_order=o) for l, c, t, o in code_rows()])
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
