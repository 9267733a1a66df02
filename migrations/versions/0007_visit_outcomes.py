"""visit outcomes of the door-to-door form: moved out, vacant confirmed, demolished, police collection

The first revision seeded the visit_result code list with five outcomes; the
registration form (附件2) and the police's own collection of doors that did not
open (seed §四.3) need four more. The rows are frozen here, not read from
webgis/codes/data.py, so this revision means the same thing forever.

Revision ID: 0007_visit_outcomes
Revises: 0006_scoped_tile_functions
Create Date: 2026-12-02 12:20:00
"""
from alembic import op

revision = "0007_visit_outcomes"
down_revision = "0006_scoped_tile_functions"
branch_labels = None
depends_on = None

ROWS = (
    ("moved_out", "住户已搬离", 6),
    ("vacant", "房屋空置（已核实）", 7),
    ("demolished", "房屋已拆除", 8),
    ("police_collected", "民警上门采集", 9),
)


def upgrade():
    for code, label, order in ROWS:
        op.execute(
            "INSERT INTO code_item (list_name, code, label, sort_order) "
            f"VALUES ('visit_result', '{code}', '{label}', {order}) ON CONFLICT DO NOTHING"
        )


def downgrade():
    codes = ", ".join(f"'{code}'" for code, _, _ in ROWS)
    op.execute(f"DELETE FROM code_item WHERE list_name = 'visit_result' AND code IN ({codes})")
