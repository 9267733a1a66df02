"""Plan the walk: stops → road-network matrix → solver → days of numbered stops; save a plan.

`plan()` computes without writing (the map's preview); `save_plan()` is the unit of work of one
submission (client UUID, change history by trigger); `plan_detail()` reads a saved plan with
each stop's done flag derived from the visit log (a visit of the building after the plan was
made), so the next walk starts where the last stopped. Buildings outside the user's scope are
invisible under row-level security and refused like unknown ones.
"""
import logging
import uuid
from datetime import datetime, timezone

import numpy as np
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webgis import writes
from webgis.buildings.models import Building
from webgis.errors import NotFound, ValidationFailed
from webgis.geo.models import Grid, Road
from webgis.permissions import ROUTE_ROLES
from webgis.routes import graph as walkgraph
from webgis.routes import queries, solver
from webgis.routes.models import RoutePlan, RouteStop
from webgis.routes.schemas import MAX_STOPS, START_KINDS, PlanInput, SavePlanInput
from webgis.visits.models import Visit

log = logging.getLogger(__name__)


def _scoped_grid(session: Session, grid_id: int) -> Grid:
    g = session.get(Grid, grid_id)
    if g is None or not session.execute(select(func.gc_in_scope(g.town_id, g.id))).scalar():
        raise NotFound("grid", grid_id)
    return g


def _done_buildings(session: Session, building_ids: list[int], since: datetime) -> dict[int, datetime]:
    """Return {building_id: first visit at or after `since`} (the visit log decides what is done)."""
    rows = session.execute(select(Visit.building_id, func.min(Visit.visited_at))
                           .where(Visit.building_id.in_(building_ids), Visit.visited_at >= since)
                           .group_by(Visit.building_id)).all()
    return dict(rows)


def _start(session: Session, data: PlanInput, facts: dict, grid: Grid) -> dict:
    kind = data.start.kind
    if kind in ("point", "location"):
        return {"kind": kind, "label": START_KINDS[kind], "lon": data.start.lon, "lat": data.start.lat}
    if kind == "resume":
        last = last_stop(session, grid.id)
        if last is None:
            raise ValidationFailed({"start.kind": "本网格还没有走访过的已保存路线，请选择其他起点"})
        return {"kind": kind, "label": f"{START_KINDS[kind]}（{last['address']}）", "lon": last["lon"],
                "lat": last["lat"]}
    lon, lat = station_point(session, grid)
    return {"kind": kind, "label": f"{START_KINDS[kind]}（{grid.name}中心）", "lon": lon, "lat": lat}


def station_point(session: Session, grid: Grid) -> tuple[float, float]:
    """Where the grid's walks start by default.

    No service-station points are registered in the platform yet: the grid's interior point,
    moved onto its nearest road (KNN on the road index), stands in for it.
    """
    centre = select(func.ST_PointOnSurface(Grid.geom)).where(Grid.id == grid.id).scalar_subquery()
    on_road = session.execute(
        select(func.ST_X(func.ST_ClosestPoint(Road.geom, centre)), func.ST_Y(func.ST_ClosestPoint(Road.geom, centre)))
        .where(Road.town_id == grid.town_id).order_by(Road.geom.op("<->")(centre)).limit(1)).first()
    if on_road is None:
        on_road = session.execute(select(func.ST_X(centre), func.ST_Y(centre))).one()
    return float(on_road[0]), float(on_road[1])


