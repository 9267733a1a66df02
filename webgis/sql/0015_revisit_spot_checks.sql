-- Revision 0015 (frozen): the re-visit list (coverage_revisit) also holds every household a
-- spot check found not matching the platform (spot_check_revisit, revision 0014): the grid
-- leader goes back there (issue 10: "every mismatch becomes a re-visit task"); and the change
-- history ignores the derived household.surveyed_at of revision 0010.
CREATE OR REPLACE VIEW coverage_revisit WITH (security_invoker = true) AS
SELECT * FROM (
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
 WHERE r.reason IS NOT NULL
) AS visits
UNION ALL
SELECT s.household_id, s.building_id, s.grid_id, s.town_id, 'spot_check_mismatch'::text, max(s.since),
       NULL::bigint
  FROM spot_check_revisit s
  JOIN coverage_household c ON c.id = s.household_id
  LEFT JOIN household h ON h.id = s.household_id
 WHERE h.last_visit_at IS NULL OR h.last_visit_at <= s.since
 GROUP BY s.household_id, s.building_id, s.grid_id, s.town_id;

-- household.surveyed_at (revision 0010) is derived by the status triggers like last_visit_at:
-- no change of the record, so no change-history row.
CREATE OR REPLACE FUNCTION gc_history_ignored() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['version', 'updated_at', 'created_at', 'geom_3857', 'footprint_3857',
               'last_visit_at', 'last_visit_result', 'verified_at', 'surveyed_at', 'collection_status']
$$;
