"""The 住户基础信息核对表 of a grid: every household with its residents as the platform holds them,
in the layout of the registration form (附件2), for the grid team to confirm door to door.

ID numbers and phones are masked on the sheet (first 6 / last 4 digits, 138****5678): the grid
leader checks them against the resident's ID card and corrects on the form; a printed sheet
that leaves the office never carries a full ID number (seed §七.4).
"""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webgis.buildings import address
from webgis.buildings.models import Building, Household
from webgis.codes.data import label
from webgis.errors import NotFound
from webgis.geo.models import Grid, Village
from webgis.people.idcard import mask_id_number, mask_phone
from webgis.people.models import Person, Residence

MAX_HOUSEHOLDS = 2000  # a grid holds 300–500; more means a wrong request, not a sheet


def grid_sheet(session: Session, grid_id: int) -> dict:
    """Return the grid's sheet: its households (address, nature, remarks) and their residents."""
    grid = session.execute(select(Grid, Village.name).join(Village, Village.id == Grid.village_id)
                           .where(Grid.id == grid_id)).first()
    if grid is None:
        raise NotFound("grid", grid_id)
    g, village_name = grid
    rows = session.execute(
        select(Household, Building).join(Building, Building.id == Household.building_id)
        .where(Household.grid_id == grid_id, Household.status != "demolished", Building.status != "demolished")
        .order_by(Building.group_name, func.lpad(func.coalesce(Building.house_no, ""), 8, "0"), Building.compound,
                  func.lpad(func.coalesce(Building.building_no, ""), 8, "0"), Building.id,
                  Household.unit, Household.sort_key, Household.id)
        .limit(MAX_HOUSEHOLDS)).all()
    if not rows:
        # Row-level security: no household visible could be an empty grid or one outside the scope.
        visible = session.execute(select(func.gc_in_scope(g.town_id, g.id))).scalar()
        if not visible:
            raise NotFound("grid", grid_id)
    ids = [h.id for h, _ in rows]
    members: dict[int, list] = {}
    if ids:
        for r, p in session.execute(
                select(Residence, Person).join(Person, Person.id == Residence.person_id)
                .where(Residence.household_id.in_(ids), Residence.end_date.is_(None))
                .order_by(Residence.household_id, func.lpad(Residence.relation_to_head, 2, "0"), Person.id)):
            members.setdefault(r.household_id, []).append({
                "name": p.name, "gender": label("gender", p.gender), "id_number": mask_id_number(p.id_number),
                "ethnicity": label("ethnicity", p.ethnicity), "occupation": p.occupation,
                "occupation_label": label("occupation", p.occupation), "employer": p.employer,
                "relation": r.relation_to_head, "relation_label": label("relation", r.relation_to_head),
                "marital": p.marital, "marital_label": label("marital", p.marital),
                "hukou_consistent": p.hukou_consistent, "registered_address": p.registered_address,
                "phone": mask_phone(p.phone), "category": label("person_category", p.category)})
    households = []
    for h, b in rows:
        households.append({
            "id": h.id, "address_form": b.address_form,
            "standard_address": address.household_address(village_name, g.name, b, h),
            "parts": {"village": village_name, "grid_number": g.number, "group_name": b.group_name,
                      "house_no": b.house_no, "compound": b.compound, "building_no": b.building_no,
                      "unit": h.unit, "room": h.room},
            "house_nature": h.house_nature, "landlord": h.landlord, "lease_period": h.lease_period,
            "lease_reason": h.lease_reason, "cotenant_relation": h.cotenant_relation,
            "special_space": h.special_space, "remarks": h.remarks,
            "last_visit_result": label("visit_result", h.last_visit_result),
            "members": members.get(h.id, [])})
    return {"grid": {"id": g.id, "name": g.name, "number": g.number, "village": village_name},
            "households": households, "persons": sum(len(m) for m in members.values())}


def village_grids(session: Session, village_id: int) -> dict:
    """The village's grids the user may see, for a sheet split by grid."""
    village = session.get(Village, village_id)
    if village is None:
        raise NotFound("village", village_id)
    grids = session.execute(select(Grid.id, Grid.name, Grid.number).where(
        Grid.village_id == village_id, func.gc_in_scope(Grid.town_id, Grid.id)).order_by(Grid.number)).all()
    if not grids:
        raise NotFound("village", village_id)
    counts = dict(session.execute(select(Household.grid_id, func.count()).where(
        Household.grid_id.in_([g.id for g in grids]), Household.status != "demolished")
        .group_by(Household.grid_id)).all())
    return {"village": {"id": village.id, "name": village.name},
            "grids": [{"id": g.id, "name": g.name, "number": g.number, "households": counts.get(g.id, 0)}
                      for g in grids]}
