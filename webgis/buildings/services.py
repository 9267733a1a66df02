"""Building detail: a building, its households and their current residents."""
import json

from geoalchemy2.functions import ST_AsGeoJSON
from sqlalchemy import Integer, func, or_, select
from sqlalchemy.dialects.postgresql import array

from webgis.buildings import address
from webgis.buildings.models import Building, Household
from webgis.codes.data import label
from webgis.extensions import db
from webgis.geo.models import Grid, Village
from webgis.orgs.models import KeyAttention
from webgis.people.models import Person, Residence
from webgis.people.privacy import identifiers


def _iso(value):
    return value.isoformat() if value is not None else None


def building_detail(building_id: int, role: str) -> dict | None:
    """Return the building with households and masked residents, or None if unknown."""
    row = db.session.execute(
        select(Building, Grid.name, Village.name, ST_AsGeoJSON(Building.geom_pt, 7))
        .join(Grid, Grid.id == Building.grid_id)
        .join(Village, Village.id == Building.village_id)
        .where(Building.id == building_id)
    ).first()
    if row is None:
        return None
    b, grid_name, village_name, point = row
    households = db.session.execute(
        select(Household).where(Household.building_id == b.id)
        .order_by(Household.sort_key, Household.id)
    ).scalars().all()
    residents = db.session.execute(
        select(Residence.household_id, Residence.relation_to_head, Person)
        .join(Person, Person.id == Residence.person_id)
        .where(Residence.household_id.in_([h.id for h in households]),
               Residence.end_date.is_(None), Person.status == "active")
        .order_by(Residence.household_id, func.lpad(Residence.relation_to_head, 2, "0"), Person.id)
    ).all() if households else []
    # Row-level security returns key-attention rows only to police, station and town admin.
    person_ids = [p.id for _, _, p in residents]
    attention: dict[int, list] = {}
    if person_ids or households:
        rows = db.session.execute(
            select(KeyAttention).where(or_(KeyAttention.person_id.in_(person_ids or [-1]),
                                           KeyAttention.household_id.in_([h.id for h in households] or [-1])))
            .order_by(KeyAttention.id)).scalars().all()
        for k in rows:
            key = ("p", k.person_id) if k.person_id else ("h", k.household_id)
            attention.setdefault(key, []).append({
                "category": k.category, "category_label": label("key_category", k.category),
                "level": k.level, "level_label": label("attention_level", k.level) or "未标注"})
    by_household: dict[int, list] = {}
    for household_id, relation, p in residents:
        by_household.setdefault(household_id, []).append({
            "id": p.id,
            "name": p.name,
            "gender_label": label("gender", p.gender),
            "relation": relation,
            "relation_label": label("relation", relation),
            "category_label": label("person_category", p.category),
            **identifiers(role, p.id_number, p.phone),
            **({"key_attention": attention[("p", p.id)]} if ("p", p.id) in attention else {}),
        })
    return {
        "id": b.id,
        "standard_address": address.building_address(village_name, grid_name, b),
        "address_form": b.address_form,
        "grid": {"id": b.grid_id, "name": grid_name},
        "village": {"id": b.village_id, "name": village_name},
        "building_type": b.building_type,
        "building_type_label": label("building_type", b.building_type),
        "floors": b.floors,
        "rooms_count": b.rooms_count,
        "status": b.status,
        "status_label": label("building_status", b.status),
        "collection_status": b.collection_status,
        "collection_status_label": label("collection_status", b.collection_status),
        "version": b.version,
        "geometry": json.loads(point),
        "households": [{
            "id": h.id,
            "address": "".join(address.household_parts(h)) or "—",
            "standard_address": address.household_address(village_name, grid_name, b, h),
            "house_nature": h.house_nature,
            "house_nature_label": label("house_nature", h.house_nature),
            "special_space": h.special_space,
            "status": h.status,
            "status_label": label("household_status", h.status),
            "last_visit_at": _iso(h.last_visit_at),
            "last_visit_result": h.last_visit_result,
            "last_visit_result_label": label("visit_result", h.last_visit_result),
            "verified_at": _iso(h.verified_at),
            "remarks": h.remarks,
            "residents": by_household.get(h.id, []),
            **({"key_attention": attention[("h", h.id)]} if ("h", h.id) in attention else {}),
        } for h in households],
    }


# --- writes: the map's edits (one write path: webgis/writes.py) ------------------------------

def _building_values(b: Building) -> dict:
    return {"version": b.version, "status": b.status, "address_form": b.address_form,
            "group_name": b.group_name, "house_no": b.house_no, "compound": b.compound,
            "building_no": b.building_no, "building_type": b.building_type, "floors": b.floors,
            "rooms_count": b.rooms_count}


