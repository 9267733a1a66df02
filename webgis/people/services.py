"""Person services: the audited reveal of one person's full ID number and phone."""
from sqlalchemy import func, select

from webgis.audit import services as audit
from webgis.extensions import db
from webgis.people.models import Person
from webgis.people.privacy import may_reveal

MIN_REASON = 4


class RevealRefused(Exception):
    """The reveal is not allowed (role) or not possible (unknown / out of scope)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def reveal(person_id: int, role: str, reason: str | None) -> dict:
    """Return the person's full ID number and phone, logging the reveal with its reason.

    Row-level security decides whether the person is visible at all; a person out of
    scope looks exactly like an unknown one (404), and the refusal is audited.
    """
    if reason is not None and not isinstance(reason, str):
        raise RevealRefused(400, "查看原因应为文字")
    reason = (reason or "").strip()
    if not may_reveal(role):
        audit.denied("person", person_id, reason="role may not reveal")
        raise RevealRefused(404, "未找到该人员")
    if len(reason) < MIN_REASON:
        raise RevealRefused(400, f"请填写查看原因（至少{MIN_REASON}个字）")
    row = db.session.execute(select(Person.id, Person.grid_id, Person.id_number, Person.phone)
                             .where(Person.id == person_id)).first()
    if row is None:
        exists = db.session.execute(select(func.gc_object_exists("person", person_id))).scalar()
        audit.denied("person", person_id, reason="out of scope" if exists else "unknown")
        raise RevealRefused(404, "未找到该人员")
    audit.reveal("person", row.id, ["id_number", "phone"], grid_id=row.grid_id, reason=reason[:200])
    return {"id": row.id, "id_number": row.id_number, "phone": row.phone}
