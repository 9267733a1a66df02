"""Benchmark the map layers against the town-scale demo.

Prints, side by side in one run, for zoom 12 (grids), 14, 16 and 18 (buildings) in the
busiest area: the HTTP endpoint's median/p95 (every tile built: the server's tile cache is
off), the tile function's own execution time in PostgreSQL (EXPLAIN ANALYZE), the whole
one-call request function gc_tile_request (session check + scope + ETag + tile), their
ratios, and the same for a revalidation (304); tile bytes raw and gzip'd; z16 requests/s
under 4, 8 and 16 connections (wrk): cold (every tile built), with the tile cache, and with
304s; the per-request costs of the Python layer; the bytes and requests of a first map
load at town zoom (headless Chromium); and, with --demo-time, the time of
`demo --scale town` into a scratch database.

    .venv/bin/python bench/map_layers.py [--requests 200] [--workers 3] [--json out.json]
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


def start_server(url: str, workers: int, port: int, threads: int = 1, cache_bytes: int | None = None
                 ) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, CAMPAIGN_TODAY=os.environ.get("CAMPAIGN_TODAY", "2026-10-23"))
    if cache_bytes is not None:
        env["TILE_CACHE_BYTES"] = str(cache_bytes)
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--worker-class", "gthread", "--threads", str(threads), "--log-level", "warning",
           "webgis:create_app()"]
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


def tile_etags(s: requests.Session, base: str, layer: str, z: int, tiles: list) -> dict:
    """The current (gzip) ETag of each tile, and its bytes on the wire."""
    out = {}
    for x, y in tiles:
        r = s.get(f"{base}/tiles/{layer}/{z}/{x}/{y}.pbf", stream=True)
        out[(x, y)] = (r.headers["ETag"], len(r.raw.read()))
    return out


class SessionCall:
    """gc_tile_request as the app calls it, for the database's own time of the whole call."""

    def __init__(self, cur):
        from webgis.auth import sessions
        from webgis.permissions import ALL_GRID_ROLES, AREA_ROLES, STATION_ROLES, VILLAGE_ROLES

        cur.execute("SELECT s.id, u.id, u.session_version FROM user_session s JOIN app_user u ON u.id = s.user_id "
                    "WHERE u.username = %s AND s.ended_at IS NULL AND s.user_agent = %s "
                    "ORDER BY s.created_at DESC LIMIT 1", (DEMO_USER, USER_AGENT))
        self.token_hash, self.uid, self.version = cur.fetchone()
        self.extra = ("30 minutes", "12 hours", f"{int(sessions.TOUCH_EVERY.total_seconds())} seconds",
                      sorted(ALL_GRID_ROLES), sorted(VILLAGE_ROLES), sorted(STATION_ROLES), sorted(AREA_ROLES))
        self.cur = cur

    def times(self, layer: str, z: int, tiles: list, rounds: int, etags: dict | None = None) -> list[float]:
        out = []
        for i in range(rounds):
            x, y = tiles[i % len(tiles)]
            inm = etags[(x, y)].replace('-gz"', '"') if etags else None
            self.cur.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM gc_tile_request(%s, %s, %s, %s, %s, %s, %s, %s, "
                "'{}'::text[], %s::interval, %s::interval, %s::interval, %s::text[], %s::text[], %s::text[], "
                "%s::text[])", (self.token_hash, self.uid, self.version, layer, z, x, y, inm, *self.extra))
            out.append(self.cur.fetchone()[0][0]["Execution Time"])
        return out


def wrk_script(cookie: str, layer: str, z: int, tiles: list, etags: dict | None) -> str:
    """A wrk Lua script cycling through `tiles` (with If-None-Match when `etags` is given)."""
    paths = ",".join(f'"/tiles/{layer}/{z}/{x}/{y}.pbf"' for x, y in tiles)
    tags = ",".join('"' + (etags[t].replace('"', '\\"') if etags else "") + '"' for t in tiles)
    return f"""
paths = {{{paths}}}
tags = {{{tags}}}
i = 0
request = function()
  i = i % #paths + 1
  local h = {{["Cookie"] = "{cookie}", ["User-Agent"] = "{USER_AGENT}", ["Accept-Encoding"] = "gzip"}}
  if tags[i] ~= "" then h["If-None-Match"] = tags[i] end
  return wrk.format("GET", paths[i], h)
end
"""


