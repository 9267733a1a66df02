"""Benchmark spot checks on the town demo: designing one (area → strata → allocation → seeded
draw, with the three targeted picks) and building its 绩效评估报告 (results, mismatches, the six
targets per grid).

Runs as the application role with the town admin's scope (row-level security as in the app),
inside one transaction that is rolled back: the demo is left as it was (the services' own
commits are turned into flushes for the run). Times in seconds, with the load average.

    .venv/bin/python bench/inspections.py [--villages 1 5 27] [--repeats 3]
"""
import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import g  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from webgis import create_app  # noqa: E402
from webgis.extensions import db  # noqa: E402
from webgis.geo.models import Grid, Village  # noqa: E402
from webgis.inspections import results, services  # noqa: E402
from webgis.inspections.schemas import PlanInput  # noqa: E402
from webgis.scope import Scope  # noqa: E402
from webgis.scope import apply as apply_scope  # noqa: E402
from webgis.writes import Actor  # noqa: E402


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--villages", type=int, nargs="+", default=[1, 5, 27],
                    help="sizes of the area: the first N villages (by id)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    app = create_app()
    rows = []
    with app.test_request_context():
        s = db.session
        town_id = s.execute(text("SELECT id FROM town ORDER BY id LIMIT 1")).scalar_one()
        admin = s.execute(text("SELECT id FROM app_user WHERE role = 'town_admin' ORDER BY id LIMIT 1")).scalar_one()
        g.gc_scope = Scope(town_id=town_id, role="town_admin", user_id=admin, all_grids=True)
        actor = Actor(user_id=admin, role="town_admin", town_id=town_id)
        villages = s.execute(select(Village.id).where(Village.town_id == town_id).order_by(Village.id)).scalars().all()
        apply_scope(s.connection(), g.gc_scope)
        located = s.execute(text("SELECT count(geom), count(*) FROM visit")).one()
        s.commit = s.flush  # keep everything in the transaction rolled back below
        try:
            for k in args.villages:
                chosen = villages[:k]
                draw_s, report_s, last = [], [], None
                for rep in range(args.repeats):
                    apply_scope(s.connection(), g.gc_scope)
                    data = PlanInput(client_uuid=uuid.uuid4(), title=f"bench {k} villages", village_ids=chosen,
                                     mode="precision", targeted=["short_visit", "only_verified", "far_visit"],
                                     targeted_count=5, seed=2019 + rep)
                    t0 = time.perf_counter()
                    plan = services.create_plan(s, actor, data)
                    draw_s.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    results.report(s, plan["id"])
                    report_s.append(time.perf_counter() - t0)
                    last = plan
                grids = s.execute(select(func.count()).select_from(Grid).where(Grid.village_id.in_(chosen))).scalar()
                picks = {}
                for x in last["sample"]:
                    picks[x["pick"]] = picks.get(x["pick"], 0) + 1
                rows.append((k, grids, last["design"]["population"], len(last["sample"]), picks,
                             statistics.median(draw_s), max(draw_s), statistics.median(report_s), max(report_s),
                             load()))
        finally:
            s.rollback()
    print(f"Spot checks on the town demo ({located[0]:,} of {located[1]:,} visits carry a position); "
          f"precision design (95% ± 3 points), leader floors, 3 targeted picks × 5; {args.repeats} runs:")
    print("| villages | grids | households | sampled | picks | design + draw s (median / max) "
          "| report s (median / max) | load average |")
    print("|---|---|---|---|---|---|---|---|")
    for k, grids, pop, n, picks, dm, dx, rm, rx, la in rows:
        p = ", ".join(f"{key} {v}" for key, v in sorted(picks.items()))
        print(f"| {k} | {grids} | {pop:,} | {n} | {p} | {dm:.2f} / {dx:.2f} | {rm:.2f} / {rx:.2f} | {la} |")


if __name__ == "__main__":
    main()
