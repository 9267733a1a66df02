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


# The 19 policies go back to 0022's texts: the upgrade's own statements (this revision's
# frozen file) with the rule they applied before, gc_in_scope(town_id, grid_id).
RULE_0023 = "rule text := gc_scope_rule();"
RULE_0022 = "rule text := 'gc_in_scope(town_id, grid_id)';"


def policies_as_0022() -> str:
    sql = read("0023_scope_once_per_query.sql")
    block = sql[sql.index("DO $$"):]
    assert RULE_0023 in block
    return block.replace(RULE_0023, RULE_0022)


def downgrade():
    op.execute(policies_as_0022())
    op.execute(BEFORE_0023)
