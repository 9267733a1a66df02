"""Write generated demo rows into PostgreSQL with COPY, in one transaction.

The loader takes a psycopg2 connection (from `db.engine.raw_connection()`), so a test
can run it inside its own transaction and roll back. It never touches `code_item`
(the migration fills it) nor the generated geometry columns (PostgreSQL computes them).
The triggers that keep derived data — the status triggers on visit / verification and
the coverage triggers (webgis/sql/0005_coverage.sql) — are switched off for the delete and the
bulk COPY (they would refresh per statement with arrays of every household) and the
derived data is then recomputed once, set-based, with gc_refresh_all_status() and
gc_refresh_coverage(NULL). It must run as the owner of the tables (ALTER TABLE for the
triggers and for FORCE ROW LEVEL SECURITY, both transactional: other sessions never see
them off).
"""
import io
import logging
import time
from collections.abc import Callable

from webgis.demo.generator import DemoData
from webgis.demo.tables import COLUMNS, REFS, SERIAL

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key: two demo loads never run at the same time.
LOCK_KEY = 0x6772_6964  # "grid"
STATUS_TRIGGERS = (("visit", "visit_refresh_status"), ("verification", "verification_refresh_status"))
COVERAGE_TRIGGER_PREFIX = "coverage_after_"
_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class DemoExists(Exception):
    """The town already has data and replacing it was not asked for."""

    def __init__(self, state: dict):
        super().__init__(f"town {state['code']} already has data")
        self.state = state


def town_state(cur, code: str) -> dict | None:
    """Return the town row's id and how much it holds, or None if there is no such town."""
    cur.execute(
        """SELECT t.id, t.code, t.name,
                  (SELECT count(*) FROM village v WHERE v.town_id = t.id),
                  (SELECT count(*) FROM grid g WHERE g.town_id = t.id),
                  (SELECT count(*) FROM building b WHERE b.town_id = t.id)
             FROM town t WHERE t.code = %s""",
        (code,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    return {"id": row[0], "code": row[1], "name": row[2], "villages": row[3], "grids": row[4],
            "buildings": row[5], "has_data": bool(row[3] or row[4] or row[5])}


def _extra_town_tables(cur) -> list[str]:
    """Other tables with a town_id column and a foreign key into the demo's tables, children first.

    Their rows would block deleting the town. Tables without such a key (e.g. the
    append-only audit log) are left alone.
    """
    cur.execute(
        """SELECT DISTINCT c.conrelid::regclass::text
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attname = 'town_id' AND NOT a.attisdropped
            WHERE c.contype = 'f' AND c.confrelid::regclass::text = ANY (%s)
              AND NOT c.conrelid::regclass::text = ANY (%s)""",
        (list(COLUMNS), list(COLUMNS)),
    )
    extra = sorted(r[0] for r in cur.fetchall())
    if not extra:
        return []
    cur.execute(
        """SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
            WHERE contype = 'f' AND conrelid::regclass::text = ANY (%s)
              AND confrelid::regclass::text = ANY (%s)""",
        (extra, extra),
    )
    parents: dict[str, set[str]] = {t: set() for t in extra}
    for child, parent in cur.fetchall():
        if child != parent:
            parents[child].add(parent)
    order: list[str] = []
    # Repeatedly take the tables no remaining table depends on (children before parents).
    remaining = list(extra)
    while remaining:
        leaves = [t for t in remaining if not any(t in parents[o] for o in remaining if o != t)] or remaining[:1]
        order += leaves
        remaining = [t for t in remaining if t not in leaves]
    return order


def delete_town(cur, town_id: int) -> None:
    """Delete every row of the town (the demo's own tables and any other town_id table)."""
    for table in _extra_town_tables(cur):
        cur.execute(f"DELETE FROM {table} WHERE town_id = %s", (town_id,))
    for table in reversed(COLUMNS):
        if table == "user_grid":
            cur.execute("DELETE FROM user_grid WHERE user_id IN (SELECT id FROM app_user WHERE town_id = %s)"
                        " OR grid_id IN (SELECT id FROM grid WHERE town_id = %s)", (town_id, town_id))
        elif table == "town":
            cur.execute("DELETE FROM town WHERE id = %s", (town_id,))
        else:
            cur.execute(f"DELETE FROM {table} WHERE town_id = %s", (town_id,))


def _offsets(cur) -> dict[str, int]:
    """Current max id per table: the generated ids (from 1) are shifted past them."""
    out = {}
    for table in SERIAL:
        cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        out[table] = cur.fetchone()[0]
    return out


def _text(v) -> str:
    """One value in COPY text format."""
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, str):
        return v.translate(_ESCAPE)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)  # shortest text that reads back as the same double
    return v.isoformat()


