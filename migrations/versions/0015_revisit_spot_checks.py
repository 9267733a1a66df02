"""the re-visit list holds the households a spot check found not matching the platform; history ignores surveyed_at

Revision ID: 0015_revisit_spot_checks
Revises: 0014_spot_checks
Create Date: 2026-12-02 14:10:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0015_revisit_spot_checks"
down_revision = "0014_spot_checks"
branch_labels = None
depends_on = None

# The view as revision 0010 defined it (frozen here for the downgrade).
VIEW_0010 = """
CREATE OR REPLACE VIEW coverage_revisit WITH (security_invoker = true) AS
SELECT c.id AS household_id, c.building_id, c.grid_id, c.town_id, r.reason, r.since, r.attempts
  FROM coverage_household c
  JOIN household h ON h.id = c.id
  LEFT JOIN LATERAL (SELECT v.outcome, v.verified_at FROM verification v
                      WHERE v.household_id = c.id ORDER BY v.verified_at DESC, v.id DESC LIMIT 1) lv ON true
  CROSS JOIN LATERAL (
    SELECT CASE WHEN lv.outcome = 'disputed' AND (h.last_visit_at IS NULL OR h.last_visit_at <= lv.verified_at)
                  THEN 'returned'
                WHEN c.surveyed THEN NULL
                WHEN h.last_visit_at IS NULL THEN 'not_visited'
                WHEN x.refused_at IS NOT NULL THEN 'refused'
                ELSE 'nobody_home' END AS reason,
           CASE WHEN lv.outcome = 'disputed' AND (h.last_visit_at IS NULL OR h.last_visit_at <= lv.verified_at)
                  THEN lv.verified_at
                WHEN x.refused_at IS NOT NULL THEN x.refused_at
                ELSE h.last_visit_at END AS since,
           x.attempts
      FROM (SELECT count(*) AS attempts,
                   max(v.visited_at) FILTER (WHERE v.result = 'refused') AS refused_at
              FROM visit v WHERE v.household_id = c.id) x) r
 WHERE r.reason IS NOT NULL;
"""


def upgrade():
    op.execute(read("0015_revisit_spot_checks.sql"))


HISTORY_IGNORED_0009 = """
CREATE OR REPLACE FUNCTION gc_history_ignored() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['version', 'updated_at', 'created_at', 'geom_3857', 'footprint_3857',
               'last_visit_at', 'last_visit_result', 'verified_at', 'collection_status']
$$
"""


def downgrade():
    op.execute(HISTORY_IGNORED_0009)
    op.execute("DROP VIEW coverage_revisit")
    op.execute(VIEW_0010)
