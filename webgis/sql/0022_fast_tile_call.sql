-- The one-call tile request without re-planning (revision 0022_fast_tile_call).
--
-- Measured (pgbench, town demo, one client): a 304 through gc_tile_request took 0.61 ms of
-- database time, of which the SQL-language helpers gc_session_reason, gc_user_scope and
-- gc_grids_etag took ~0.45 ms: a SQL function that cannot be inlined (SECURITY DEFINER, SET
-- search_path) is planned again on every call, and gc_user_scope's one query ORed every role's
-- rule together so it scanned every grid of the town for every user. The same rules are
-- rewritten here in PL/pgSQL (each statement's plan is kept per connection) with one plain
-- indexed query per case. Same signatures, same rules, same ETag values; the scope, session and
-- tile tests (tests/test_inspector_scope.py, tests/test_rls.py, tests/test_tileserver.py) hold unchanged.

-- The session rule (unchanged): unknown session or user, user disabled or its session version
-- moved on, session ended, older than `absolute`, idle longer than `idle` — NULL when valid.
CREATE OR REPLACE FUNCTION gc_session_reason(token_hash text, uid integer, version integer,
                                             idle interval, absolute interval) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  s record;
  u record;
BEGIN
  SELECT us.created_at, us.last_seen_at, us.ended_at INTO s
    FROM user_session us WHERE us.id = token_hash AND us.user_id = uid;
  IF NOT FOUND THEN
    RETURN 'unknown';
  END IF;
  SELECT au.active, au.session_version INTO u FROM app_user au WHERE au.id = uid;
  IF NOT FOUND THEN
    RETURN 'unknown';
  END IF;
  IF NOT u.active OR u.session_version IS DISTINCT FROM version THEN
    RETURN 'user';
  ELSIF s.ended_at IS NOT NULL THEN
    RETURN 'ended';
  ELSIF now() - s.created_at > absolute THEN
    RETURN 'absolute';
  ELSIF now() - s.last_seen_at > idle THEN
    RETURN 'idle';
  END IF;
  RETURN NULL;
END $$;

-- The grids a user sees (design.md §2), unchanged: all grids of the town for all_roles; else the
-- grids of the user's village (village_roles), of its station's villages (station_roles), those
-- with at least gc_area_grid_share() of their area inside the assigned area (area_roles), and
-- the grids assigned one by one (user_grid) — each in the user's town.
CREATE OR REPLACE FUNCTION gc_user_scope(uid integer, all_roles text[], village_roles text[],
                                         station_roles text[], area_roles text[])
RETURNS TABLE (town_id integer, role text, all_grids boolean, grid_ids integer[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  u record;
  ids integer[];
BEGIN
  SELECT au.id, au.town_id, au.role::text AS role, au.village_id, au.station_id, au.area INTO u
    FROM app_user au WHERE au.id = uid;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF u.role = ANY (all_roles) THEN
    RETURN QUERY SELECT u.town_id, u.role, true, '{}'::integer[];
    RETURN;
  END IF;
  IF u.role = ANY (village_roles) THEN
    SELECT array_agg(g.id) INTO ids FROM grid g WHERE g.village_id = u.village_id AND g.town_id = u.town_id;
  ELSIF u.role = ANY (station_roles) THEN
    SELECT array_agg(g.id) INTO ids FROM grid g JOIN village v ON v.id = g.village_id
     WHERE v.station_id = u.station_id AND g.town_id = u.town_id;
  ELSIF u.role = ANY (area_roles) AND u.area IS NOT NULL THEN
    SELECT array_agg(g.id) INTO ids FROM grid g
     WHERE g.town_id = u.town_id AND gc_grid_in_area(g.geom, u.area);
  END IF;
  SELECT coalesce(array_agg(DISTINCT x ORDER BY x), '{}') INTO ids
    FROM (SELECT unnest(ids) UNION ALL
          SELECT ug.grid_id FROM user_grid ug JOIN grid g ON g.id = ug.grid_id
           WHERE ug.user_id = uid AND g.town_id = u.town_id) a(x);
  RETURN QUERY SELECT u.town_id, u.role, false, ids;
END $$;

-- The ETag of what a scope sees of a set of grids (unchanged value): a hash of the key, the
-- scope, the reference counter and the counters of the grids in scope.
CREATE OR REPLACE FUNCTION gc_grids_etag(key text, grids integer[], town integer, all_grids boolean,
                                         scope_grids integer[], role text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ref bigint;
  counters text;
BEGIN
  SELECT t.version INTO ref FROM tile_reference_version t;
  IF all_grids THEN
    SELECT string_agg(v.grid_id || ':' || v.version, ',' ORDER BY v.grid_id) INTO counters
      FROM grid_tile_version v WHERE v.grid_id = ANY (grids);
  ELSE
    SELECT string_agg(v.grid_id || ':' || v.version, ',' ORDER BY v.grid_id) INTO counters
      FROM grid_tile_version v WHERE v.grid_id = ANY (grids) AND v.grid_id = ANY (scope_grids);
  END IF;
  RETURN '"' || md5(concat_ws('|', key, town, all_grids, role, md5(array_to_string(scope_grids, ',')),
                              ref, counters)) || '"';
END $$;

-- A view's ETag (heat layers, labels) for the scope of the current transaction, unchanged.
CREATE OR REPLACE FUNCTION gc_view_etag(key text, bbox geometry) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  town integer := gc_setting_int('gc.town_id');
  ids integer[];
BEGIN
  SELECT coalesce(array_agg(g.id ORDER BY g.id), '{}') INTO ids FROM grid g
   WHERE g.geom_3857 && bbox AND g.town_id = town;
  RETURN gc_grids_etag(key, ids, town, coalesce(current_setting('gc.all_grids', true) = 'on', false),
                       coalesce(nullif(current_setting('gc.grid_ids', true), '')::integer[], '{}'::integer[]),
                       coalesce(current_setting('gc.role', true), ''));
END $$;

-- One tile request in one call (contract unchanged, see revision 0011): 401, 403, 304, or 200
-- with the ETag and the tile (NULL when the app's cache holds the bytes of that ETag). The
-- session is touched only when its last_seen_at is older than `touch_every`.
CREATE OR REPLACE FUNCTION gc_tile_request(token_hash text, uid integer, version integer,
                                           layer text, z integer, x integer, y integer,
                                           if_none_match text, cached text[],
                                           idle interval, absolute interval, touch_every interval,
                                           all_roles text[], village_roles text[],
                                           station_roles text[], area_roles text[])
RETURNS TABLE (status integer, etag text, tile bytea)
-- SECURITY INVOKER on purpose: gc_tile_coverage reads through row-level security, which
-- would let the owner see every grid; the session and scope helpers run as the owner.
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
DECLARE
  sc record;
  tag text;
  mvt bytea;
BEGIN
  IF gc_session_reason(token_hash, uid, version, idle, absolute) IS NOT NULL THEN
    RETURN QUERY SELECT 401, NULL::text, NULL::bytea;
    RETURN;
  END IF;
  UPDATE user_session s SET last_seen_at = now()
   WHERE s.id = token_hash AND s.last_seen_at < now() - touch_every;
  IF (SELECT u.must_change_password FROM app_user u WHERE u.id = uid) THEN
    RETURN QUERY SELECT 403, NULL::text, NULL::bytea;
    RETURN;
  END IF;
  SELECT * INTO sc FROM gc_user_scope(uid, all_roles, village_roles, station_roles, area_roles);
  tag := gc_grids_etag(concat_ws('/', 'tile', layer, z, x, y), gc_tile_grids_of(layer, z, x, y, sc.town_id),
                       sc.town_id, sc.all_grids, sc.grid_ids, sc.role);
  IF tag = if_none_match THEN
    RETURN QUERY SELECT 304, tag, NULL::bytea;
    RETURN;
  END IF;
  IF tag = ANY (cached) THEN
    RETURN QUERY SELECT 200, tag, NULL::bytea;
    RETURN;
  END IF;
  PERFORM set_config('gc.town_id', coalesce(sc.town_id::text, ''), true),
          set_config('gc.all_grids', CASE WHEN sc.all_grids THEN 'on' ELSE 'off' END, true),
          set_config('gc.grid_ids', '{' || array_to_string(sc.grid_ids, ',') || '}', true),
          set_config('gc.role', coalesce(sc.role, ''), true),
          set_config('gc.user_id', uid::text, true);
  mvt := CASE layer
           WHEN 'buildings' THEN gc_tile_buildings(z, x, y)
           WHEN 'grids' THEN gc_tile_grids(z, x, y)
           WHEN 'villages' THEN gc_tile_villages(z, x, y)
           WHEN 'roads' THEN gc_tile_roads(z, x, y)
           WHEN 'coverage' THEN gc_tile_coverage(z, x, y)
         END;
  RETURN QUERY SELECT 200, tag, coalesce(mvt, ''::bytea);
END $$;
