"""Spot checks: design one (area → strata → allocation → seeded draw) and record the field
check of a sampled household item by item. Writes go the one way (schemas → services →
trigger-written history); the scope is the database's (row-level security) and the
request's `current_scope()`, never a rule of our own.

Conflict of interest (seed §六: the check is independent of the grid teams): an inspector
never checks households of a grid leader they are assigned with. "Assigned with" is modelled
by the existing assignment table: the inspector shares an assigned grid (user_grid) with the
grid leader. All grids of such a leader are left out of the inspector's samples (the plan
records which), and the check service refuses them too.
"""
import logging
import secrets
from datetime import datetime, timezone

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, shape
from geoalchemy2 import Geography
from sqlalchemy import cast, func, null, select
from sqlalchemy.orm import Session

from webgis import writes
from webgis.auth.models import User, user_grid
from webgis.buildings import address
from webgis.buildings.models import Building, Household
from webgis.codes.data import label
from webgis.errors import NotFound, ValidationFailed
from webgis.geo.models import Grid, Village
from webgis.inspections import sampling
from webgis.inspections.models import SpotCheck, SpotCheckItem, SpotCheckPlan
from webgis.inspections.schemas import CheckInput, PlanInput
from webgis.people.models import Person, Residence
from webgis.people.privacy import mask_id_number, mask_phone
from webgis.permissions import INSPECT_ROLES
from webgis.scope import current_scope
from webgis.visits.models import Visit

log = logging.getLogger(__name__)
# A visit is "much shorter than usual" when it followed the visitor's previous visit of the
# day after less than this share of the visitor's median gap between visits.
SHORT_VISIT_SHARE = 1 / 3
# A visit is "recorded far from the building" when the phone's position, even moved towards the
# building by its accuracy radius, is still more than this from the footprint (geodesic metres).
# 150 m: a few doors down a lane is normal (a fix indoors is often 20–60 m off), a street away is not.
FAR_VISIT_M = 150.0


# --- designing a spot check -------------------------------------------------------------

def _area_geometry(area: dict | None):
    if area is None:
        return None
    try:
        geom = shape(area)
    except Exception:  # shapely raises several kinds for malformed GeoJSON
        raise ValidationFailed({"area": "抽查范围应为多边形（GeoJSON）"}) from None
    if geom.geom_type == "Polygon":
        geom = MultiPolygon([geom])
    if geom.geom_type != "MultiPolygon" or geom.is_empty or not geom.is_valid:
        raise ValidationFailed({"area": "抽查范围应为不自相交的多边形"})
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationFailed({"area": "抽查范围坐标超出经纬度范围"})
    return geom


def conflicted_leaders(session: Session, checker_id: int) -> set[int]:
    """Grid leaders the checker is assigned with (they share an assigned grid)."""
    mine = select(user_grid.c.grid_id).where(user_grid.c.user_id == checker_id)
    return set(session.execute(
        select(user_grid.c.user_id).join(User, User.id == user_grid.c.user_id)
        .where(User.role == "grid_leader", User.active.is_(True), user_grid.c.grid_id.in_(mine))).scalars())


def grid_leaders(session: Session, grid_ids: list[int]) -> dict[int, list[int]]:
    """{grid id: [leader user ids]} (active grid leaders assigned to the grid)."""
    out: dict[int, list[int]] = {}
    for g, u in session.execute(
            select(user_grid.c.grid_id, user_grid.c.user_id).join(User, User.id == user_grid.c.user_id)
            .where(User.role == "grid_leader", User.active.is_(True), user_grid.c.grid_id.in_(grid_ids))
            .order_by(user_grid.c.grid_id, user_grid.c.user_id)):
        out.setdefault(g, []).append(u)
    return out


def _area_grids(session: Session, data: PlanInput, geom) -> list[int]:
    """The grids of the area inside the user's scope; a chosen grid or village outside it is unknown."""
    scope = current_scope()
    ids: set[int] = set()
    town = Grid.town_id == scope.town_id
    for gid in data.grid_ids:
        if not scope.sees_grid(gid) or session.get(Grid, gid) is None:
            raise NotFound("grid", gid)
        ids.add(gid)
    for vid in data.village_ids:
        found = [g for g in session.execute(select(Grid.id).where(town, Grid.village_id == vid)).scalars()
                 if scope.sees_grid(g)]
        if not found:
            raise NotFound("village", vid)
        ids |= set(found)
    if geom is not None:
        ids |= {g for g in session.execute(
            select(Grid.id).where(town, func.ST_Intersects(Grid.geom, from_shape(geom, 4326)))).scalars()
            if scope.sees_grid(g)}
    return sorted(ids)


