-- Revision 0012 (frozen): walking routes (路线规划) of the door-to-door campaign.
--   * pgRouting: created here for every database (the dev cluster script created it only for
--     itself); the planner computes its matrix with scipy (measured faster, see docs/routes.md)
--     and bench/routes.py compares it with pgr_dijkstraCostMatrix on the same noded graph.
--   * route_plan: one saved plan of a grid (start, return, day capacity, figures) and
--     route_stop: its stops in walking order, per day. Stops are never deleted; whether a stop
--     is done is derived from the visit log (a visit of the building after the plan was made).
--   Both are grid-scoped (row-level security) and written through the change-history trigger.

CREATE EXTENSION IF NOT EXISTS pgrouting;

CREATE TABLE route_plan (
  id serial PRIMARY KEY,
  town_id integer NOT NULL REFERENCES town(id),
  grid_id integer NOT NULL REFERENCES grid(id),
  created_by integer REFERENCES app_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  client_uuid uuid NOT NULL UNIQUE,
  title text NOT NULL,
  start_kind text NOT NULL CHECK (start_kind IN ('station', 'point', 'location', 'resume')),
  start_geom geometry(Point, 4326) NOT NULL,
  return_to_start boolean NOT NULL,
  capacity_kind text NOT NULL CHECK (capacity_kind IN ('households', 'hours')),
  households_per_day integer,
  hours_per_day numeric(4, 1),
  minutes_per_household integer,
  days integer NOT NULL CHECK (days BETWEEN 1 AND 10),
  distance_m integer NOT NULL,
  walk_minutes integer NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
  result jsonb NOT NULL
);
CREATE INDEX route_plan_grid ON route_plan (grid_id, created_at DESC);
COMMENT ON TABLE route_plan IS '路线规划: a saved door-to-door walking plan of one grid (one or several days)';

CREATE TABLE route_stop (
  id serial PRIMARY KEY,
  town_id integer NOT NULL REFERENCES town(id),
  grid_id integer NOT NULL REFERENCES grid(id),
  plan_id integer NOT NULL REFERENCES route_plan(id),
  day integer NOT NULL,
  seq integer NOT NULL,
  building_id integer NOT NULL REFERENCES building(id),
  households integer NOT NULL,
  leg_m integer,
  fallback boolean NOT NULL DEFAULT false,
  UNIQUE (plan_id, day, seq)
);
CREATE INDEX route_stop_building ON route_stop (building_id);
COMMENT ON TABLE route_stop IS '路线停靠点: one building of a saved plan, in walking order of its day';

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['route_plan', 'route_stop'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION gc_log_change()',
                   t || '_change_history', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %I TO gridcheck_app', t);
    PERFORM gc_apply_scope_policies(t);
  END LOOP;
END $$;
GRANT USAGE, SELECT ON SEQUENCE route_plan_id_seq, route_stop_id_seq TO gridcheck_app;