def run_wrk(base: str, script: str, threads: int, connections: int, seconds: int) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        return subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
                               f.name, base], capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)


def http_times(base: str, cookie: str, layer: str, z: int, tiles: list, rounds: int,
               etags: dict | None = None) -> list[float]:
    """Milliseconds per request, one at a time on one keep-alive connection, gzip accepted (as a
    browser does); with `etags`, revalidations. The client is http.client (tens of µs per
    request), not requests (~0.5 ms of its own per request), so the figure is the server's."""
    import http.client

    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port))
    headers = {"Cookie": cookie, "User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
    times = []
    try:
        for i in range(rounds):
            x, y = tiles[i % len(tiles)]
            h = dict(headers, **({"If-None-Match": etags[(x, y)]} if etags else {}))
            t0 = time.perf_counter()
            conn.request("GET", f"/tiles/{layer}/{z}/{x}/{y}.pbf", headers=h)
            r = conn.getresponse()
            r.read()
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status == (304 if etags else 200), r.status
    finally:
        conn.close()
    return times


def wrk_load(base: str, cookie: str, tiles: list, z: int, seconds: int, connections: int,
             etags: dict | None = None) -> dict | None:
    """Requests/s of the z-tile endpoint under load, cycling through `tiles` (wrk + Lua);
    with `etags`, every request a revalidation (If-None-Match: 304)."""
    if not shutil.which("wrk"):
        return None
    out = run_wrk(base, wrk_script(cookie, "buildings", z, tiles, etags), 2, connections, seconds)
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
        done = []
        page.on("requestfinished", lambda req: done.append(req))
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)
        # Bytes on the wire (encoded: gzip'd tiles count compressed), asked while the page is open.
        sizes = [req.sizes()["responseBodySize"] for req in list(done)]
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


