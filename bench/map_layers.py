"""Benchmark the map layers against the town-scale demo.

Prints, for zoom 12 (grids), 14, 16 and 18 (buildings) in the busiest area:
the HTTP endpoint's median/p95 over N requests, the same tile function's own
execution time in PostgreSQL (EXPLAIN ANALYZE), and their ratio; requests/s of
the z16 endpoint under concurrent load (wrk); the bytes of a first map load at
town zoom (headless Chromium); and, with --demo-time, the time of
`demo --scale town` into a scratch database.

    .venv/bin/python bench/map_layers.py [--requests 200] [--workers 4] [--json out.json]
"""
import argparse
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEMO_USER, DEMO_PASSWORD = "town", "Huilong#2026"
# One User-Agent for the login and the load generator: the session is bound to it.
USER_AGENT = "GridCheck-bench/1"


def database_url(kind: str = "app") -> str:
    """The app role's URL (what the endpoint uses) or the owner's ('owner')."""
    from webgis import devdb

    return devdb.url_for(kind)


def town_admin_connection(url: str):
    """A connection as the application role carrying the demo town admin's scope, so the
    database's own timings go through the same row-level security policies as the endpoint."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT id FROM town ORDER BY id LIMIT 1")
    town_id = cur.fetchone()[0]
    cur.execute("SELECT set_config('gc.town_id', %s, false), set_config('gc.all_grids', 'on', false), "
                "set_config('gc.role', 'town_admin', false)", (str(town_id),))
    return conn


def pct(values: list[float], p: float) -> float:
    """Return the p-th percentile (nearest rank)."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def busiest_tile(cur, z: int) -> tuple[int, int]:
    """Return the (x, y) of the z-tile holding the most buildings."""
    size = 2 * 20037508.342789244 / 2**z
    cur.execute(
        """SELECT floor((ST_X(geom_3857) + 20037508.342789244) / %(s)s)::int AS x,
                  floor((20037508.342789244 - ST_Y(geom_3857)) / %(s)s)::int AS y, count(*)
             FROM building GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1""", {"s": size})
    x, y, n = cur.fetchone()
    return x, y


def tiles_around(cur, z: int, n: int = 9) -> list[tuple[int, int]]:
    """Return up to n tiles in the busiest area at zoom z (the busiest and its neighbours)."""
    x, y = busiest_tile(cur, z)
    ring = [(x + dx, y + dy) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    ring.sort(key=lambda t: (t != (x, y)))
    return ring[:n]


def db_times(cur, fn: str, tiles: list, z: int, rounds: int) -> tuple[list[float], int]:
    """Execution time (ms) of the tile function per EXPLAIN ANALYZE; also bytes of the busiest tile."""
    times = []
    for i in range(rounds):
        x, y = tiles[i % len(tiles)]
        cur.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) SELECT {fn}(%s, %s, %s)", (z, x, y))
        times.append(cur.fetchone()[0][0]["Execution Time"])
    cur.execute(f"SELECT length({fn}(%s, %s, %s))", (z, *tiles[0]))
    return times, cur.fetchone()[0] or 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, workers: int, port: int) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url)
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--worker-class", "gthread", "--threads", "1", "--log-level", "warning", "webgis:create_app()"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    for _ in range(150):
        try:
            requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
            return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def login(base: str) -> requests.Session:
    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    html = s.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    r = s.post(f"{base}/login", data={"username": DEMO_USER, "password": DEMO_PASSWORD,
                                      "csrf_token": token.group(1)}, allow_redirects=False)
    if r.status_code != 302:
        raise SystemExit("login as the demo town admin failed: is the town demo loaded? (make demo)")
    return s


def http_times(s: requests.Session, base: str, layer: str, z: int, tiles: list, rounds: int) -> list[float]:
    times = []
    for i in range(rounds):
        x, y = tiles[i % len(tiles)]
        t0 = time.perf_counter()
        r = s.get(f"{base}/tiles/{layer}/{z}/{x}/{y}.pbf")
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.text
    return times


def wrk_load(base: str, cookie: str, tiles: list, z: int, seconds: int, connections: int) -> dict | None:
    """Requests/s of the z-tile endpoint under load, cycling through `tiles` (wrk + Lua)."""
    if not shutil.which("wrk"):
        return None
    paths = ",".join(f'"/tiles/buildings/{z}/{x}/{y}.pbf"' for x, y in tiles)
    script = f"""
paths = {{{paths}}}
i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {{["Cookie"] = "{cookie}", ["User-Agent"] = "{USER_AGENT}"}})
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", f.name, base],
                         capture_output=True, text=True).stdout
    os.unlink(f.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    return {"rps": rps, "connections": connections, "seconds": seconds, "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "latency_p50": p50.group(1) if p50 else None, "latency_p99": p99.group(1) if p99 else None}


def first_load_bytes(base: str) -> dict | None:
    """Bytes and requests of a first map load at town zoom, measured in headless Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path("/usr/bin/chromium").exists():
        return None
    total, count, external = 0, 0, 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1366, "height": 800})

        def route(r):
            nonlocal external
            if not r.request.url.startswith(base):
                external += 1
                return r.abort()
            return r.continue_()

        page.route("**/*", route)
        page.goto(f"{base}/login")
        page.fill("input[name=username]", DEMO_USER)
        page.fill("input[name=password]", DEMO_PASSWORD)
        sizes = []
        page.on("requestfinished", lambda req: sizes.append(req.sizes()["responseBodySize"]))
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)
        total, count = sum(sizes), len(sizes)
        browser.close()
    return {"bytes": total, "requests": count, "external_requests": external}


