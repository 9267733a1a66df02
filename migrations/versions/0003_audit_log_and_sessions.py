"""audit log (hash chain, append-only), server-side sessions, login throttles, lockout and TOTP

Revision ID: 0003_audit_log_and_sessions
Revises: 0002_status_triggers_and_tiles
Create Date: 2026-11-29 14:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from webgis.sqlfiles import read

revision = "0003_audit_log_and_sessions"
down_revision = "0002_status_triggers_and_tiles"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.add_column(sa.Column("failed_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default="false",
                                      nullable=False))
        batch_op.add_column(sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))

    op.create_table(
        "user_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_user_session_user_id", "user_session", ["user_id"])
    op.create_index("ix_user_session_open", "user_session", ["user_id"], postgresql_where="ended_at IS NULL")

    op.create_table(
        "auth_throttle",
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
    op.create_index("ix_auth_throttle_window_start", "auth_throttle", ["window_start"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=40), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.String(length=80), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_user_id", "audit_log", ["user_id"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"])
    op.execute(read("0003_audit.sql"))


def downgrade():
    # Functions taking the row type first; then the table. DROP TABLE fires no row or
    # TRUNCATE trigger: the one sanctioned way to remove the log.
    op.execute("DROP FUNCTION IF EXISTS gc_audit_hash(text, audit_log)")
    op.execute("DROP FUNCTION IF EXISTS gc_audit_row_text(audit_log)")
    op.drop_table("audit_log")  # drops its triggers and its owned sequence
    for fn in ("gc_audit_head()", "gc_audit_verify()", "gc_audit_forbid()",
               "gc_audit_before_insert()"):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.drop_index("ix_auth_throttle_window_start", table_name="auth_throttle")
    op.drop_table("auth_throttle")
    op.drop_index("ix_user_session_open", table_name="user_session")
    op.drop_index("ix_user_session_user_id", table_name="user_session")
    op.drop_table("user_session")
    with op.batch_alter_table("app_user") as batch_op:
        for col in ("totp_last_step", "totp_secret", "password_changed_at", "must_change_password",
                    "locked_until", "failed_count"):
            batch_op.drop_column(col)
