"""Police verification (滚动式采集审核, seed §七.2): the queue of the station's police and their signature.

A household visited by the grid team enters the queue of the police of its grid's station
with a deadline of 7 days from the visit. The officer signs (签字确认: only signed data
counts as verified for the targets) or returns it with a comment (退回重访: the household
goes back on the grid leader's re-visit list). Doors that did not open and residents who
refused are collected by the police themselves (seed §四.3) from the same registration form.
"""
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from webgis import writes
from webgis.auth.models import User
from webgis.buildings import address
from webgis.buildings.models import Building, Household
from webgis.codes.data import label
from webgis.errors import Conflict, NotFound
from webgis.geo.models import Grid, Village
from webgis.permissions import VERIFY_ROLES
from webgis.visits.models import ChangeHistory, Verification, Visit

DEADLINE = timedelta(days=7)
# Visits the police sign or return (changes, new households, confirmations, departures).
SIGN_RESULTS = ("verified", "changed", "new", "moved_out", "vacant", "demolished")
# Doors the grid team could not survey: the police collect them themselves.
COLLECT_RESULTS = ("nobody_home", "refused")
QUEUES = {"sign": SIGN_RESULTS, "collect": COLLECT_RESULTS}
PAGE_SIZE = 30


def _pending(results):
    """Households whose latest visit has one of `results` and no police verification since."""
    later = exists().where(Verification.household_id == Household.id,
                           Verification.verified_at >= Household.last_visit_at)
    return and_(Household.last_visit_result.in_(results), Household.last_visit_at.is_not(None),
                or_(Household.status != "demolished", Household.last_visit_result == "demolished"),
                ~later)


def queue_counts(session: Session, now: datetime) -> dict:
    """How many households wait for each queue, and how many are past their 7-day deadline."""
    out = {}
    overdue_before = now - DEADLINE
    for name, results in QUEUES.items():
        total, overdue, due_soon = session.execute(
            select(func.count(), func.count().filter(Household.last_visit_at < overdue_before),
                   func.count().filter(Household.last_visit_at.between(overdue_before, overdue_before
                                                                        + timedelta(days=2))))
            .select_from(Household).where(_pending(results))).one()
        out[name] = {"total": total, "overdue": overdue, "due_soon": due_soon}
    return out


