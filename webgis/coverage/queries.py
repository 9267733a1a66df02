"""Coverage queries, callable without HTTP: the six targets per unit, a grid's or village's
detail, the uncovered buildings, the heat layers and the progress chart.

Every figure comes from webgis/sql/0005_coverage.sql (the `coverage_rate` view, `gc_heat`,
`gc_coverage_progress`) and is read as the application role, so row-level security
decides what a user counts: a grid leader's "town" row is the sum of the grids they see.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from geoalchemy2.functions import ST_MakeEnvelope, ST_Transform
from sqlalchemy import func, select

from webgis.buildings.address import building_address, household_address, household_parts
from webgis.buildings.models import Building, Household
from webgis.codes.data import label
from webgis.coverage.models import (CoverageGap, CoverageTarget, coverage_attention_subject, coverage_household,
                                    coverage_rate, coverage_revisit)
from webgis.extensions import db
from webgis.geo.models import Grid, Town, Village
from webgis.orgs.models import Organisation
from webgis.people.models import Person
from webgis.scope import Scope

CST = timezone(timedelta(hours=8))
HEAT_LAYERS = {"unvisited": "未采集楼栋", "links": "人房关联缺口", "overdue": "逾期未核验"}
HEAT_MIN_ZOOM, HEAT_MAX_ZOOM, HEAT_POINT_ZOOM = 9, 22, 16
HEAT_MAX_CELLS = 4000
# The reasons of the re-visit list (coverage_revisit), in the order the list shows them.
REVISIT_REASONS = {"returned": "民警退回重访", "spot_check_mismatch": "抽查不一致", "refused": "拒绝配合（待民警处理）",
                   "nobody_home": "敲不开门", "not_visited": "未走访"}
# Why a subject must carry an attention level (coverage_attention_subject.reasons).
ATTENTION_REASONS = {"rental_house": "出租房", "floating": "流动人口", "legal_entity": "法人单位",
                     "activity_site": "产业活动场所", "individual": "个体工商户", "social_org": "社会组织",
                     "key_unit": "重点单位", "key_place": "重点场所", "released": "刑满释放人员",
                     "corrections": "社区服刑人员", "mental": "严重精神障碍患者", "drug": "吸毒人员", "hiv": "艾滋病人",
                     "youth": "重点青少年"}
SUBJECT_KINDS = {"household": "房屋", "person": "人员", "organisation": "单位", "key_attention": "重点关注对象"}
STATUS_LABELS = {"met": "达标", "near": "接近", "behind": "落后", "none": "无数据", "restricted": "无权查看"}


def campaign_now() -> datetime:
    """The campaign's "today" (config CAMPAIGN_TODAY; a date means the end of that day, CST)."""
    value = current_app.config.get("CAMPAIGN_TODAY")
    if not value:
        return datetime.now(timezone.utc)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=CST)
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59, 59), CST)
    text = str(value).strip()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(23, 59, 59), CST)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CST)


def stages() -> list[dict]:
    """The campaign stages of seed §三 with the one `campaign_now()` falls in marked current."""
    today = campaign_now().astimezone(CST).date()
    out = []
    for name, start, end in current_app.config["CAMPAIGN_STAGES"]:
        s, e = date.fromisoformat(start), date.fromisoformat(end)
        out.append({"name": name, "start": start, "end": end, "current": s <= today <= e})
    return out


def target_defs() -> list[dict]:
    """The targets in display order: code, seed number, name, goal (percent), part_of."""
    rows = db.session.execute(select(CoverageTarget).order_by(CoverageTarget.sort_order)).scalars()
    return [{"code": t.code, "seed_no": t.seed_no, "name": t.name, "goal": float(t.goal), "part_of": t.part_of}
            for t in rows]


def _num(value):
    return None if value is None else float(value)


