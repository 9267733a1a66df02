"""Offline field work: the sync of a phone's outbox, and the review of what it brought.

(The grid's offline package is webgis/offline/package.py.) `sync_item()` applies one outbox item on the write path of
the registration form (webgis.visits.services.save_registration → webgis/writes.py: UUID,
locks, version check; history by trigger) after the merge rules (merge.py) decided: applied,
applied and flagged 并行修改, or 冲突 (nothing overwritten, the proposal kept for review at
/police). Items of one device are taken strictly in order of their sequence number; a retried
item (same client UUID) gets its first answer back.
"""
import logging
import uuid
from datetime import datetime, timezone

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from webgis import writes
from webgis.buildings import address
from webgis.buildings.models import Building, Household
from webgis.codes.data import label
from webgis.errors import Conflict, DomainError, NotAllowed, NotFound
from webgis.geo.models import Grid, Village
from webgis.offline import merge
from webgis.offline.models import STATUS_LABELS, OfflineSubmission
from webgis.offline.schemas import SyncItemInput
from webgis.people.idcard import mask_id_number, mask_phone
from webgis.people.models import Person, Residence
from webgis.permissions import OFFLINE_ROLES
from webgis.schemas import parse
from webgis.visits.models import ChangeHistory, Visit
from webgis.visits.schemas import EMPTY_RESULTS, RegistrationInput
from webgis.visits.services import HOUSEHOLD_FIELDS, PERSON_FIELDS, save_registration

log = logging.getLogger(__name__)

# Residence columns as the phone's member fields.
RESIDENCE_FIELDS = {"relation_to_head": "relation", "end_date": "leave"}
_MASKED = {"id_number": mask_id_number, "phone": mask_phone}


# --- the sync of one outbox item -----------------------------------------------------------------

def _answer(sub: OfflineSubmission, duplicate: bool = False) -> dict:
    return {"submission_id": sub.id, "client_uuid": str(sub.client_uuid), "seq": sub.device_seq,
            "household_id": sub.household_id, "status": sub.status, "status_label": STATUS_LABELS[sub.status],
            "applied": sub.status in ("applied", "parallel"), "duplicate": duplicate,
            "conflicts": _masked_conflicts(sub.conflicts), "error": sub.error}


def _masked_conflicts(conflicts: dict | None) -> dict | None:
    if not conflicts:
        return conflicts
    out = {}
    for key, values in conflicts.items():
        mask = _MASKED.get(key.rsplit(".", 1)[-1])
        out[key] = {k: (mask(v) if mask and isinstance(v, str) else v) for k, v in values.items()}
    return out


def _own_uuids(session: Session, device_id: uuid.UUID) -> set:
    """Submissions of this device: its own changes are no parallel change to merge with."""
    own = set(session.execute(select(OfflineSubmission.client_uuid)
                              .where(OfflineSubmission.device_id == device_id)).scalars())
    return own | {writes.derived_uuid(u, "signed") for u in own}


def history_mark(session: Session) -> int:
    """The newest change-history id the user can see: a later change of their records has a larger one.

    (An id, not a time: a transaction's changes all carry its start time, ids follow the order
    of the changes themselves.)"""
    return session.execute(select(func.coalesce(func.max(ChangeHistory.id), 0))).scalar()


def changed_since(session: Session, household_id: int, person_ids: list[int], base_mark: int | None,
                  exclude: set) -> dict:
    """Fields changed on the server after `base_mark` by anyone else: {"household.remarks": changed_at, ...}."""
    if base_mark is None:
        return {}
    res = {r.id: r for r in session.execute(
        select(Residence).where(or_(Residence.household_id == household_id,
                                    Residence.person_id.in_(person_ids or [-1])))).scalars()}
    q = (select(ChangeHistory).where(ChangeHistory.id > base_mark)
         .where(or_((ChangeHistory.table_name == "household") & (ChangeHistory.row_id == household_id),
                    (ChangeHistory.table_name == "person") & ChangeHistory.row_id.in_(person_ids or [-1]),
                    (ChangeHistory.table_name == "residence") & ChangeHistory.row_id.in_(list(res) or [-1])))
         .order_by(ChangeHistory.id))
    out: dict = {}
    for c in session.execute(q).scalars():
        if c.client_uuid is not None and c.client_uuid in exclude:
            continue
        keys = []
        if c.table_name in ("household", "person") and c.action != "update":
            continue
        if c.table_name == "household":
            keys = [f"household.{k}" for k in (c.after or {}) if k in HOUSEHOLD_FIELDS or k == "status"]
        elif c.table_name == "person":
            keys = [f"members.{c.row_id}.{k}" for k in (c.after or {})
                    if k in PERSON_FIELDS or k in ("id_number", "phone", "status")]
        else:
            r = res.get(c.row_id)
            if r is None:
                continue
            if c.action == "insert":
                keys = ["household.members"] if r.household_id == household_id else []
            else:
                keys = [f"members.{r.person_id}.{RESIDENCE_FIELDS[k]}" for k in (c.after or {})
                        if k in RESIDENCE_FIELDS]
                if "end_date" in (c.after or {}) and r.household_id == household_id:
                    keys.append("household.members")
        for k in keys:
            out.setdefault(k, c.changed_at.isoformat())
    return out