def _copy(cur, table: str, rows: list[tuple], offsets: dict[str, int]) -> None:
    cols = COLUMNS[table]
    shifts = [(i, offsets[REFS[table][c]]) for i, c in enumerate(cols) if c in REFS[table]]
    shifts = [(i, off) for i, off in shifts if off]
    buf = io.StringIO()
    write = buf.write
    for row in rows:
        if shifts:
            row = list(row)
            for i, off in shifts:
                if row[i] is not None:
                    row[i] += off
        write("\t".join(map(_text, row)))
        write("\n")
    buf.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(cols)}) FROM STDIN", buf, size=1 << 20)


def _derived_triggers(cur) -> list[tuple[str, str]]:
    """The triggers that keep derived data on the demo's tables: (table, trigger)."""
    cur.execute(
        """SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE NOT t.tgisinternal AND c.relname = ANY (%s)
              AND c.relnamespace = current_schema()::regnamespace
              AND (t.tgname = ANY (%s) OR starts_with(t.tgname, %s))
            ORDER BY 1, 2""",
        (list(COLUMNS), [t for _, t in STATUS_TRIGGERS], COVERAGE_TRIGGER_PREFIX))
    return cur.fetchall()


def _set_triggers(cur, enabled: bool) -> bool:
    """Enable/disable the derived-data triggers; False if not allowed (not the owner)."""
    cur.execute("SAVEPOINT demo_triggers")
    try:
        for table, trigger in _derived_triggers(cur):
            cur.execute(f"ALTER TABLE {table} {'ENABLE' if enabled else 'DISABLE'} TRIGGER {trigger}")
    except Exception as exc:  # noqa: BLE001 - any failure: keep the triggers as they are
        cur.execute("ROLLBACK TO SAVEPOINT demo_triggers")
        log.warning("cannot switch the status triggers (%s); loading with them on", exc)
        return False
    cur.execute("RELEASE SAVEPOINT demo_triggers")
    return True


# A table receiving at least this many rows is loaded in bulk mode: its row-level triggers
# are switched off and its foreign keys and secondary indexes are dropped for the COPY and
# recreated from their own catalogue definitions afterwards (one sorted index build and one
# set-based key check instead of a million single-row ones). The small demo stays below it.
BULK_MIN_ROWS = 20_000


def _bulk_catalogue(cur, tables: list[str]) -> dict:
    """What bulk mode drops on `tables`, each with the DDL that puts it back.

    - row-level user triggers (the change-history trigger fires per row even when muted);
    - foreign keys defined on the tables (re-added with ADD CONSTRAINT: validated set-based);
    - unique / exclusion constraints no foreign key relies on;
    - secondary indexes that back no constraint and no other object depends on.
    """
    if not tables:
        return {"triggers": [], "foreign_keys": [], "unique": [], "indexes": []}
    # tgtype bit 0: FOR EACH ROW.
    cur.execute(
        """SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND (t.tgtype & 1) = 1
              AND c.relname = ANY (%s) AND c.relnamespace = current_schema()::regnamespace
            ORDER BY 1, 2""", (tables,))
    triggers = cur.fetchall()
    cur.execute(
        """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
             FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
            WHERE c.contype = 'f' AND r.relname = ANY (%s) AND r.relnamespace = current_schema()::regnamespace
            ORDER BY 1, 2""", (tables,))
    foreign_keys = cur.fetchall()
    # Unique and exclusion constraints no foreign key relies on (e.g. one person per ID
    # number): re-added after the COPY, which checks them with one sorted index build.
    cur.execute(
        """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
             FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
            WHERE c.contype IN ('u', 'x') AND r.relname = ANY (%s)
              AND r.relnamespace = current_schema()::regnamespace
              AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)
            ORDER BY 1, 2""", (tables,))
    unique = cur.fetchall()
    cur.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
             FROM pg_index i JOIN pg_class r ON r.oid = i.indrelid
            WHERE r.relname = ANY (%s) AND r.relnamespace = current_schema()::regnamespace
              AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
              AND NOT EXISTS (SELECT 1 FROM pg_depend d
                               WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = i.indexrelid
                                 AND d.deptype = 'n')
            ORDER BY 1""", (tables,))
    indexes = cur.fetchall()
    return {"triggers": triggers, "foreign_keys": foreign_keys, "unique": unique, "indexes": indexes}


def _bulk_off(cur, cat: dict) -> None:
    for table, trigger in cat["triggers"]:
        cur.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{trigger}"')
    for table, name, _ in cat["foreign_keys"]:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for table, name, _ in cat["unique"]:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in cat["indexes"]:
        cur.execute(f"DROP INDEX {name}")


def _bulk_indexes_on(cur, cat: dict) -> None:
    for table, name, ddl in cat["unique"]:
        cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}')
    for _, ddl in cat["indexes"]:
        cur.execute(ddl)


def _bulk_keys_on(cur, cat: dict) -> None:
    for table, name, ddl in cat["foreign_keys"]:
        cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}')


def _bulk_triggers_on(cur, cat: dict) -> None:
    for table, trigger in cat["triggers"]:
        cur.execute(f'ALTER TABLE {table} ENABLE TRIGGER "{trigger}"')


def _forced_rls(cur) -> list[str]:
    """The demo tables with FORCE ROW LEVEL SECURITY (COPY FROM refuses them)."""
    cur.execute("SELECT relname FROM pg_class WHERE relforcerowsecurity AND relname = ANY (%s)"
                " AND relnamespace = current_schema()::regnamespace", (list(COLUMNS),))
    return sorted(r[0] for r in cur.fetchall())


def _derived_tables(cur) -> list[str]:
    """Tables the set-based refreshes write: the demo's tables with status columns and coverage tables."""
    cur.execute("""SELECT c.relname FROM pg_class c
                    WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace
                      AND (c.relname = ANY (%s) OR starts_with(c.relname, 'coverage'))
                    ORDER BY 1""", (["building", "household", "grid"],))
    return [r[0] for r in cur.fetchall()]


