"""row-level security: application role grants and scope policies on personal tables

Revision ID: 0004_row_level_security
Revises: 0003_audit_log_and_sessions
Create Date: 2026-11-29 12:30:00
"""
from alembic import op

from webgis.sqlfiles import read

revision = "0004_row_level_security"
down_revision = "0003_audit_log_and_sessions"
branch_labels = None
depends_on = None

SCOPED = ("building", "household", "person", "residence", "organisation", "visit", "verification",
          "key_attention")


def upgrade():
    op.execute(read("0004_rls.sql"))


def downgrade():
    for t in SCOPED:
        op.execute(f"DROP POLICY IF EXISTS app_scope ON {t}")
        op.execute(f"DROP POLICY IF EXISTS owner_all ON {t}")
        op.execute(f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY")
    op.execute("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM gridcheck_app")
    op.execute("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM gridcheck_app")
    op.execute("REVOKE ALL ON SCHEMA public FROM gridcheck_app")
    op.execute("GRANT SELECT, INSERT ON audit_log TO gridcheck_app")  # as revision 0003 left it
    for fn in ("gc_apply_scope_policies(text, boolean)", "gc_object_exists(text, integer)",
               "gc_sees_key_attention()", "gc_in_scope(integer, integer)",
               "gc_setting_int(text)"):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
