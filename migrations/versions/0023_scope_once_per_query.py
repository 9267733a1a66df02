"""row-level security: the scope evaluated once per query (InitPlans), not per row

Revision ID: 0023_scope_once_per_query
Revises: 0022_fast_tile_call
Create Date: 2026-12-03 15:10:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0023_scope_once_per_query"
down_revision = "0022_fast_tile_call"
branch_labels = None
depends_on = None

# gc_apply_scope_policies as revision 0022 had it (frozen for the downgrade).
BEFORE_0023 = r"""
CREATE OR REPLACE FUNCTION gc_apply_scope_policies(t text, key_attention boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  rule text := CASE WHEN key_attention THEN 'gc_sees_key_attention() AND gc_in_scope(town_id, grid_id)'
                    ELSE 'gc_in_scope(town_id, grid_id)' END;
BEGIN
  EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
  EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  EXECUTE format('DROP POLICY IF EXISTS owner_all ON %I', t);
  EXECUTE format('CREATE POLICY owner_all ON %I TO %I USING (true) WITH CHECK (true)', t, current_user);
  EXECUTE format('DROP POLICY IF EXISTS app_scope ON %I', t);
  EXECUTE format('CREATE POLICY app_scope ON %I TO gridcheck_app USING (%s) WITH CHECK (%s)', t, rule, rule);
END $$;

DROP FUNCTION gc_scope_rule();
DROP FUNCTION gc_scope_grid_ids();
"""


def upgrade():
    op.execute(read("0023_scope_once_per_query.sql"))


# The 19 policies with the texts revision 0022 left them with (frozen for the downgrade).
POLICIES_0022 = r"""
ALTER POLICY app_scope ON building
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
ALTER POLICY app_scope ON change_history
  USING ((gc_in_scope(town_id, grid_id) AND ((table_name <> 'key_attention'::text) OR gc_sees_key_attention())));
ALTER POLICY app_scope ON coverage_day
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
ALTER POLICY app_scope ON coverage_gap
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
ALTER POLICY app_scope ON coverage_grid
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
ALTER POLICY app_scope ON coverage_key_grid
  USING ((gc_sees_key_attention() AND gc_in_scope(town_id, grid_id)))
  WITH CHECK ((gc_sees_key_attention() AND gc_in_scope(town_id, grid_id)));
ALTER POLICY app_scope ON exchange_row
  USING ((gc_in_scope(town_id, grid_id) OR ((town_id = gc_setting_int('gc.town_id'::text)) AND (grid_id IS NULL) AND (created_by = gc_setting_int('gc.user_id'::text)))))
  WITH CHECK ((town_id = gc_setting_int('gc.town_id'::text)));
ALTER POLICY app_scope ON household
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
ALTER POLICY app_scope ON key_attention
  USING ((gc_sees_key_attention() AND gc_in_scope(town_id, grid_id)))
  WITH CHECK ((gc_sees_key_attention() AND gc_in_scope(town_id, grid_id)));
ALTER POLICY app_scope ON offline_submission
  USING ((gc_in_scope(town_id, grid_id) OR ((town_id = gc_setting_int('gc.town_id'::text)) AND (user_id = gc_setting_int('gc.user_id'::text)))))
  WITH CHECK ((gc_in_scope(town_id, grid_id) OR ((town_id = gc_setting_int('gc.town_id'::text)) AND (user_id = gc_setting_int('gc.user_id'::text)))));
ALTER POLICY app_scope ON organisation
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
ALTER POLICY app_scope ON person
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
ALTER POLICY app_scope ON residence
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
ALTER POLICY app_scope ON route_plan
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
ALTER POLICY app_scope ON route_stop
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
ALTER POLICY app_scope ON spot_check
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
ALTER POLICY app_scope ON spot_check_item
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
ALTER POLICY app_scope ON verification
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
ALTER POLICY app_scope ON visit
  USING (gc_in_scope(town_id, grid_id))
  WITH CHECK (gc_in_scope(town_id, grid_id));
"""


def downgrade():
    op.execute(POLICIES_0022)
    op.execute(BEFORE_0023)