def _households(session: Session, grid_ids: list[int], geom) -> dict[int, list[int]]:
    """Active households of the grids (read under row-level security), inside the polygon if drawn."""
    q = (select(Household.grid_id, Household.id).join(Building, Building.id == Household.building_id)
         .where(Household.grid_id.in_(grid_ids), Household.status != "demolished", Building.status != "demolished"))
    if geom is not None:
        q = q.where(func.ST_Within(Building.geom_pt, from_shape(geom, 4326)))
    out: dict[int, list[int]] = {g: [] for g in grid_ids}
    for g, h in session.execute(q):
        out[g].append(h)
    return out


def short_visit_households(session: Session, household_ids: list[int], grid_ids: list[int] | None = None) -> list[int]:
    """Households whose latest visit came much sooner after the visitor's previous visit than usual.

    `grid_ids` (the households' grids) lets the database filter by grid rather than by a list of
    every household id (the whole town's is 176,000 parameters); the households are kept after.
    """
    day = func.date(func.timezone("Asia/Shanghai", Visit.visited_at))
    gaps = select(Visit.household_id, Visit.grid_id, Visit.visitor_id, Visit.visited_at,
                  (func.extract("epoch", Visit.visited_at)
                   - func.extract("epoch", func.lag(Visit.visited_at).over(
                       partition_by=(Visit.visitor_id, day), order_by=Visit.visited_at))).label("gap")
                  ).where(Visit.visitor_id.is_not(None)).subquery()
    usual = (select(gaps.c.visitor_id, func.percentile_cont(0.5).within_group(gaps.c.gap).label("median"))
             .where(gaps.c.gap.is_not(None)).group_by(gaps.c.visitor_id).subquery())
    among = gaps.c.grid_id.in_(grid_ids) if grid_ids is not None else gaps.c.household_id.in_(household_ids)
    q = (select(gaps.c.household_id).join(usual, usual.c.visitor_id == gaps.c.visitor_id)
         .where(among, gaps.c.gap < usual.c.median * SHORT_VISIT_SHARE)
         .distinct())
    wanted = set(household_ids)
    return [h for h in session.execute(q).scalars() if h in wanted]


def far_visit_households(session: Session, household_ids: list[int], grid_ids: list[int] | None = None) -> list[int]:
    """Households whose latest visit was recorded far from the building (FAR_VISIT_M, accuracy allowed).

    Distance from the visit's point to the building's footprint (its point if it has none) on the
    WGS 84 spheroid (`ST_Distance` of geography), minus the fix's accuracy radius. A latest visit
    without a position is never picked: it says nothing either way. `grid_ids`: as for
    `short_visit_households`.
    """
    among = Visit.grid_id.in_(grid_ids) if grid_ids is not None else Visit.household_id.in_(household_ids)
    latest = (select(Visit.household_id, Visit.building_id, Visit.geom, Visit.accuracy_m)
              .where(among)
              .order_by(Visit.household_id, Visit.visited_at.desc(), Visit.id.desc())
              .distinct(Visit.household_id).subquery())
    footprint = func.coalesce(Building.geom, Building.geom_pt)
    metres = func.ST_Distance(cast(latest.c.geom, Geography), cast(footprint, Geography))
    q = (select(latest.c.household_id).join(Building, Building.id == latest.c.building_id)
         .where(latest.c.geom.is_not(None), metres - func.coalesce(latest.c.accuracy_m, 0) > FAR_VISIT_M)
         .order_by(latest.c.household_id))
    wanted = set(household_ids)
    return [h for h in session.execute(q).scalars() if h in wanted]


def only_verified_grids(session: Session, grid_ids: list[int]) -> list[int]:
    """Grids where every recorded visit is 核对无误 (nothing ever changed: worth a look)."""
    q = (select(Visit.grid_id).where(Visit.grid_id.in_(grid_ids)).group_by(Visit.grid_id)
         .having(func.bool_and(Visit.result == "verified")))
    return list(session.execute(q).scalars())


