-- Current collection state derived from the append-only visit / verification log.
-- household.last_visit_at / last_visit_result / verified_at and
-- building.collection_status are written only here.

-- Recompute the derived fields of the given households.
CREATE OR REPLACE FUNCTION gc_refresh_households(ids integer[]) RETURNS void
LANGUAGE sql AS $$
  UPDATE household h
     SET last_visit_at = lv.visited_at,
         last_visit_result = lv.result,
         verified_at = CASE WHEN lver.outcome = 'signed' THEN lver.verified_at END
    FROM unnest(ids) AS u(id)
    LEFT JOIN LATERAL (SELECT v.visited_at, v.result FROM visit v
                        WHERE v.household_id = u.id ORDER BY v.visited_at DESC, v.id DESC LIMIT 1) lv ON true
    LEFT JOIN LATERAL (SELECT c.verified_at, c.outcome FROM verification c
                        WHERE c.household_id = u.id ORDER BY c.verified_at DESC, c.id DESC LIMIT 1) lver ON true
   WHERE h.id = u.id
     AND (h.last_visit_at, h.last_visit_result, h.verified_at) IS DISTINCT FROM
         (lv.visited_at, lv.result, CASE WHEN lver.outcome = 'signed' THEN lver.verified_at END);
$$;

-- The collection status of one building from its status and its active households:
-- demolished / new come from the building itself; verified when every active household
-- is signed off by police; visited when any household was visited; else not_visited.
CREATE OR REPLACE FUNCTION gc_building_collection_status(b_status text, n_active bigint,
                                                         n_visited bigint, n_verified bigint)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN b_status = 'demolished' THEN 'demolished'
    WHEN b_status = 'new' THEN 'new'
    WHEN n_active > 0 AND n_verified = n_active THEN 'verified'
    WHEN n_visited > 0 THEN 'visited'
    ELSE 'not_visited' END;
$$;

-- Recompute building.collection_status for the given buildings (NULL = all buildings).
CREATE OR REPLACE FUNCTION gc_refresh_buildings(ids integer[]) RETURNS void
LANGUAGE sql AS $$
  WITH agg AS (
    SELECT b.id,
           gc_building_collection_status(b.status,
             count(h.id) FILTER (WHERE h.status = 'active'),
             count(h.id) FILTER (WHERE h.status = 'active' AND h.last_visit_at IS NOT NULL),
             count(h.id) FILTER (WHERE h.status = 'active' AND h.verified_at IS NOT NULL)) AS s
      FROM building b LEFT JOIN household h ON h.building_id = b.id
     WHERE ids IS NULL OR b.id = ANY (ids)
     GROUP BY b.id)
  UPDATE building b SET collection_status = agg.s
    FROM agg WHERE agg.id = b.id AND b.collection_status IS DISTINCT FROM agg.s;
$$;

-- Full set-based recompute, used after a bulk load (demo, import).
CREATE OR REPLACE FUNCTION gc_refresh_all_status() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE household h
     SET last_visit_at = lv.visited_at, last_visit_result = lv.result
    FROM (SELECT DISTINCT ON (household_id) household_id, visited_at, result
            FROM visit ORDER BY household_id, visited_at DESC, id DESC) lv
   WHERE lv.household_id = h.id;
  UPDATE household h
     SET verified_at = CASE WHEN c.outcome = 'signed' THEN c.verified_at END
    FROM (SELECT DISTINCT ON (household_id) household_id, verified_at, outcome
            FROM verification ORDER BY household_id, verified_at DESC, id DESC) c
   WHERE c.household_id = h.id;
  PERFORM gc_refresh_buildings(NULL);
END $$;

-- Statement-level triggers with transition tables: one refresh per INSERT/COPY statement.
CREATE OR REPLACE FUNCTION gc_after_visit_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE hh integer[];
BEGIN
  SELECT array_agg(DISTINCT household_id) INTO hh FROM new_events;
  PERFORM gc_refresh_households(hh);
  PERFORM gc_refresh_buildings(ARRAY(SELECT DISTINCT building_id FROM household WHERE id = ANY (hh)));
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS visit_refresh_status ON visit;
CREATE TRIGGER visit_refresh_status AFTER INSERT ON visit
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION gc_after_visit_event();
DROP TRIGGER IF EXISTS verification_refresh_status ON verification;
CREATE TRIGGER verification_refresh_status AFTER INSERT ON verification
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION gc_after_visit_event();

-- A building's own status change (new / demolished) or a household status change.
-- Row-level: PostgreSQL allows no transition tables on triggers with a column list.
CREATE OR REPLACE FUNCTION gc_after_building_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM gc_refresh_buildings(ARRAY[NEW.id]);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION gc_after_household_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM gc_refresh_buildings(ARRAY[NEW.building_id, OLD.building_id]);
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS building_status_refresh ON building;
CREATE TRIGGER building_status_refresh AFTER UPDATE OF status ON building
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION gc_after_building_status();
DROP TRIGGER IF EXISTS household_status_refresh ON household;
CREATE TRIGGER household_status_refresh AFTER UPDATE OF status, building_id ON household
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.building_id IS DISTINCT FROM NEW.building_id)
  EXECUTE FUNCTION gc_after_household_status();
