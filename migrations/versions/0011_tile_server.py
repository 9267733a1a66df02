"""tile server: per-grid change counters, the session and scope rules in SQL, one call per tile

Triggers on building, grid and the coverage tables bump a per-grid counter (and village,
road, coverage_target a town-wide one) so a tile's ETag changes exactly when its grids'
data change. gc_session_reason and gc_user_scope hold the session and scope rules once;
gc_tile_request validates the session, resolves the scope, answers 304 or builds the tile
in one SQL call. See webgis/sql/0011_tile_server.sql.

Revision ID: 0011_tile_server
Revises: 0010_targets_as_read
Create Date: 2026-12-02 13:00:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0011_tile_server"
down_revision = "0010_targets_as_read"
branch_labels = None
depends_on = None

TRIGGERS = [(f"tile_version_after_{op_}", tbl)
            for tbl in ("building", "grid", "coverage_grid", "coverage_key_grid", "coverage_gap")
            for op_ in ("insert", "update", "delete")]
TRIGGERS += [("tile_reference_version", tbl) for tbl in ("village", "road", "coverage_target")]

FUNCTIONS = (
    "gc_view_etag(text, geometry)",
    "gc_tile_request(text, integer, integer, text, integer, integer, integer, text, text[], interval, "
    "interval, interval, text[], text[], text[], text[])",
    "gc_tile_grids_of(text, integer, integer, integer, integer)",
    "gc_grids_etag(text, integer[], integer, boolean, integer[], text)",
    "gc_user_scope(integer, text[], text[], text[], text[])",
    "gc_session_reason(text, integer, integer, interval, interval)",
    "gc_bump_reference_version()",
    "gc_bump_grid_versions()",
    "gc_grid_in_area(geometry, geometry)",
    "gc_area_grid_share()",
)


def upgrade():
    op.execute(read("0011_tile_server.sql"))


def downgrade():
    for name, table in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for fn in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.execute("DROP TABLE tile_reference_version")
    op.execute("DROP TABLE grid_tile_version")
    op.execute("DROP SEQUENCE gc_tile_version_seq")
