"""Door to door: the registration form of one household, saved as one visit (seed §五, 附件2).

`registration_form()` pre-fills the form from what the platform holds (masked as the role
sees it); `save_registration()` is the unit of work of one submission: scope (row-level
security), versions, every member row, the household's facts and the visit event, all or
nothing. The change history is written by the database trigger; a retried submission (same
client UUID) is applied once.
"""
import logging
import uuid
from datetime import datetime, timezone

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webgis import writes
from webgis.buildings import address
from webgis.buildings.models import Building, Household
from webgis.codes.data import label
from webgis.errors import Conflict, NotAllowed, ValidationFailed
from webgis.geo.models import Grid, Village
from webgis.people.idcard import gender_of
from webgis.people.models import Person, Residence
from webgis.people.privacy import identifiers
from webgis.permissions import REGISTER_ROLES, VERIFY_ROLES, may
from webgis.visits.models import Verification, Visit
from webgis.visits.schemas import EMPTY_RESULTS, PRESENT_RESULTS, TEAM_RESULTS, RegistrationInput

log = logging.getLogger(__name__)

PERSON_FIELDS = ("name", "gender", "ethnicity", "occupation", "employer", "marital", "hukou_consistent",
                 "registered_address", "category")
HOUSEHOLD_FIELDS = ("house_nature", "landlord", "lease_period", "lease_reason", "cotenant_relation",
                    "special_space", "remarks")


# --- reading: the pre-filled form -----------------------------------------------------------

def _person_values(p: Person, relation: str | None, role: str) -> dict:
    return {"person_id": p.id, "version": p.version, "relation": relation,
            **{f: getattr(p, f) for f in PERSON_FIELDS}, **identifiers(role, p.id_number, p.phone)}


def _household_values(h: Household) -> dict:
    return {"version": h.version, **{f: getattr(h, f) for f in HOUSEHOLD_FIELDS}}


def _residents(session: Session, household_id: int) -> list[tuple[Residence, Person]]:
    return session.execute(
        select(Residence, Person).join(Person, Person.id == Residence.person_id)
        .where(Residence.household_id == household_id, Residence.end_date.is_(None))
        .order_by(func.lpad(Residence.relation_to_head, 2, "0"), Person.id)
    ).all()


def registration_form(session: Session, household_id: int, role: str) -> dict:
    """Return the household's registration form, pre-filled (identifiers masked for the role)."""
    row = session.execute(
        select(Household, Building, Grid.name, Village.name)
        .join(Building, Building.id == Household.building_id)
        .join(Grid, Grid.id == Household.grid_id).join(Village, Village.id == Building.village_id)
        .where(Household.id == household_id)
    ).first()
    if row is None:
        from webgis.errors import NotFound

        raise NotFound("household", household_id)
    h, b, grid_name, village_name = row
    last = session.execute(select(Visit).where(Visit.household_id == h.id)
                           .order_by(Visit.visited_at.desc(), Visit.id.desc()).limit(1)).scalar_one_or_none()
    return {
        "household_id": h.id,
        "building_id": b.id,
        "grid_id": h.grid_id,
        "standard_address": address.household_address(village_name, grid_name, b, h),
        "address_form": b.address_form,
        "address": {"village": village_name, "grid": grid_name, "group_name": b.group_name,
                    "house_no": b.house_no, "compound": b.compound, "building_no": b.building_no,
                    "unit": h.unit, "room": h.room},
        "status": h.status,
        "status_label": label("household_status", h.status),
        "building_status": b.status,
        "household": _household_values(h),
        "members": [_person_values(p, r.relation_to_head, role) for r, p in _residents(session, h.id)],
        "last_visit": None if last is None else {
            "id": last.id, "at": last.visited_at.isoformat(), "result": last.result,
            "result_label": label("visit_result", last.result)},
        "verified_at": h.verified_at.isoformat() if h.verified_at else None,
    }


# --- writing: one submission ----------------------------------------------------------------

def _member_values(m) -> dict:
    values = {f: getattr(m, f) for f in PERSON_FIELDS}
    if m.id_number is not None:
        values["id_number"] = m.id_number
    if "phone" in m.model_fields_set:
        values["phone"] = m.phone
    return values


def _submitted(m) -> dict:
    return {"person_id": m.person_id, "version": m.version, "relation": m.relation,
            **{k: v for k, v in _member_values(m).items() if k not in ("id_number", "phone")}}


def _already_applied(session: Session, client_uuid: uuid.UUID) -> Visit | None:
    return session.execute(select(Visit).where(Visit.client_uuid == client_uuid)).scalar_one_or_none()


