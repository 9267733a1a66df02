-- Revision 0018 (frozen): field work without signal (issue 12).
--   offline_submission: every outbox item a phone sent back (one row per client UUID, ordered per
--   device by its sequence number), with what the server made of it: applied, applied but
--   flagged 并行修改 (the record changed since the phone's copy, in other fields), 冲突 (the
--   same fields changed: nothing overwritten, the phone's proposal kept for review) or refused
--   (the item failed validation; kept, with the error, so nothing is lost).
--   The review of conflicts is part of the police verification queue (/police).

CREATE TABLE offline_submission (
  id bigserial PRIMARY KEY,
  town_id integer NOT NULL REFERENCES town(id),
  grid_id integer REFERENCES grid(id),
  household_id integer REFERENCES household(id),
  user_id integer NOT NULL REFERENCES app_user(id),
  user_role text NOT NULL,
  client_uuid uuid NOT NULL UNIQUE,
  device_id uuid NOT NULL,
  device_seq integer NOT NULL CHECK (device_seq > 0),
  kind text NOT NULL CHECK (kind IN ('registration')),
  recorded_at timestamptz NOT NULL,           -- when the leader saved it on the phone
  received_at timestamptz NOT NULL DEFAULT now(),
  base_mark bigint,                            -- the change_history id the phone's copy was taken at
  base_versions jsonb NOT NULL DEFAULT '{}',   -- {"household": v, "person:<id>": v}
  diff jsonb NOT NULL DEFAULT '{}',            -- {"household.remarks": [before, after], ...}
  payload jsonb NOT NULL,                      -- the submission as recorded (the proposal)
  status text NOT NULL CHECK (status IN ('applied', 'parallel', 'conflict', 'refused', 'resolved')),
  conflicts jsonb,                             -- {"household.remarks": {"base", "server", "device"}}
  server_changes jsonb,                        -- fields changed on the server since base_mark
  error jsonb,                                 -- the refusal ({code, message, details})
  resolved_by integer REFERENCES app_user(id),
  resolved_at timestamptz,
  resolution text CHECK (resolution IN ('device', 'server')),
  UNIQUE (device_id, device_seq)
);
CREATE INDEX offline_submission_review ON offline_submission (town_id, status, received_at)
  WHERE status IN ('conflict', 'parallel', 'refused');
CREATE INDEX offline_submission_user ON offline_submission (user_id, received_at);
COMMENT ON TABLE offline_submission IS
  '离线提交: outbox items synced from phones, with their merge outcome (并行修改 / 冲突)';

-- History of every change (who / when / before → after), as for the other domain tables.
CREATE TRIGGER offline_submission_change_history AFTER INSERT OR UPDATE ON offline_submission
  FOR EACH ROW EXECUTE FUNCTION gc_log_change();

-- Row-level security: the grid scope, and the sender always sees their own items (an item whose
-- household is out of their scope, or unknown, is kept with no grid).
ALTER TABLE offline_submission ENABLE ROW LEVEL SECURITY;
ALTER TABLE offline_submission FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
  EXECUTE format('CREATE POLICY owner_all ON offline_submission TO %I USING (true) WITH CHECK (true)',
                 current_user);
END $$;
CREATE POLICY app_scope ON offline_submission TO gridcheck_app
  USING (gc_in_scope(town_id, grid_id)
         OR (town_id = gc_setting_int('gc.town_id') AND user_id = gc_setting_int('gc.user_id')))
  WITH CHECK (gc_in_scope(town_id, grid_id)
              OR (town_id = gc_setting_int('gc.town_id') AND user_id = gc_setting_int('gc.user_id')));
GRANT SELECT, INSERT, UPDATE ON offline_submission TO gridcheck_app;
GRANT USAGE, SELECT ON SEQUENCE offline_submission_id_seq TO gridcheck_app;
