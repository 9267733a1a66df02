"""Benchmark the coverage targets and heat layers against the town-scale demo.

Prints median and p95 over N runs (default 200) of:
  - all the targets for the whole town: GET /api/coverage/targets as the town admin, and the
    same query (the coverage_rate view, town level) run as the application role with the
    town admin's scope in PostgreSQL (client round trip, and EXPLAIN ANALYZE execution);
  - each heat layer for a town-wide view (z12, the town's extent) and a street view (z16,
    1366×800 px around the busiest spot): GET /api/coverage/heat/<layer>, and gc_heat(...)
    in PostgreSQL;
  - the write path: a visit INSERT as the application role (status and coverage triggers),
    with a check that the next read in the same transaction counts it (rolled back);
  - for reference: the targets page, the progress chart and a choropleth tile.

    .venv/bin/python bench/coverage.py [--requests 200] [--workers 4] [--json out.json]
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.map_layers import busiest_tile, database_url, free_port, login, pct, start_server  # noqa: E402

DEMO_TODAY = "2026-10-23"  # the demo's records stop on that day (config CAMPAIGN_TODAY)
SCOPE = ("SELECT set_config('gc.town_id', %s, true), set_config('gc.all_grids', 'on', true), "
         "set_config('gc.grid_ids', '{}', true), set_config('gc.role', 'town_admin', true), "
         "set_config('gc.user_id', %s, true)")
TARGETS_SQL = ("SELECT unit_id, grids, target, num, den, rate, status, gap FROM coverage_rate "
               "WHERE level = 'town' AND unit_id IN (%s)")
HEAT_SQL = ("SELECT lon, lat, weight FROM gc_heat(%s, %s, ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, 4326), 3857), "
            "%s::timestamptz, 4000)")
AS_OF = f"{DEMO_TODAY}T23:59:59+08:00"


def stats(values: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(values), 2), "p95_ms": round(pct(values, 95), 2),
            "runs": len(values)}


def timed_http(s, url: str, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        r = s.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (url, r.status_code, r.text[:200])
    return out


def timed_db(cur, sql: str, args: tuple, rounds: int) -> tuple[list[float], list[float]]:
    """(round-trip ms, EXPLAIN ANALYZE execution ms) of a query, in the scoped transaction."""
    wall, execution = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        cur.execute(sql, args)
        cur.fetchall()
        wall.append((time.perf_counter() - t0) * 1000)
    for _ in range(rounds):
        cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, args)
        execution.append(cur.fetchone()[0][0]["Execution Time"])
    return wall, execution


def views(cur) -> dict:
    """The town-wide view (the town's extent, z12) and a street view (1366×800 px at z16)."""
    cur.execute("SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM town ORDER BY id LIMIT 1")
    town = tuple(cur.fetchone())
    x, y = busiest_tile(cur, 16)
    n = 2 ** 16
    import math
    lon = (x + 0.5) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / n))))
    w = 1366 * 360 / (256 * n)
    h = 800 * 360 / (256 * n) * math.cos(math.radians(lat))
    street = (lon - w / 2, lat - h / 2, lon + w / 2, lat + h / 2)
    return {"town_z12": (12, town), "street_z16": (16, street)}


