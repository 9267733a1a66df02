"""Benchmark the route planner on the town demo: 50, 150 and 300 stops.

For each size: the walking matrix over the noded road graph (scipy) and, on the same graph,
pgRouting's pgr_dijkstraCostMatrix; the one-day tour of fast-tsp with the app's budget against
a strong reference computed in the same run (fast-tsp with a long time limit) and against
nearest-neighbour; and the 3-day split of VROOM with the app's limit against the best split
found with a long limit. Everything runs as the application role with the town admin's scope
(row-level security as in the app). Times in seconds; lengths in metres.

    .venv/bin/python bench/routes.py [--sizes 50 150 300] [--reference-seconds 10]
"""
import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from webgis import create_app  # noqa: E402
from webgis.buildings.models import Building  # noqa: E402
from webgis.extensions import db  # noqa: E402
from webgis.geo.models import Village  # noqa: E402
from webgis.routes import graph as walkgraph  # noqa: E402
from webgis.routes import services, solver  # noqa: E402
from webgis.routes.schemas import PlanInput  # noqa: E402
from webgis.scope import Scope  # noqa: E402
from webgis.scope import apply as apply_scope  # noqa: E402
from webgis.writes import Actor  # noqa: E402


def stops_for(session, n: int, kind: str = "community") -> tuple[int, list[int]]:
    """The n buildings nearest the centre of the busiest grid of a `kind` village (a compact walk)."""
    grid_id = session.execute(select(Building.grid_id).join(Village, Village.id == Building.village_id)
                              .where(Building.status != "demolished", Village.kind == kind)
                              .group_by(Building.grid_id).order_by(func.count().desc(), Building.grid_id)
                              .limit(1)).scalar_one()
    centre = session.execute(select(func.ST_Centroid(func.ST_Collect(Building.geom_pt)))
                             .where(Building.grid_id == grid_id)).scalar_one()
    ids = session.execute(select(Building.id).where(Building.status != "demolished")
                          .order_by(Building.geom_pt.op("<->")(centre), Building.id).limit(n)).scalars().all()
    return grid_id, list(ids)


def pgrouting_matrix(session, g: walkgraph.WalkGraph, nodes: np.ndarray) -> tuple[float, float]:
    """Seconds to load the noded graph into a table, and pgr_dijkstraCostMatrix over it (same source nodes)."""
    session.execute(text("CREATE TEMP TABLE IF NOT EXISTS bench_walk_edge "
                         "(id bigint, source bigint, target bigint, cost float8, reverse_cost float8) ON COMMIT DROP"))
    session.execute(text("TRUNCATE bench_walk_edge"))
    t0 = time.perf_counter()
    rows = [{"id": i, "s": int(u) + 1, "t": int(v) + 1, "c": float(c)}
            for i, ((u, v), c) in enumerate(zip(g.ends, g.lengths), 1)]
    session.execute(text("INSERT INTO bench_walk_edge VALUES (:id, :s, :t, :c, :c)"), rows)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    session.execute(text("SELECT count(*) FROM pgr_dijkstraCostMatrix("
                         "'SELECT id, source, target, cost, reverse_cost FROM bench_walk_edge', :ids, directed := false)"),
                    {"ids": [int(x) + 1 for x in nodes]}).scalar()
    return t_load, time.perf_counter() - t0


