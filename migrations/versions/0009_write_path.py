"""the write path: change history of every domain row, client UUIDs on events, one person per ID

A generic row trigger writes who / when / before → after of every insert and update
of building, household, person, residence, organisation, key-attention, visit and
verification rows into change_history (readable under the row's own scope). Visit
and verification events carry a unique client UUID so a retried submission is
applied once. One person record per ID number and town.

Revision ID: 0009_write_path
Revises: 0007_visit_outcomes
Create Date: 2026-12-02 12:50:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0009_write_path"
down_revision = "0007_visit_outcomes"
branch_labels = None
depends_on = None

TABLES = ("building", "household", "person", "residence", "organisation", "key_attention", "visit",
          "verification")


def upgrade():
    op.execute(read("0009_write_path.sql"))


def downgrade():
    op.execute("DROP FUNCTION gc_person_by_id_number(integer, text)")
    op.execute("DROP INDEX person_town_id_number_key")
    for table in ("visit", "verification"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN client_uuid")
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_change_history ON {table}")
    op.execute("DROP FUNCTION gc_log_change()")
    op.execute("DROP FUNCTION gc_history_ignored()")
    op.execute("DROP TABLE change_history")
