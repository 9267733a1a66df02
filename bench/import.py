"""Benchmark the person-list import against the town-scale demo.

Builds an XLSX of N persons (default 200,000) as a police household-register extract would
list them: the town's own residents (their ID numbers, names and rooms, the addresses written
the messy ways real lists write them: Chinese numerals, 栋/号楼/座, "3-2-301", spaces, no
village) plus ~10 % newcomers with new ID numbers in existing rooms. Then, as the demo town
admin (row-level security on, history trigger on):
  - the dry run (openpyxl read_only streaming in a reader process, schema validation, address
    matching, staging);
  - the commit, one transaction of set-based statements (the time of each is printed);
and prints wall time, rows/s, peak RSS, how many rows matched / new / review / rejected, and
the change-history rows written. The work runs inside an outer transaction that is rolled
back at the end, so the demo data stays as it was (the commit is measured in full: it
commits a savepoint of that transaction, history included).

    .venv/bin/python bench/import.py [--rows 200000] [--keep-file /tmp/list.xlsx]
"""
import argparse
import os
import random
import resource
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


MAPPING = {"name": "姓名", "id_number": "公民身份号码", "gender": "性别", "ethnicity": "民族", "phone": "联系电话",
           "address": "现住址", "relation": "与户主关系"}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_rss_mb() -> float:
    """Largest RSS the XLSX reader process (webgis/exchange/reader.py) saw while reading."""
    from webgis.exchange import reader

    return reader.last_child_rss_mb or 0.0


def messy(rng: random.Random, village: str, b, h) -> str:
    """One of the ways a list writes the room's address."""
    import cn2an

    cn = lambda n: cn2an.an2cn(str(n))  # noqa: E731
    if b["address_form"] == "rural":
        group, house = b["group_name"].rstrip("组"), b["house_no"].rstrip("号")
        room = h["room"] or ""
        forms = [f"{village}{group}组{house}号{room}", f"{village} {cn(group)}组 {house}号",
                 f"{village}{group}组{cn(house)}号{room}"]
    else:
        comp, no = b["compound"], "".join(ch for ch in b["building_no"] if ch.isdigit())
        unit = "".join(ch for ch in (h["unit"] or "") if ch.isdigit())
        room = "".join(ch for ch in (h["room"] or "") if ch.isdigit())
        tail = (f"{unit}单元" if unit else "") + (f"{room}室" if room else "")
        forms = [f"{village}{comp}{no}幢{tail}", f"{comp}{no}栋{tail}", f"{comp} {no}号楼 {tail}",
                 f"{comp}{no}-{unit}-{room}" if unit and room else f"{comp}{no}号{tail}",
                 f"{comp}{cn(no)}座{tail}"]
    return rng.choice(forms)