def _rates(level: str, unit_ids=None, village_id: int | None = None) -> dict[int, dict]:
    """{unit id: {"grids": n, "targets": {code: {num, den, rate, status, gap}}}} of one level."""
    r = coverage_rate.c
    q = select(r.unit_id, r.grids, r.target, r.num, r.den, r.rate, r.status, r.gap).where(r.level == level)
    if unit_ids is not None:
        q = q.where(r.unit_id.in_(list(unit_ids)))
    if village_id is not None:
        q = q.where(r.village_id == village_id)
    out: dict[int, dict] = {}
    for unit_id, grids, target, num, den, rate, status, gap in db.session.execute(q):
        unit = out.setdefault(unit_id, {"grids": grids, "targets": {}})
        unit["targets"][target] = {"num": num, "den": den, "rate": _num(rate), "status": status,
                                   "gap": _num(gap)}
    return out


def scope_label(scope: Scope, town_name: str, grids_seen: int) -> str:
    """What the "town" row of a user sums: the whole town or the grids the user may see."""
    if scope.all_grids:
        return f"{town_name}（全镇）"
    return f"可查看的 {grids_seen} 个网格合计"


def summary(scope: Scope) -> dict:
    """The six targets summed over everything the user sees (the "town" row), with its label."""
    town = db.session.get(Town, scope.town_id) if scope.town_id is not None else None
    rows = _rates("town", [scope.town_id]) if scope.town_id is not None else {}
    unit = rows.get(scope.town_id, {"grids": 0, "targets": {}})
    return {"level": "town", "id": scope.town_id, "name": town.name if town else "",
            "label": scope_label(scope, town.name if town else "", unit["grids"] or 0),
            "grids": unit["grids"] or 0, "targets": unit["targets"]}


def tree(scope: Scope) -> dict:
    """Town → village → grid rows of everything the user sees, each with all targets."""
    villages = _rates("village")
    grids = _rates("grid")
    names = db.session.execute(
        select(Grid.id, Grid.name, Grid.number, Grid.village_id, Village.name, Village.code)
        .join(Village, Village.id == Grid.village_id)
        .where(Grid.id.in_(list(grids) or [-1]))
    ).all()
    totals = dict(db.session.execute(
        select(Grid.village_id, func.count()).where(Grid.village_id.in_(list(villages) or [-1]))
        .group_by(Grid.village_id)).all())
    by_village: dict[int, dict] = {}
    for gid, gname, number, vid, vname, vcode in sorted(names, key=lambda r: (r[5], r[2])):
        v = by_village.setdefault(vid, {
            "level": "village", "id": vid, "name": vname, "code": vcode,
            "grids": villages.get(vid, {}).get("grids", 0), "grids_total": totals.get(vid, 0),
            "targets": villages.get(vid, {}).get("targets", {}), "children": []})
        v["children"].append({"level": "grid", "id": gid, "name": gname, "number": number, "village": vname,
                              "village_id": vid, "targets": grids[gid]["targets"]})
    return {"town": summary(scope), "villages": list(by_village.values()), "targets": target_defs()}


def _bounds(geom_col, where) -> list[list[float]] | None:
    row = db.session.execute(select(func.ST_XMin(func.ST_Extent(geom_col)), func.ST_YMin(func.ST_Extent(geom_col)),
                                    func.ST_XMax(func.ST_Extent(geom_col)), func.ST_YMax(func.ST_Extent(geom_col)))
                             .where(where)).first()
    if row is None or row[0] is None:
        return None
    return [[row[1], row[0]], [row[3], row[2]]]


def uncovered_gaps(village_id: int | None = None, grid_id: int | None = None):
    """The 未采集 gap items (a building with households none of which has a visit), filtered:
    (building_id, grid_id, unvisited households). Under the scope's row-level security, like
    every read; the buildings' own rows are joined only for the page shown (uncovered)."""
    g = CoverageGap
    q = (select(g.building_id, g.grid_id, g.weight.label("unvisited"))
         .where(g.kind == "unvisited"))
    if village_id is not None:
        q = q.where(g.grid_id.in_(select(Grid.id).where(Grid.village_id == village_id)))
    if grid_id is not None:
        q = q.where(g.grid_id == grid_id)
    return q


