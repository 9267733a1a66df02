"""Person services: the audited reveal of one person's full ID number and phone.

A reveal needs a reason and fits a per-user budget (per minute and per day, config
REVEAL_PER_MINUTE / REVEAL_PER_DAY); the same reason serves at most
REVEAL_SAME_REASON_PER_DAY reveals a day (a reason pasted mechanically is no reason).
Beyond the budget the reveal is refused (429) and one alert row per window goes to the
audit log (`reveal_alert`), which the town office sees counted on the audit page.
"""
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import func, select

from webgis.audit import services as audit
from webgis.audit.models import AuditEntry
from webgis.extensions import db
from webgis.people.models import Person
from webgis.people.privacy import may_reveal

MIN_REASON = 4
DEFAULTS = {"REVEAL_PER_MINUTE": 10, "REVEAL_PER_DAY": 60, "REVEAL_SAME_REASON_PER_DAY": 5}


def _limit(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name])) if has_app_context() else DEFAULTS[name]


def _reveals_since(user_id: int, since, action: str = "reveal", reason: str | None = None) -> int:
    q = (select(func.count()).select_from(AuditEntry)
         .where(AuditEntry.user_id == user_id, AuditEntry.action == action, AuditEntry.at >= since))
    if reason is not None:
        q = q.where(AuditEntry.detail["reason"].astext == reason)
    return db.session.execute(q).scalar()


def check_budget(user_id: int | None, reason: str) -> None:
    """Refuse (RevealRefused 429/400) a reveal beyond the user's budget; alert the town office once."""
    if user_id is None:
        return
    now = db.session.execute(select(func.now())).scalar()
    day_start = now - timedelta(days=1)
    windows = (("minute", now - timedelta(minutes=1), _limit("REVEAL_PER_MINUTE"), "每分钟"),
               ("day", day_start, _limit("REVEAL_PER_DAY"), "24 小时内"))
    for window, since, limit, words in windows:
        used = _reveals_since(user_id, since)
        if used >= limit:
            if not _reveals_since(user_id, since, action="reveal_alert"):
                audit.record("reveal_alert", "user", user_id,
                             {"window": window, "limit": limit, "count": used, "reason": reason[:200]})
                db.session.commit()
            raise RevealRefused(429, f"查看明文次数已达上限（{words}最多 {limit} 次），本次未显示。"
                                     "如确需批量核对，请联系镇网格办；超限情况已记入审计日志。")
    same = _reveals_since(user_id, day_start, reason=reason)
    if same >= _limit("REVEAL_SAME_REASON_PER_DAY"):
        raise RevealRefused(400, "同一查看原因已多次使用，请针对本次查看填写具体原因（如核对的事项）")


class RevealRefused(Exception):
    """The reveal is not allowed (role) or not possible (unknown / out of scope)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def reveal(person_id: int, role: str, reason: str | None, user_id: int | None = None) -> dict:
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
    check_budget(user_id, reason)
    row = db.session.execute(select(Person.id, Person.grid_id, Person.id_number, Person.phone)
                             .where(Person.id == person_id)).first()
    if row is None:
        exists = db.session.execute(select(func.gc_object_exists("person", person_id))).scalar()
        audit.denied("person", person_id, reason="out of scope" if exists else "unknown")
        raise RevealRefused(404, "未找到该人员")
    audit.reveal("person", row.id, ["id_number", "phone"], grid_id=row.grid_id, reason=reason[:200])
    return {"id": row.id, "id_number": row.id_number, "phone": row.phone}


def move_person(session, actor, person_id: int, data) -> dict:
    """Move a person to another room: the old link ends, a new one starts; one person record."""
    from datetime import date

    from webgis import writes
    from webgis.buildings.models import Household
    from webgis.errors import Conflict
    from webgis.people.models import Residence
    from webgis.permissions import MAP_EDIT_ROLES

    writes.require(actor, MAP_EDIT_ROLES, "person", person_id)
    writes.submission(session, data.client_uuid)
    if writes.applied_before(session, data.client_uuid, "residence") is not None:
        return {"applied": False, "id": person_id}
    p = writes.lock(session, Person, person_id, "person")
    writes.check_version(p, data.version, "person", current={"version": p.version, "grid_id": p.grid_id},
                         yours=data.model_dump(mode="json"))
    target = writes.lock(session, Household, data.to_household_id, "household")
    if target.status == "demolished":
        raise Conflict("目标房间已拆除", code="demolished")
    current = session.execute(select(Residence).where(Residence.person_id == p.id, Residence.end_date.is_(None))
                              .with_for_update()).scalars().all()
    if any(r.household_id == target.id for r in current):
        raise Conflict("该人员已住在目标房间", code="same_room")
    for r in current:
        r.end_date = date.today()
    session.add(Residence(town_id=target.town_id, grid_id=target.grid_id, person_id=p.id,
                          household_id=target.id, relation_to_head=data.relation, start_date=date.today()))
    writes.assign(p, {"status": "active", "grid_id": target.grid_id})
    if target.status == "vacant":
        target.status = "active"
    session.flush()
    out = {"applied": True, "id": p.id, "version": p.version, "household_id": target.id}
    session.commit()
    return out
