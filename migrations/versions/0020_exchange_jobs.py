"""progress of long imports (exchange_job, written outside the import's transaction); the ID numbers of a list chunk looked up set-based; the town's all-grid roles may write its villages, grids and roads (geodata import); the residence coverage trigger skips empty statements

Revision ID: 0020_exchange_jobs
Revises: 0019_linked_persons
Create Date: 2026-12-02 18:10:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0020_exchange_jobs"
down_revision = "0019_linked_persons"
branch_labels = None
depends_on = None


# The residence coverage trigger as revision 0005 defined it (frozen here for the downgrade).
RESIDENCE_TRIGGER_0005 = """
CREATE OR REPLACE FUNCTION gc_coverage_after_residence() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE g integer[]; ps integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT grid_id), array_agg(DISTINCT person_id) INTO g, ps FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT grid_id), array_agg(DISTINCT person_id) INTO g, ps FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT grid_id), array_agg(DISTINCT person_id) INTO g, ps
      FROM (SELECT grid_id, person_id FROM old_rows UNION SELECT grid_id, person_id FROM new_rows) u;
  END IF;
  PERFORM gc_refresh_coverage(gc_coverage_grids(g, ps, NULL, NULL), ARRAY['persons']);
  RETURN NULL;
END $$
"""


def upgrade():
    op.execute(read("0020_exchange_jobs.sql"))


def downgrade():
    op.execute(RESIDENCE_TRIGGER_0005)
    op.execute("REVOKE INSERT, UPDATE ON village, grid FROM gridcheck_app")
    op.execute("REVOKE INSERT, DELETE ON road FROM gridcheck_app")
    for t in ("village", "grid", "road"):
        for policy in ("owner_all", "app_read", "app_insert", "app_update", "app_delete"):
            op.execute(f"DROP POLICY IF EXISTS {policy} ON {t}")
        op.execute(f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION gc_persons_by_id_numbers(integer, text[])")
    op.execute("DROP TABLE exchange_job")
