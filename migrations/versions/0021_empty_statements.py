"""the coverage trigger of visit, verification, spot_check and key_attention skips statements that touched no row

Revision ID: 0021_empty_statements
Revises: 0020_exchange_jobs
Create Date: 2026-12-02 19:15:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0021_empty_statements"
down_revision = "0020_exchange_jobs"
branch_labels = None
depends_on = None

# The function as revision 0005 defined it (frozen here for the downgrade).
GRID_ROWS_0005 = """
CREATE OR REPLACE FUNCTION gc_coverage_after_grid_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE g integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM old_rows;
  ELSE
    SELECT array_agg(x) INTO g FROM (SELECT grid_id FROM old_rows UNION SELECT grid_id FROM new_rows) u(x);
  END IF;
  PERFORM gc_refresh_coverage(g, CASE TG_TABLE_NAME WHEN 'spot_check' THEN ARRAY['spots']
                                                    WHEN 'key_attention' THEN ARRAY['keys']
                                                    ELSE ARRAY['households'] END);
  RETURN NULL;
END $$;
"""


def upgrade():
    op.execute(read("0021_empty_statements.sql"))


def downgrade():
    op.execute(GRID_ROWS_0005)