@dataclass
class _Addr:
    address_form: str
    group_name: str | None
    house_no: str | None
    compound: str | None
    building_no: str | None


def uncovered(village_id: int | None = None, grid_id: int | None = None, limit: int | None = 200,
              offset: int = 0) -> dict:
    """The uncovered buildings (filtered), most unvisited households first within each grid.

    The count and the page come from the gap items and the grid/village order alone (a town
    has ~20,000 of them); only the page's buildings are then read with their addresses."""
    gaps = uncovered_gaps(village_id, grid_id).subquery()
    total, households = db.session.execute(
        select(func.count(), func.coalesce(func.sum(gaps.c.unvisited), 0)).select_from(gaps)).one()
    page = (select(gaps.c.building_id, gaps.c.grid_id, gaps.c.unvisited, Village.code.label("village_code"),
                   Grid.number.label("grid_number"))
            .join(Grid, Grid.id == gaps.c.grid_id)
            .join(Village, Village.id == Grid.village_id)
            .order_by(Village.code, Grid.number, gaps.c.unvisited.desc(), gaps.c.building_id)
            .offset(offset))
    if limit is not None:
        page = page.limit(limit)
    page = page.subquery()
    q = (select(Building.id, Building.address_form, Building.group_name, Building.house_no, Building.compound,
                Building.building_no, Building.building_type, Building.floors, Building.collection_status,
                Grid.id.label("grid_id"), Grid.name.label("grid"), Grid.number, Village.id.label("village_id"),
                Village.name.label("village"), page.c.unvisited,
                func.ST_X(Building.geom_pt).label("lon"), func.ST_Y(Building.geom_pt).label("lat"),
                select(func.count()).where(coverage_household.c.building_id == Building.id)
                .scalar_subquery().label("households"))
         .select_from(page)
         .join(Building, Building.id == page.c.building_id)
         .join(Grid, Grid.id == page.c.grid_id)
         .join(Village, Village.id == Grid.village_id)
         .order_by(page.c.village_code, page.c.grid_number, page.c.unvisited.desc(), page.c.building_id))
    rows = []
    for r in db.session.execute(q):
        rows.append({
            "id": r.id, "address": building_address(r.village, r.grid, _Addr(r.address_form, r.group_name,
                                                                             r.house_no, r.compound, r.building_no)),
            "village": r.village, "village_id": r.village_id, "grid": r.grid, "grid_id": r.grid_id,
            "building_type": label("building_type", r.building_type) or r.building_type, "floors": r.floors,
            "households": r.households, "unvisited": r.unvisited,
            "status": r.collection_status, "status_label": label("collection_status", r.collection_status),
            "lon": round(r.lon, 7), "lat": round(r.lat, 7)})
    return {"total": total, "unvisited_households": int(households), "rows": rows, "offset": offset}


def revisit(grid_id: int, limit: int | None = 300) -> dict:
    """The grid's 重访清单 (coverage_revisit): households to (re)visit, by reason, oldest first."""
    r = coverage_revisit.c
    order = {code: i for i, code in enumerate(REVISIT_REASONS)}
    counts = dict(db.session.execute(select(r.reason, func.count()).where(r.grid_id == grid_id)
                                     .group_by(r.reason)).all())
    q = (select(r.household_id, r.building_id, r.reason, r.since, r.attempts, Household.unit, Household.room,
                Building, Grid.name, Village.name, func.ST_X(Building.geom_pt), func.ST_Y(Building.geom_pt))
         .join(Household, Household.id == r.household_id)
         .join(Building, Building.id == r.building_id)
         .join(Grid, Grid.id == r.grid_id)
         .join(Village, Village.id == Grid.village_id)
         .where(r.grid_id == grid_id))
    rows = []
    for hid, bid, reason, since, attempts, unit, room, b, gname, vname, lon, lat in db.session.execute(q):
        rows.append({"household_id": hid, "building_id": bid, "reason": reason,
                     "reason_label": REVISIT_REASONS.get(reason, reason),
                     "since": since.isoformat() if since else None, "attempts": attempts,
                     "address": household_address(vname, gname, b, _Room(unit, room)),
                     "lon": round(lon, 7), "lat": round(lat, 7)})
    rows.sort(key=lambda x: (order.get(x["reason"], 9), x["since"] or "", x["address"]))
    total = sum(counts.values())
    return {"total": total, "counts": {k: counts.get(k, 0) for k in REVISIT_REASONS},
            "rows": rows if limit is None else rows[:limit]}