def python_costs(url: str, rounds: int = 2000) -> dict:
    """Microseconds per request of each part of the tile path outside the database: the
    cookie check, gzip of the busiest z16 tile, a bare database round trip (SELECT 1 on the
    autocommit pool), and a plain Flask request through the whole app (a 404)."""
    import gzip as gz

    os.environ.setdefault("DATABASE_URL", url)
    from webgis import create_app
    from webgis.map.tileserver import TileServer

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    server = app.wsgi_app
    assert isinstance(server, TileServer)
    with app.test_request_context():
        from flask import session

        session["sid"] = "x" * 43
        session["_user_id"] = "1:1"
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    environ = {"HTTP_COOKIE": f"session={cookie}"}
    out = {}
    t0 = time.perf_counter()
    for _ in range(rounds):
        server._cookies.clear()  # first sight of the cookie: HMAC + JSON
        server._session(environ)
    out["cookie_first_us"] = (time.perf_counter() - t0) / rounds * 1e6
    t0 = time.perf_counter()
    for _ in range(rounds):
        server._session(environ)
    out["cookie_seen_us"] = (time.perf_counter() - t0) / rounds * 1e6
    cur, release = server._connection()
    cur.execute("SELECT gc_tile_buildings(16, x, y) FROM (VALUES (0, 0)) v(x, y)")
    release()
    conn = psycopg2.connect(url)
    conn.autocommit = True
    c = conn.cursor()
    c.execute("SELECT set_config('gc.town_id', (SELECT id::text FROM town ORDER BY id LIMIT 1), false), "
              "set_config('gc.all_grids', 'on', false)")
    x, y = busiest_tile(c, 16)
    c.execute("SELECT gc_tile_buildings(16, %s, %s)", (x, y))
    tile = bytes(c.fetchone()[0] or b"")
    conn.close()
    t0 = time.perf_counter()
    for _ in range(rounds // 10):
        gz.compress(tile, compresslevel=server.gzip_level, mtime=0)
    out["gzip_z16_us"] = (time.perf_counter() - t0) / (rounds // 10) * 1e6
    out["gzip_level"] = server.gzip_level
    t0 = time.perf_counter()
    for _ in range(rounds):
        cur, release = server._connection()
        cur.execute("SELECT 1")
        cur.fetchone()
        release()
    out["db_round_trip_us"] = (time.perf_counter() - t0) / rounds * 1e6
    client = app.test_client()
    t0 = time.perf_counter()
    for _ in range(rounds // 4):
        client.get("/api/nothing-here")
    out["flask_request_us"] = (time.perf_counter() - t0) / (rounds // 4) * 1e6
    return {k: round(v, 1) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--load-seconds", type=int, default=8)
    ap.add_argument("--connections", default="4,8,16", help="wrk connection counts, comma separated")
    ap.add_argument("--demo-time", action="store_true", help="also time `demo --scale town` (minutes)")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    conns = [int(c) for c in args.connections.split(",")]

    url = database_url("app")
    conn = town_admin_connection(url)
    cur = conn.cursor()
    cur.execute("SELECT (SELECT count(*) FROM grid), (SELECT count(*) FROM building), (SELECT count(*) FROM person)")
    grids, buildings, persons = cur.fetchone()
    print(f"data: {grids} grids, {buildings} buildings, {persons} persons")
    if buildings < 50000:
        print("warning: fewer than 50,000 buildings — load the town demo (make demo) for representative figures")
    results = {"data": {"grids": grids, "buildings": buildings, "persons": persons}, "zooms": [],
               "server": {"workers": args.workers, "threads": args.threads}}

    # 1. Latency per zoom and z16 load with every tile built (the tile cache off).
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, args.workers, port, args.threads, cache_bytes=0)
    try:
        s = login(base)
        call = SessionCall(cur)
        cases = [("grids", "gc_tile_grids", 12), ("buildings", "gc_tile_buildings", 14),
                 ("buildings", "gc_tile_buildings", 16), ("buildings", "gc_tile_buildings", 18)]
        print("\nms per tile, busiest area; HTTP: gunicorn, one request at a time (http.client, keep-alive), gzip accepted, tile cache off; DB tile: the "
              "layer function alone;\nDB call: gc_tile_request (session + scope + ETag + tile), EXPLAIN ANALYZE")
        print(f"{'layer':<10}{'z':>3}{'bytes':>8}{'gzip':>7}{'HTTP p50':>10}{'HTTP p95':>10}{'DB tile':>9}"
              f"{'DB call':>9}{'HTTP/tile':>10}{'HTTP/call':>10}{'304 HTTP':>10}{'304 DB':>8}")
        cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
        for layer, fn, z in cases:
            tiles = tiles_around(cur, z)
            http_times(base, cookie, layer, z, tiles, 20)  # warm the workers' connections and plans
            db_times(cur, fn, tiles, z, 10)
            call.times(layer, z, tiles, 10)
            h = http_times(base, cookie, layer, z, tiles, args.requests)
            d, nbytes = db_times(cur, fn, tiles, z, args.requests)
            c = call.times(layer, z, tiles, args.requests)
            etags = tile_etags(s, base, layer, z, tiles)
            tags = {t: e for t, (e, _) in etags.items()}
            h304 = http_times(base, cookie, layer, z, tiles, args.requests, tags)
            c304 = call.times(layer, z, tiles, args.requests, tags)
            row = {"layer": layer, "z": z, "busiest_tile": tiles[0], "tile_bytes": nbytes,
                   "gzip_bytes": etags[tiles[0]][1],
                   "http_p50_ms": round(statistics.median(h), 2), "http_p95_ms": round(pct(h, 95), 2),
                   "db_p50_ms": round(statistics.median(d), 2), "db_p95_ms": round(pct(d, 95), 2),
                   "call_p50_ms": round(statistics.median(c), 2), "call_p95_ms": round(pct(c, 95), 2),
                   "http_304_p50_ms": round(statistics.median(h304), 2),
                   "call_304_p50_ms": round(statistics.median(c304), 2)}
            row["ratio_p50"] = round(row["http_p50_ms"] / row["db_p50_ms"], 2) if row["db_p50_ms"] else None
            row["ratio_call_p50"] = round(row["http_p50_ms"] / row["call_p50_ms"], 2) if row["call_p50_ms"] else None
            results["zooms"].append(row)
            print(f"{layer:<10}{z:>3}{nbytes:>8}{row['gzip_bytes']:>7}{row['http_p50_ms']:>10}{row['http_p95_ms']:>10}"
                  f"{row['db_p50_ms']:>9}{row['call_p50_ms']:>9}{row['ratio_p50']:>10}{row['ratio_call_p50']:>10}"
                  f"{row['http_304_p50_ms']:>10}{row['call_304_p50_ms']:>8}")

        z16 = tiles_around(cur, 16)
        tags16 = {t: e for t, (e, _) in tile_etags(s, base, "buildings", 16, z16).items()}
        results["z16_load"] = {"cold": [], "cached": [], "revalidate": []}
        print(f"\nz16 requests/s (wrk, the 9 busiest tiles, {args.load_seconds} s each, gunicorn "
              f"{args.workers} workers x {args.threads} threads):")
        for n in conns:
            load = wrk_load(base, cookie, z16, 16, args.load_seconds, n)
            if load is None:
                print("  wrk not installed (apt-get install wrk)")
                break
            results["z16_load"]["cold"].append(load)
            print(f"  cold (every tile built)  {n:>2} connections: {load['rps']:>7.0f}/s  p50 {load['latency_p50']}"
                  f"  p99 {load['latency_p99']}  errors {load['non_2xx']}")
        for n in conns:
            load = wrk_load(base, cookie, z16, 16, args.load_seconds, n, tags16)
            if load is None:
                break
            results["z16_load"]["revalidate"].append(load)
            print(f"  304 (If-None-Match)      {n:>2} connections: {load['rps']:>7.0f}/s  p50 {load['latency_p50']}"
                  f"  p99 {load['latency_p99']}  errors {load['non_2xx']}")
    finally:
        server.terminate()
        server.wait()

    # 2. The tile cache on (the default): load, and the first map load.
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, args.workers, port, args.threads)
    try:
        s = login(base)
        cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
        for n in conns:
            load = wrk_load(base, cookie, z16, 16, args.load_seconds, n)
            if load is None:
                break
            results["z16_load"]["cached"].append(load)
            print(f"  tile cache on            {n:>2} connections: {load['rps']:>7.0f}/s  p50 {load['latency_p50']}"
                  f"  p99 {load['latency_p99']}  errors {load['non_2xx']}")
        first = first_load_bytes(base)
        results["first_load"] = first
        if first:
            print(f"\nfirst map load at town zoom: {first['bytes']:,} bytes on the wire in {first['requests']} "
                  f"requests ({first['external_requests']} outside requests)")
    finally:
        server.terminate()
        server.wait()

    costs = python_costs(url)
    results["python_costs_us"] = costs
    print(f"\nper-request costs outside the database (µs): cookie check {costs['cookie_first_us']} (first sight) / "
          f"{costs['cookie_seen_us']} (seen before), gzip (level {costs['gzip_level']}) of the "
          f"busiest z16 tile {costs['gzip_z16_us']}, bare DB round trip {costs['db_round_trip_us']}, "
          f"a plain Flask request (404) {costs['flask_request_us']}")
    if args.demo_time:
        results["demo_town_seconds"] = round(demo_time(), 1)
        print(f"demo --scale town: {results['demo_town_seconds']} s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