def demo_time() -> float:
    """Seconds of `flask demo --scale town` into a scratch database of the local cluster."""
    from webgis import devdb

    scratch = "gridcheck_bench_demo"
    devdb._psql(f"DROP DATABASE IF EXISTS {scratch}")
    devdb._psql(f"CREATE DATABASE {scratch} OWNER {devdb.OWNER}")
    devdb._psql("CREATE EXTENSION IF NOT EXISTS postgis", db=scratch)
    url = devdb.role_url(devdb.OWNER, scratch)
    env = dict(os.environ, DATABASE_URL=url)
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "webgis"]
    subprocess.run(flask + ["db", "upgrade"], env=env, check=True, capture_output=True)
    t0 = time.perf_counter()
    subprocess.run(flask + ["demo", "--scale", "town"], env=env, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    devdb._psql(f"DROP DATABASE {scratch}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--load-seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--demo-time", action="store_true", help="also time `demo --scale town` (minutes)")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    url = database_url("app")
    conn = town_admin_connection(url)
    cur = conn.cursor()
    cur.execute("SELECT (SELECT count(*) FROM grid), (SELECT count(*) FROM building), (SELECT count(*) FROM person)")
    grids, buildings, persons = cur.fetchone()
    print(f"data: {grids} grids, {buildings} buildings, {persons} persons")
    if buildings < 50000:
        print("warning: fewer than 50,000 buildings — load the town demo (make demo) for representative figures")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, args.workers, port)
    results = {"data": {"grids": grids, "buildings": buildings, "persons": persons}, "zooms": []}
    try:
        s = login(base)
        cases = [("grids", "gc_tile_grids", 12), ("buildings", "gc_tile_buildings", 14),
                 ("buildings", "gc_tile_buildings", 16), ("buildings", "gc_tile_buildings", 18)]
        print(f"\n{'layer':<10}{'z':>3}{'features≈bytes':>16}{'HTTP p50':>10}{'HTTP p95':>10}"
              f"{'DB p50':>9}{'DB p95':>9}{'ratio p50':>11}")
        for layer, fn, z in cases:
            tiles = tiles_around(cur, z)
            http_times(s, base, layer, z, tiles, 20)  # warm the workers' connections and plans
            db_times(cur, fn, tiles, z, 10)
            h = http_times(s, base, layer, z, tiles, args.requests)
            d, nbytes = db_times(cur, fn, tiles, z, args.requests)
            row = {"layer": layer, "z": z, "busiest_tile": tiles[0], "tile_bytes": nbytes,
                   "http_p50_ms": round(statistics.median(h), 2), "http_p95_ms": round(pct(h, 95), 2),
                   "db_p50_ms": round(statistics.median(d), 2), "db_p95_ms": round(pct(d, 95), 2)}
            row["ratio_p50"] = round(row["http_p50_ms"] / row["db_p50_ms"], 2) if row["db_p50_ms"] else None
            results["zooms"].append(row)
            print(f"{layer:<10}{z:>3}{nbytes:>16}{row['http_p50_ms']:>10}{row['http_p95_ms']:>10}"
                  f"{row['db_p50_ms']:>9}{row['db_p95_ms']:>9}{row['ratio_p50']:>11}")

        cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
        load = wrk_load(base, cookie, tiles_around(cur, 16), 16, args.load_seconds, args.connections)
        results["z16_load"] = load
        if load:
            print(f"\nz16 under load (wrk, {load['connections']} connections, {load['seconds']} s, "
                  f"{args.workers} gunicorn workers): {load['rps']:.0f} requests/s, p50 {load['latency_p50']}, "
                  f"p99 {load['latency_p99']}, non-2xx {load['non_2xx']}")
        first = first_load_bytes(base)
        results["first_load"] = first
        if first:
            print(f"first map load at town zoom: {first['bytes']:,} bytes in {first['requests']} requests "
                  f"({first['external_requests']} outside requests)")
    finally:
        server.terminate()
        server.wait()
    if args.demo_time:
        results["demo_town_seconds"] = round(demo_time(), 1)
        print(f"demo --scale town: {results['demo_town_seconds']} s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
