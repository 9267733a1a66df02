"""The demo loader's bulk mode (used for the town-scale load): the small demo loaded with
every table in bulk mode inside a rolled-back transaction leaves the catalogue as it was and
derives what the row-by-row load derives. A module of its own: test_demo.py keeps a loaded
town open in a module-scoped transaction, whose locks this test would wait for."""
import pytest

from webgis.demo.generator import generate
from webgis.demo.loader import load

SEED = 2019


@pytest.fixture(scope="module")
def small():
    return generate("small", SEED)
CATALOGUE = """
SELECT 'trigger', c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace
UNION ALL
SELECT 'constraint', c.conrelid::regclass::text || '.' || c.conname, pg_get_constraintdef(c.oid) || ' ' || c.convalidated::text
  FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
 WHERE r.relnamespace = current_schema()::regnamespace
UNION ALL
SELECT 'index', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class r ON r.oid = i.indrelid
 WHERE r.relnamespace = current_schema()::regnamespace
ORDER BY 1, 2"""

DERIVED = """
SELECT (SELECT array_agg(collection_status || ':' || n ORDER BY collection_status)
          FROM (SELECT collection_status, count(*) n FROM building b JOIN town t ON t.id = b.town_id
                 WHERE t.code = %(code)s GROUP BY 1) x),
       (SELECT array_agg(ROW(g.number, c.households, c.households_visited, c.households_verified,
                             c.persons, c.persons_linked, c.aware_answers, c.spot_items)::text ORDER BY g.id)
          FROM coverage_grid c JOIN grid g ON g.id = c.grid_id JOIN town t ON t.id = g.town_id
         WHERE t.code = %(code)s),
       (SELECT count(*) FROM coverage_gap c JOIN town t ON t.id = c.town_id WHERE t.code = %(code)s),
       (SELECT sum(visits) || '/' || sum(signed) FROM coverage_day c JOIN town t ON t.id = c.town_id
         WHERE t.code = %(code)s),
       (SELECT count(*) FROM household h JOIN town t ON t.id = h.town_id
         WHERE t.code = %(code)s AND h.surveyed_at IS NOT NULL)"""


def test_bulk_mode_restores_the_catalogue_and_derives_the_same(app, small):
    """Loaded in bulk mode (every table: triggers off, keys and indexes dropped and rebuilt),
    the small demo leaves every trigger, constraint and index as it was, and the derived
    figures equal those of the row-by-row load."""
    from webgis.database import owner_engine

    with app.app_context():
        conn = owner_engine().raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(CATALOGUE)
            before = cur.fetchall()
            results = []
            for bulk_min_rows in (10 ** 9, 0):
                cur.execute("SAVEPOINT one_load")
                timings = load(conn, small, replace=True, commit=False, password_hash=lambda: "x",
                               bulk_min_rows=bulk_min_rows)
                assert ("indexes" in timings) == (bulk_min_rows == 0)
                cur.execute(CATALOGUE)
                assert cur.fetchall() == before
                cur.execute(DERIVED, {"code": small.town_code})
                results.append(cur.fetchone())
                cur.execute("ROLLBACK TO SAVEPOINT one_load")
            assert results[0] == results[1]
            assert all(v is not None for v in results[0])
        finally:
            conn.rollback()
            conn.close()