def build_file(owner_url: str, rows: int, path: Path, seed: int = 7) -> None:
    import psycopg2
    from openpyxl import Workbook

    from webgis.people.idcard import make_id_number

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("户籍人口")
    ws.append(["序号", "姓名", "公民身份号码", "性别", "民族", "联系电话", "现住址", "与户主关系"])
    with psycopg2.connect(owner_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT id_number FROM person")
        used = {r[0] for r in cur}  # a newcomer's ID number must be new (else it is a duplicate row)
    with psycopg2.connect(owner_url) as conn, conn.cursor(name="persons") as cur:
        cur.itersize = 20000
        cur.execute("""
            SELECT p.name, p.id_number, p.gender, p.phone, r.relation_to_head, v.name,
                   b.address_form, b.group_name, b.house_no, b.compound, b.building_no, h.unit, h.room
              FROM person p JOIN residence r ON r.person_id = p.id AND r.end_date IS NULL
              JOIN household h ON h.id = r.household_id JOIN building b ON b.id = h.building_id
              JOIN village v ON v.id = b.village_id
             WHERE p.status = 'active' AND h.status <> 'demolished' AND b.status <> 'demolished'
             ORDER BY p.id""")
        n = 0
        for name, idn, gender, phone, rel, village, form, grp, house, comp, bno, unit, room in cur:
            if n >= rows:
                break
            b = {"address_form": form, "group_name": grp, "house_no": house, "compound": comp, "building_no": bno}
            h = {"unit": unit, "room": room}
            n += 1
            if rng.random() < 0.1 and n < rows:  # a newcomer in the same room
                while True:
                    new_id = make_id_number("320681", date(1990 + rng.randrange(20), 1 + rng.randrange(12),
                                                           1 + rng.randrange(28)), 900 + rng.randrange(99))
                    if new_id not in used:
                        used.add(new_id)
                        break
                ws.append([n, name[:1] + "新", new_id, "", "汉族", "", messy(rng, village, b, h), "其他"])
                n += 1
            ws.append([n, name, idn, {"1": "男", "2": "女"}.get(gender, ""), "汉族", phone or "",
                       messy(rng, village, b, h), rel or ""])
    wb.save(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--keep-file")
    args = ap.parse_args()

    from sqlalchemy import func, select, text
    from sqlalchemy.orm import Session

    from webgis import create_app
    from webgis.auth.models import User
    from webgis.database import owner_engine
    from webgis.exchange import lists
    from webgis.scope import Scope, apply
    from webgis.visits.models import ChangeHistory
    from webgis.writes import Actor

    app = create_app()
    with app.app_context():
        owner_url = owner_engine().url.render_as_string(hide_password=False)
        path = Path(args.keep_file or "/tmp/gridcheck_import_bench.xlsx")
        t0 = time.perf_counter()
        build_file(owner_url.replace("postgresql+psycopg2", "postgresql"), args.rows, path)
        print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB, built in {time.perf_counter() - t0:.1f} s)")
        data = path.read_bytes()
        print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        conn = owner_engine().connect()
        outer = conn.begin()
        conn.exec_driver_sql("SET LOCAL ROLE gridcheck_app")
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        admin = session.execute(text("SELECT id, town_id FROM app_user WHERE role = 'town_admin' ORDER BY id LIMIT 1")).first()
        user = session.get(User, admin.id)
        scope = Scope(town_id=admin.town_id, role="town_admin", user_id=admin.id, all_grids=True)

        def rescope():
            apply(session.connection(), scope)

        rescope()
        actor = Actor.of(user)
        history_before = session.execute(select(func.count()).select_from(ChangeHistory)).scalar()
        base_rss = rss_mb()
        t0 = time.perf_counter()
        result = lists.dry_run(session, actor, data, path.name, "bench-户籍", MAPPING)
        t_dry = time.perf_counter() - t0
        rss_dry = rss_mb()
        c = result["counts"]
        print(f"dry run: {c['rows']} rows in {t_dry:.1f} s ({c['rows'] / t_dry:,.0f} rows/s); "
              f"matched {c['matched']}, new {c['new']}, review {c['review']}, rejected {c['rejected']}; "
              f"peak RSS {rss_dry:.0f} MB (before {base_rss:.0f} MB; XLSX reader process {child_rss_mb():.0f} MB)")
        rescope()
        if c["rejected"]:
            print("rejected rows:", c["rejected_rows"][:10])
            outer.rollback()
            return
        t0 = time.perf_counter()
        steps = []
        out = lists.commit(session, actor, result["batch_id"],
                           progress=lambda done, total, message: steps.append((message, time.perf_counter())))
        t_commit = time.perf_counter() - t0
        last = t0
        for message, at in steps:  # the set-based statements of the commit, each with its trigger calls
            print(f"  {message}: {at - last:.1f} s")
            last = at
        rescope()
        history = session.execute(select(func.count()).select_from(ChangeHistory)).scalar() - history_before
        print(f"commit: {out['rows_applied']} rows in {t_commit:.1f} s ({out['rows_applied'] / t_commit:,.0f} rows/s), "
              f"one transaction, {history} change-history rows; peak RSS {rss_mb():.0f} MB")
        print(f"dry run + commit: {t_dry + t_commit:.1f} s (goal <= 60 s); load average "
              + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        outer.rollback()
        conn.close()


if __name__ == "__main__":
    main()