def _check_role(actor: writes.Actor, result: str, household_id: int) -> None:
    if may(actor.role, VERIFY_ROLES):
        if result != "police_collected":
            raise ValidationFailed({"visit.result": "民警上门采集请选择“民警上门采集”"})
    elif may(actor.role, REGISTER_ROLES):
        if result not in TEAM_RESULTS:
            raise ValidationFailed({"visit.result": "“民警上门采集”只能由社区民警登记"})
    else:
        raise NotAllowed("household", household_id)


def save_registration(session: Session, actor: writes.Actor, household_id: int, data: RegistrationInput,
                      now: datetime | None = None) -> dict:
    """Save one submission of the registration form as a visit; return what was applied."""
    _check_role(actor, data.visit.result, household_id)
    writes.submission(session, data.client_uuid)
    done = _already_applied(session, data.client_uuid)
    if done is not None:
        return {"applied": False, "visit_id": done.id, "household_id": done.household_id, "result": done.result}
    h = writes.lock(session, Household, household_id, "household")
    b = writes.lock(session, Building, h.building_id, "building")
    if b.status == "demolished" or h.status == "demolished":
        raise Conflict("该房屋已拆除，不能再登记入户", code="demolished")
    writes.check_version(h, data.household.version, "household", current=_household_values(h),
                         yours=data.household.model_dump())
    visited_at = data.visit.visited_at or now or datetime.now(timezone.utc)
    if visited_at.tzinfo is None:
        visited_at = visited_at.replace(tzinfo=timezone.utc)
    changes = writes.assign(h, {f: getattr(data.household, f) for f in HOUSEHOLD_FIELDS})
    changes.update(_apply_members(session, actor, h, data, visited_at))
    result = data.visit.result
    if result == "verified" and changes:
        result = "changed"  # the form found differences: the police must see them
    if result in EMPTY_RESULTS:
        for r, _p in _residents(session, h.id):  # validated: every member row says it leaves
            r.end_date = visited_at.date()
    if result == "demolished":
        from webgis.buildings.services import demolish_households

        rooms = session.execute(select(Household).where(Household.building_id == b.id,
                                                        Household.status != "demolished")
                                .with_for_update()).scalars().all()
        demolish_households(session, rooms, visited_at.date())
        b.status = "demolished"
    elif result in ("moved_out", "vacant"):
        h.status = "vacant"
    elif result in PRESENT_RESULTS and h.status == "vacant":
        h.status = "active"
    visit = Visit(town_id=h.town_id, grid_id=h.grid_id, building_id=h.building_id, household_id=h.id,
                  visitor_id=actor.user_id, visited_at=visited_at, result=result,
                  awareness=data.visit.awareness, satisfaction=data.visit.satisfaction,
                  form_filler=data.visit.form_filler or actor.name or None,
                  police_officer=data.visit.police_officer, note=data.visit.note, client_uuid=data.client_uuid,
                  **_location(data.visit.location))
    session.add(visit)
    try:
        session.flush()
        if result == "police_collected":
            # The police collected the household themselves: collected and verified at once.
            session.add(Verification(town_id=h.town_id, grid_id=h.grid_id, household_id=h.id, visit_id=visit.id,
                                     officer_id=actor.user_id, verified_at=visited_at, outcome="signed",
                                     note="民警上门采集", client_uuid=writes.derived_uuid(data.client_uuid, "signed")))
            session.flush()
        out = {"applied": True, "visit_id": visit.id, "household_id": h.id, "result": result,
               "result_label": label("visit_result", result), "changed_fields": sorted(changes)}
        session.commit()
    except IntegrityError:
        session.rollback()
        done = _already_applied(session, data.client_uuid)
        if done is not None:  # the same submission won a race with itself
            return {"applied": False, "visit_id": done.id, "household_id": done.household_id,
                    "result": done.result}
        raise
    return out


def _location(loc) -> dict:
    """The visit's position columns (none when the phone gave no position)."""
    if loc is None:
        return {}
    return {"geom": from_shape(Point(loc.lon, loc.lat), 4326), "accuracy_m": loc.accuracy_m}


