"""Every revision means the same thing forever (README "Migrations").

One scratch database, upgraded from empty one revision at a time: after each revision
the objects its frozen SQL files create exist, and every function of ours runs on empty
data (each non-trigger function is called with NULL arguments, each trigger fires by a
statement that touches no row) without naming a table, column or function that does not
exist. Then head → base leaves nothing of ours, and base → head works again.
"""
import re
import uuid
from pathlib import Path

import psycopg2
import pytest
from flask_migrate import downgrade, upgrade

from webgis import create_app, devdb
from webgis.sqlfiles import SQL_DIR, VERSIONED

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ROOT / "migrations" / "versions"
# A reference to something that does not exist: the error classes a frozen file must not raise.
MISSING = {"42883", "42P01", "42703", "42704", "42P02"}  # function, table, column, object, parameter


def revisions() -> list[tuple[str, list[str]]]:
    """(revision id, SQL files it reads) in upgrade order, from the revision files."""
    found = {}
    for path in VERSIONS.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = re.search(r'^revision = ["\']([^"\']+)', text, re.M).group(1)
        down = re.search(r'^down_revision = (?:["\']([^"\']+)|None)', text, re.M).group(1)
        found[rev] = (down, re.findall(r'read\(["\']([^"\']+\.sql)["\']\)', text))
    order, current = [], None
    while True:
        nxt = [r for r, (d, _) in found.items() if d == current]
        if not nxt:
            break
        assert len(nxt) == 1, f"branching revisions after {current}: {nxt}"
        current = nxt[0]
        order.append((current, found[current][1]))
    assert len(order) == len(found), "revisions not on one chain"
    return order


def created_objects(sql: str) -> dict[str, set[str]]:
    """Functions, views, tables and triggers a SQL file creates at top level."""
    out = {"function": set(), "view": set(), "table": set(), "trigger": set()}
    for kind, name in re.findall(
            r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|VIEW|TABLE|TRIGGER)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
            r"([a-z_][a-z0-9_]*)", sql, re.M | re.I):
        out[kind.lower()].add(name.lower())
    return out


@pytest.fixture(scope="module")
def scratch():
    """(owner URL of an empty scratch database, psycopg2 superuser-free owner connection factory)."""
    import os

    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("scratch databases are made in the project-local cluster only")
    devdb.ensure()
    name = f"gridcheck_mig_{uuid.uuid4().hex[:8]}"
    devdb._psql(f"CREATE DATABASE {name} OWNER {devdb.OWNER}")
    try:
        devdb._psql("CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pgrouting;", db=name)
        yield devdb.role_url(devdb.OWNER, name)
    finally:
        devdb._psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def our_functions(cur) -> list[tuple[str, str, bool, bool]]:
    """(regprocedure, call with NULL arguments, is a trigger function, is strict) of public, non-extension functions."""
    cur.execute("""
        SELECT p.oid::regprocedure::text,
               format('SELECT %I(%s)', p.proname,
                      coalesce((SELECT string_agg(format('NULL::%s', format_type(t, NULL)), ', ' ORDER BY i)
                                  FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, i)), '')),
               p.prorettype = 'trigger'::regtype, p.proisstrict
          FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f'
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
         ORDER BY 1""")
    return cur.fetchall()


def our_tables(cur) -> list[str]:
    cur.execute("""SELECT c.relname FROM pg_class c
                    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v')
                      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
                      AND c.relname <> 'alembic_version' ORDER BY 1""")
    return [r[0] for r in cur.fetchall()]


def _try(cur, sql: str) -> psycopg2.Error | None:
    cur.execute("SAVEPOINT probe")
    try:
        cur.execute(sql)
    except psycopg2.Error as exc:
        cur.execute("ROLLBACK TO SAVEPOINT probe")
        return exc
    cur.execute("ROLLBACK TO SAVEPOINT probe")
    return None


def check_functions_run(conn) -> list[str]:
    """Call every function on empty data and fire every trigger; return the missing references."""
    problems = []
    with conn.cursor() as cur:
        # The app role's view (scope settings unset) and the owner's: functions read both.
        for name, call, is_trigger, strict in our_functions(cur):
            if is_trigger:
                continue
            if strict:  # a STRICT function returns NULL for NULL arguments without running
                continue
            exc = _try(cur, call)
            if exc is not None and exc.pgcode in MISSING:
                problems.append(f"{name}: {exc.pgerror.strip().splitlines()[0]}")
        cur.execute("""SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                        WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace ORDER BY 1""")
        for (table,) in cur.fetchall():
            cur.execute("""SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0
                             AND NOT attisdropped AND attgenerated = '' AND attidentity = ''
                           ORDER BY attnum LIMIT 1""", (table,))
            col = cur.fetchone()[0]
            # Statement-level triggers fire even when no row is touched.
            for stmt in (f'INSERT INTO "{table}" SELECT * FROM "{table}" WHERE false',
                         f'UPDATE "{table}" SET "{col}" = "{col}" WHERE false',
                         f'DELETE FROM "{table}" WHERE false'):
                exc = _try(cur, stmt)
                if exc is not None and exc.pgcode in MISSING:
                    problems.append(f"{stmt}: {exc.pgerror.strip().splitlines()[0]}")
    return problems


