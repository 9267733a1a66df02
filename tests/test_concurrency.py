"""Real concurrency on committed rows: two sessions, two connections, at the same time.

The rolled-back SAVEPOINT of the other tests cannot show this (one connection), so this
module builds its own small territory, commits it, runs two writers in two threads with
their own connections as the application role, and removes everything it made at the end.
"""
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from tests.conftest import Factory, database_urls
from webgis import scope as scope_mod
from webgis.errors import StaleVersion
from webgis.schemas import parse
from webgis.visits import services
from webgis.visits.schemas import RegistrationInput
from webgis.writes import Actor

CLEANUP = ("change_history", "verification", "visit", "spot_check", "key_attention", "residence", "organisation",
           "person", "household", "building", "coverage_gap", "coverage_day", "coverage_key_grid", "coverage_grid")


@pytest.fixture()
def committed(app):
    app_url, owner_url = database_urls()
    owner = create_engine(owner_url)
    engine = create_engine(app_url, pool_size=4)
    with app.app_context():
        with Session(owner) as s:
            s.connection().exec_driver_sql("SET LOCAL ROLE gridcheck_app")
            make = Factory(s)
            t = make.town()
            st = make.station(t)
            v = make.village(t, st)
            g = make.grid(v, (121.60, 31.80, 121.62, 31.82))
            b = make.building(g, 121.61, 31.81)
            h = make.household(b)
            p = make.person(g, h, relation="1")
            leader = make.user(t, role="grid_leader", username=f"conc{uuid.uuid4().hex[:8]}", grids=[g])
            ids = dict(town=t.id, grid=g.id, household=h.id, person=p.id, leader=leader.id)
            s.commit()
        try:
            yield ids, engine
        finally:
            with owner.begin() as conn:
                t_id = ids["town"]
                for table in CLEANUP:
                    conn.execute(text(f"DELETE FROM {table} WHERE town_id = :t"), {"t": t_id})
                conn.execute(text("DELETE FROM user_session WHERE user_id IN (SELECT id FROM app_user WHERE town_id = :t)"),
                             {"t": t_id})
                conn.execute(text("DELETE FROM user_grid WHERE user_id IN (SELECT id FROM app_user WHERE town_id = :t)"),
                             {"t": t_id})
                for table in ("app_user", "grid", "village", "police_station", "road", "town"):
                    key = "id" if table == "town" else "town_id"
                    conn.execute(text(f"DELETE FROM {table} WHERE {key} = :t"), {"t": t_id})
            engine.dispose()
            owner.dispose()


def _session(engine, ids) -> Session:
    s = Session(engine)
    scope_mod.apply(s.connection(), scope_mod.Scope(town_id=ids["town"], role="grid_leader", user_id=ids["leader"],
                                                    grid_ids=(ids["grid"],)))
    return s


def _body(form, remarks, client_uuid=None):
    return {"client_uuid": client_uuid or str(uuid.uuid4()), "household": dict(form["household"], remarks=remarks),
            "members": [{k: m[k] for k in ("person_id", "version", "name", "gender", "ethnicity", "relation",
                                           "category")} for m in form["members"]],
            "visit": {"result": "verified", "awareness": True, "satisfaction": True}}


def _race(app, engine, ids, bodies):
    """Save each body in its own thread and connection, all released at once; return the outcomes."""
    barrier = threading.Barrier(len(bodies))
    outcomes = [None] * len(bodies)
    actor = Actor(user_id=ids["leader"], role="grid_leader", town_id=ids["town"])

    def run(i, body):
        with app.app_context():
            s = _session(engine, ids)
            try:
                data = parse(RegistrationInput, body)
                barrier.wait()
                outcomes[i] = services.save_registration(s, actor, ids["household"], data)
            except StaleVersion as exc:
                outcomes[i] = exc
            finally:
                s.close()

    threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_sessions_save_the_same_household_exactly_one_wins(app, committed):
    ids, engine = committed
    with app.app_context():
        with _session(engine, ids) as s:
            form = services.registration_form(s, ids["household"], "grid_leader")
    outcomes = _race(app, engine, ids, [_body(form, "甲：东厢有人住"), _body(form, "乙：西厢空置")])
    won = [o for o in outcomes if isinstance(o, dict)]
    lost = [o for o in outcomes if isinstance(o, StaleVersion)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    details = lost[0].details
    assert (details["current_version"], details["your_version"]) == (2, 1)
    winner_remarks = details["current"]["remarks"]
    assert winner_remarks in ("甲：东厢有人住", "乙：西厢空置") and details["yours"]["remarks"] != winner_remarks
    with app.app_context(), _session(engine, ids) as s:
        stored = s.execute(text("SELECT remarks, version FROM household WHERE id = :h"), {"h": ids["household"]}).one()
        visits = s.execute(text("SELECT count(*) FROM visit WHERE household_id = :h"), {"h": ids["household"]}).scalar()
        history = s.execute(text("SELECT after->>'remarks' FROM change_history WHERE table_name = 'household' "
                                 "AND row_id = :h AND action = 'update'"), {"h": ids["household"]}).scalars().all()
    assert tuple(stored) == (winner_remarks, 2)
    assert visits == 1 and history == [winner_remarks]


def test_the_same_uuid_at_the_same_time_is_applied_once(app, committed):
    ids, engine = committed
    with app.app_context():
        with _session(engine, ids) as s:
            form = services.registration_form(s, ids["household"], "grid_leader")
    cid = str(uuid.uuid4())
    outcomes = _race(app, engine, ids, [_body(form, "重试", cid), _body(form, "重试", cid)])
    assert sorted(o["applied"] for o in outcomes) == [False, True], outcomes
    assert outcomes[0]["visit_id"] == outcomes[1]["visit_id"]
    with app.app_context(), _session(engine, ids) as s:
        assert s.execute(text("SELECT count(*) FROM visit WHERE client_uuid = :u"), {"u": cid}).scalar() == 1