def plan(session: Session, actor: writes.Actor, data: PlanInput, *, tsp_seconds: float = solver.TSP_SECONDS,
         vrp_seconds: float = solver.VRP_SECONDS) -> dict:
    """Return the optimised walk (one day or split into days) through the chosen buildings."""
    writes.require(actor, ROUTE_ROLES, "route")
    ids = list(dict.fromkeys(data.building_ids))
    facts = queries.stop_facts(session, ids)
    unseen = [i for i in ids if i not in facts]
    if unseen:
        raise NotFound("building", unseen[0])
    grid = _scoped_grid(session, data.grid_id or facts[ids[0]]["grid_id"])
    start = _start(session, data, facts, grid)
    lonlat = [(start["lon"], start["lat"])] + [(facts[i]["lon"], facts[i]["lat"]) for i in ids]
    srid = walkgraph.utm_srid(start["lon"], start["lat"])
    points = walkgraph.project_points(session, lonlat, srid)
    for margin in walkgraph.MARGINS_M:
        # Most walks stay near their stops; a river or a dead end may need a wider net.
        roads = walkgraph.load_roads(session, actor.town_id, np.array(lonlat), srid, margin)
        m = walkgraph.walking_matrix(walkgraph.WalkGraph.build(roads), points)
        if not walkgraph.wider_may_join(m, margin):
            break
    if m.snaps[0].segment is None:
        raise ValidationFailed({"start": f"起点{walkgraph.FALLBACK_M:.0f}米内没有道路，请重新选择起点"})
    unassigned = []
    reach = []
    for k, bid in enumerate(ids, 1):
        if m.snaps[k].segment is None:
            unassigned.append({**_stop_head(facts[bid]), "reason": "unreachable",
                               "label": f"{walkgraph.FALLBACK_M:.0f}米内没有道路，无法规划"})
        elif not np.isfinite(m.distance[0, k]):
            unassigned.append({**_stop_head(facts[bid]), "reason": "unreachable",
                               "label": "道路不连通（如隔河无桥），无法从起点步行到达"})
        else:
            reach.append(k)
    closed = bool(data.return_to_start)
    days_out: list[list[int]] = []
    if reach:
        sub = [0] + reach
        dist = m.distance[np.ix_(sub, sub)]
        weight = [0] + [_households(facts[ids[k - 1]]) for k in reach]
        unconstrained = data.capacity_kind == "households" and data.households_per_day is None
        if data.days == 1 and unconstrained:
            order = solver.one_day(dist, closed, seconds=tsp_seconds)
            days_out = [[sub[i] for i in order[1:]]]
        else:
            split = solver.split_days(
                dist, weight, data.days, closed,
                per_day_households=data.households_per_day if data.capacity_kind == "households" else None,
                per_day_seconds=int(data.hours_per_day * 3600) if data.capacity_kind == "hours" else None,
                seconds_per_household=(data.minutes_per_household or 0) * 60 if data.capacity_kind == "hours" else 0,
                speed_m_per_s=walkgraph.WALK_M_PER_MIN / 60.0, seconds=vrp_seconds)
            days_out = [[sub[i] for i in d] for d in split.days if d]
            for i in split.unassigned:
                unassigned.append({**_stop_head(facts[ids[sub[i] - 1]]), "reason": "over_capacity",
                                   "label": "超出每日容量，未排入" + (f"{data.days}天" if data.days > 1 else "当天")})
    return _result(session, m, srid, ids, facts, start, days_out, unassigned, closed, data)


def _households(f: dict) -> int:
    """Households to see at a stop: those on the re-visit list, else every household (at least 1)."""
    return max(1, f["to_visit"] or f["households"])


def _stop_head(f: dict) -> dict:
    return {"building_id": f["building_id"], "address": f["address"], "lon": f["lon"], "lat": f["lat"]}