def _item_fields(item: SyncItemInput) -> set:
    fields = set(item.diff)
    result = (item.payload.get("visit") or {}).get("result")
    if result in EMPTY_RESULTS:
        fields |= {"household.status", "household.members"}
    for m in item.payload.get("members") or []:
        if isinstance(m, dict) and m.get("person_id") and m.get("leave"):
            fields.add(f"members.{m['person_id']}.leave")
    return fields


def _value(obj, field: str):
    v = getattr(obj, field)
    return v.isoformat() if hasattr(v, "isoformat") else v


def _rebuild(payload: dict, diff: dict, h: Household, residents: dict, keep_server: frozenset = frozenset()) -> dict:
    """The submission on today's record: the phone's changed fields over the current values and versions.

    Fields the phone did not change take the current value (a parallel change is kept, never
    undone by the phone's stale copy); residents added on the server since are kept as they are;
    `keep_server` names changed fields whose platform value wins (a reviewed conflict).
    """
    def mine(key):
        return key in diff and key not in keep_server

    out = dict(payload)
    household = dict(payload.get("household") or {})
    for f in HOUSEHOLD_FIELDS:
        if not mine(f"household.{f}"):
            household[f] = getattr(h, f)
    household["version"] = h.version
    out["household"] = household
    members, seen = [], set()
    for m in payload.get("members") or []:
        m = dict(m)
        pid = m.get("person_id")
        if pid is not None and not m.get("move"):
            if pid not in residents:
                if any(k.startswith(f"members.{pid}.") for k in diff):
                    members.append(m)  # left meanwhile: save_registration refuses it, the review decides
                continue
            r, p = residents[pid]
            for f in PERSON_FIELDS:
                if not mine(f"members.{pid}.{f}"):
                    m[f] = getattr(p, f)
            for f in ("id_number", "phone"):
                if not mine(f"members.{pid}.{f}"):
                    m.pop(f, None)
            if not mine(f"members.{pid}.relation"):
                m["relation"] = r.relation_to_head
            m["version"] = p.version
            seen.add(pid)
        members.append(m)
    for pid, (r, p) in residents.items():
        if pid not in seen and not any(m.get("person_id") == pid for m in members):
            members.append({"person_id": p.id, "version": p.version, "relation": r.relation_to_head,
                            **{f: getattr(p, f) for f in PERSON_FIELDS}})
    out["members"] = members
    return out


def _residents(session: Session, household_id: int) -> dict:
    rows = session.execute(select(Residence, Person).join(Person, Person.id == Residence.person_id)
                           .where(Residence.household_id == household_id, Residence.end_date.is_(None))).all()
    return {p.id: (r, p) for r, p in rows}


def _person_ids(payload: dict) -> list[int]:
    return [m["person_id"] for m in payload.get("members") or []
            if isinstance(m, dict) and isinstance(m.get("person_id"), int) and not m.get("move")]


def _base_versions(payload: dict) -> dict:
    out = {"household": (payload.get("household") or {}).get("version")}
    for m in payload.get("members") or []:
        if isinstance(m, dict) and isinstance(m.get("person_id"), int) and not m.get("move"):
            out[f"person:{m['person_id']}"] = m.get("version")
    return out


def _stale_values(item: SyncItemInput, h: Household, residents: dict) -> set:
    """Item fields whose server value is no longer the phone's `before` (belt and braces to the history)."""
    out = set()
    for key, (before, _after) in item.diff.items():
        parts = key.split(".")
        if parts[0] == "household" and parts[1] in HOUSEHOLD_FIELDS:
            if not merge.same_value(getattr(h, parts[1]), before):
                out.add(key)
        elif parts[0] == "members" and parts[1] != "new":
            pid, f = int(parts[1]), parts[2]
            if pid not in residents:
                out.add(key)
            elif f in PERSON_FIELDS and not merge.same_value(_value(residents[pid][1], f), before):
                out.add(key)
    return out


def _device_lock(session: Session, device_id: uuid.UUID) -> None:
    # One device's items are taken one at a time, in order (a second tab waits for the first).
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:d, 1))"), {"d": str(device_id)})


