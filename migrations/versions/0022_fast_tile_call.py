"""the one-call tile request without re-planning: session, scope and ETag helpers in PL/pgSQL

Revision ID: 0022_fast_tile_call
Revises: 0021_empty_statements
Create Date: 2026-12-02 22:30:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0022_fast_tile_call"
down_revision = "0021_empty_statements"
branch_labels = None
depends_on = None

# The functions as revision 0011 defined them (frozen here for the downgrade).
FUNCTIONS_0011 = r"""
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

CREATE OR REPLACE FUNCTION gc_view_etag(key text, bbox geometry) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT gc_grids_etag(key,
           (SELECT coalesce(array_agg(g.id ORDER BY g.id), '{}') FROM grid g
             WHERE g.geom_3857 && bbox AND g.town_id = gc_setting_int('gc.town_id')),
           gc_setting_int('gc.town_id'), coalesce(current_setting('gc.all_grids', true) = 'on', false),
           coalesce(nullif(current_setting('gc.grid_ids', true), '')::integer[], '{}'::integer[]),
           coalesce(current_setting('gc.role', true), ''))
$$;

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
"""


def upgrade():
    op.execute(read("0022_fast_tile_call.sql"))


def downgrade():
    op.execute(FUNCTIONS_0011)
