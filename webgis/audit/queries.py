"""Read the audit log: filtered pages, newest first, and the state of the hash chain."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, or_, select

from webgis.audit.models import AuditEntry
from webgis.extensions import db

# The town's wall clock (China Standard Time, no daylight saving): date filters and display.
LOCAL_TZ = timezone(timedelta(hours=8), "CST")
PER_PAGE = 50


@dataclass
class AuditFilter:
    """What the audit page filters on; empty fields do not filter."""

    username: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ)


def search(town_id: int, f: AuditFilter, page: int = 1, per_page: int = PER_PAGE):
    """Return a page (flask-sqlalchemy Pagination) of the town's audit rows, newest first.

    Rows without a town (a failed login with an unknown username) belong to every town.
    """
    stmt = select(AuditEntry).where(or_(AuditEntry.town_id == town_id, AuditEntry.town_id.is_(None)))
    if f.username:
        stmt = stmt.where(AuditEntry.username.ilike(f"%{_escape_like(f.username)}%", escape="\\"))
    if f.action:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.object_type:
        stmt = stmt.where(AuditEntry.object_type == f.object_type)
    if f.object_id:
        stmt = stmt.where(AuditEntry.object_id == f.object_id)
    if f.date_from:
        stmt = stmt.where(AuditEntry.at >= _start_of(f.date_from))
    if f.date_to:
        stmt = stmt.where(AuditEntry.at < _start_of(f.date_to + timedelta(days=1)))
    return db.paginate(stmt.order_by(AuditEntry.id.desc()), page=page, per_page=per_page,
                       error_out=False, count=True)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def object_types(town_id: int) -> list[str]:
    """Return the object types that occur in the town's log (for the filter's choices)."""
    return list(db.session.execute(
        select(AuditEntry.object_type).where(AuditEntry.object_type.is_not(None),
                                             or_(AuditEntry.town_id == town_id, AuditEntry.town_id.is_(None)))
        .group_by(AuditEntry.object_type).order_by(AuditEntry.object_type)).scalars())


def first_broken_id() -> int | None:
    """Return the id of the first row whose hash chain does not verify, or None."""
    return db.session.execute(select(func.gc_audit_verify())).scalar()


def alert_count(town_id: int, days: int = 7) -> int:
    """Reveal-budget alerts (`reveal_alert`) of the town in the last `days` days."""
    from datetime import timedelta

    since = func.now() - timedelta(days=days)
    return db.session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "reveal_alert", AuditEntry.town_id == town_id, AuditEntry.at >= since)).scalar()


def chain_status() -> dict:
    """Return the chain's verification result and head (count, last id, last hash)."""
    head = func.gc_audit_head().table_valued("n", "last_id", "last_hash")
    n, last_id, last_hash = db.session.execute(select(head.c.n, head.c.last_id, head.c.last_hash)).one()
    return {"broken_id": first_broken_id(), "count": n, "last_id": last_id, "last_hash": last_hash}