def _has_coverage(cur) -> bool:
    cur.execute("SELECT to_regprocedure('gc_refresh_coverage(integer[], text[])') IS NOT NULL")
    return cur.fetchone()[0]


def add_spot_checks(conn, data: DemoData, *, commit: bool = True) -> int | None:
    """Add the demo's spot checks to a town loaded before they existed; return how many.

    Returns None (and changes nothing) unless the town is there with no spot checks and its
    rows are the ones `data` was generated as (same buildings under the same ids).
    """
    cur = conn.cursor()
    try:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        state = town_state(cur, data.town_code)
        cur.execute("SELECT to_regclass('spot_check') IS NOT NULL")
        if state is None or not state["has_data"] or not cur.fetchone()[0]:
            return None
        cur.execute("SELECT count(*) FROM spot_check WHERE town_id = %s", (state["id"],))
        if cur.fetchone()[0]:
            return None
        cols = COLUMNS["building"]
        expected = {r[cols.index("id")]: (r[cols.index("grid_id")], r[cols.index("house_no")],
                                          r[cols.index("building_no")]) for r in data.tables["building"]}
        rows = data.tables["spot_check"]
        wanted = sorted({r[COLUMNS["spot_check"].index("building_id")] for r in rows})
        cur.execute("SELECT id, grid_id, house_no, building_no FROM building WHERE town_id = %s AND id = ANY (%s)",
                    (state["id"], wanted))
        found = {r[0]: tuple(r[1:]) for r in cur.fetchall()}
        if len(found) != len(wanted) or any(found[i] != expected[i] for i in wanted) or state["id"] != 1:
            log.warning("the loaded town differs from the generated demo; no spot checks added")
            return None
        from psycopg2.extras import execute_values

        # INSERT, not COPY: the table forces row-level security (the owner's policy admits it),
        # and its coverage triggers refresh the grids concerned in this transaction.
        execute_values(cur, f"INSERT INTO spot_check ({', '.join(COLUMNS['spot_check'])}) VALUES %s", rows,
                       page_size=1000)
        cur.execute("SELECT setval(pg_get_serial_sequence('spot_check', 'id'), "
                    "greatest((SELECT max(id) FROM spot_check), (SELECT last_value FROM spot_check_id_seq)))")
        cur.execute("ANALYZE spot_check")
        if commit:
            conn.commit()
        return len(rows)
    except BaseException:
        if commit:
            conn.rollback()
        raise
    finally:
        cur.close()


