"""Results of a spot check: 一致率 per grid, leader, village and the whole check, each with a
95% Wilson interval (finite-population corrected where the checked households are a large
share of the unit), the grids below 95%, the mismatches (each a re-visit task for the grid
leader, view spot_check_revisit), and the 绩效评估报告 that puts them next to the six targets
of the platform check."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webgis.auth.models import User
from webgis.buildings import address
from webgis.buildings.models import Building, Household
from webgis.coverage import queries as coverage
from webgis.errors import NotFound
from webgis.geo.models import Grid, Village
from webgis.inspections import sampling
from webgis.inspections.models import SpotCheck, SpotCheckItem, SpotCheckPlan
from webgis.inspections.schemas import ITEM_LABELS, PICK_LABELS, PRESENCE_LABELS


def _unit(name: str, matched: int, checked: int, population: int, sampled: int, **extra) -> dict:
    return {"name": name, "households": population, "sampled": sampled,
            **sampling.rate(matched, checked, population, sampled), **extra}


def results(session: Session, plan_id: int) -> dict:
    """一致率 of the plan per grid, leader, village and overall, with intervals and flags."""
    plan = session.get(SpotCheckPlan, plan_id)
    if plan is None:
        raise NotFound("spot_check_plan", plan_id)
    allocation = plan.design.get("allocation", {})
    rows = session.execute(
        select(SpotCheck.grid_id, SpotCheck.leader_id, Grid.name, Village.id, Village.name,
               func.count().label("sampled"),
               func.count().filter(SpotCheck.checked_at.is_not(None)).label("checked_households"),
               func.coalesce(func.sum(SpotCheck.items_checked), 0), func.coalesce(func.sum(SpotCheck.items_matched), 0))
        .join(Grid, Grid.id == SpotCheck.grid_id).join(Village, Village.id == Grid.village_id)
        .where(SpotCheck.plan_id == plan_id)
        .group_by(SpotCheck.grid_id, SpotCheck.leader_id, Grid.name, Grid.number, Village.id, Village.name)
        .order_by(Village.id, Grid.number)).all()
    # Households of each grid in the area (the population of the stratum), from the design.
    population = {int(g): n for g, n in plan.design.get("strata_sizes", {}).items()}
    leaders = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_([r.leader_id for r in rows if r.leader_id is not None]))).all())
    grids, by_leader, by_village = [], {}, {}
    total = [0, 0, 0, 0]
    for gid, lid, gname, vid, vname, sampled, checked_h, items, matched in rows:
        n_pop = population.get(gid, allocation.get(str(gid), sampled))
        grids.append(_unit(f"{vname}{gname}", matched, items, n_pop, checked_h, id=gid,
                           leader=leaders.get(lid), drawn=sampled))
        for bucket, key, name in ((by_leader, lid, leaders.get(lid, "（无网格长）")), (by_village, vid, vname)):
            acc = bucket.setdefault(key, [name, 0, 0, 0, 0])
            acc[1] += matched
            acc[2] += items
            acc[3] += n_pop
            acc[4] += checked_h
        total = [total[0] + matched, total[1] + items, total[2] + n_pop, total[3] + checked_h]
    return {
        "plan_id": plan.id,
        "grids": grids,
        "leaders": [_unit(a[0], a[1], a[2], a[3], a[4], id=k) for k, a in by_leader.items()],
        "villages": [_unit(a[0], a[1], a[2], a[3], a[4], id=k) for k, a in by_village.items()],
        "overall": _unit(plan.title, total[0], total[1], total[2], total[3]),
        "below_goal": [g for g in grids if g["rate"] is not None and g["below_goal"]],
        "goal": sampling.GOAL,
    }


def mismatches(session: Session, plan_id: int) -> list[dict]:
    """Every mismatched item of the plan (each is a re-visit task for the grid leader)."""
    q = (select(SpotCheckItem, SpotCheck, Building, Household, Grid.name, Village.name, User.display_name)
         .join(SpotCheck, SpotCheck.id == SpotCheckItem.spot_check_id)
         .join(Household, Household.id == SpotCheck.household_id).join(Building, Building.id == SpotCheck.building_id)
         .join(Grid, Grid.id == SpotCheck.grid_id).join(Village, Village.id == Building.village_id)
         .outerjoin(User, User.id == SpotCheckItem.checked_by)
         .where(SpotCheck.plan_id == plan_id, SpotCheckItem.matched.is_(False))
         .order_by(SpotCheck.draw_no, SpotCheckItem.id))
    return [{"spot_check_id": sc.id, "household_id": h.id, "grid": f"{vname}{gname}",
             "address": address.household_address(vname, gname, b, h), "item": ITEM_LABELS[i.item],
             "presence": PRESENCE_LABELS.get(i.presence) if i.presence else None,
             "platform_value": i.platform_value, "found_value": i.found_value, "note": i.note,
             "checked_by": who, "checked_at": i.checked_at, "reason": "spot_check_mismatch"}
            for i, sc, b, h, gname, vname, who in session.execute(q)]


def checkers(session: Session, plan_id: int) -> list[dict]:
    """Who checked when: per checker, households checked and first/last check."""
    q = (select(User.display_name, func.count(func.distinct(SpotCheckItem.spot_check_id)),
                func.min(SpotCheckItem.checked_at), func.max(SpotCheckItem.checked_at))
         .join(SpotCheck, SpotCheck.id == SpotCheckItem.spot_check_id)
         .join(User, User.id == SpotCheckItem.checked_by)
         .where(SpotCheck.plan_id == plan_id).group_by(User.display_name).order_by(User.display_name))
    return [{"name": n, "households": c, "first": a, "last": b} for n, c, a, b in session.execute(q)]


def report(session: Session, plan_id: int) -> dict:
    """绩效评估报告: scope, sample design, rates with intervals, the six targets, mismatches, checkers."""
    from webgis.inspections.services import plan_summary

    summary = plan_summary(session, plan_id)
    res = results(session, plan_id)
    grid_rates = coverage._rates("grid", summary["grid_ids"])
    village_ids = [v["id"] for v in res["villages"]]
    village_rates = coverage._rates("village", village_ids)
    targets = coverage.target_defs()
    picks = {}
    for s in summary["sample"]:
        picks[s["pick"]] = picks.get(s["pick"], 0) + 1
    return {"plan": summary, "results": res, "mismatches": mismatches(session, plan_id),
            "checkers": checkers(session, plan_id), "targets": targets,
            "grid_targets": grid_rates, "village_targets": village_rates,
            "picks": {PICK_LABELS[k]: v for k, v in sorted(picks.items())},
            "checked": sum(1 for s in summary["sample"] if s["checked_at"])}
