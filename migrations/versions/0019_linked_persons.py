"""coverage_person computes 人房关联 as a correlated EXISTS, not a per-row function call

Revision ID: 0019_linked_persons
Revises: 0018_offline_sync
Create Date: 2026-12-02 18:00:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0019_linked_persons"
down_revision = "0018_offline_sync"
branch_labels = None
depends_on = None

# The view as revision 0005 defined it (frozen here for the downgrade).
VIEW_0005 = """
CREATE OR REPLACE VIEW coverage_person WITH (security_invoker = true) AS
SELECT p.id, p.town_id, p.grid_id, gc_person_linked(p.id) AS linked
  FROM person p
 WHERE p.status = 'active';
"""


def upgrade():
    op.execute(read("0019_linked_persons.sql"))


def downgrade():
    op.execute(VIEW_0005)