def _result(session, m, srid, ids, facts, start, days_out, unassigned, closed, data) -> dict:
    lines, days = [], []
    for d, order in enumerate(days_out, 1):
        walk = [0] + order + ([0] if closed else [])
        legs = [m.leg(a, b) for a, b in zip(walk, walk[1:])]
        lines.append([ln for ln in legs if ln is not None])
        stops = []
        for seq, k in enumerate(order, 1):
            f = facts[ids[k - 1]]
            snap = m.snaps[k]
            stops.append({**_stop_head(f), "seq": seq, "households": _households(f), "to_visit": f["to_visit"],
                          "missing": f["missing"], "leg_m": int(round(m.distance[walk[seq - 1], k])),
                          "fallback": snap.fallback,
                          "fallback_note": (f"直线距离：{walkgraph.SNAP_M:.0f}米内无道路，按直线连到最近道路"
                                            if snap.fallback else None)})
        distance = float(sum(m.distance[a, b] for a, b in zip(walk, walk[1:])))
        walk_min = distance / walkgraph.WALK_M_PER_MIN
        per_hh = data.minutes_per_household if data.capacity_kind == "hours" else None
        visit_min = sum(s["households"] for s in stops) * per_hh if per_hh else None
        days.append({"day": d, "stops": stops, "distance_m": int(round(distance)), "walk_minutes": int(round(walk_min)),
                     "visit_minutes": visit_min,
                     "total_minutes": int(round(walk_min + visit_min)) if visit_min is not None else None,
                     "households": sum(s["households"] for s in stops),
                     "return_leg_m": int(round(m.distance[order[-1], 0])) if closed and order else None})
    flat = [ln for day in lines for ln in day]
    coords = walkgraph.to_lonlat(session, flat, srid)
    it = iter(coords)
    for day, day_lines in zip(days, lines):
        day["line"] = {"type": "MultiLineString", "coordinates": [next(it) for _ in day_lines]}
    return {
        "start": start, "return_to_start": closed, "days": days, "unassigned": unassigned,
        "distance_m": sum(d["distance_m"] for d in days), "walk_minutes": sum(d["walk_minutes"] for d in days),
        "stops": sum(len(d["stops"]) for d in days),
        "settings": {"capacity_kind": data.capacity_kind, "households_per_day": data.households_per_day,
                     "hours_per_day": data.hours_per_day, "minutes_per_household": data.minutes_per_household,
                     "days": data.days},
        "limits": {"max_stops": MAX_STOPS, "snap_m": walkgraph.SNAP_M, "fallback_m": walkgraph.FALLBACK_M,
                   "walk_m_per_min": walkgraph.WALK_M_PER_MIN},
    }


def save_plan(session: Session, actor: writes.Actor, data: SavePlanInput) -> dict:
    """Compute and save a plan (applied once per client UUID); return it with its id."""
    writes.require(actor, ROUTE_ROLES, "route")
    writes.submission(session, data.client_uuid)
    done = session.execute(select(RoutePlan.id).where(RoutePlan.client_uuid == data.client_uuid)).scalar_one_or_none()
    if done is not None:
        return {"applied": False, "plan_id": done}
    result = plan(session, actor, data)
    if not result["days"]:
        raise ValidationFailed({"building_ids": "没有可以步行到达的停靠点，路线未保存"})
    first = queries.stop_facts(session, [data.building_ids[0]])[data.building_ids[0]]
    grid = _scoped_grid(session, data.grid_id or first["grid_id"])
    now = datetime.now(timezone.utc)
    p = RoutePlan(town_id=grid.town_id, grid_id=grid.id, created_by=actor.user_id, client_uuid=data.client_uuid,
                  title=data.title or f"{grid.name} {now:%Y-%m-%d} 走访路线", start_kind=data.start.kind,
                  start_geom=from_shape(Point(result["start"]["lon"], result["start"]["lat"]), 4326),
                  return_to_start=bool(data.return_to_start), capacity_kind=data.capacity_kind,
                  households_per_day=data.households_per_day, hours_per_day=data.hours_per_day,
                  minutes_per_household=data.minutes_per_household, days=data.days,
                  distance_m=result["distance_m"], walk_minutes=result["walk_minutes"], result=result)
    session.add(p)
    session.flush()
    grids = dict(session.execute(select(Building.id, Building.grid_id)
                                 .where(Building.id.in_(data.building_ids))).all())
    for day in result["days"]:
        for s in day["stops"]:
            session.add(RouteStop(town_id=grid.town_id, grid_id=grids[s["building_id"]], plan_id=p.id, day=day["day"],
                                  seq=s["seq"], building_id=s["building_id"], households=s["households"],
                                  leg_m=s["leg_m"], fallback=s["fallback"]))
    session.flush()
    session.commit()
    return {"applied": True, "plan_id": p.id, **result}