def reference_split(d, hh, cap, seconds: float) -> solver.DaySplit:
    """The best 3-day split found with long limits: VROOM alone (exploration 5) or the app's pipeline."""
    found = [solver.split_days(d, hh, 3, True, per_day_households=cap, seconds=seconds, level=5)]
    keep = solver.CUT_STARTS, solver.POLISH_SECONDS, solver.VRP_FIRST_SHARE
    try:
        solver.VRP_FIRST_SHARE = 1.0  # VROOM's own search only
        found.append(solver.split_days(d, hh, 3, True, per_day_households=cap, seconds=seconds, level=5))
        solver.CUT_STARTS, solver.POLISH_SECONDS, solver.VRP_FIRST_SHARE = len(d), 1.0, 0.5
        found.append(solver.split_days(d, hh, 3, True, per_day_households=cap, seconds=seconds, level=5))
    finally:
        solver.CUT_STARTS, solver.POLISH_SECONDS, solver.VRP_FIRST_SHARE = keep
    return min(found, key=lambda sp: (len(sp.unassigned), solver._split_length(d, sp.days, True)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 150, 300])
    ap.add_argument("--reference-seconds", type=float, default=10.0)
    ap.add_argument("--kind", choices=("community", "village"), default="community",
                    help="the busiest grid of an urban community (default) or of a rural village")
    ap.add_argument("--repeats", type=int, default=3, help="runs of the app's split (it is not deterministic)")
    args = ap.parse_args()
    app = create_app()
    rows = []
    with app.app_context():
        s = db.session
        town_id = s.execute(text("SELECT id FROM town ORDER BY id LIMIT 1")).scalar_one()
        admin = s.execute(text("SELECT id FROM app_user WHERE role = 'town_admin' ORDER BY id LIMIT 1")).scalar_one()
        scope = Scope(town_id=town_id, all_grids=True, role="town_admin")
        actor = Actor(user_id=admin, role="town_admin", town_id=town_id)
        for n in args.sizes:
            apply_scope(s.connection(), scope)
            grid_id, ids = stops_for(s, n, args.kind)
            data = PlanInput(grid_id=grid_id, building_ids=ids, start={"kind": "station"}, return_to_start=True)
            # End to end, as the API does it: facts, roads, graph, matrix, fast-tsp, lines.
            services.plan(s, actor, data)  # warm-up (imports, plan cache)
            t0 = time.perf_counter()
            result = services.plan(s, actor, data)
            total = time.perf_counter() - t0
            # The parts, on the same inputs.
            facts = services.queries.stop_facts(s, ids)
            start = result["start"]
            lonlat = [(start["lon"], start["lat"])] + [(facts[i]["lon"], facts[i]["lat"]) for i in ids]
            srid = walkgraph.utm_srid(*lonlat[0])
            t0 = time.perf_counter()
            pts = walkgraph.project_points(s, lonlat, srid)
            roads = walkgraph.load_roads(s, town_id, np.array(lonlat), srid)
            g = walkgraph.WalkGraph.build(roads)
            t_graph = time.perf_counter() - t0
            t0 = time.perf_counter()
            m = walkgraph.walking_matrix(g, pts)
            t_matrix = time.perf_counter() - t0
            ok = [0] + [k for k in range(1, len(lonlat)) if np.isfinite(m.distance[0, k])]
            d = m.distance[np.ix_(ok, ok)]
            snapped = [sn for sn in m.snaps if sn.segment is not None]
            nodes = np.unique(g.ends[[sn.segment for sn in snapped]])
            t_pgr_load, t_pgr = pgrouting_matrix(s, g, nodes)
            t0 = time.perf_counter()
            tour = solver.one_day(d, True)
            t_tsp = time.perf_counter() - t0
            length = solver.tour_length(d, tour, True)
            ref = solver.tour_length(d, solver.one_day(d, True, seconds=args.reference_seconds), True)
            nn = solver.tour_length(d, solver.nearest_neighbour(d, True), True)
            # A 3-day split: a day's capacity of a third of the households (+10%).
            hh = [0] + [max(1, facts[ids[k - 1]]["to_visit"] or facts[ids[k - 1]]["households"]) for k in ok[1:]]
            cap = math.ceil(sum(hh) / 3 * 1.1)
            runs = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                split = solver.split_days(d, hh, 3, True, per_day_households=cap)
                runs.append((time.perf_counter() - t0 + t_matrix + t_graph, split))
            best = min([reference_split(d, hh, cap, args.reference_seconds * 3)] + [sp for _t, sp in runs],
                       key=lambda sp: (len(sp.unassigned), solver._split_length(d, sp.days, True)))

            def split_len(sp):
                return sum(solver.tour_length(d, [0] + day, True) for day in sp.days if day)

            gaps = sorted(100 * (split_len(sp) / split_len(best) - 1) for _t, sp in runs)

            rows.append({
                "n": n, "reachable": len(ok) - 1, "fallback": sum(1 for sn in m.snaps[1:] if sn.fallback),
                "edges": len(g.segments), "nodes": g.nodes, "graph_s": t_graph, "matrix_s": t_matrix,
                "pgr_s": t_pgr, "pgr_load_s": t_pgr_load, "tsp_s": t_tsp, "plan_s": total, "tour_m": length, "ref_m": ref, "nn_m": nn,
                "split_m": split_len(runs[-1][1]), "split_best_m": split_len(best),
                "split_s": max(t for t, _sp in runs), "gaps": gaps,
                "split_unassigned": max(len(sp.unassigned) for _t, sp in runs), "best_unassigned": len(best.unassigned)})
            s.rollback()
    print("One day (closed walk from the grid's start point), fast-tsp 0.1 s vs reference "
          f"(fast-tsp {args.reference_seconds:.0f} s) and nearest-neighbour:")
    print(f"Busiest grid of a {args.kind} ({'urban' if args.kind == 'community' else 'rural'}).")
    print("| stops | reachable | fallback | graph edges | graph build s | matrix s (scipy, incl. snapping) "
          "| pgRouting: load edges s + matrix s "
          "| fast-tsp s | plan() s end to end | tour m | reference m | gap | nearest-neighbour m | NN gap |")
    print("|" + "---|" * 14)
    for r in rows:
        print(f"| {r['n']} | {r['reachable']} | {r['fallback']} | {r['edges']} | {r['graph_s']:.3f} | {r['matrix_s']:.3f} "
              f"| {r['pgr_load_s']:.3f} + {r['pgr_s']:.3f} | {r['tsp_s']:.3f} | {r['plan_s']:.3f} | {r['tour_m']:.0f} | {r['ref_m']:.0f} "
              f"| {100 * (r['tour_m'] / r['ref_m'] - 1):.2f}% | {r['nn_m']:.0f} | {100 * (r['nn_m'] / r['ref_m'] - 1):.1f}% |")
    print()
    print(f"3-day split (app settings: VROOM {solver.VRP_SECONDS} s, exploration {solver.VRP_LEVEL}, "
          f"tour cut from {solver.CUT_STARTS} starts, fast-tsp per day), {args.repeats} runs, against the best "
          f"split found in the run ({args.reference_seconds * 3:.0f} s limits: VROOM alone, the pipeline; and the runs):")
    print("| stops | split m (last run) | best m | gap best / median / worst run | slowest run s (graph + matrix + split) "
          "| unassigned (best) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        g = r["gaps"]
        print(f"| {r['n']} | {r['split_m']:.0f} | {r['split_best_m']:.0f} | "
              f"{g[0]:.2f}% / {g[len(g) // 2]:.2f}% / {g[-1]:.2f}% | {r['split_s']:.3f} | "
              f"{r['split_unassigned']} ({r['best_unassigned']}) |")


if __name__ == "__main__":
    main()
