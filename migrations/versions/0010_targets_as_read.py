"""the six targets as the town office reads them: surveyed households, attention subjects, 知晓率 and
满意率 apart, building colour = the coverage rule, the re-visit list

Applies webgis/sql/0010_targets.sql, frozen for this revision. Adds household.surveyed_at (derived
by the status triggers: the latest visit that surveyed the household, gc_visit_surveyed).

Revision ID: 0010_targets_as_read
Revises: 0009_write_path
Create Date: 2026-12-02 13:10:00
"""
import sqlalchemy as sa
from alembic import op

from webgis.sqlfiles import read

revision = "0010_targets_as_read"
down_revision = "0009_write_path"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("household", sa.Column("surveyed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(read("0010_targets.sql"))
    # Derived state and figures for the records already there.
    op.execute("SELECT gc_refresh_all_status()")
    op.execute("SELECT gc_refresh_coverage(NULL)")


# What the earlier revisions applied, restored on downgrade. The SQL of 0002 / 0005 is read by
# the names those revisions read (the lead maps them to their frozen per-revision files).
EARLIER = ("0002_status.sql", "0005_coverage.sql")


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS coverage_after_insert ON organisation")
    op.execute("DROP TRIGGER IF EXISTS coverage_after_delete ON organisation")
    for view in ("coverage_revisit", "coverage_attention_subject", "coverage_household"):
        op.execute(f"DROP VIEW IF EXISTS {view}")
    for name in EARLIER:
        op.execute(read(name))
    op.execute("DROP FUNCTION IF EXISTS gc_visit_surveyed(text)")
    op.execute("DROP FUNCTION IF EXISTS gc_visit_answered(text)")
    op.drop_column("household", "surveyed_at")
    op.execute("SELECT gc_refresh_all_status()")
    op.execute("SELECT gc_refresh_coverage(NULL)")
