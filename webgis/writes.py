"""The unit of work every write service is built from (one way to write, for every feature).

A service: `submission()` ties the transaction to the client's UUID (the change history
records it, and a retried submission is recognised), `lock()` loads the row FOR UPDATE under
row-level security (not visible → NotFound), `check_version()` refuses a stale save with both
versions, `assign()` applies the changed fields. The change history itself is written by the
database (trigger `gc_log_change`, webgis/sql/0009_write_path.sql), so nothing a service
forgets can go unrecorded. Services raise domain errors (webgis/errors.py) and never speak HTTP.

A service commits its own unit of work and builds its answer *before* the commit: the scope
lives in transaction-local settings, so outside a request (a script, a benchmark, a worker)
the next transaction sees none of the rows it just wrote.
"""
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from webgis.errors import NotAllowed, NotFound, StaleVersion
from webgis.permissions import may

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """Who is writing: the user and role (their scope is already in the transaction)."""

    user_id: int
    role: str
    town_id: int
    name: str = ""

    @classmethod
    def of(cls, user) -> "Actor":
        return cls(user_id=user.id, role=user.role, town_id=user.town_id,
                   name=getattr(user, "display_name", "") or "")


def require(actor: Actor, role_set: frozenset[str], kind: str, object_id=None) -> None:
    """Refuse (as NotAllowed, answered like NotFound) unless the actor's role is in `role_set`."""
    if not may(actor.role, role_set):
        raise NotAllowed(kind, object_id)


def submission(session: Session, client_uuid: uuid.UUID | None) -> None:
    """Tag every change of this transaction with the submission's UUID (change history), and
    serialise concurrent retries of the same submission (transaction-level advisory lock)."""
    session.execute(text("SELECT set_config('gc.client_uuid', :u, true), "
                         "pg_advisory_xact_lock(hashtextextended(:u, 0))"),
                    {"u": str(client_uuid) if client_uuid else ""})


def applied_before(session: Session, client_uuid: uuid.UUID, table_name: str) -> int | None:
    """The id of the `table_name` row an earlier run of this submission inserted, if any.

    Call after `submission()`: the advisory lock makes a concurrent retry wait for the first.
    """
    from webgis.visits.models import ChangeHistory

    return session.execute(
        select(ChangeHistory.row_id).where(ChangeHistory.client_uuid == client_uuid,
                                           ChangeHistory.table_name == table_name,
                                           ChangeHistory.action == "insert")
        .order_by(ChangeHistory.id).limit(1)).scalar_one_or_none()


def lock(session: Session, model, object_id: int, kind: str):
    """Load one row FOR UPDATE; NotFound when it does not exist or is outside the scope."""
    row = session.execute(
        select(model).where(model.id == object_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(kind, object_id)
    return row


def check_version(row, submitted_version: int | None, kind: str, current: dict, yours: dict) -> None:
    """Refuse to save over a version the user has not seen (no lost updates)."""
    if submitted_version is None or submitted_version != row.version:
        raise StaleVersion(kind, row.id, current=current, yours=yours, current_version=row.version,
                           your_version=submitted_version)


def assign(row, values: dict) -> dict:
    """Set the fields whose value differs; return {field: (before, after)} of what changed."""
    changed = {}
    for field, value in values.items():
        before = getattr(row, field)
        if before != value:
            setattr(row, field, value)
            changed[field] = (before, value)
    return changed


def derived_uuid(client_uuid: uuid.UUID, purpose: str) -> uuid.UUID:
    """A second event of the same submission gets a UUID derived from the first (still applied once)."""
    return uuid.uuid5(client_uuid, purpose)