@dataclass
class _Room:
    unit: str | None
    room: str | None


def attention_gaps(grid_id: int, limit: int | None = 300) -> dict:
    """Subjects of the grid that must carry an attention level and have none (read only: adding
    a level is a write of the common write path). Only for roles that see key attention."""
    s = coverage_attention_subject.c
    q = (select(s.subject_kind, s.subject_id, s.reasons, s.records)
         .where(s.grid_id == grid_id, s.level_set.is_(False))
         .order_by(s.subject_kind, s.subject_id))
    found = db.session.execute(q).all()
    ids = {kind: [r.subject_id for r in found if r.subject_kind == kind] for kind in SUBJECT_KINDS}
    persons = dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids["person"] or [-1]))).all())
    orgs = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                   .where(Organisation.id.in_(ids["organisation"] or [-1]))).all())
    rooms = {h.id: h for h in db.session.execute(select(Household).where(Household.id.in_(ids["household"] or [-1])))
             .scalars()}
    rows = []
    for kind, sid, reasons, records in found[:limit] if limit is not None else found:
        if kind == "person":
            name = persons.get(sid, "")
        elif kind == "organisation":
            name = orgs.get(sid, "")
        elif kind == "household" and sid in rooms:
            h = rooms[sid]
            name = " / ".join(household_parts(h)) or f"房屋 {sid}"
        else:
            name = f"记录 {sid}"
        rows.append({"subject_kind": kind, "subject_id": sid, "kind_label": SUBJECT_KINDS.get(kind, kind),
                     "name": name, "reasons": [ATTENTION_REASONS.get(x, x) for x in reasons],
                     "has_record": records > 0})
    return {"total": len(found), "rows": rows}


def grid_detail(grid_id: int, uncovered_limit: int = 300, with_attention: bool = False) -> dict | None:
    """A grid the user sees: its targets, bounds, uncovered buildings, re-visit list and, for
    roles that see key attention, the subjects without an attention level (None if not visible)."""
    rates = _rates("grid", [grid_id])
    if grid_id not in rates:
        return None
    grid, village = db.session.execute(
        select(Grid, Village).join(Village, Village.id == Grid.village_id).where(Grid.id == grid_id)).one()
    out = {"level": "grid", "id": grid.id, "name": grid.name, "village": village.name, "village_id": village.id,
           "bounds": _bounds(Grid.geom, Grid.id == grid_id), "targets": rates[grid_id]["targets"],
           "uncovered": uncovered(grid_id=grid_id, limit=uncovered_limit),
           "revisit": revisit(grid_id, limit=uncovered_limit)}
    if with_attention:
        out["attention_gaps"] = attention_gaps(grid_id, limit=uncovered_limit)
    return out


def village_detail(village_id: int) -> dict | None:
    """A village the user sees (some of its grids): targets, bounds and its grids' targets."""
    rates = _rates("village", [village_id])
    if village_id not in rates:
        return None
    village = db.session.get(Village, village_id)
    grids = _rates("grid", village_id=village_id)
    names = dict(db.session.execute(select(Grid.id, Grid.name).where(Grid.id.in_(list(grids) or [-1]))).all())
    numbers = dict(db.session.execute(select(Grid.id, Grid.number).where(Grid.id.in_(list(grids) or [-1]))).all())
    total = db.session.execute(select(func.count()).where(Grid.village_id == village_id)).scalar()
    return {"level": "village", "id": village.id, "name": village.name, "grids": rates[village_id]["grids"],
            "grids_total": total, "bounds": _bounds(Grid.geom, Grid.id.in_(list(grids))),
            "targets": rates[village_id]["targets"],
            "children": [{"id": gid, "name": names[gid], "targets": grids[gid]["targets"]}
                         for gid in sorted(grids, key=lambda i: numbers[i])]}


