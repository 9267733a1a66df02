-- The map at the speed of a tile server (revision 0011_tile_server).
--
-- 1. Per-grid change counters (grid_tile_version), kept by statement-level triggers on every
--    table a tile, a heat layer or a label derives from, so any writer bumps them without
--    knowing about tiles. Reference data that is not per grid (villages, roads, target goals)
--    bumps one town-wide counter (tile_reference_version).
-- 2. The session rule (gc_session_reason) and the scope rule (gc_user_scope) written once, in
--    SQL: the Python request path (webgis/auth/services.py, webgis/scope.py) calls them, and so
--    does the one-round-trip tile call gc_tile_request.
-- 3. gc_tile_request: session check, scope, ETag and (unless the client or the app's cache
--    already holds it) the tile, in one SQL call. gc_view_etag: the ETag of a heat layer or the
--    labels of a view.

CREATE SEQUENCE gc_tile_version_seq;

CREATE TABLE grid_tile_version (
  grid_id integer PRIMARY KEY,
  version bigint NOT NULL
);

CREATE TABLE tile_reference_version (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  version bigint NOT NULL
);

INSERT INTO grid_tile_version (grid_id, version) SELECT id, nextval('gc_tile_version_seq') FROM grid;
INSERT INTO tile_reference_version (version) VALUES (nextval('gc_tile_version_seq'));

-- Bump the counters of the grids in the transition tables (column grid_id, or id on grid).
-- Under READ COMMITTED two writers of one grid serialise on its counter row: a reader never
-- sees new content with an old counter after both commit.
CREATE OR REPLACE FUNCTION gc_bump_grid_versions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  col text := CASE WHEN TG_TABLE_NAME = 'grid' THEN 'id' ELSE 'grid_id' END;
  src text;
BEGIN
  src := CASE TG_OP WHEN 'INSERT' THEN format('SELECT %I AS g FROM new_rows', col)
                    WHEN 'DELETE' THEN format('SELECT %I AS g FROM old_rows', col)
                    ELSE format('SELECT %I AS g FROM old_rows UNION SELECT %I FROM new_rows', col, col) END;
  EXECUTE format(
    'INSERT INTO grid_tile_version AS v (grid_id, version)
     SELECT s.g, nextval(''gc_tile_version_seq'') FROM (SELECT DISTINCT g FROM (%s) u WHERE g IS NOT NULL ORDER BY g) s
     ON CONFLICT (grid_id) DO UPDATE SET version = EXCLUDED.version', src);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION gc_bump_reference_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE tile_reference_version SET version = nextval('gc_tile_version_seq');
  RETURN NULL;
END $$;

DO $$
DECLARE
  tbl text;
  op text;
BEGIN
  -- building: points, footprints, collection status (household status changes reach it through
  -- the status triggers of status.sql); grid: boundaries and names; coverage_*: the figures of
  -- the choropleth and the heat layers.
  FOREACH tbl IN ARRAY ARRAY['building', 'grid', 'coverage_grid', 'coverage_key_grid', 'coverage_gap'] LOOP
    FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete'] LOOP
      EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I REFERENCING %s FOR EACH STATEMENT '
                     'EXECUTE FUNCTION gc_bump_grid_versions()',
                     'tile_version_after_' || op, upper(op), tbl,
                     CASE op WHEN 'insert' THEN 'NEW TABLE AS new_rows'
                             WHEN 'delete' THEN 'OLD TABLE AS old_rows'
                             ELSE 'OLD TABLE AS old_rows NEW TABLE AS new_rows' END);
    END LOOP;
  END LOOP;
  FOREACH tbl IN ARRAY ARRAY['village', 'road', 'coverage_target'] LOOP
    EXECUTE format('CREATE TRIGGER tile_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION gc_bump_reference_version()', tbl);
  END LOOP;
END $$;

-- Why a server-side session no longer admits its user (NULL: it does). The one rule for every
-- request: the row exists and belongs to the user, the user is active with this
-- session_version, the session has not ended, is at most `absolute` old and idle at most `idle`.
CREATE OR REPLACE FUNCTION gc_session_reason(token_hash text, uid integer, version integer,
                                             idle interval, absolute interval) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT CASE
           WHEN s.id IS NULL OR u.id IS NULL THEN 'unknown'
           WHEN NOT u.active OR u.session_version IS DISTINCT FROM version THEN 'user'
           WHEN s.ended_at IS NOT NULL THEN 'ended'
           WHEN now() - s.created_at > absolute THEN 'absolute'
           WHEN now() - s.last_seen_at > idle THEN 'idle'
         END
    FROM (SELECT 1) one
    LEFT JOIN user_session s ON s.id = token_hash AND s.user_id = uid
    LEFT JOIN app_user u ON u.id = s.user_id
$$;

-- The grids a user sees (design.md §2); the role sets come from webgis/permissions.py.
-- An inspector's grids: those with at least half of their geodesic area inside the assigned
-- area (a neighbour touching the boundary is out). The share is webgis/scope.py's
-- AREA_GRID_SHARE (a test compares them).
CREATE OR REPLACE FUNCTION gc_area_grid_share() RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 0.5::double precision $$;

CREATE OR REPLACE FUNCTION gc_grid_in_area(grid_geom geometry, area geometry) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ST_Intersects(grid_geom, area)
     AND ST_Area(geography(ST_Intersection(grid_geom, area))) >= ST_Area(geography(grid_geom)) * gc_area_grid_share()
