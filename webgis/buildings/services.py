"""Building detail: a building, its households and their current residents."""
import json

from geoalchemy2.functions import ST_AsGeoJSON
from sqlalchemy import func, or_, select

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