def heat(layer: str, bbox: tuple[float, float, float, float], z: int, as_of: datetime | None = None) -> dict:
    """The heat layer `layer` for a view: cells (or, from z16, buildings) with their weight."""
    as_of = as_of or campaign_now()
    env = ST_Transform(ST_MakeEnvelope(*bbox, 4326), 3857)
    fn = func.gc_heat(layer, z, env, as_of, HEAT_MAX_CELLS).table_valued("lon", "lat", "weight")
    rows = db.session.execute(select(fn.c.lon, fn.c.lat, fn.c.weight)).all()
    points = [[round(lat, 6), round(lon, 6), int(w)] for lon, lat, w in rows]
    weights = sorted(p[2] for p in points)
    mode = "points" if z >= HEAT_POINT_ZOOM else "cells"
    return {
        "layer": layer, "name": HEAT_LAYERS[layer], "z": z, "mode": mode,
        "cell_px": None if mode == "points" else 32, "as_of": as_of.isoformat(),
        "count": len(points), "capped": len(points) >= HEAT_MAX_CELLS, "total": sum(weights),
        "max": weights[-1] if weights else 0,
        # A robust top of the colour scale: one very heavy cell must not wash out the rest.
        "p90": weights[min(len(weights) - 1, int(len(weights) * 0.9))] if weights else 0,
        "points": points,
    }


def progress() -> dict:
    """Per day: visits, signed verifications and the cumulative visit / verification rates."""
    as_of = campaign_now()
    st = stages()
    first_day = date.fromisoformat(st[0]["start"]) if st else as_of.astimezone(CST).date() - timedelta(days=90)
    fn = func.gc_coverage_progress(first_day, as_of).table_valued(
        "day", "visits", "verifications", "households_visited", "households_verified")
    town = coverage_rate.c
    households = db.session.execute(
        select(func.coalesce(func.sum(town.den), 0))
        .where(town.level == "town", town.target == "visit")).scalar()
    rows = db.session.execute(
        select(fn.c.day, fn.c.visits, fn.c.verifications, fn.c.households_visited, fn.c.households_verified,
               func.gc_rate(fn.c.households_visited, households), func.gc_rate(fn.c.households_verified, households))
    ).all()
    return {
        "as_of": as_of.isoformat(), "today": as_of.astimezone(CST).date().isoformat(), "households": int(households),
        "stages": st,
        "days": [r[0].isoformat() for r in rows],
        "visits": [r[1] for r in rows], "verifications": [r[2] for r in rows],
        "households_visited": [r[3] for r in rows], "households_verified": [r[4] for r in rows],
        "visit_rate": [_num(r[5]) for r in rows], "verification_rate": [_num(r[6]) for r in rows],
    }


def filter_options(scope: Scope) -> list[dict]:
    """Villages and their grids the user sees (for the uncovered-buildings filter)."""
    rows = db.session.execute(
        select(Village.id, Village.name, Grid.id, Grid.name)
        .join(Grid, Grid.village_id == Village.id)
        .where(Grid.id.in_(select(coverage_rate.c.unit_id).where(coverage_rate.c.level == "grid",
                                                                 coverage_rate.c.target == "visit")))
        .order_by(Village.code, Grid.number)).all()
    out: dict[int, dict] = {}
    for vid, vname, gid, gname in rows:
        out.setdefault(vid, {"id": vid, "name": vname, "grids": []})["grids"].append({"id": gid, "name": gname})
    return list(out.values())

