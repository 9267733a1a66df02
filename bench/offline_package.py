"""Benchmark 下载离线包: GET /api/offline/grids/<id>/package as the demo grid leader (`leader`),
for each of their grids, and one outbox item through POST /api/offline/sync (rolled forward:
run it on a demo you may change).

Prints per grid: households, buildings, tiles listed, response size (JSON, uncompressed) and
the median / p95 time over N runs. Run against a loaded demo (make demo, or the small one):

    .venv/bin/python bench/offline_package.py [--rounds 10]
"""
import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.map_layers import USER_AGENT, database_url, free_port, pct, start_server  # noqa: E402

LEADER, PASSWORD = "leader", "Huilong#2026"


def login(base: str) -> requests.Session:
    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    html = s.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    r = s.post(f"{base}/login", data={"username": LEADER, "password": PASSWORD, "csrf_token": token.group(1)},
               allow_redirects=False)
    if r.status_code != 302:
        raise SystemExit("login as the demo grid leader failed: is a demo loaded?")
    return s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    port = free_port()
    proc = start_server(database_url(), workers=1, port=port)
    base = f"http://127.0.0.1:{port}"
    try:
        s = login(base)
        grids = s.get(f"{base}/api/offline/session").json()["grids"]
        for g in grids:
            times, size, body = [], 0, None
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                r = s.get(f"{base}/api/offline/grids/{g['id']}/package")
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text[:200]
                size, body = len(r.content), r.json()
            print(f"{g['village']}{g['name']}: {len(body['households'])} households, {len(body['buildings'])} buildings, "
                  f"{len(body['tiles'])} tiles listed, {size / 1024:.0f} KiB JSON; "
                  f"p50 {statistics.median(times):.0f} ms, p95 {pct(times, 95):.0f} ms over {len(times)} runs")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
