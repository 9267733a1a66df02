"""Benchmark the door-to-door write path against the town-scale demo.

Through HTTP (gunicorn, as `make run` serves it), logged in as the demo town admin:
  - p50/p95 of saving the registration form of one household with a corrected phone of a
    resident (one visit + one person update + history rows + status/coverage triggers);
  - saves/s with 8 concurrent writers on 8 different grids, and on the same grid (the same
    households: concurrent saves of one household collide; the loser gets 409 and retries
    from a fresh form, as a user would);
  - lost updates: every accepted save must be in the change history under its client UUID,
    and each person's version must have risen by exactly the number of accepted saves that
    changed it. Reported as a count (goal 0).

It writes real visits into the demo database (by the demo town admin, visible in history).

    .venv/bin/python bench/writes.py [--saves 200] [--per-writer 25] [--json out.json]
"""
import argparse
import json
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.map_layers import database_url, free_port, login, pct, start_server  # noqa: E402

FIELDS = ("person_id", "version", "name", "gender", "ethnicity", "relation", "category", "occupation", "employer",
          "marital", "hukou_consistent", "registered_address")


def token_of(s: requests.Session, base: str) -> str:
    import re

    html = s.get(f"{base}/").text
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def households(owner_url: str, grids: int, per_grid: int) -> list[list[int]]:
    """`per_grid` active households with residents in each of `grids` grids (deterministic)."""
    with psycopg2.connect(owner_url) as conn, conn.cursor() as cur:
        cur.execute("""
            SELECT grid_id, array_agg(id ORDER BY id) FROM (
              SELECT h.id, h.grid_id, row_number() OVER (PARTITION BY h.grid_id ORDER BY h.id) AS n
                FROM household h JOIN building b ON b.id = h.building_id
               WHERE h.status = 'active' AND b.status <> 'demolished'
                 AND EXISTS (SELECT 1 FROM residence r JOIN person p ON p.id = r.person_id
                              WHERE r.household_id = h.id AND r.end_date IS NULL AND p.status = 'active')
            ) t WHERE n <= %s GROUP BY grid_id ORDER BY grid_id LIMIT %s""", (per_grid, grids))
        return [row[1] for row in cur.fetchall()]


_PHONES = iter(range(10 ** 7, 10 ** 8))
_PHONE_LOCK = threading.Lock()


def next_phone() -> str:
    """A phone number no save of this run used before (each accepted save changes the person)."""
    with _PHONE_LOCK:
        return f"139{next(_PHONES):08d}"


class Writer:
    """One user session saving registration forms."""

    def __init__(self, base: str):
        self.base = base
        self.s = login(base)
        self.token = token_of(self.s, base)
        self.accepted: list[tuple[str, int]] = []  # (client uuid, person id)
        self.conflicts = 0
        self.errors: list[str] = []

    def save(self, household_id: int, n: int) -> float:
        """Load the form, correct the first resident's phone, save; retry on 409. Return the POST's ms."""
        for _ in range(20):
            form = self.s.get(f"{self.base}/api/households/{household_id}/form").json()
            members = [{k: m.get(k) for k in FIELDS} for m in form["members"]]
            phone = next_phone()
            members[0]["phone"] = phone
            cid = str(uuid.uuid4())
            body = {"client_uuid": cid, "household": form["household"], "members": members,
                    "visit": {"result": "verified", "awareness": True, "satisfaction": True}}
            t0 = time.perf_counter()
            r = self.s.post(f"{self.base}/api/households/{household_id}/registration", json=body,
                            headers={"X-CSRFToken": self.token})
            ms = (time.perf_counter() - t0) * 1000
            if r.status_code == 201:
                self.accepted.append((cid, members[0]["person_id"]))
                return ms
            if r.status_code == 409:
                self.conflicts += 1
                continue
            self.errors.append(f"{r.status_code} {r.text[:200]}")
            return ms
        self.errors.append("gave up after 20 conflicts")
        return 0.0