def write_path(conn, town_id: int, user_id: int, rounds: int) -> dict:
    """Time a visit INSERT with its triggers; check the next read counts it; roll back."""
    cur = conn.cursor()
    times, consistent = [], 0
    for i in range(rounds):
        cur.execute("BEGIN")
        cur.execute(SCOPE, (str(town_id), str(user_id)))
        cur.execute("SELECT num FROM coverage_rate WHERE level = 'town' AND target = 'visit'")
        before = cur.fetchone()[0]
        cur.execute("SELECT h.id, h.grid_id, h.building_id FROM coverage_household ch JOIN household h ON h.id = ch.id "
                    "WHERE NOT ch.visited ORDER BY h.id OFFSET %s LIMIT 1", (i * 97,))
        hid, gid, bid = cur.fetchone()
        t0 = time.perf_counter()
        cur.execute("INSERT INTO visit (town_id, grid_id, building_id, household_id, result, awareness, satisfaction) "
                    "VALUES (%s, %s, %s, %s, 'verified', true, true)", (town_id, gid, bid, hid))
        times.append((time.perf_counter() - t0) * 1000)
        cur.execute("SELECT num FROM coverage_rate WHERE level = 'town' AND target = 'visit'")
        consistent += cur.fetchone()[0] == before + 1
        cur.execute("ROLLBACK")
    return {**stats(times), "consistent": f"{consistent}/{rounds}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--writes", type=int, default=30)
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args()
    n = max(100, args.requests)

    url = database_url()
    conn = psycopg2.connect(url)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT id, town_id FROM app_user WHERE username = 'town'")
    row = cur.fetchone()
    if row is None:
        raise SystemExit("no demo user 'town': load the town demo first (make demo)")
    user_id, town_id = row
    # The application role sees rows only inside a scope: the town admin's, for the whole run.
    cur.execute("BEGIN")
    cur.execute(SCOPE, (str(town_id), str(user_id)))
    cur.execute("SELECT (SELECT count(*) FROM grid), (SELECT count(*) FROM building), (SELECT count(*) FROM person)")
    grids, buildings, persons = cur.fetchone()
    print(f"data: {grids} grids, {buildings} buildings, {persons} persons; campaign today {DEMO_TODAY}")
    if buildings < 50000:
        print("warning: fewer than 50,000 buildings — load the town demo (make demo) for representative figures")
    v = views(cur)

    os.environ["CAMPAIGN_TODAY"] = DEMO_TODAY  # the server inherits it (start_server copies os.environ)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, args.workers, port)
    results = {"data": {"grids": grids, "buildings": buildings, "persons": persons}, "runs": n, "cases": []}

    def report(name: str, http: list[float] | None, db: tuple | None, extra: str = "") -> None:
        row = {"case": name}
        if http:
            row["http"] = stats(http)
        if db:
            row["db_roundtrip"], row["db_execution"] = stats(db[0]), stats(db[1])
        results["cases"].append(row)
        h = row.get("http", {})
        d, e = row.get("db_roundtrip", {}), row.get("db_execution", {})
        print(f"{name:<30}{h.get('p50_ms', ''):>10}{h.get('p95_ms', ''):>10}{d.get('p50_ms', ''):>10}"
              f"{d.get('p95_ms', ''):>10}{e.get('p50_ms', ''):>10}{e.get('p95_ms', ''):>10}  {extra}")

    try:
        s = login(base)
        print(f"\n{'case':<30}{'HTTP p50':>10}{'HTTP p95':>10}{'DB p50':>10}{'DB p95':>10}{'exec p50':>10}"
              f"{'exec p95':>10}   (ms; DB = round trip as the app role, exec = EXPLAIN ANALYZE)")

        # All the targets for the whole town (知晓率 and 满意率 apart: seven figures).
        timed_http(s, f"{base}/api/coverage/targets", 20)
        timed_db(cur, TARGETS_SQL, (town_id,), 10)
        body = s.get(f"{base}/api/coverage/targets").json()
        report("targets, town", timed_http(s, f"{base}/api/coverage/targets", n),
               timed_db(cur, TARGETS_SQL, (town_id,), n),
               " ".join(f"{code} {t['rate']}%" for code, t in body["targets"].items()))

        # Heat layers, town-wide and street view.
        for view, (z, bbox) in v.items():
            q = ",".join(f"{c:.6f}" for c in bbox)
            for layer in ("unvisited", "links", "overdue"):
                u = f"{base}/api/coverage/heat/{layer}?bbox={q}&z={z}"
                timed_http(s, u, 10)
                data = s.get(u).json()
                a = (layer, z, *bbox, AS_OF)
                timed_db(cur, HEAT_SQL, a, 5)
                report(f"heat {layer}, {view}", timed_http(s, u, n), timed_db(cur, HEAT_SQL, a, n),
                       f"{data['count']} {data['mode']}, weight {data['total']}")
        # For reference (not in the goals): the page, the chart data, a choropleth tile.
        x, y = busiest_tile(cur, 13)
        cur.execute("ROLLBACK")
        for name, path in (("targets page (HTML)", "/targets"), ("progress chart data", "/api/coverage/progress"),
                           ("grid panel (detail)", "/api/coverage/grids/1"),
                           ("choropleth tile z13", f"/tiles/coverage/13/{x}/{y}.pbf")):
            timed_http(s, base + path, 5)
            report(name, timed_http(s, base + path, max(20, n // 5)), None)

        wp = write_path(conn, town_id, user_id, args.writes)
        results["write_visit"] = wp
        print(f"\nvisit INSERT with status + coverage triggers (app role): p50 {wp['p50_ms']} ms, "
              f"p95 {wp['p95_ms']} ms; counted by the next read in the same transaction: {wp['consistent']}")
    finally:
        server.terminate()
        server.wait()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