def queue(session: Session, now: datetime, kind: str = "sign", grid_id: int | None = None,
          only_overdue: bool = False, result: str | None = None, page: int = 1) -> dict:
    """One page of a queue, oldest visit first (the most overdue at the top)."""
    results = QUEUES.get(kind, SIGN_RESULTS)
    if result in results:
        results = (result,)
    latest = (select(Visit.id, Visit.visitor_id, Visit.result, Visit.client_uuid, Visit.note, Visit.awareness,
                     Visit.satisfaction)
              .where(Visit.household_id == Household.id)
              .order_by(Visit.visited_at.desc(), Visit.id.desc()).limit(1).lateral("lv"))
    visitor = aliased(User)
    q = (select(Household, Building, Grid.name, Village.name, latest.c.id, latest.c.result, latest.c.client_uuid,
                latest.c.note, visitor.display_name, latest.c.awareness, latest.c.satisfaction)
         .join(Building, Building.id == Household.building_id)
         .join(Grid, Grid.id == Household.grid_id).join(Village, Village.id == Building.village_id)
         .join(latest, latest.c.id.is_not(None))
         .outerjoin(visitor, visitor.id == latest.c.visitor_id)
         .where(_pending(results)))
    if grid_id is not None:
        q = q.where(Household.grid_id == grid_id)
    if only_overdue:
        q = q.where(Household.last_visit_at < now - DEADLINE)
    page = max(1, min(page, 10_000))
    rows = session.execute(q.order_by(Household.last_visit_at, Household.id)
                           .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    changes = _changes_of(session, [r[6] for r in rows])
    items = []
    for h, b, grid_name, village_name, visit_id, res, client_uuid, note, visitor_name, aw, sat in rows:
        deadline = h.last_visit_at + DEADLINE
        items.append({
            "household_id": h.id, "building_id": b.id, "grid_id": h.grid_id, "grid": grid_name,
            "village": village_name, "visit_id": visit_id,
            "standard_address": address.household_address(village_name, grid_name, b, h),
            "result": res, "result_label": label("visit_result", res), "visitor": visitor_name,
            "visited_at": h.last_visit_at.isoformat(), "deadline": deadline.isoformat(),
            "days_left": (deadline - now).total_seconds() / 86400.0,
            "overdue": deadline < now, "note": note, "awareness": aw, "satisfaction": sat,
            "changes": changes.get(client_uuid, []),
        })
    return {"kind": kind, "page": page, "more": more, "items": items}


_MASKED = {"id_number", "phone"}


def _changes_of(session: Session, uuids: list[uuid.UUID]) -> dict:
    """What each visit's submission changed (field, before → after; ID and phone masked)."""
    from webgis.people.idcard import mask_id_number, mask_phone

    if not uuids:
        return {}
    rows = session.execute(select(ChangeHistory).where(ChangeHistory.client_uuid.in_(uuids),
                                                       ChangeHistory.table_name.in_(("household", "person",
                                                                                     "residence")))
                           .order_by(ChangeHistory.id)).scalars().all()
    out: dict = {}
    for c in rows:
        for field, after in (c.after or {}).items():
            if c.action == "update" and field not in (c.before or {}):
                continue
            if field in ("id", "town_id", "grid_id", "person_id", "household_id", "building_id", "birth_date"):
                continue
            before = (c.before or {}).get(field)
            if field == "id_number":
                before, after = mask_id_number(before), mask_id_number(after)
            elif field == "phone":
                before, after = mask_phone(before), mask_phone(after)
            out.setdefault(c.client_uuid, []).append(
                {"table": c.table_name, "row_id": c.row_id, "action": c.action, "field": field,
                 "before": before, "after": after})
    return out


def verify(session: Session, actor: writes.Actor, data, now: datetime | None = None) -> dict:
    """签字确认 or 退回重访 the latest visit of a household; applied once per client UUID."""
    writes.require(actor, VERIFY_ROLES, "visit", data.visit_id)
    writes.submission(session, data.client_uuid)
    done = session.execute(select(Verification).where(Verification.client_uuid == data.client_uuid)).scalar()
    if done is not None:
        return {"applied": False, "id": done.id, "household_id": done.household_id, "outcome": done.outcome}
    visit = session.execute(select(Visit).where(Visit.id == data.visit_id)).scalar_one_or_none()
    if visit is None:
        raise NotFound("visit", data.visit_id)
    h = writes.lock(session, Household, visit.household_id, "household")
    latest = session.execute(select(Visit.id).where(Visit.household_id == h.id)
                             .order_by(Visit.visited_at.desc(), Visit.id.desc()).limit(1)).scalar()
    if latest != visit.id:
        raise Conflict("该户已有新的入户记录，请核验最新一次", code="not_latest_visit")
    if visit.result in COLLECT_RESULTS and data.outcome == "signed":
        raise Conflict("敲不开门或拒绝配合的住户需民警上门采集后才能确认", code="collect_first")
    already = session.execute(select(Verification.id).where(Verification.household_id == h.id,
                                                            Verification.verified_at >= visit.visited_at)).first()
    if already is not None:
        raise Conflict("该次入户已核验", code="already_verified")
    c = Verification(town_id=h.town_id, grid_id=h.grid_id, household_id=h.id, visit_id=visit.id,
                     officer_id=actor.user_id, outcome=data.outcome, note=data.note, client_uuid=data.client_uuid,
                     verified_at=max(now or datetime.now(timezone.utc), visit.visited_at))
    session.add(c)
    try:
        session.flush()
        out = {"applied": True, "id": c.id, "household_id": h.id, "outcome": c.outcome,
               "outcome_label": label("verification_outcome", c.outcome)}
        session.commit()
    except IntegrityError:
        session.rollback()
        done = session.execute(select(Verification).where(Verification.client_uuid == data.client_uuid)).scalar()
        if done is None:
            raise
        return {"applied": False, "id": done.id, "household_id": done.household_id, "outcome": done.outcome}
    return out
