"""Figures of the six targets on the town demo, and checks that the building colours agree
with the coverage rule (issue 8). Runs as the owner (every row counts), reads only.

    .venv/bin/python bench/targets.py [--json out.json]

Prints: the town's 入户调查率 and 重点关注率 (as coverage_rate computes them), the households
met only with 敲不开门 / 拒绝 and whether they are on the 未采集 layer, the grids and villages
where 知晓率 or 满意率 fails (and where a pooled figure, if the database still has one, hides
that), and the buildings whose colour disagrees with the coverage rule (must be 0). The
disagreement is computed here from the visit and verification rows themselves, not from the
derived columns, so it checks the derivation rather than repeating it.
"""
import argparse
import json
import sys
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webgis import devdb  # noqa: E402

SURVEYED = "('verified', 'changed', 'new', 'moved_out', 'vacant', 'police_collected')"

QUERIES = {
    "town": """SELECT target, num, den, rate, status FROM coverage_rate WHERE level = 'town' ORDER BY target""",
    "failing": """SELECT level, target, count(*) FILTER (WHERE status IN ('near', 'behind')) AS failing, count(*)
                    FROM coverage_rate WHERE level IN ('grid', 'village')
                     AND target IN ('opinion', 'awareness', 'satisfaction') GROUP BY level, target ORDER BY 1, 2""",
    "pooled_hides": """SELECT r.level, count(DISTINCT r.unit_id) FROM coverage_rate r
                         JOIN coverage_rate o ON o.level = r.level AND o.unit_id = r.unit_id AND o.target = 'opinion'
                        WHERE r.level IN ('grid', 'village') AND r.target IN ('awareness', 'satisfaction')
                          AND r.status IN ('near', 'behind') AND o.status = 'met' GROUP BY r.level""",
    "met_only_door": f"""
        WITH hh AS (
          SELECT h.id, h.building_id, bool_or(v.result IN {SURVEYED}) AS surveyed,
                 bool_and(v.result = 'nobody_home') AS nobody_only, bool_or(v.result = 'refused') AS refused
            FROM household h JOIN building b ON b.id = h.building_id JOIN visit v ON v.household_id = h.id
           WHERE h.status <> 'demolished' AND b.status <> 'demolished' GROUP BY h.id, h.building_id)
        SELECT count(*) FILTER (WHERE NOT surveyed) AS not_surveyed,
               count(*) FILTER (WHERE nobody_only) AS nobody_home_only,
               count(*) FILTER (WHERE NOT surveyed AND refused) AS refused_unsurveyed,
               count(*) FILTER (WHERE nobody_only AND NOT EXISTS (
                 SELECT 1 FROM coverage_gap g WHERE g.kind = 'unvisited' AND g.building_id = hh.building_id))
                 AS nobody_home_off_the_gap_layer
          FROM hh""",
    "colour": f"""
        WITH hh AS (
          SELECT b.id, b.status, b.collection_status, count(h.id) AS n,
                 count(h.id) FILTER (WHERE s.surveyed) AS surveyed,
                 count(h.id) FILTER (WHERE s.surveyed AND c.outcome = 'signed') AS done
            FROM building b
            LEFT JOIN household h ON h.building_id = b.id AND h.status <> 'demolished'
            LEFT JOIN LATERAL (SELECT bool_or(v.result IN {SURVEYED}) AS surveyed FROM visit v
                                WHERE v.household_id = h.id) s ON true
            LEFT JOIN LATERAL (SELECT x.outcome FROM verification x WHERE x.household_id = h.id
                                ORDER BY x.verified_at DESC, x.id DESC LIMIT 1) c ON true
           GROUP BY b.id)
        SELECT count(*) FILTER (WHERE collection_status = 'not_visited' AND n > 0 AND surveyed = n)
                 AS not_visited_but_all_surveyed,
               count(*) FILTER (WHERE collection_status = 'verified' AND done < n) AS verified_with_open_rooms,
               count(*) FILTER (WHERE collection_status IN ('visited', 'verified') AND surveyed = 0)
                 AS coloured_visited_none_surveyed,
               count(*) FILTER (WHERE collection_status = 'new') AS stuck_new,
               count(*) FILTER (WHERE collection_status IS DISTINCT FROM CASE
                   WHEN status = 'demolished' THEN 'demolished'
                   WHEN n > 0 AND done = n THEN 'verified'
                   WHEN surveyed > 0 THEN 'visited' ELSE 'not_visited' END) AS differ_from_rule,
               count(*) FILTER (WHERE status <> 'demolished' AND (surveyed < n) <> EXISTS (
                   SELECT 1 FROM coverage_gap g WHERE g.kind = 'unvisited' AND g.building_id = hh.id))
                 AS gap_layer_disagrees,
               count(*) FILTER (WHERE status = 'new') AS new_buildings,
               count(*) FILTER (WHERE status = 'new' AND collection_status = 'verified') AS new_buildings_verified
          FROM hh""",
    # Both readings computed from the raw rows (no derived table): the 0005 formulas ("before")
    # and the 0010 ones ("after"), town-wide, so the figures can be compared on the same data.
    "raw_town": f"""
        WITH ch AS (SELECT h.id FROM household h JOIN building b ON b.id = h.building_id
                     WHERE h.status <> 'demolished' AND b.status <> 'demolished'),
        v AS (SELECT household_id, bool_or(true) AS any_visit, bool_or(result IN {SURVEYED}) AS surveyed
                FROM visit GROUP BY household_id),
        k AS (SELECT k.level FROM key_attention k
                LEFT JOIN person p ON p.id = k.person_id LEFT JOIN household h ON h.id = k.household_id
                LEFT JOIN organisation o ON o.id = k.organisation_id
               WHERE (k.person_id IS NULL OR p.status NOT IN ('moved_out', 'deceased'))
                 AND (k.household_id IS NULL OR h.status <> 'demolished')
                 AND (k.organisation_id IS NULL OR o.status = 'active'))
        SELECT (SELECT count(*) FROM ch) AS households,
               (SELECT count(*) FROM ch JOIN v ON v.household_id = ch.id) AS visited_any_result,
               (SELECT count(*) FROM ch JOIN v ON v.household_id = ch.id WHERE v.surveyed) AS surveyed,
               (SELECT count(*) FROM k) AS key_records, (SELECT count(*) FROM k WHERE level IS NOT NULL) AS key_set""",
    # 知晓/满意 by the 0005 reading (every visit's answer), per grid and village: units where a
    # part fails while the pooled figure reads 达标.
    "raw_pooled_0005": """
        WITH g AS (SELECT v.grid_id, gr.village_id, count(awareness) AS an, count(*) FILTER (WHERE awareness) AS ay,
                          count(satisfaction) AS sn, count(*) FILTER (WHERE satisfaction) AS sy
                     FROM visit v JOIN grid gr ON gr.id = v.grid_id GROUP BY v.grid_id, gr.village_id),
        u AS (SELECT 'grid' AS level, an, ay, sn, sy FROM g
              UNION ALL SELECT 'village', sum(an), sum(ay), sum(sn), sum(sy) FROM g GROUP BY village_id)
        SELECT level, count(*) FILTER (WHERE (ay + sy) * 100 >= 95 * (an + sn) AND an + sn > 0
                                         AND (ay * 100 < 95 * an OR sy * 100 < 95 * sn)) AS pooled_met_part_fails,
               count(*) FILTER (WHERE ay * 100 < 95 * an OR sy * 100 < 95 * sn) AS a_part_fails
          FROM u GROUP BY level ORDER BY level""",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json")
    args = ap.parse_args()
    conn = psycopg2.connect(devdb.url_for("owner"))
    conn.set_session(readonly=True)
    cur = conn.cursor()
    cur.execute("SELECT version_num FROM alembic_version")
    out = {"revision": cur.fetchone()[0]}
    cur.execute("SELECT to_regclass('coverage_revisit') IS NOT NULL")
    has_revisit = cur.fetchone()[0]
    for name, sql in QUERIES.items():
        cur.execute(sql)
        cols = [d[0] for d in cur.description]
        out[name] = [dict(zip(cols, [float(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, int) else v
                                     for v in row])) for row in cur.fetchall()]
    if has_revisit:
        cur.execute("SELECT reason, count(*) FROM coverage_revisit GROUP BY reason ORDER BY reason")
        out["revisit"] = dict(cur.fetchall())
        cur.execute("SELECT count(*), count(*) FILTER (WHERE NOT level_set) FROM coverage_attention_subject")
        out["attention_subjects"], out["attention_without_level"] = cur.fetchone()
    conn.close()
    print(f"revision {out['revision']}")
    for r in out["town"]:
        print(f"  town {r['target']:<13} {r['num']:>8} / {r['den']:<8} {r['rate']}% {r['status']}")
    for r in out["failing"]:
        print(f"  {r['level']:<8} {r['target']:<13} failing {r['failing']} of {r['count']}")
    for r in out["pooled_hides"]:
        print(f"  pooled 知晓率/满意率 reads 达标 while a part fails: {r['count']} {r['level']}s")
    print("  households:", out["met_only_door"][0])
    print("  buildings:", out["colour"][0])
    raw = out["raw_town"][0]
    print(f"  raw rows, town: 入户调查率 0005 {raw['visited_any_result']}/{raw['households']} "
          f"= {100 * raw['visited_any_result'] / raw['households']:.1f}%, 0010 {raw['surveyed']}/{raw['households']} "
          f"= {100 * raw['surveyed'] / raw['households']:.1f}%; 重点关注率 0005 {raw['key_set']}/{raw['key_records']} "
          f"= {100 * raw['key_set'] / max(raw['key_records'], 1):.1f}%")
    for r in out["raw_pooled_0005"]:
        print(f"  0005 answers, {r['level']}s: a part fails {r['a_part_fails']}, "
              f"of them the pooled figure reads 达标 {r['pooled_met_part_fails']}")
    if has_revisit:
        print("  re-visit list:", out["revisit"])
        print(f"  attention subjects {out['attention_subjects']}, without a level {out['attention_without_level']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