def sync_item(session: Session, actor: writes.Actor, item: SyncItemInput) -> dict:
    """Apply one outbox item (or keep it for review); return what became of it. Applied once per UUID."""
    writes.require(actor, OFFLINE_ROLES, "household", item.household_id)
    _device_lock(session, item.device_id)
    writes.submission(session, item.client_uuid)
    done = session.execute(select(OfflineSubmission).where(OfflineSubmission.client_uuid == item.client_uuid)
                           ).scalar_one_or_none()
    if done is not None:
        return _answer(done, duplicate=True)
    last = session.execute(select(func.max(OfflineSubmission.device_seq))
                           .where(OfflineSubmission.device_id == item.device_id)).scalar() or 0
    if item.seq <= last:
        raise Conflict("同步顺序错误：本机已有更晚的记录上传，请刷新页面后重新同步", code="out_of_order",
                       details={"last_seq": last, "seq": item.seq})
    sub = OfflineSubmission(town_id=actor.town_id, user_id=actor.user_id, user_role=actor.role,
                            client_uuid=item.client_uuid, device_id=item.device_id, device_seq=item.seq,
                            kind=item.kind, recorded_at=item.recorded_at, base_mark=item.base_mark,
                            base_versions=_base_versions(item.payload), diff=item.diff, payload=item.payload,
                            household_id=item.household_id)
    try:
        h = writes.lock(session, Household, item.household_id, "household")
        sub.grid_id = h.grid_id
        residents = _residents(session, h.id)
        for pid in residents:
            writes.lock(session, Person, pid, "person")
        current = {"household": h.version, **{f"person:{pid}": p.version for pid, (_r, p) in residents.items()}}
        changed = changed_since(session, h.id, _person_ids(item.payload), item.base_mark,
                                _own_uuids(session, item.device_id))
        stale = _stale_values(item, h, residents)
        decision = merge.decide(sub.base_versions, current, _item_fields(item), set(changed) | stale)
        sub.server_changes = changed or None
        if decision.status == merge.CONFLICT:
            sub.status = "conflict"
            sub.conflicts = {key: {"base": (item.diff.get(key) or [None, None])[0],
                                   "server": _server_value(key, h, residents),
                                   "device": (item.diff.get(key) or [None, None])[1],
                                   "changed_at": changed.get(key)}
                             for key in sorted(decision.overlap)}
            session.add(sub)
            session.flush()
            out = _answer(sub)
            session.commit()
            return out
        sub.status = decision.status
        data = parse(RegistrationInput, _rebuild(item.payload, item.diff, h, residents))
        session.add(sub)
        session.flush()
        # The visit happened when the leader saved it on the phone (never later than now: a
        # phone's clock may run ahead).
        server_now = session.execute(select(func.now())).scalar()
        result = save_registration(session, actor, h.id, data, now=min(item.recorded_at, server_now))  # commits
        out = _answer(sub)
        out["visit_id"] = result["visit_id"]
        return out
    except DomainError as exc:
        session.rollback()
        return _refused(session, actor, item, sub, exc)


def _server_value(key: str, h: Household, residents: dict):
    parts = key.split(".")
    if parts[0] == "household":
        if parts[1] == "members":
            return sorted(residents)
        return _value(h, parts[1]) if hasattr(h, parts[1]) else None
    if parts[1] == "new":
        return None
    pid, f = int(parts[1]), parts[2]
    if pid not in residents:
        return "已不在本户"
    r, p = residents[pid]
    if f == "relation":
        return r.relation_to_head
    if f == "leave":
        return None
    return _value(p, f) if hasattr(p, f) else None


def _refused(session: Session, actor: writes.Actor, item: SyncItemInput, sub: OfflineSubmission,
             exc: DomainError) -> dict:
    """Keep an item the write path refused (with the error): nothing a phone sends is lost."""
    writes.submission(session, item.client_uuid)
    done = session.execute(select(OfflineSubmission).where(OfflineSubmission.client_uuid == item.client_uuid)
                           ).scalar_one_or_none()
    if done is not None:  # the same item won a race with itself
        return _answer(done, duplicate=True)
    if isinstance(exc, (NotFound, NotAllowed)):  # out of scope, unknown or not allowed: audited
        from webgis.audit import services as audit

        audit.denied(exc.kind, exc.object_id, reason="offline submission: out of scope or unknown")
    grid_id = session.execute(select(Household.grid_id).where(Household.id == item.household_id)).scalar()
    kept = OfflineSubmission(town_id=actor.town_id, user_id=actor.user_id, user_role=actor.role,
                             client_uuid=item.client_uuid, device_id=item.device_id, device_seq=item.seq,
                             kind=item.kind, recorded_at=item.recorded_at, base_mark=item.base_mark,
                             base_versions=sub.base_versions, diff=item.diff, payload=item.payload,
                             household_id=item.household_id if grid_id is not None else None,
                             grid_id=grid_id, status="refused",
                             error={"code": exc.code, "message": exc.message,
                                    "details": exc.details if isinstance(exc.details, dict) else None})
    session.add(kept)
    session.flush()
    out = _answer(kept)
    session.commit()
    return out


