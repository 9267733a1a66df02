"""Progress of long imports (导入进度): a job row (exchange_job, revision 0020) that the page polls.

The import itself stays ONE transaction on the request's session. Its progress is written by a
`Progress` on a connection of its own, each update a short transaction of its own (with the
user's scope, so row-level security applies as on every app write), so another request — the
page polling `GET /exchange/jobs/<key>` — sees the numbers move while the import's transaction
is still open, and sees 'failed' with the reason when it rolls back. Updates are throttled to
one per `EVERY` seconds (a 200,000-row list reports every chunk of 2,000 rows at most).
"""
import time
import uuid

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from webgis.database import owner_engine
from webgis.scope import Scope, apply

EVERY = 0.5

_START = text("""
  INSERT INTO exchange_job (key, town_id, created_by, kind, total, message)
  VALUES (:key, :town_id, :user_id, :kind, :total, :message)
  ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, status = 'running', done = 0, total = EXCLUDED.total,
                                  message = EXCLUDED.message, updated_at = now()""")
_UPDATE = text("""
  UPDATE exchange_job SET done = :done, total = coalesce(:total, total), message = coalesce(:message, message),
         status = :status, batch_id = coalesce(:batch_id, batch_id), updated_at = now()
   WHERE key = :key""")


class Progress:
    """Callable progress of one job: `progress(done)`, `progress(done, total, message)`; then
    `finish()` or `fail(message)`. A job key the page made up (a UUID) names the job."""

    def __init__(self, key: uuid.UUID, scope: Scope, kind: str, total: int | None = None, message: str | None = None):
        self.key, self.scope = key, scope
        self.total, self.done, self._last = total, 0, 0.0
        self._write(_START, {"kind": kind, "total": total, "message": message,
                             "town_id": scope.town_id, "user_id": scope.user_id})

    def _write(self, stmt, params: dict) -> None:
        with owner_engine().connect() as conn, conn.begin():
            apply(conn, self.scope)
            conn.execute(stmt, {"key": self.key, **params})

    def _update(self, status: str, message: str | None = None, batch_id: int | None = None) -> None:
        self._write(_UPDATE, {"done": self.done, "total": self.total, "message": message, "status": status,
                              "batch_id": batch_id})

    def __call__(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        now = time.monotonic()
        if message is not None or now - self._last >= EVERY:
            self._last = now
            self._update("running", message)

    def finish(self, message: str | None = None, batch_id: int | None = None) -> None:
        if self.total is not None:
            self.done = self.total
        self._update("done", message, batch_id)

    def fail(self, message: str) -> None:
        self._update("failed", message[:500])


def job(session: Session, key: uuid.UUID) -> dict | None:
    """The job as the page shows it (None when the user may not see it or it has not started)."""
    from webgis.exchange.models import ExchangeJob

    j = session.execute(select(ExchangeJob).where(ExchangeJob.key == key)).scalar_one_or_none()
    if j is None:
        return None
    return {"key": str(j.key), "kind": j.kind, "status": j.status, "done": j.done, "total": j.total,
            "message": j.message, "batch_id": j.batch_id}