def design_sample(strata: list[sampling.Stratum], data: PlanInput, seed: int) -> tuple[dict, dict[int, list[int]]]:
    """The sample design and the random draw (pure: same strata, inputs and seed → same sample)."""
    population = sum(len(s.households) for s in strata)
    if data.mode == "size":
        base = {"n": min(data.size, population)}
    else:
        base = sampling.size_for_precision(data.expected_rate, data.half_width, data.confidence, population)
    floors = {}
    leaders: dict[int, int] = {}
    for s in strata:
        if s.leader_id is not None:
            leaders[s.leader_id] = leaders.get(s.leader_id, 0) + len(s.households)
    if data.leader_floor:
        floors = {u: min(n, sampling.leader_floor(n)) for u, n in leaders.items()}
        counts = sampling.allocate(strata, base["n"])
    else:
        counts = sampling.allocate(strata, base["n"], floor_of=lambda n: 0)
    drawn = sampling.draw(strata, counts, seed)
    design = {"mode": data.mode, "requested_size": data.size, "expected_rate": data.expected_rate,
              "half_width": data.half_width, "confidence": data.confidence, "n0": base.get("n0"),
              "base_size": base["n"], "population": population, "leader_floor": data.leader_floor,
              "floors": {str(u): f for u, f in floors.items()},
              "allocation": {str(g): n for g, n in counts.items()},
              "strata_sizes": {str(s.grid_id): len(s.households) for s in strata},
              "leaders": {str(s.grid_id): s.leader_id for s in strata}, "targeted": list(data.targeted),
              "targeted_count": data.targeted_count}
    return design, drawn


def create_plan(session: Session, actor: writes.Actor, data: PlanInput) -> dict:
    """Create a spot check: resolve the area, stratify by grid and leader, draw, record the sample."""
    writes.require(actor, INSPECT_ROLES, "spot_check_plan")
    writes.submission(session, data.client_uuid)
    earlier = session.execute(select(SpotCheckPlan.id).where(SpotCheckPlan.client_uuid == data.client_uuid)
                              ).scalar_one_or_none()
    if earlier is not None:
        out = plan_summary(session, earlier)
        session.commit()
        return {**out, "applied": False}
    geom = _area_geometry(data.area)
    grids = _area_grids(session, data, geom)
    leaders = grid_leaders(session, grids)
    conflicted = conflicted_leaders(session, actor.user_id)
    excluded = sorted(g for g in grids if set(leaders.get(g, [])) & conflicted)
    grids = [g for g in grids if g not in excluded]
    households = _households(session, grids, geom)
    strata = [sampling.Stratum(g, (leaders.get(g) or [None])[0], households[g]) for g in grids if households[g]]
    if not strata:
        details = {"area": "抽查范围内没有可抽查的住户"}
        if excluded:
            details["area"] += f"（已排除与您同网格的网格长负责的 {len(excluded)} 个网格）"
        raise ValidationFailed(details)
    seed = data.seed if data.seed is not None else secrets.randbelow(2**62)
    design, drawn = design_sample(strata, data, seed)
    design["excluded_grids"] = excluded
    picks = {h: "random" for hs in drawn.values() for h in hs}
    in_sample = set(picks)
    all_ids = [h for s in strata for h in s.households]
    if "short_visit" in data.targeted:
        for h in sampling.pick([h for h in short_visit_households(session, all_ids, grids) if h not in in_sample],
                               data.targeted_count, seed, 1):
            picks[h] = "short_visit"
    if "only_verified" in data.targeted:
        ov = set(only_verified_grids(session, grids))
        for h in sampling.pick([h for s in strata if s.grid_id in ov for h in s.households if h not in picks],
                               data.targeted_count, seed, 2):
            picks[h] = "only_verified"
    if "far_visit" in data.targeted:
        for h in sampling.pick([h for h in far_visit_households(session, all_ids, grids) if h not in picks],
                               data.targeted_count, seed, 3):
            picks[h] = "far_visit"
    plan = SpotCheckPlan(town_id=actor.town_id, created_by=actor.user_id, title=data.title,
                         area=from_shape(geom, 4326) if geom is not None else None,
                         village_ids=sorted(set(data.village_ids)), grid_ids=grids, design=design, seed=seed,
                         population=design["population"], sample_size=len(picks), client_uuid=data.client_uuid)
    session.add(plan)
    session.flush()
    leader_of = {s.grid_id: s.leader_id for s in strata}
    rows = session.execute(select(Household.id, Household.grid_id, Household.building_id)
                           .where(Household.id.in_(list(picks)))).all()
    for no, (hid, gid, bid) in enumerate(sorted(rows, key=lambda r: (r.grid_id, r.building_id, r.id)), start=1):
        session.add(SpotCheck(town_id=actor.town_id, grid_id=gid, building_id=bid, household_id=hid,
                              inspector_id=actor.user_id, checked_at=null(), items_checked=0, items_matched=0,
                              plan_id=plan.id, leader_id=leader_of.get(gid), pick=picks[hid], draw_no=no))
    session.flush()
    out = plan_summary(session, plan.id)
    session.commit()
    return {**out, "applied": True}