# --- what the leader and the review see ------------------------------------------------------------

def my_submissions(session: Session, actor: writes.Actor, device_id: uuid.UUID | None = None,
                   limit: int = 100) -> list[dict]:
    """The leader's synced items, newest first (冲突 and 未通过校验 first of all)."""
    q = select(OfflineSubmission).where(OfflineSubmission.user_id == actor.user_id)
    if device_id is not None:
        q = q.where(OfflineSubmission.device_id == device_id)
    rows = session.execute(q.order_by(OfflineSubmission.received_at.desc(), OfflineSubmission.id.desc())
                           .limit(limit)).scalars().all()
    return [_answer(s) for s in rows]


def review_items(session: Session, statuses=("conflict", "parallel", "refused"), limit: int = 100) -> list[dict]:
    """离线同步 in the police queue: conflicts to decide, refused items, parallel changes to look at."""
    from webgis.auth.models import User

    rows = session.execute(
        select(OfflineSubmission, User.display_name, Household, Building, Grid.name, Village.name)
        .join(User, User.id == OfflineSubmission.user_id)
        .outerjoin(Household, Household.id == OfflineSubmission.household_id)
        .outerjoin(Building, Building.id == Household.building_id)
        .outerjoin(Grid, Grid.id == Household.grid_id).outerjoin(Village, Village.id == Building.village_id)
        .where(OfflineSubmission.status.in_(statuses))
        .order_by(OfflineSubmission.status != "conflict", OfflineSubmission.received_at, OfflineSubmission.id)
        .limit(limit)).all()
    out = []
    for s, who, h, b, gname, vname in rows:
        item = _answer(s)
        item.update({"recorded_at": s.recorded_at.isoformat(), "received_at": s.received_at.isoformat(),
                     "user": who, "grid_id": s.grid_id,
                     "standard_address": address.household_address(vname, gname, b, h) if h is not None else None,
                     "result": (s.payload.get("visit") or {}).get("result"),
                     "result_label": label("visit_result", (s.payload.get("visit") or {}).get("result")),
                     "server_changes": sorted(s.server_changes or {})})
        out.append(item)
    return out


def review_counts(session: Session) -> dict:
    rows = dict(session.execute(select(OfflineSubmission.status, func.count())
                                .where(OfflineSubmission.status.in_(("conflict", "parallel", "refused")))
                                .group_by(OfflineSubmission.status)).all())
    return {"conflict": rows.get("conflict", 0), "parallel": rows.get("parallel", 0),
            "refused": rows.get("refused", 0), "total": rows.get("conflict", 0), "overdue": 0}


def resolve(session: Session, actor: writes.Actor, submission_id: int, keep: str,
            now: datetime | None = None) -> dict:
    """Decide a conflict: apply the visit with the phone's values (keep="device") or with the platform's
    values for the conflicting fields (keep="server"). Either way the visit is recorded, once."""
    from webgis.permissions import SYNC_REVIEW_ROLES

    writes.require(actor, SYNC_REVIEW_ROLES, "offline_submission", submission_id)
    sub = session.execute(select(OfflineSubmission).where(OfflineSubmission.id == submission_id)
                          .with_for_update()).scalar_one_or_none()
    if sub is None:
        raise NotFound("offline_submission", submission_id)
    if sub.status != "conflict":
        raise Conflict("该记录不是待处理的冲突", code="not_a_conflict")
    writes.submission(session, sub.client_uuid)
    h = writes.lock(session, Household, sub.household_id, "household")
    residents = _residents(session, h.id)
    keep_server = frozenset(sub.conflicts or {}) if keep == "server" else frozenset()
    data = parse(RegistrationInput, _rebuild(sub.payload, sub.diff, h, residents, keep_server))
    sub.status, sub.resolution = "resolved", keep
    sub.resolved_by, sub.resolved_at = actor.user_id, now or datetime.now(timezone.utc)
    session.flush()
    leader = writes.Actor(user_id=sub.user_id, role=sub.user_role, town_id=sub.town_id)
    result = save_registration(session, leader, h.id, data, now=min(sub.recorded_at, sub.received_at))  # commits
    return {"submission_id": sub.id, "status": "resolved", "resolution": keep, "visit_id": result["visit_id"],
            "applied": result["applied"]}


def visits_of(session: Session, uuids: list[uuid.UUID]) -> dict:
    """Visit ids recorded for these submissions (each UUID at most once: the unique constraint)."""
    return dict(session.execute(select(Visit.client_uuid, Visit.id).where(Visit.client_uuid.in_(uuids))).all())
