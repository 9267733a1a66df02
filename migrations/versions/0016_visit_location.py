"""where a visit was recorded: the phone's position (point, accuracy) sent with the form, optional; the far_visit pick

Revision ID: 0016_visit_location
Revises: 0015_revisit_spot_checks
Create Date: 2026-12-02 18:00:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0016_visit_location"
down_revision = "0015_revisit_spot_checks"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(read("0016_visit_location.sql"))


def downgrade():
    op.execute("UPDATE spot_check SET pick = 'random' WHERE pick = 'far_visit'")
    op.execute("ALTER TABLE spot_check DROP CONSTRAINT spot_check_pick_check")
    op.execute("ALTER TABLE spot_check ADD CONSTRAINT spot_check_pick_check "
               "CHECK (pick IN ('random', 'floor', 'short_visit', 'only_verified'))")
    op.execute("ALTER TABLE visit DROP COLUMN accuracy_m")
    op.execute("ALTER TABLE visit DROP COLUMN geom")
