-- Revision 0010_targets_as_read: the six targets as the town office reads them (issue 8).
-- Frozen for that revision: it replaces what changes in coverage.sql (0005) and status.sql
-- (0002) and adds the re-visit list and the attention subjects. docs/coverage.md states each
-- formula in the seed's words next to this SQL.
--
--   surveyed     (入户调查率) a visit found someone or settled the room — verified, changed,
--                new, moved_out, vacant — or the police collected it (police_collected); a
--                household met only with nobody_home / refused is NOT surveyed
--                (gc_visit_surveyed, the one place that says so)
--   answered     (知晓率, 满意率) an answer counts only from a visit where a person of the
--                household was present: verified, changed, new, police_collected
--                (gc_visit_answered); the latest such answer of a household per question
--   attention    (重点关注率) every subject that must carry a level — rental rooms, floating
--                persons, organisations of the four listed kinds, and every subject of a
--                key-attention record (key persons, places, units) — over those with a level
--   colour       building.collection_status counts the same households as the targets
--                (coverage_household: vacant rooms too) with the same surveyed rule; "new"
--                is the building's own status, a badge, not a collection state

-- --- the rules, each in one place -----------------------------------------------------------

CREATE OR REPLACE FUNCTION gc_visit_surveyed(result text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(result IN ('verified', 'changed', 'new', 'moved_out', 'vacant', 'police_collected'), false)
$$;

CREATE OR REPLACE FUNCTION gc_visit_answered(result text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(result IN ('verified', 'changed', 'new', 'police_collected'), false)
$$;

-- Two targets of seed §二.6, never pooled.
DELETE FROM coverage_target WHERE code = 'opinion';
UPDATE coverage_target SET part_of = NULL, sort_order = 6 WHERE code = 'awareness';
UPDATE coverage_target SET part_of = NULL, sort_order = 7 WHERE code = 'satisfaction';

-- --- derived household and building state (replaces status.sql) ----------------------------

CREATE OR REPLACE FUNCTION gc_refresh_households(ids integer[]) RETURNS void
LANGUAGE sql AS $$
  UPDATE household h
     SET last_visit_at = lv.visited_at,
         last_visit_result = lv.result,
         surveyed_at = sv.visited_at,
         verified_at = CASE WHEN lver.outcome = 'signed' THEN lver.verified_at END
    FROM unnest(ids) AS u(id)
    LEFT JOIN LATERAL (SELECT v.visited_at, v.result FROM visit v
                        WHERE v.household_id = u.id ORDER BY v.visited_at DESC, v.id DESC LIMIT 1) lv ON true
    LEFT JOIN LATERAL (SELECT max(v.visited_at) AS visited_at FROM visit v
                        WHERE v.household_id = u.id AND gc_visit_surveyed(v.result)) sv ON true
    LEFT JOIN LATERAL (SELECT c.verified_at, c.outcome FROM verification c
                        WHERE c.household_id = u.id ORDER BY c.verified_at DESC, c.id DESC LIMIT 1) lver ON true
   WHERE h.id = u.id
     AND (h.last_visit_at, h.last_visit_result, h.surveyed_at, h.verified_at) IS DISTINCT FROM
         (lv.visited_at, lv.result, sv.visited_at, CASE WHEN lver.outcome = 'signed' THEN lver.verified_at END);
$$;

-- The counted households of the targets: a room that is not demolished in a building that is
-- not demolished (vacant rooms count: they are visited and signed too). The building colour
-- and the 未采集 gap both read this view.
CREATE OR REPLACE VIEW coverage_household WITH (security_invoker = true) AS
SELECT h.id, h.town_id, h.grid_id, h.building_id,
       h.last_visit_at IS NOT NULL AS visited,
       h.verified_at IS NOT NULL AS verified,
       h.surveyed_at IS NOT NULL AS surveyed
  FROM household h
  JOIN building b ON b.id = h.building_id
 WHERE h.status <> 'demolished' AND b.status <> 'demolished';

-- A building's colour from its counted households: 已拆除 when demolished; 已核验 when every
-- counted household is surveyed and signed (so no 已核验 building is ever on the 未采集 layer);
-- 已走访 when at least one is surveyed (the others stay 未采集 gap items); else 未走访.
-- The arguments are (status, counted, surveyed, surveyed and signed).
CREATE OR REPLACE FUNCTION gc_building_collection_status(b_status text, n_active bigint,
                                                         n_visited bigint, n_verified bigint)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN b_status = 'demolished' THEN 'demolished'
    WHEN n_active > 0 AND n_verified = n_active THEN 'verified'
    WHEN n_visited > 0 THEN 'visited'
    ELSE 'not_visited' END;
$$;

CREATE OR REPLACE FUNCTION gc_refresh_buildings(ids integer[]) RETURNS void
LANGUAGE sql AS $$
  WITH agg AS (
    SELECT b.id,
           gc_building_collection_status(b.status, count(h.id),
             count(h.id) FILTER (WHERE h.surveyed),
             count(h.id) FILTER (WHERE h.surveyed AND h.verified)) AS s
      FROM building b LEFT JOIN coverage_household h ON h.building_id = b.id
     WHERE ids IS NULL OR b.id = ANY (ids)
     GROUP BY b.id)
  UPDATE building b SET collection_status = agg.s
    FROM agg WHERE agg.id = b.id AND b.collection_status IS DISTINCT FROM agg.s;
$$;

CREATE OR REPLACE FUNCTION gc_refresh_all_status() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE household h
     SET last_visit_at = lv.visited_at, last_visit_result = lv.result, surveyed_at = lv.surveyed_at
    FROM (SELECT household_id, (array_agg(visited_at ORDER BY visited_at DESC, id DESC))[1] AS visited_at,
                 (array_agg(result ORDER BY visited_at DESC, id DESC))[1] AS result,
                 max(visited_at) FILTER (WHERE gc_visit_surveyed(result)) AS surveyed_at
            FROM visit GROUP BY household_id) lv
   WHERE lv.household_id = h.id;
  UPDATE household h
     SET verified_at = CASE WHEN c.outcome = 'signed' THEN c.verified_at END
    FROM (SELECT DISTINCT ON (household_id) household_id, verified_at, outcome
            FROM verification ORDER BY household_id, verified_at DESC, id DESC) c
   WHERE c.household_id = h.id;
  PERFORM gc_refresh_buildings(NULL);
END $$;

-- --- the subjects that must carry an attention level (seed §二.3) ---------------------------

-- One row per subject: a rental room (出租房), a floating person (流动人口), an organisation of
-- the listed kinds (法人单位, 产业活动场所, 个体工商户, 社会组织), and every subject named by a
-- key-attention record (key persons, key places and units); level_set when any record of the
-- subject has a level. Subjects that are gone do not count (room demolished, person moved out
-- or deceased, organisation closed; a floating person must be living here: status active).
-- `reasons` lists why the subject must carry a level. A record counts in the grid it is kept in
-- (key_attention.grid_id, the grid its row-level security scopes), so a grid's figures and list
-- read its own rows through indexes.
CREATE OR REPLACE VIEW coverage_attention_subject WITH (security_invoker = true) AS
SELECT s.subject_kind, s.subject_id, s.town_id, s.grid_id,
       array_agg(DISTINCT s.reason ORDER BY s.reason) AS reasons,
       bool_or(s.level IS NOT NULL) AS level_set,
       max(s.level) AS level,
       count(s.record_id) AS records
  FROM (
    SELECT 'household'::text AS subject_kind, h.id AS subject_id, h.town_id, h.grid_id,
           'rental_house'::text AS reason, NULL::text AS level, NULL::integer AS record_id
      FROM household h JOIN building b ON b.id = h.building_id
     WHERE h.house_nature = 'rented' AND h.status <> 'demolished' AND b.status <> 'demolished'
    UNION ALL
    SELECT 'person', p.id, p.town_id, p.grid_id, 'floating', NULL, NULL
      FROM person p WHERE p.category = 'floating' AND p.status = 'active'
    UNION ALL
    SELECT 'organisation', o.id, o.town_id, o.grid_id, o.category, NULL, NULL
      FROM organisation o
     WHERE o.status = 'active' AND o.category IN ('legal_entity', 'activity_site', 'individual', 'social_org')
    UNION ALL
    SELECT CASE WHEN k.person_id IS NOT NULL THEN 'person'
                WHEN k.organisation_id IS NOT NULL THEN 'organisation'
                WHEN k.household_id IS NOT NULL THEN 'household' ELSE 'key_attention' END,
           coalesce(k.person_id, k.organisation_id, k.household_id, k.id),
           k.town_id, k.grid_id, k.category, k.level, k.id
      FROM key_attention k
      LEFT JOIN person p ON p.id = k.person_id
      LEFT JOIN household h ON h.id = k.household_id
      LEFT JOIN organisation o ON o.id = k.organisation_id
     WHERE (k.person_id IS NULL OR p.status NOT IN ('moved_out', 'deceased'))
       AND (k.household_id IS NULL OR h.status <> 'demolished')
       AND (k.organisation_id IS NULL OR o.status = 'active')) s
 GROUP BY s.subject_kind, s.subject_id, s.town_id, s.grid_id;

-- --- the re-visit list of a grid leader ------------------------------------------------------

-- Counted households the grid team must (re)visit, with the reason:
--   returned     民警退回重访: the latest police verification is disputed and no visit came after it
--   refused      拒绝配合（待民警处理）: not surveyed, and a visit met a refusal (the police collect it)
--   nobody_home  敲不开门: not surveyed, every visit found nobody home
--   not_visited  未走访: no visit at all
-- `since`: when the household entered that state (the disputed verification, the latest
-- refusal / nobody-home visit; NULL for never visited); `attempts`: visits so far.
-- Read by the grid panel, the police queue and the route planner.
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

-- --- keeping the per-grid figures (replaces coverage.sql's gc_refresh_coverage) --------------

CREATE OR REPLACE FUNCTION gc_refresh_coverage(ids integer[], parts text[] DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  gids integer[];
  g integer;
  all_parts boolean := parts IS NULL;
BEGIN
  IF ids IS NULL THEN
    PERFORM pg_advisory_xact_lock(1734569846, 0);  -- every grid: exclusive
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO gids FROM grid;
  ELSE
    SELECT coalesce(array_agg(DISTINCT x ORDER BY x), '{}') INTO gids FROM unnest(ids) AS u(x) WHERE x IS NOT NULL;
    IF cardinality(gids) = 0 THEN
      RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(1734569846, 0);
    FOREACH g IN ARRAY gids LOOP  -- ascending: two writers never wait for each other in a circle
      PERFORM pg_advisory_xact_lock(1734569847, g);
    END LOOP;
  END IF;

  INSERT INTO coverage_grid (grid_id, town_id, refreshed_at)
  SELECT gr.id, gr.town_id, clock_timestamp() FROM grid gr WHERE gr.id = ANY (gids)
  ON CONFLICT (grid_id) DO NOTHING;
  INSERT INTO coverage_key_grid (grid_id, town_id)
  SELECT gr.id, gr.town_id FROM grid gr WHERE gr.id = ANY (gids)
  ON CONFLICT (grid_id) DO NOTHING;

  IF all_parts OR 'households' = ANY (parts) THEN
    -- households_visited holds the SURVEYED households (入户调查率's numerator).
    UPDATE coverage_grid c
       SET households = x.n, households_visited = x.surveyed, households_verified = x.verified,
           aware_answers = x.aware_n, aware_yes = x.aware_y, satisfied_answers = x.sat_n, satisfied_yes = x.sat_y,
           refreshed_at = clock_timestamp()
      FROM (SELECT gr.id, coalesce(h.n, 0) AS n, coalesce(h.surveyed, 0) AS surveyed,
                   coalesce(h.verified, 0) AS verified, coalesce(a.n, 0) AS aware_n,
                   coalesce(a.y, 0) AS aware_y, coalesce(s.n, 0) AS sat_n, coalesce(s.y, 0) AS sat_y
              FROM grid gr
              LEFT JOIN (SELECT grid_id, count(*) AS n, count(*) FILTER (WHERE surveyed) AS surveyed,
                                count(*) FILTER (WHERE verified) AS verified
                           FROM coverage_household WHERE grid_id = ANY (gids) GROUP BY grid_id) h ON h.grid_id = gr.id
              -- 知晓 / 满意: the latest answer of each counted household, from a person present.
              LEFT JOIN (SELECT grid_id, count(*) AS n, count(*) FILTER (WHERE answer) AS y FROM (
                           SELECT DISTINCT ON (v.household_id) v.grid_id, v.awareness AS answer
                             FROM visit v JOIN coverage_household ch ON ch.id = v.household_id
                            WHERE v.grid_id = ANY (gids) AND v.awareness IS NOT NULL AND gc_visit_answered(v.result)
                            ORDER BY v.household_id, v.visited_at DESC, v.id DESC) q
                          GROUP BY grid_id) a ON a.grid_id = gr.id
              LEFT JOIN (SELECT grid_id, count(*) AS n, count(*) FILTER (WHERE answer) AS y FROM (
                           SELECT DISTINCT ON (v.household_id) v.grid_id, v.satisfaction AS answer
                             FROM visit v JOIN coverage_household ch ON ch.id = v.household_id
                            WHERE v.grid_id = ANY (gids) AND v.satisfaction IS NOT NULL AND gc_visit_answered(v.result)
                            ORDER BY v.household_id, v.visited_at DESC, v.id DESC) q
                          GROUP BY grid_id) s ON s.grid_id = gr.id
             WHERE gr.id = ANY (gids)) x
     WHERE c.grid_id = x.id
       AND (c.households, c.households_visited, c.households_verified, c.aware_answers, c.aware_yes,
            c.satisfied_answers, c.satisfied_yes)
           IS DISTINCT FROM (x.n, x.surveyed, x.verified, x.aware_n, x.aware_y, x.sat_n, x.sat_y);

    DELETE FROM coverage_gap WHERE grid_id = ANY (gids) AND kind IN ('unvisited', 'verification_due');
    -- 未采集: buildings with counted households not surveyed (never visited, nobody home,
    -- refused), weighted by those households — the rooms that keep a building from 已核验.
    INSERT INTO coverage_gap (town_id, grid_id, kind, building_id, weight, geom_3857)
    SELECT u.town_id, u.grid_id, 'unvisited', u.building_id, u.n, b.geom_3857
      FROM (SELECT town_id, grid_id, building_id, count(*) AS n FROM coverage_household
             WHERE grid_id = ANY (gids) AND NOT surveyed GROUP BY town_id, grid_id, building_id) u
      JOIN building b ON b.id = u.building_id;
    -- 待核验: visits whose changes need police verification (changed / new / refused), with the
    -- first signed verification of the household at or after the visit (NULL: still waiting).
    INSERT INTO coverage_gap (town_id, grid_id, kind, building_id, household_id, visit_id, weight,
                              visited_at, signed_at, geom_3857)
    SELECT v.town_id, v.grid_id, 'verification_due', h.building_id, v.household_id, v.id, 1, v.visited_at,
           (SELECT min(c.verified_at) FROM verification c
             WHERE c.household_id = v.household_id AND c.outcome = 'signed' AND c.verified_at >= v.visited_at),
           b.geom_3857
      FROM visit v
      JOIN coverage_household h ON h.id = v.household_id
      JOIN building b ON b.id = h.building_id
     WHERE v.grid_id = ANY (gids) AND v.result IN ('changed', 'new', 'refused');

    -- Progress per day (Asia/Shanghai): visits, signed verifications, the day each counted
    -- household was first surveyed, and +1/-1 as its latest verification turns signed / disputed.
    DELETE FROM coverage_day WHERE grid_id = ANY (gids);
    INSERT INTO coverage_day (grid_id, town_id, day, visits, signed, first_visits, verified_delta)
    SELECT e.grid_id, gr.town_id, e.day, sum(e.visits), sum(e.signed), sum(e.first_visit), sum(e.verified)
      FROM (
        SELECT v.grid_id, (v.visited_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
               1 AS visits, 0 AS signed, 0 AS first_visit, 0 AS verified
          FROM visit v WHERE v.grid_id = ANY (gids)
        UNION ALL
        SELECT c.grid_id, (c.verified_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 1, 0, 0
          FROM verification c WHERE c.grid_id = ANY (gids) AND c.outcome = 'signed'
        UNION ALL
        SELECT h.grid_id, (min(v.visited_at) AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 1, 0
          FROM coverage_household h JOIN visit v ON v.household_id = h.id
         WHERE h.grid_id = ANY (gids) AND gc_visit_surveyed(v.result) GROUP BY h.grid_id, h.id
        UNION ALL
        SELECT d.grid_id, d.day, 0, 0, 0, d.delta FROM (
          SELECT h.grid_id, (c.verified_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
                 (c.outcome = 'signed')::int
                 - (coalesce(lag(c.outcome) OVER (PARTITION BY c.household_id ORDER BY c.verified_at, c.id), '')
                    = 'signed')::int AS delta
            FROM coverage_household h JOIN verification c ON c.household_id = h.id
           WHERE h.grid_id = ANY (gids)) d
         WHERE d.delta <> 0) e
      JOIN grid gr ON gr.id = e.grid_id
     GROUP BY e.grid_id, gr.town_id, e.day;
  END IF;

  IF all_parts OR 'persons' = ANY (parts) THEN
    UPDATE coverage_grid c
       SET persons = x.n, persons_linked = x.linked, refreshed_at = clock_timestamp()
      FROM (SELECT gr.id, coalesce(p.n, 0) AS n, coalesce(p.linked, 0) AS linked
              FROM grid gr
              LEFT JOIN (SELECT grid_id, count(*) AS n, count(*) FILTER (WHERE linked) AS linked
                           FROM coverage_person WHERE grid_id = ANY (gids) GROUP BY grid_id) p ON p.grid_id = gr.id
             WHERE gr.id = ANY (gids)) x
     WHERE c.grid_id = x.id AND (c.persons, c.persons_linked) IS DISTINCT FROM (x.n, x.linked);

    DELETE FROM coverage_gap WHERE grid_id = ANY (gids) AND kind IN ('unlinked_person', 'orphan_room');
    INSERT INTO coverage_gap (town_id, grid_id, kind, building_id, weight, geom_3857)
    SELECT p.town_id, p.grid_id, 'unlinked_person', last.building_id, count(*),
           (array_agg(coalesce(b.geom_3857, gp.pt)))[1]
      FROM coverage_person p
      JOIN (SELECT id, ST_PointOnSurface(geom_3857) AS pt FROM grid WHERE id = ANY (gids)) gp ON gp.id = p.grid_id
      LEFT JOIN LATERAL (SELECT h.building_id
                           FROM residence r JOIN household h ON h.id = r.household_id
                          WHERE r.person_id = p.id
                          ORDER BY r.end_date DESC NULLS FIRST, r.start_date DESC NULLS LAST, r.id DESC
                          LIMIT 1) last ON true
      LEFT JOIN building b ON b.id = last.building_id
     WHERE p.grid_id = ANY (gids) AND NOT p.linked
     GROUP BY p.town_id, p.grid_id, last.building_id;
    INSERT INTO coverage_gap (town_id, grid_id, kind, building_id, household_id, weight, geom_3857)
    SELECT h.town_id, h.grid_id, 'orphan_room', h.building_id, h.id, 1, b.geom_3857
      FROM coverage_household h
      JOIN building b ON b.id = h.building_id
     WHERE h.grid_id = ANY (gids)
       AND NOT EXISTS (SELECT 1 FROM residence r JOIN person p ON p.id = r.person_id
                        WHERE r.household_id = h.id AND r.end_date IS NULL AND p.status = 'active')
       AND EXISTS (SELECT 1 FROM residence r JOIN coverage_person p ON p.id = r.person_id
                    WHERE r.household_id = h.id AND NOT p.linked);
  END IF;

  IF all_parts OR 'keys' = ANY (parts) THEN
    -- 重点关注率: subjects that must carry a level / of them, those with a level.
    UPDATE coverage_key_grid c SET key_total = x.n, key_set = x.level_set
      FROM (SELECT gr.id, coalesce(k.n, 0) AS n, coalesce(k.level_set, 0) AS level_set
              FROM grid gr
              LEFT JOIN (SELECT grid_id, count(*) AS n, count(*) FILTER (WHERE level_set) AS level_set
                           FROM coverage_attention_subject WHERE grid_id = ANY (gids) GROUP BY grid_id) k
                ON k.grid_id = gr.id
             WHERE gr.id = ANY (gids)) x
     WHERE c.grid_id = x.id AND (c.key_total, c.key_set) IS DISTINCT FROM (x.n, x.level_set);
  END IF;

  IF all_parts OR 'spots' = ANY (parts) THEN
    UPDATE coverage_grid c SET spot_items = x.items, spot_matched = x.matched, refreshed_at = clock_timestamp()
      FROM (SELECT gr.id, coalesce(s.items, 0) AS items, coalesce(s.matched, 0) AS matched
              FROM grid gr
              LEFT JOIN (SELECT grid_id, sum(items_checked) AS items, sum(items_matched) AS matched
                           FROM spot_check WHERE grid_id = ANY (gids) GROUP BY grid_id) s ON s.grid_id = gr.id
             WHERE gr.id = ANY (gids)) x
     WHERE c.grid_id = x.id AND (c.spot_items, c.spot_matched) IS DISTINCT FROM (x.items, x.matched);
  END IF;
END $$;

-- --- what moves the attention subjects -------------------------------------------------------

-- A room's nature (rented) or status, besides what moved its household figures before.
CREATE OR REPLACE FUNCTION gc_coverage_after_household() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE g integer[]; hs integer[]; kg integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM new_rows;
    SELECT array_agg(DISTINCT grid_id) INTO kg FROM new_rows WHERE house_nature = 'rented';
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM old_rows;
    SELECT array_agg(DISTINCT grid_id) INTO kg FROM old_rows WHERE house_nature = 'rented';
  ELSE
    SELECT array_agg(DISTINCT x) INTO g FROM (
      SELECT o.grid_id AS a, n.grid_id AS b FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE (o.status, o.last_visit_at, o.surveyed_at, o.verified_at, o.grid_id, o.building_id)
             IS DISTINCT FROM (n.status, n.last_visit_at, n.surveyed_at, n.verified_at, n.grid_id, n.building_id)) c,
      LATERAL unnest(ARRAY[c.a, c.b]) x;
    SELECT array_agg(n.id) INTO hs FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE o.status IS DISTINCT FROM n.status;
    SELECT array_agg(DISTINCT x) INTO kg FROM (
      SELECT o.grid_id AS a, n.grid_id AS b FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE (o.house_nature, o.grid_id) IS DISTINCT FROM (n.house_nature, n.grid_id)) c,
      LATERAL unnest(ARRAY[c.a, c.b]) x;
  END IF;
  IF hs IS NOT NULL THEN
    PERFORM gc_refresh_coverage(gc_coverage_grids(g || kg, NULL, hs, NULL));
  ELSE
    IF g IS NOT NULL THEN
      PERFORM gc_refresh_coverage(g, ARRAY['households']);
    END IF;
    IF kg IS NOT NULL THEN
      PERFORM gc_refresh_coverage(kg, ARRAY['keys']);
    END IF;
  END IF;
  RETURN NULL;
END $$;

-- A person's category (floating) too.
CREATE OR REPLACE FUNCTION gc_coverage_after_person() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE g integer[]; ps integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT x), array_agg(DISTINCT c.id) INTO g, ps FROM (
      SELECT n.id, o.grid_id AS a, n.grid_id AS b FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE (o.status, o.grid_id, o.category) IS DISTINCT FROM (n.status, n.grid_id, n.category)) c,
      LATERAL unnest(ARRAY[c.a, c.b]) x;
  END IF;
  IF g IS NOT NULL THEN
    PERFORM gc_refresh_coverage(gc_coverage_grids(g, ps, NULL, NULL), ARRAY['persons', 'keys']);
  END IF;
  RETURN NULL;
END $$;

-- An organisation registered, closed, re-categorised or moved.
CREATE OR REPLACE FUNCTION gc_coverage_after_organisation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE g integer[]; os integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT grid_id), array_agg(id) INTO g, os FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT x), array_agg(DISTINCT c.id) INTO g, os FROM (
      SELECT n.id, o.grid_id AS a, n.grid_id AS b FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE (o.status, o.category, o.grid_id) IS DISTINCT FROM (n.status, n.category, n.grid_id)) c,
      LATERAL unnest(ARRAY[c.a, c.b]) x;
  END IF;
  IF g IS NOT NULL THEN
    PERFORM gc_refresh_coverage(gc_coverage_grids(g, NULL, NULL, os), ARRAY['keys']);
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS coverage_after_insert ON organisation;
CREATE TRIGGER coverage_after_insert AFTER INSERT ON organisation REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gc_coverage_after_organisation();
DROP TRIGGER IF EXISTS coverage_after_delete ON organisation;
CREATE TRIGGER coverage_after_delete AFTER DELETE ON organisation REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION gc_coverage_after_organisation();

-- --- reading the targets: 知晓率 and 满意率 apart, nothing pooled -----------------------------

CREATE OR REPLACE VIEW coverage_rate WITH (security_invoker = true) AS
SELECT c.level, c.unit_id, c.town_id, c.village_id, c.grid_id, c.grids, t.code AS target, t.goal,
       x.num, x.den, gc_rate(x.num, x.den) AS rate,
       gc_target_status(x.num, x.den, t.goal) AS status,
       CASE WHEN x.den > 0 THEN greatest(t.goal - gc_rate(x.num, x.den), 0) END AS gap
  FROM coverage_count c
  CROSS JOIN LATERAL (VALUES
    ('visit', c.households_visited, c.households),
    ('verification', c.households_verified, c.households),
    ('attention', c.key_set, c.key_total),
    ('consistency', c.spot_matched, c.spot_items),
    ('link', c.persons_linked, c.persons),
    ('awareness', c.aware_yes, c.aware_answers),
    ('satisfaction', c.satisfied_yes, c.satisfied_answers)) AS x(code, num, den)
  JOIN coverage_target t ON t.code = x.code;

GRANT SELECT ON coverage_household, coverage_attention_subject, coverage_revisit, coverage_rate TO gridcheck_app;