def create_building(session, actor, data) -> dict:
    """登记新楼栋: the building joins the grid its point falls in; outside the user's grids is refused."""
    from geoalchemy2.shape import from_shape
    from shapely.geometry import Polygon

    from webgis import writes
    from webgis.errors import ValidationFailed
    from webgis.permissions import MAP_EDIT_ROLES

    writes.require(actor, MAP_EDIT_ROLES, "building")
    writes.submission(session, data.client_uuid)
    earlier = writes.applied_before(session, data.client_uuid, "building")
    if earlier is not None:
        return {"applied": False, "id": earlier}
    geom = data.shape
    point = geom.representative_point() if isinstance(geom, Polygon) else geom
    pt = func.ST_SetSRID(func.ST_MakePoint(point.x, point.y), 4326)
    grid = session.execute(
        select(Grid.id, Grid.village_id, func.gc_in_scope(Grid.town_id, Grid.id))
        .where(Grid.town_id == actor.town_id, func.ST_Intersects(Grid.geom, pt))
        .order_by(Grid.id).limit(1)).first()
    if grid is None:
        raise ValidationFailed({"geometry": "该位置不在本镇任何网格内"})
    if not grid[2]:
        raise ValidationFailed({"geometry": "该位置不在您负责的网格内，不能登记"})
    if isinstance(geom, Polygon):
        # Geodesic area (m²) of the drawn footprint: a polygon the size of a field is a slip.
        area = session.execute(select(func.ST_Area(func.Geography(func.ST_GeomFromText(geom.wkt, 4326))))).scalar()
        if area > 20_000:
            raise ValidationFailed({"geometry": f"楼栋轮廓面积约{area:,.0f}平方米，过大，请重新绘制"})
    b = Building(town_id=actor.town_id, village_id=grid[1], grid_id=grid[0], address_form=data.address_form,
                 group_name=data.group_name if data.address_form == "rural" else None,
                 house_no=data.house_no if data.address_form == "rural" else None,
                 compound=data.compound if data.address_form == "urban" else None,
                 building_no=data.building_no if data.address_form == "urban" else None,
                 building_type=data.building_type, floors=data.floors, rooms_count=data.rooms_count,
                 status="new", geom=from_shape(geom, 4326) if isinstance(geom, Polygon) else None,
                 geom_pt=from_shape(point, 4326))
    session.add(b)
    session.flush()
    # The status triggers (status.sql) fire on UPDATE only: derive the new row's collection status
    # (新增) with the same SQL function they use.
    session.execute(select(func.gc_refresh_buildings(array([b.id], type_=Integer))))
    out = {"applied": True, "id": b.id, "grid_id": b.grid_id}
    session.commit()
    return out


def demolish_households(session, households, on=None) -> None:
    """Households of a demolished building: demolished, their residents' links ended (kept as history)."""
    from datetime import date

    from webgis.people.models import Person, Residence

    ids = [h.id for h in households]
    for h in households:
        h.status = "demolished"
    rows = session.execute(select(Residence, Person).join(Person, Person.id == Residence.person_id)
                           .where(Residence.household_id.in_(ids), Residence.end_date.is_(None))
                           .with_for_update()).all()
    for r, p in rows:
        r.end_date = on or date.today()
        if p.status == "active":
            p.status = "moved_out"
    session.flush()


def demolish_building(session, actor, building_id: int, data) -> dict:
    """标记拆除: the building and its rooms become demolished, never deleted; residents are moved out."""
    from webgis import writes
    from webgis.permissions import MAP_EDIT_ROLES

    writes.require(actor, MAP_EDIT_ROLES, "building", building_id)
    writes.submission(session, data.client_uuid)
    b = writes.lock(session, Building, building_id, "building")
    if b.status == "demolished":
        return {"applied": False, "id": b.id, "version": b.version}
    writes.check_version(b, data.version, "building", current=_building_values(b), yours=data.model_dump(mode="json"))
    households = session.execute(select(Household).where(Household.building_id == b.id,
                                                         Household.status != "demolished")
                                 .with_for_update()).scalars().all()
    demolish_households(session, households)
    b.status = "demolished"
    session.flush()
    out = {"applied": True, "id": b.id, "version": b.version, "households": len(households)}
    session.commit()
    return out


def add_household(session, actor, building_id: int, data) -> dict:
    """添加房间: a room (or a garage or other space where people live) in a building of the user's grids."""
    from webgis import writes
    from webgis.errors import Conflict, ValidationFailed
    from webgis.permissions import MAP_EDIT_ROLES

    writes.require(actor, MAP_EDIT_ROLES, "building", building_id)
    writes.submission(session, data.client_uuid)
    earlier = writes.applied_before(session, data.client_uuid, "household")
    if earlier is not None:
        return {"applied": False, "id": earlier}
    b = writes.lock(session, Building, building_id, "building")
    if b.status == "demolished":
        raise Conflict("该楼栋已拆除，不能添加房间", code="demolished")
    if b.address_form == "urban" and not data.unit and data.special_space is None:
        raise ValidationFailed({"unit": "请填写单元"})
    same = session.execute(select(Household.id).where(
        Household.building_id == b.id, Household.status != "demolished",
        func.coalesce(Household.unit, "") == (data.unit or ""), Household.room == data.room)).first()
    if same is not None:
        raise ValidationFailed({"room": "本楼栋已有同一单元、同一房间号的房间"})
    sort_key = (session.execute(select(func.max(Household.sort_key)).where(Household.building_id == b.id))
                .scalar() or 0) + 1
    h = Household(town_id=b.town_id, grid_id=b.grid_id, building_id=b.id, unit=data.unit, room=data.room,
                  sort_key=sort_key, house_nature=data.house_nature, special_space=data.special_space,
                  remarks=data.remarks, status="vacant" if data.house_nature == "vacant" else "active")
    session.add(h)
    session.flush()
    # A new active room changes its building's status (a 已核验 building has a room to visit again).
    session.execute(select(func.gc_refresh_buildings(array([b.id], type_=Integer))))
    out = {"applied": True, "id": h.id, "building_id": b.id}
    session.commit()
    return out