def _apply_members(session: Session, actor: writes.Actor, h: Household, data: RegistrationInput,
                   visited_at: datetime) -> dict:
    """Apply every member row; return {path: (before, after)} of what changed."""
    current = {p.id: (r, p) for r, p in _residents(session, h.id)}
    submitted_ids = {m.person_id for m in data.members if m.person_id is not None}
    missing = [pid for pid in current if pid not in submitted_ids]
    if missing:
        raise ValidationFailed({"members": f"表中缺少{len(missing)}名在住人员（如已搬离请标记“离开”），请刷新后重试"})
    changes: dict = {}
    for i, m in enumerate(data.members):
        path = f"members.{i}"
        if m.person_id is not None and m.person_id in current:
            r, p = current[m.person_id]
            p = writes.lock(session, Person, p.id, "person")
            writes.check_version(p, m.version, "person", current=_person_values(p, r.relation_to_head, actor.role),
                                 yours=_submitted(m))
            values = _member_values(m)
            _check_gender(path, values.get("id_number", p.id_number), m.gender)
            if "id_number" in values and values["id_number"] != p.id_number:
                _check_id_free(session, actor, path, values["id_number"], h.id)
            changed = writes.assign(p, values)
            changed.update(writes.assign(r, {"relation_to_head": m.relation}))
            if m.leave is not None:
                r.end_date = visited_at.date()
                p.status = m.leave
                changed["leave"] = (None, m.leave)
            changes.update({f"{path}.{k}": v for k, v in changed.items()})
        elif m.person_id is not None:
            if not m.move:
                raise ValidationFailed({f"{path}.person_id": "该人员不在本户，如需迁入请确认“迁入本户”"})
            changes.update({f"{path}.move": (None, h.id)})
            _move_in(session, actor, h, m, path, visited_at)
        else:
            _check_id_free(session, actor, path, m.id_number, h.id)
            if m.leave is not None:
                raise ValidationFailed({f"{path}.leave": "新登记的人员不能同时标记离开"})
            p = Person(town_id=h.town_id, grid_id=h.grid_id, status="active",
                       birth_date=_birth(m.id_number), **_member_values(m))
            session.add(p)
            session.flush()
            session.add(Residence(town_id=h.town_id, grid_id=h.grid_id, person_id=p.id, household_id=h.id,
                                  relation_to_head=m.relation, start_date=visited_at.date()))
            changes[f"{path}.new"] = (None, p.id)
    session.flush()
    return changes


def _birth(id_number: str):
    from webgis.people.idcard import birth_date_of

    return birth_date_of(id_number)


def _check_gender(path: str, id_number: str | None, gender: str) -> None:
    if id_number and gender and gender_of(id_number) != gender:
        raise ValidationFailed({f"{path}.gender": "性别与身份证号码第17位不符"})


def _check_id_free(session: Session, actor: writes.Actor, path: str, id_number: str, household_id: int) -> None:
    """An ID number registered anywhere in the town is never registered again: offer to move instead."""
    found = session.execute(select(func.gc_person_by_id_number(actor.town_id, id_number).table_valued(
        "person_id", "status", "grid_id", "household_id", "in_scope"))).first()
    if found is None:
        return
    person_id, status, _grid_id, current_household, in_scope = found
    if not in_scope:
        raise ValidationFailed({f"{path}.id_number": "该身份证号码已在其他网格登记，请联系镇网格办核实后迁移，不要重复登记"})
    if current_household == household_id:
        raise ValidationFailed({f"{path}.id_number": "该人员已在本户登记"})
    p = session.get(Person, person_id)
    where = None
    if current_household is not None:
        other = session.execute(
            select(Household, Building, Grid.name, Village.name).join(Building, Building.id == Household.building_id)
            .join(Grid, Grid.id == Household.grid_id).join(Village, Village.id == Building.village_id)
            .where(Household.id == current_household)).first()
        if other is not None:
            where = address.household_address(other[3], other[2], other[1], other[0])
    raise Conflict(
        f"该身份证号码已登记{'在 ' + where if where else '（' + (label('person_status', status) or status) + '）'}，"
        "可将此人迁入本户，不要重复登记",
        code="id_registered_elsewhere",
        details={"field": f"{path}.id_number", "person_id": p.id, "version": p.version, "status": status,
                 "household_id": current_household, "address": where,
                 "person": _person_values(p, None, actor.role)})


def _move_in(session: Session, actor: writes.Actor, h: Household, m, path: str, visited_at: datetime) -> None:
    """Move an existing person (another room of the user's grids, or moved out earlier) into `h`."""
    p = writes.lock(session, Person, m.person_id, "person")
    writes.check_version(p, m.version, "person", current=_person_values(p, None, actor.role), yours=_submitted(m))
    values = _member_values(m)
    _check_gender(path, values.get("id_number", p.id_number), m.gender)
    for r in session.execute(select(Residence).where(Residence.person_id == p.id, Residence.end_date.is_(None))
                             .with_for_update()).scalars():
        r.end_date = visited_at.date()
    writes.assign(p, {**values, "status": "active", "grid_id": h.grid_id})
    session.add(Residence(town_id=h.town_id, grid_id=h.grid_id, person_id=p.id, household_id=h.id,
                          relation_to_head=m.relation, start_date=visited_at.date()))