def concurrent(base: str, plans: list[list[int]], per_writer: int) -> dict:
    writers = [Writer(base) for _ in plans]
    versions_before = {}

    def run(k: int, w: Writer, rooms: list[int]):
        for i in range(per_writer):
            w.save(rooms[(i + k) % len(rooms)], i)  # writers on one grid start at different doors

    threads = [threading.Thread(target=run, args=(k, w, rooms)) for k, (w, rooms) in enumerate(zip(writers, plans))]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    accepted = [a for w in writers for a in w.accepted]
    return {"writers": len(writers), "accepted": len(accepted), "conflicts_retried": sum(w.conflicts for w in writers),
            "errors": [e for w in writers for e in w.errors][:5], "seconds": round(elapsed, 2),
            "saves_per_s": round(len(accepted) / elapsed, 1), "_accepted": accepted,
            "_versions_before": versions_before}


def lost_updates(owner_url: str, accepted: list[tuple[str, int]], versions_before: dict) -> int:
    """Accepted saves with no history row, plus person versions that rose by less than their saves."""
    with psycopg2.connect(owner_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT client_uuid::text FROM change_history WHERE client_uuid = ANY(%s::uuid[]) "
                    "AND table_name = 'person' AND action = 'update'", ([c for c, _ in accepted],))
        recorded = {r[0] for r in cur.fetchall()}
        missing = sum(1 for c, _ in accepted if c not in recorded)
        per_person: dict[int, int] = {}
        for _, pid in accepted:
            per_person[pid] = per_person.get(pid, 0) + 1
        short = 0
        if versions_before:
            cur.execute("SELECT id, version FROM person WHERE id = ANY(%s)", (list(per_person),))
            for pid, version in cur.fetchall():
                if version - versions_before[pid] < per_person[pid]:
                    short += per_person[pid] - (version - versions_before[pid])
        return missing + short


def person_versions(owner_url: str, household_ids: list[int]) -> dict:
    with psycopg2.connect(owner_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT p.id, p.version FROM residence r JOIN person p ON p.id = r.person_id "
                    "WHERE r.household_id = ANY(%s) AND r.end_date IS NULL", (household_ids,))
        return dict(cur.fetchall())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--saves", type=int, default=200)
    ap.add_argument("--per-writer", type=int, default=25)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()
    app_url, owner_url = database_url("app"), database_url("owner")
    port = free_port()
    server = start_server(app_url, args.workers, port)
    base = f"http://127.0.0.1:{port}"
    out: dict = {}
    try:
        rooms = households(owner_url, grids=17, per_grid=12)
        single, different, same = rooms[0], rooms[1:9], rooms[9:17]
        w = Writer(base)
        times = [w.save(single[i % len(single)], i) for i in range(args.saves)]
        out["single_save_ms"] = {"p50": round(statistics.median(times), 2), "p95": round(pct(times, 95), 2),
                                 "runs": len(times), "errors": w.errors[:3]}
        print(f"save with corrected phone: p50 {out['single_save_ms']['p50']} ms, "
              f"p95 {out['single_save_ms']['p95']} ms over {len(times)}", flush=True)
        for name, plans in (("different_grids", different),
                            ("same_grid", [same[0]] * 8)):
            ids = sorted({h for p in plans for h in p})
            before = person_versions(owner_url, ids)
            result = concurrent(base, plans, args.per_writer)
            result["_versions_before"] = before
            result["lost_updates"] = lost_updates(owner_url, result["_accepted"], before)
            out[name] = {k: v for k, v in result.items() if not k.startswith("_")}
            print(f"8 writers, {name}: {out[name]['saves_per_s']} saves/s ({out[name]['accepted']} saves, "
                  f"{out[name]['conflicts_retried']} conflicts retried, {out[name]['lost_updates']} lost, "
                  f"errors {out[name]['errors']})", flush=True)
        w0 = Writer(base)
        cid = str(uuid.uuid4())
        form = w0.s.get(f"{base}/api/households/{single[0]}/form").json()
        body = {"client_uuid": cid, "household": form["household"],
                "members": [{k: m.get(k) for k in FIELDS} for m in form["members"]],
                "visit": {"result": "verified", "awareness": True, "satisfaction": True}}
        codes = [w0.s.post(f"{base}/api/households/{single[0]}/registration", json=body,
                           headers={"X-CSRFToken": w0.token}).status_code for _ in range(3)]
        with psycopg2.connect(owner_url) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM visit WHERE client_uuid = %s", (cid,))
            out["same_uuid_three_times"] = {"statuses": codes, "visits": cur.fetchone()[0]}
        print(f"same UUID sent 3 times: statuses {codes}, visits stored {out['same_uuid_three_times']['visits']}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
