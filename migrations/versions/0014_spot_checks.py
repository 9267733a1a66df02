"""spot checks by location: plans (area, design, seed), sampled households, item rows, re-visits

A spot check plan holds the area, the sample design and the seed; each sampled household is
a spot_check row of the plan; spot_check_item rows hold the platform value next to what the
inspector found. Planned spot checks count their items by trigger, so the 一致率 target reads
the items. Row-level security and the change-history trigger on the new tables.

Revision ID: 0014_spot_checks
Revises: 0013_data_exchange
Create Date: 2026-12-02 13:10:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0014_spot_checks"
down_revision = "0013_data_exchange"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(read("0014_spot_checks.sql"))


def downgrade():
    op.execute("DROP VIEW spot_check_revisit")
    op.execute("DROP TABLE spot_check_item")
    op.execute("DROP FUNCTION gc_spot_check_count_items()")
    op.execute("DROP TRIGGER spot_check_change_history ON spot_check")
    # Planned rows have no meaning without their plan (and may lack checked_at).
    op.execute("DELETE FROM spot_check WHERE plan_id IS NOT NULL")
    op.execute("DROP INDEX spot_check_plan_household")
    op.execute("ALTER TABLE spot_check DROP CONSTRAINT ck_spot_check_checked_at")
    op.execute("ALTER TABLE spot_check DROP CONSTRAINT ck_spot_check_planned")
    op.execute("ALTER TABLE spot_check ALTER COLUMN checked_at SET DEFAULT now()")
    op.execute("ALTER TABLE spot_check ALTER COLUMN checked_at SET NOT NULL")
    for column in ("version", "draw_no", "pick", "leader_id", "plan_id"):
        op.execute(f"ALTER TABLE spot_check DROP COLUMN {column}")
    op.execute("DROP TABLE spot_check_plan")
