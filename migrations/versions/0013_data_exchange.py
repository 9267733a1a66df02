"""data exchange: column mappings per source, import/exchange batches, staged rows and review queue

Revision ID: 0013_data_exchange
Revises: 0012_walking_routes
Create Date: 2026-12-02 13:00:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0013_data_exchange"
down_revision = "0012_walking_routes"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(read("0013_data_exchange.sql"))


def downgrade():
    op.execute("DROP TABLE exchange_row")
    op.execute("DROP TABLE exchange_batch")
    op.execute("DROP TABLE exchange_mapping")