def plan_summary(session: Session, plan_id: int) -> dict:
    """The plan with its sampled households (for the list, the map and the route planner)."""
    plan = session.get(SpotCheckPlan, plan_id)
    if plan is None:
        raise NotFound("spot_check_plan", plan_id)
    rows = session.execute(
        select(SpotCheck, Building, Household, Grid.name, Village.name,
               func.ST_X(Building.geom_pt), func.ST_Y(Building.geom_pt), User.display_name)
        .join(Household, Household.id == SpotCheck.household_id)
        .join(Building, Building.id == SpotCheck.building_id).join(Grid, Grid.id == SpotCheck.grid_id)
        .join(Village, Village.id == Building.village_id)
        .outerjoin(User, User.id == SpotCheck.leader_id)
        .where(SpotCheck.plan_id == plan_id).order_by(SpotCheck.draw_no)).all()
    sample = [{"id": sc.id, "draw_no": sc.draw_no, "household_id": h.id, "building_id": b.id,
               "grid_id": sc.grid_id, "grid": f"{vname}{gname}", "leader_id": sc.leader_id, "leader": leader,
               "address": address.household_address(vname, gname, b, h), "pick": sc.pick,
               "checked_at": sc.checked_at.isoformat() if sc.checked_at else None,
               "items_checked": sc.items_checked, "items_matched": sc.items_matched, "version": sc.version,
               "lon": lon, "lat": lat}
              for sc, b, h, gname, vname, lon, lat, leader in rows]
    buildings = sorted({s["building_id"] for s in sample})
    by_grid: dict[int, dict] = {}
    for s in sample:
        by_grid.setdefault(s["grid_id"], {"grid": s["grid"], "buildings": set()})["buildings"].add(s["building_id"])
    # The route planner (webgis/routes/) plans one grid's walk: one link per grid of the sample,
    # its sampled buildings pre-selected.
    routes = [{"grid_id": gid, "grid": g["grid"], "count": len(g["buildings"]),
               "url": f"/routes/plan?grid={gid}&buildings=" + ",".join(str(b) for b in sorted(g["buildings"]))}
              for gid, g in sorted(by_grid.items())]
    return {"id": plan.id, "title": plan.title, "seed": plan.seed, "design": plan.design,
            "grid_ids": plan.grid_ids, "village_ids": plan.village_ids, "population": plan.population,
            "sample_size": plan.sample_size, "created_at": plan.created_at.isoformat() if plan.created_at else None,
            "created_by": plan.created_by, "status": plan.status, "sample": sample, "buildings": buildings,
            "routes": routes}


def list_plans(session: Session) -> list[dict]:
    """The spot checks the user may see, newest first."""
    q = (select(SpotCheckPlan, User.display_name).join(User, User.id == SpotCheckPlan.created_by)
         .order_by(SpotCheckPlan.created_at.desc(), SpotCheckPlan.id.desc()))
    return [{"id": p.id, "title": p.title, "created_at": p.created_at, "by": who, "sample_size": p.sample_size,
             "grids": len(p.grid_ids)} for p, who in session.execute(q)]


# --- the field check of one household ----------------------------------------------------

def _platform(session: Session, spot_check: SpotCheck) -> dict:
    """What the platform holds for the household, as the inspector is shown it (identifiers masked)."""
    h = session.get(Household, spot_check.household_id)
    b = session.get(Building, spot_check.building_id)
    grid = session.get(Grid, spot_check.grid_id)
    village = session.get(Village, b.village_id)
    residents = session.execute(
        select(Person).join(Residence, Residence.person_id == Person.id)
        .where(Residence.household_id == h.id, Residence.end_date.is_(None), Person.status == "active")
        .order_by(func.lpad(Residence.relation_to_head, 2, "0"), Person.id)).scalars().all()
    return {
        "address": address.household_address(village.name, grid.name, b, h),
        "resident_count": str(len(residents)),
        "house_nature": label("house_nature", h.house_nature),
        "residents": [{"person_id": p.id, "name": p.name, "id_number": mask_id_number(p.id_number),
                       "phone": mask_phone(p.phone)} for p in residents],
    }