$$;

CREATE OR REPLACE FUNCTION gc_user_scope(uid integer, all_roles text[], village_roles text[],
                                         station_roles text[], area_roles text[])
RETURNS TABLE (town_id integer, role text, all_grids boolean, grid_ids integer[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT u.town_id, u.role, u.role = ANY (all_roles),
         CASE WHEN u.role = ANY (all_roles) THEN '{}'::integer[] ELSE coalesce((
           SELECT array_agg(g.id ORDER BY g.id) FROM grid g
            WHERE g.town_id = u.town_id
              AND ((u.role = ANY (village_roles) AND g.village_id = u.village_id)
                OR (u.role = ANY (station_roles) AND g.village_id IN (
                      SELECT v.id FROM village v WHERE v.station_id = u.station_id))
                OR (u.role = ANY (area_roles) AND u.area IS NOT NULL AND gc_grid_in_area(g.geom, u.area))
                OR g.id IN (SELECT ug.grid_id FROM user_grid ug WHERE ug.user_id = u.id))), '{}'::integer[]) END
    FROM app_user u WHERE u.id = uid
$$;

-- The ETag of what a scope sees of a set of grids: a hash of the key, the scope, the
-- reference counter and the counters of the grids (those in scope only: a change in a grid
-- the reader cannot see does not show).
CREATE OR REPLACE FUNCTION gc_grids_etag(key text, grids integer[], town integer, all_grids boolean,
                                         scope_grids integer[], role text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT '"' || md5(concat_ws('|', key, town, all_grids, role,
                              md5(array_to_string(scope_grids, ',')),
                              (SELECT version FROM tile_reference_version),
                              (SELECT string_agg(v.grid_id || ':' || v.version, ',' ORDER BY v.grid_id)
                                 FROM grid_tile_version v
                                WHERE v.grid_id = ANY (grids)
                                  AND (all_grids OR v.grid_id = ANY (scope_grids))))) || '"'
$$;

-- The grids whose data a tile shows: those meeting it (buildings: widened by the symbol margin
-- and the longest footprint; coverage below z13: every grid of a village meeting it).
CREATE OR REPLACE FUNCTION gc_tile_grids_of(layer text, z integer, x integer, y integer, town integer)
RETURNS integer[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  bounds geometry := ST_TileEnvelope(z, x, y);
  ids integer[];
BEGIN
  -- One plain indexed query per case (a CASE or an OR in the bbox would defeat the GiST index).
  IF layer = 'buildings' THEN
    SELECT array_agg(g.id ORDER BY g.id) INTO ids FROM grid g
     WHERE g.geom_3857 && ST_Expand(ST_TileEnvelope(z, x, y, margin => 64.0 / 4096), 60) AND g.town_id = town;
  ELSIF layer = 'grids' OR (layer = 'coverage' AND z >= 13) THEN
    SELECT array_agg(g.id ORDER BY g.id) INTO ids FROM grid g
     WHERE g.geom_3857 && bounds AND g.town_id = town;
  ELSIF layer = 'coverage' THEN
    SELECT array_agg(g.id ORDER BY g.id) INTO ids FROM grid g
     WHERE g.town_id = town AND (g.geom_3857 && bounds
        OR g.village_id IN (SELECT v.id FROM village v WHERE v.geom_3857 && bounds));
  END IF;
  RETURN coalesce(ids, '{}');
END $$;

-- One tile request in one call. Returns status 401 (no valid session), 403 (the user must
-- replace an initial password), 304 (the client's If-None-Match is current: nothing built),
-- or 200 with the ETag and the tile; tile is NULL with 200 when the ETag is one of `cached`
-- (the app holds those bytes). A tile is built under the user's scope, set transaction-locally
-- exactly as webgis/scope.py does; the layer functions apply it (tiles.sql, coverage.sql).
-- last_seen_at is written at most every `touch_every`, as webgis/auth/sessions.py does.
CREATE OR REPLACE FUNCTION gc_tile_request(token_hash text, uid integer, version integer,
                                           layer text, z integer, x integer, y integer,
                                           if_none_match text, cached text[],
                                           idle interval, absolute interval, touch_every interval,
                                           all_roles text[], village_roles text[],
                                           station_roles text[], area_roles text[])
RETURNS TABLE (status integer, etag text, tile bytea)
-- SECURITY INVOKER on purpose: gc_tile_coverage reads through row-level security, which
-- would let the owner see every grid; the session and scope helpers above run as the owner.
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

-- The ETag of a view-sized JSON layer (a heat layer, the labels) for the scope of the current
-- transaction (webgis/scope.py): the grids meeting the box, and `key` (layer, zoom, as-of).
CREATE OR REPLACE FUNCTION gc_view_etag(key text, bbox geometry) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT gc_grids_etag(key,
           (SELECT coalesce(array_agg(g.id ORDER BY g.id), '{}') FROM grid g
             WHERE g.geom_3857 && bbox AND g.town_id = gc_setting_int('gc.town_id')),
           gc_setting_int('gc.town_id'), coalesce(current_setting('gc.all_grids', true) = 'on', false),
           coalesce(nullif(current_setting('gc.grid_ids', true), '')::integer[], '{}'::integer[]),
           coalesce(current_setting('gc.role', true), ''))
$$;

REVOKE ALL ON FUNCTION gc_bump_grid_versions() FROM PUBLIC;
REVOKE ALL ON FUNCTION gc_bump_reference_version() FROM PUBLIC;