def load(conn, data: DemoData, *, replace: bool = False, commit: bool = True,
         password_hash: Callable[[], str] | None = None, progress: Callable[[str], None] | None = None,
         bulk_min_rows: int = BULK_MIN_ROWS) -> dict:
    """Load `data` into the database of `conn` in one transaction; return timings (seconds).

    Raises DemoExists if the town already has data and `replace` is false. With
    `commit=False` the caller owns the transaction (and may roll it back). Tables receiving
    at least `bulk_min_rows` rows are loaded in bulk mode (see BULK_MIN_ROWS).
    """
    say = progress or (lambda msg: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    cur = conn.cursor()
    try:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        state = town_state(cur, data.town_code)
        if state is not None and state["has_data"] and not replace:
            raise DemoExists(state)
        switched = _set_triggers(cur, enabled=False)
        if state is not None:
            say(f"删除{state['name']}原有数据…")
            delete_town(cur, state["id"])
        timings["delete"] = time.perf_counter() - t0
        if state is not None:
            say(f"  删除用时 {timings['delete']:.1f} 秒")
        offsets = _offsets(cur)
        if password_hash is None:
            from webgis.auth.services import hash_password
            from webgis.demo.users import DEMO_PASSWORD

            def password_hash():
                return hash_password(DEMO_PASSWORD)
        pw = COLUMNS["app_user"].index("password_hash")
        users = [row[:pw] + (password_hash(),) + row[pw + 1:] for row in data.tables["app_user"]]
        # COPY FROM is not supported under row-level security, and FORCE subjects the owner
        # to it; lifted for this transaction only (the owner's policy allows everything anyway).
        forced = _forced_rls(cur)
        # ALTER TABLE waits for every open transaction on the table: fail clearly, not hang.
        cur.execute("SET LOCAL lock_timeout = '60s'")
        # Initial data, not changes: the change-history trigger (revision 0009) stays quiet.
        cur.execute("SELECT set_config('gc.history', 'off', true)")
        for table in forced:
            cur.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        big = [t for t in COLUMNS if len(data.tables[t]) >= bulk_min_rows] if switched else []
        bulk = _bulk_catalogue(cur, big)
        _bulk_off(cur, bulk)
        t_copy = time.perf_counter()
        for table in COLUMNS:
            rows = users if table == "app_user" else data.tables[table]
            t = time.perf_counter()
            _copy(cur, table, rows, offsets)
            timings[table] = time.perf_counter() - t
            if len(rows) > 10000:
                say(f"  {table}: {len(rows):,} 行，用时 {timings[table]:.1f} 秒")
        for table in SERIAL:
            # Never move a sequence backwards: setval is not undone by a rollback, and a
            # rolled-back load (tests) must not leave it below ids committed by others.
            cur.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
            seq = cur.fetchone()[0]
            cur.execute(f"SELECT setval('{seq}', greatest(coalesce(max(id), 0) + 1, "
                        f"(SELECT last_value FROM {seq})), false) FROM {table}")
        for table in forced:
            cur.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        timings["copy"] = time.perf_counter() - t_copy
        say(f"  写入 {sum(len(data.tables[t]) for t in COLUMNS):,} 行，用时 {timings['copy']:.1f} 秒")
        # ANALYZE before the set-based refreshes: without statistics for the freshly copied
        # rows the planner takes the tables for empty and the refreshes' joins degrade to
        # nested loops over every household (measured: minutes instead of seconds).
        # ANALYZE sees this transaction's own uncommitted rows.
        t = time.perf_counter()
        for table in COLUMNS:
            cur.execute(f"ANALYZE {table}")
        timings["analyze"] = time.perf_counter() - t
        say(f"统计信息（ANALYZE）…用时 {timings['analyze']:.1f} 秒")
        t = time.perf_counter()
        cur.execute("SELECT gc_refresh_all_status()")
        timings["refresh_status"] = time.perf_counter() - t
        say(f"计算走访与核验状态…用时 {timings['refresh_status']:.1f} 秒")
        if bulk["indexes"] or bulk["unique"] or bulk["foreign_keys"]:
            # The status refresh ran on the bare tables (its updates touched no secondary
            # index); the indexes are back before the per-grid coverage refresh reads them.
            t = time.perf_counter()
            _bulk_indexes_on(cur, bulk)
            timings["indexes"] = time.perf_counter() - t
            say(f"重建索引 {len(bulk['indexes']) + len(bulk['unique'])} 个…用时 {timings['indexes']:.1f} 秒")
            t = time.perf_counter()
            _bulk_keys_on(cur, bulk)
            timings["foreign_keys"] = time.perf_counter() - t
            say(f"校验外键 {len(bulk['foreign_keys'])} 个…用时 {timings['foreign_keys']:.1f} 秒")
        t = time.perf_counter()
        if _has_coverage(cur):
            cur.execute("SELECT gc_refresh_coverage(NULL)")
            timings["refresh_coverage"] = time.perf_counter() - t
            say(f"计算目标完成情况…用时 {timings['refresh_coverage']:.1f} 秒")
        else:
            timings["refresh_coverage"] = 0.0
        if switched:
            _set_triggers(cur, enabled=True)
        _bulk_triggers_on(cur, bulk)
        # The refreshes rewrote derived columns and tables: statistics for them too.
        t = time.perf_counter()
        for table in _derived_tables(cur):
            cur.execute(f"ANALYZE {table}")
        timings["analyze_derived"] = time.perf_counter() - t
        say(f"统计信息（派生数据）…用时 {timings['analyze_derived']:.1f} 秒")
        if commit:
            conn.commit()
    except BaseException:
        if commit:
            conn.rollback()
        raise
    finally:
        cur.close()
    timings["total"] = time.perf_counter() - t0
    return timings