def check_form(session: Session, spot_check_id: int) -> dict:
    """The field form of one sampled household: platform values and what was recorded so far."""
    sc = session.get(SpotCheck, spot_check_id)
    if sc is None or sc.plan_id is None:
        raise NotFound("spot_check", spot_check_id)
    items = session.execute(select(SpotCheckItem).where(SpotCheckItem.spot_check_id == sc.id)
                            .order_by(SpotCheckItem.id)).scalars()
    return {"id": sc.id, "plan_id": sc.plan_id, "version": sc.version, "pick": sc.pick, "draw_no": sc.draw_no,
            "checked_at": sc.checked_at.isoformat() if sc.checked_at else None, "note": sc.note,
            "platform": _platform(session, sc),
            "items": [{"item": i.item, "person_id": i.person_id, "extra_no": i.extra_no, "presence": i.presence,
                       "matched": i.matched, "found_value": i.found_value, "note": i.note,
                       "platform_value": i.platform_value} for i in items]}


def record_check(session: Session, actor: writes.Actor, spot_check_id: int, data: CheckInput) -> dict:
    """Record the items of one household's check (upsert per item; counts and history by trigger)."""
    writes.require(actor, INSPECT_ROLES, "spot_check", spot_check_id)
    writes.submission(session, data.client_uuid)
    sc = writes.lock(session, SpotCheck, spot_check_id, "spot_check")
    if sc.plan_id is None:
        raise NotFound("spot_check", spot_check_id)
    if sc.leader_id is not None and sc.leader_id in conflicted_leaders(session, actor.user_id):
        raise writes.NotAllowed("spot_check", spot_check_id, reason="assigned with the grid leader")
    already = session.execute(select(func.count()).select_from(SpotCheckItem)
                              .join(SpotCheck, SpotCheck.id == SpotCheckItem.spot_check_id)
                              .where(SpotCheck.id == sc.id)).scalar_one()
    from webgis.visits.models import ChangeHistory

    if session.execute(select(ChangeHistory.id).where(ChangeHistory.client_uuid == data.client_uuid,
                                                      ChangeHistory.table_name == "spot_check",
                                                      ChangeHistory.row_id == sc.id).limit(1)).first():
        out = check_form(session, sc.id)
        session.commit()
        return {**out, "applied": False}
    writes.check_version(sc, data.version, "spot_check", current={"items": already}, yours={})
    platform = _platform(session, sc)
    people = {r["person_id"]: r for r in platform["residents"]}
    problems = {}
    for i, it in enumerate(data.items):
        if it.person_id is not None and it.person_id not in people:
            problems[f"items.{i}.person_id"] = "该住户不在此户的平台名单中"
    if problems:
        raise ValidationFailed(problems)
    existing = {(i.item, i.person_id, i.extra_no): i for i in session.execute(
        select(SpotCheckItem).where(SpotCheckItem.spot_check_id == sc.id)).scalars()}
    now = datetime.now(timezone.utc)
    for it in data.items:
        if it.person_id is not None:
            person = people[it.person_id]
            platform_value = {"presence": "在住", "name": person["name"], "id_number": person["id_number"],
                              "phone": person["phone"]}[it.item]
        elif it.extra_no is not None:
            platform_value = None  # a resident unknown to the platform
        else:
            platform_value = platform[it.item]
        values = {"presence": it.presence, "platform_value": platform_value, "found_value": it.found_value,
                  "matched": it.matched, "note": it.note}
        row = existing.get((it.item, it.person_id, it.extra_no))
        if row is None:
            session.add(SpotCheckItem(town_id=sc.town_id, grid_id=sc.grid_id, spot_check_id=sc.id, item=it.item,
                                      person_id=it.person_id, extra_no=it.extra_no, checked_by=actor.user_id,
                                      checked_at=now, **values))
        elif writes.assign(row, values):
            row.checked_by, row.checked_at, row.version = actor.user_id, now, row.version + 1
    writes.assign(sc, {"checked_at": now, "inspector_id": actor.user_id, "note": data.note})
    session.flush()
    session.expire(sc)
    out = check_form(session, sc.id)
    sc = session.get(SpotCheck, spot_check_id)
    out.update(items_checked=sc.items_checked, items_matched=sc.items_matched)
    session.commit()
    return {**out, "applied": True}


def grids_geojson(session: Session, grid_ids: list[int] | None = None) -> dict:
    """The user's grids (or the given ones) as a GeoJSON FeatureCollection for the area map."""
    scope = current_scope()
    q = (select(Grid.id, Grid.name, Village.name,
                func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(Grid.geom, 0.00002), 6))
         .join(Village, Village.id == Grid.village_id).where(Grid.town_id == scope.town_id))
    if grid_ids is not None:
        q = q.where(Grid.id.in_(grid_ids))
    import json

    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": gid, "properties": {"id": gid, "name": f"{vname}{gname}"}, "geometry": json.loads(g)}
        for gid, gname, vname, g in session.execute(q) if scope.sees_grid(gid)]}
