"""tile functions as SECURITY DEFINER applying the caller's scope themselves (indexed under RLS)

Row-level security evaluates policy quals before non-leakproof query quals, and
PostGIS's && is not leakproof, so tile queries run by the application role could
not use the GiST index (a sequential scan per tile). The functions now run as
their owner and filter with gc_in_scope(town_id, grid_id), the policies' own
predicate. See webgis/sql/0006_tiles.sql.

Revision ID: 0006_scoped_tile_functions
Revises: 0005_coverage_targets
Create Date: 2026-11-29 12:50:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0006_scoped_tile_functions"
down_revision = "0005_coverage_targets"
branch_labels = None
depends_on = None

SCOPED_TILES = ("gc_tile_buildings", "gc_tile_grids")


def upgrade():
    op.execute(read("0006_tiles.sql"))


def downgrade():
    # Back to invoker's rights: row-level security filters again (the explicit scope
    # predicate in the bodies then only repeats what the policies already do).
    for fn in SCOPED_TILES:
        op.execute(f"ALTER FUNCTION {fn}(integer, integer, integer) SECURITY INVOKER")
