"""What is still to visit, and what a stop of a route holds (reads only, under row-level security)."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webgis.buildings import address
from webgis.buildings.models import Building, Household
from webgis.coverage.models import coverage_revisit
from webgis.geo.models import Grid, Village

# Why a household is on the re-visit list (the words of the stop list).
REASONS = {"not_visited": "未走访", "nobody_home": "上次无人在家", "refused": "上次拒绝", "returned": "民警退回重访",
           "spot_check_mismatch": "抽查不一致"}


def revisit_households(session: Session, grid_ids: list[int] | None = None, building_ids: list[int] | None = None):
    """Return (household_id, building_id, grid_id, reason) of the households still to visit: the
    grid's re-visit list, the SQL view `coverage_revisit` (webgis/sql/0010_targets.sql, 0015)."""
    r = coverage_revisit.c
    q = select(r.household_id, r.building_id, r.grid_id, r.reason)
    if grid_ids is not None:
        q = q.where(r.grid_id.in_(grid_ids))
    if building_ids is not None:
        q = q.where(r.building_id.in_(building_ids))
    return session.execute(q).all()


def buildings_to_visit(session: Session, grid_id: int) -> dict[int, dict]:
    """Return {building_id: {reason: households}} of the grid's re-visit list."""
    out: dict[int, dict] = {}
    for _h, b, _g, reason in revisit_households(session, grid_ids=[grid_id]):
        out.setdefault(b, {}).setdefault(reason, 0)
        out[b][reason] += 1
    return out


def stop_facts(session: Session, building_ids: list[int]) -> dict[int, dict]:
    """Return per visible building: address, point, grid, households, and what is missing there."""
    if not building_ids:
        return {}
    rows = session.execute(
        select(Building, Grid.name, Village.name, func.ST_X(Building.geom_pt), func.ST_Y(Building.geom_pt),
               select(func.count(Household.id)).where(Household.building_id == Building.id,
                                                      Household.status != "demolished")
               .correlate(Building).scalar_subquery())
        .join(Grid, Grid.id == Building.grid_id).join(Village, Village.id == Building.village_id)
        .where(Building.id.in_(building_ids))).all()
    missing: dict[int, dict] = {}
    for _h, b, _g, reason in revisit_households(session, building_ids=building_ids):
        missing.setdefault(b, {}).setdefault(reason, 0)
        missing[b][reason] += 1
    out = {}
    for b, grid_name, village_name, lon, lat, n in rows:
        m = missing.get(b.id, {})
        out[b.id] = {
            "building_id": b.id, "grid_id": b.grid_id, "town_id": b.town_id,
            "address": address.building_address(village_name, grid_name, b),
            "lon": float(lon), "lat": float(lat), "households": int(n or 0),
            "to_visit": sum(m.values()),
            "missing": [{"reason": k, "label": REASONS.get(k, k), "households": v} for k, v in sorted(m.items())],
            "collection_status": b.collection_status,
        }
    return out