def check_objects(conn, sql_files: list[str]) -> list[str]:
    missing = []
    with conn.cursor() as cur:
        for name in sql_files:
            objs = created_objects((SQL_DIR / name).read_text(encoding="utf-8"))
            for fn in objs["function"]:
                cur.execute("SELECT count(*) FROM pg_proc WHERE proname = %s AND pronamespace = 'public'::regnamespace",
                            (fn,))
                if not cur.fetchone()[0]:
                    missing.append(f"{name}: function {fn}")
            for rel in objs["view"] | objs["table"]:
                cur.execute("SELECT to_regclass(%s)", (f"public.{rel}",))
                if cur.fetchone()[0] is None:
                    missing.append(f"{name}: relation {rel}")
            for trg in objs["trigger"]:
                cur.execute("SELECT count(*) FROM pg_trigger WHERE tgname = %s", (trg,))
                if not cur.fetchone()[0]:
                    missing.append(f"{name}: trigger {trg}")
    return missing


def test_revisions_read_only_versioned_sql_files():
    for rev, files in revisions():
        for name in files:
            assert VERSIONED.match(name), f"{rev} reads {name}: not a versioned (frozen) file"
            assert (SQL_DIR / name).exists(), f"{rev} reads {name}, which does not exist"
    unversioned = [p.name for p in SQL_DIR.glob("*.sql") if not VERSIONED.match(p.name)]
    assert not unversioned, f"unversioned SQL files (which revision applies them?): {unversioned}"


def test_check_functions_finds_a_missing_reference(scratch):
    """The probe itself can fail: a function naming a missing table is reported."""
    conn = psycopg2.connect(scratch)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE FUNCTION gc_probe_broken() RETURNS bigint LANGUAGE plpgsql AS "
                        "$$ BEGIN RETURN (SELECT count(*) FROM no_such_table); END $$")
        problems = check_functions_run(conn)
        assert any("gc_probe_broken" in p for p in problems)
    finally:
        conn.rollback()
        conn.close()


def _policies(url: str) -> list[tuple]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT tablename, policyname, cmd, roles::text, qual, with_check FROM pg_policies "
                        "WHERE schemaname = 'public' ORDER BY 1, 2")
            return cur.fetchall()
    finally:
        conn.close()


def test_every_revision_from_empty_then_down_to_base_and_up(scratch):
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch, "OWNER_DATABASE_URI": scratch, "TESTING": True,
                      "SECRET_KEY": "migration-test"})
    chain = revisions()
    policies_at = {}
    with app.app_context():
        for rev, files in chain:
            upgrade(revision=rev)
            policies_at[rev] = _policies(scratch)
            conn = psycopg2.connect(scratch)
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT version_num FROM alembic_version")
                    assert cur.fetchone()[0] == rev
                assert check_objects(conn, files) == [], rev
                assert check_functions_run(conn) == [], rev
            finally:
                conn.rollback()
                conn.close()
        # Revision 0023 rewrites 19 scope policies; one step down gives 0022's texts back exactly.
        assert len([p for p, q in zip(policies_at["0022_fast_tile_call"], policies_at["0023_scope_once_per_query"])
                    if p != q]) == 19
        downgrade(revision="0022_fast_tile_call")
        assert _policies(scratch) == policies_at["0022_fast_tile_call"]
        downgrade(revision="base")
        conn = psycopg2.connect(scratch)
        try:
            with conn.cursor() as cur:
                assert our_tables(cur) == []
                assert [f[0] for f in our_functions(cur)] == []
        finally:
            conn.close()
        upgrade()
        conn = psycopg2.connect(scratch)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT version_num FROM alembic_version")
                assert cur.fetchone()[0] == chain[-1][0]
                cur.execute("SELECT count(*) FROM code_item WHERE list_name = 'visit_result'")
                assert cur.fetchone()[0] == 9  # five seeded by 0001, four added by 0007
            assert check_functions_run(conn) == []
        finally:
            conn.rollback()
            conn.close()
