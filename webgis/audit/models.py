"""The audit log table. Rows are only ever inserted: triggers in webgis/sql/0003_audit.sql set
the id, the time and the hash chain, and refuse UPDATE, DELETE and TRUNCATE."""
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, FetchedValue, Index, Integer, String
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from webgis.extensions import db


class AuditEntry(db.Model):
    """审计日志: one event — login, refusal, reveal, export, change of a record, user admin.

    `hash` = sha256(prev_hash || canonical row text); `gc_audit_verify()` recomputes the chain.
    user_id and grid_id carry no foreign key: the log outlives the rows it talks about.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)
    # Assigned by the trigger under the chain lock, so id order is chain order.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False,
                                    server_default=FetchedValue())
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=FetchedValue(), index=True)
    town_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    username: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(30), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    grid_id: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(INET)
    detail: Mapped[dict | None] = mapped_column(JSONB)
    prev_hash: Mapped[str] = mapped_column(String(64), server_default=FetchedValue())
    hash: Mapped[str] = mapped_column(String(64), server_default=FetchedValue())
