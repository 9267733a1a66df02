"""walking routes: pgRouting for every database, saved route plans and their stops

Creates the pgRouting extension (until now only the dev cluster script created it) and
the grid-scoped tables route_plan / route_stop, under row-level security and the
change-history trigger.

Revision ID: 0012_walking_routes
Revises: 0011_tile_server
Create Date: 2026-12-02 13:10:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0012_walking_routes"
down_revision = "0011_tile_server"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(read("0012_walking_routes.sql"))


def downgrade():
    op.execute("DELETE FROM change_history WHERE table_name IN ('route_plan', 'route_stop')")
    op.execute("DROP TABLE route_stop")
    op.execute("DROP TABLE route_plan")
    # The extension stays: the dev cluster creates it too, and dropping it could break others.