def plan_detail(session: Session, plan_id: int) -> dict:
    """Return a saved plan with each stop's done flag (from the visit log) and the next stop."""
    p = session.get(RoutePlan, plan_id)
    if p is None:
        raise NotFound("route_plan", plan_id)
    result = dict(p.result)
    ids = [s["building_id"] for d in result["days"] for s in d["stops"]]
    done = _done_buildings(session, ids, p.created_at)
    facts = queries.stop_facts(session, ids)
    nxt = None
    for d in result["days"]:
        for s in d["stops"]:
            at = done.get(s["building_id"])
            s["done"] = at is not None
            s["done_at"] = at.isoformat() if at else None
            if s["building_id"] in facts:
                s["missing"] = facts[s["building_id"]]["missing"]
                s["to_visit"] = facts[s["building_id"]]["to_visit"]
            if nxt is None and not s["done"]:
                nxt = {"day": d["day"], "seq": s["seq"], "building_id": s["building_id"], "address": s["address"]}
        d["done"] = sum(1 for s in d["stops"] if s["done"])
    grid = session.get(Grid, p.grid_id)
    return {"plan_id": p.id, "title": p.title, "grid_id": p.grid_id, "grid": grid.name if grid else None,
            "created_at": p.created_at.isoformat(), "version": p.version, "next": nxt, **result}


def last_stop(session: Session, grid_id: int) -> dict | None:
    """Return the last stop done (in walking order) of the grid's latest saved plan, if any."""
    p = session.execute(select(RoutePlan).where(RoutePlan.grid_id == grid_id)
                        .order_by(RoutePlan.created_at.desc(), RoutePlan.id.desc()).limit(1)).scalar_one_or_none()
    if p is None:
        return None
    detail = plan_detail(session, p.id)
    last = None
    for d in detail["days"]:
        for s in d["stops"]:
            if s["done"]:
                last = s
    return last


def candidates(session: Session, actor: writes.Actor, grid_id: int) -> dict:
    """The grid's buildings for the planner: which are pre-selected (still to visit), where the start is."""
    writes.require(actor, ROUTE_ROLES, "route")
    grid = _scoped_grid(session, grid_id)
    rows = session.execute(select(Building.id).where(Building.grid_id == grid_id,
                                                             Building.status != "demolished")).scalars().all()
    facts = queries.stop_facts(session, list(rows))
    todo = queries.buildings_to_visit(session, grid_id)
    lon, lat = station_point(session, grid)
    geom = session.execute(select(func.ST_AsGeoJSON(Grid.geom, 6)).where(Grid.id == grid_id)).scalar_one()
    latest = session.execute(select(RoutePlan.id, RoutePlan.title, RoutePlan.created_at)
                             .where(RoutePlan.grid_id == grid_id)
                             .order_by(RoutePlan.created_at.desc(), RoutePlan.id.desc()).limit(5)).all()
    import json

    return {
        "grid_id": grid.id, "grid": grid.name, "geometry": json.loads(geom),
        "station": {"lon": lon, "lat": lat, "label": f"{START_KINDS['station']}（{grid.name}中心）"},
        "buildings": [{**f, "selected": f["building_id"] in todo} for f in sorted(facts.values(),
                                                                                key=lambda f: f["building_id"])],
        "preselected": sum(1 for b in todo if b in facts),
        "resume": last_stop(session, grid_id),
        "plans": [{"plan_id": i, "title": t, "created_at": c.isoformat()} for i, t, c in latest],
        "limits": {"max_stops": MAX_STOPS},
    }


def new_uuid() -> uuid.UUID:
    """A client UUID for callers without one (CLI, bench)."""
    return uuid.uuid4()
