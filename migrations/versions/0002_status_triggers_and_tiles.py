"""status derived from the visit log (triggers) and vector tile functions

Revision ID: 0002_status_triggers_and_tiles
Revises: 0001_initial_schema
Create Date: 2026-11-29 12:00:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0002_status_triggers_and_tiles"
down_revision = "0001_initial_schema"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(read("0002_status.sql"))
    op.execute(read("0002_tiles.sql"))
    # Person-house link lookups and per-grid aggregates.
    op.create_index("ix_residence_active_person", "residence", ["person_id"],
                    postgresql_where="end_date IS NULL")
    op.create_index("ix_building_grid_status", "building", ["grid_id", "collection_status"])


def downgrade():
    op.drop_index("ix_building_grid_status", table_name="building")
    op.drop_index("ix_residence_active_person", table_name="residence")
    for fn in ("gc_tile_buildings", "gc_tile_grids", "gc_tile_villages", "gc_tile_roads"):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}(integer, integer, integer)")
    op.execute("DROP TRIGGER IF EXISTS visit_refresh_status ON visit")
    op.execute("DROP TRIGGER IF EXISTS verification_refresh_status ON verification")
    op.execute("DROP TRIGGER IF EXISTS building_status_refresh ON building")
    op.execute("DROP TRIGGER IF EXISTS household_status_refresh ON household")
    for fn in ("gc_after_visit_event()", "gc_after_building_status()", "gc_after_household_status()",
               "gc_refresh_all_status()", "gc_refresh_buildings(integer[])",
               "gc_refresh_households(integer[])",
               "gc_building_collection_status(text, bigint, bigint, bigint)"):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
