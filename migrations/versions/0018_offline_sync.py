"""offline sync: the submissions phones send back from their outbox, with their merge outcome (并行修改 / 冲突)

Revision ID: 0018_offline_sync
Revises: 0016_visit_location
Create Date: 2026-12-02 18:10:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0018_offline_sync"
down_revision = "0016_visit_location"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(read("0018_offline_sync.sql"))


def downgrade():
    op.execute("DROP TABLE offline_submission")
