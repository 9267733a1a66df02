"""Test fixtures: a real PostGIS database built by the migrations, each test inside
a SAVEPOINT that is rolled back, and login helpers per role."""
import re
import threading
from contextlib import contextmanager
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from flask_sqlalchemy.session import Session as _FsaSession
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webgis import create_app  # noqa: E402
from webgis.extensions import db  # noqa: E402
from webgis.scope import Scope  # noqa: E402
from webgis.scope import apply as apply_scope  # noqa: E402

PASSWORD = "Test#Pass2026"


def database_urls() -> tuple[str, str]:
    """(application role URL, owner URL) of the test database."""
    from webgis import devdb

    return devdb.url_for("test"), devdb.url_for("test_owner")


@pytest.fixture(scope="session")
def app():
    """The app on the test database (as the application role), migrated to head and back
    down and up again by the owner role, so every revision's downgrade is exercised."""
    app_url, owner_url = database_urls()
    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "OWNER_DATABASE_URI": owner_url,
                      "TESTING": True, "SECRET_KEY": "test-secret-key"})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        upgrade()
    return app


class _ConnectionSession(_FsaSession):
    """Flask-SQLAlchemy's session picks an engine per model; in tests use the one connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.bind


@pytest.fixture(scope="session")
def demo(app):
    """The small demo town, committed in the test database (loaded once; reused if there)."""
    result = app.test_cli_runner().invoke(args=["demo", "--scale", "small", "--seed", "2019", "--if-empty"])
    assert result.exit_code == 0, f"demo load failed:\n{result.output}"


@pytest.fixture()
def db_session(app):
    """A session whose work is rolled back after the test (commits become savepoints).

    The connection is the owner's, switched to the application role (`SET ROLE`) for
    everything but the reference rows a test builds (town, village, grid: `Factory.as_owner`),
    so requests and fixtures meet row-level security exactly as the app does.
    """
    from webgis.database import owner_engine

    with app.app_context():
        conn = owner_engine().connect()
        trans = conn.begin()
        conn.exec_driver_sql("SET LOCAL ROLE gridcheck_app")
        original = db.session
        test_session = db._make_scoped_session(
            {"bind": conn, "join_transaction_mode": "create_savepoint", "class_": _ConnectionSession})
        db.session = _MainThreadSession(test_session, original)
        try:
            yield test_session
        finally:
            test_session.remove()
            db.session = original
            trans.rollback()
            conn.close()


class _MainThreadSession:
    """`db.session` during a test: the test's rolled-back session in the test's own thread,
    the app's ordinary session in any other thread (a live server of the browser tests that is
    still finishing a request must never touch the test's connection)."""

    def __init__(self, test_session, original):
        self._test, self._original = test_session, original

    def _target(self):
        return self._test if threading.current_thread() is threading.main_thread() else self._original

    def __call__(self, *args, **kwargs):
        return self._target()(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._target(), name)


class _FixtureScopeClient(FlaskClient):
    """A test client that, after each request, gives the test's own connection back the
    scope its fixtures were built with (the request's scope lives in the same transaction)."""

    session = None

    def open(self, *args, **kwargs):
        resp = super().open(*args, **kwargs)
        s = type(self).session
        if s is not None and s.info.get("fixture_scope") is not None:
            apply_scope(s.connection(), s.info["fixture_scope"])
        return resp


@pytest.fixture()
def client(app, db_session):
    _FixtureScopeClient.session = db_session
    app.test_client_class = _FixtureScopeClient
    try:
        yield app.test_client()
    finally:
        _FixtureScopeClient.session = None
        app.test_client_class = None


def csrf_token(client, path: str = "/login") -> str:
    """Fetch a page and return its CSRF token."""
    html = client.get(path).get_data(as_text=True)
    m = (re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', html)
         or re.search(r'<input[^>]*value="([^"]+)"[^>]*name="csrf_token"', html)
         or re.search(r'name="csrf-token" content="([^"]+)"', html))
    assert m, f"no CSRF token on {path}"
    return m.group(1)


def login(client, username: str, password: str = PASSWORD):
    """Log in through the form (with its CSRF token); return the response."""
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


# --- factories: real rows in PostGIS ------------------------------------------------

_HASHES: dict[str, str] = {}


def _hash(password: str) -> str:
    """argon2id is slow on purpose; hash each test password once per run."""
    from webgis.auth.services import hash_password

    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


class Factory:
    """Build small, real territories and records; every call flushes to PostGIS."""

    def __init__(self, session):
        self.s = session
        self._n = 0
        self.scope = None

    @contextmanager
    def as_owner(self):
        """Build reference rows (territory) as the owner, then act as the app role again."""
        conn = self.s.connection()
        conn.exec_driver_sql("SET LOCAL ROLE NONE")
        try:
            yield
        finally:
            conn.exec_driver_sql("SET LOCAL ROLE gridcheck_app")

    def _apply_scope(self) -> None:
        """Build rows as the town's administrator would (row-level security applies to fixtures too)."""
        if self.scope is not None:
            self.s.info["fixture_scope"] = self.scope
            apply_scope(self.s.connection(), self.scope)

    def _next(self) -> int:
        self._n += 1
        return self._n

    def town(self, **kw):
        from webgis.geo.models import Town

        n = self._next()
        t = Town(code=kw.pop("code", f"T{n:08d}"), name=kw.pop("name", f"测试镇{n}"),
                 geom=from_shape(MultiPolygon([box(121.0, 31.0, 122.0, 32.0)]), 4326), **kw)
        with self.as_owner():
            self.s.add(t)
            self.s.flush()
        self.scope = Scope(town_id=t.id, all_grids=True, role="town_admin")
        self._apply_scope()
        return t

    def station(self, town, **kw):
        self._apply_scope()
        from webgis.geo.models import PoliceStation

        n = self._next()
        st = PoliceStation(town_id=town.id, code=kw.pop("code", f"PS{n}"), name=kw.pop("name", f"派出所{n}"),
                           geom=from_shape(Point(121.5, 31.5), 4326), **kw)
        with self.as_owner():
            self.s.add(st)
            self.s.flush()
        return st

    def village(self, town, station, bounds=(121.60, 31.80, 121.62, 31.82), **kw):
        self._apply_scope()
        from webgis.geo.models import Village

        n = self._next()
        v = Village(town_id=town.id, station_id=station.id, code=kw.pop("code", f"V{n}"),
                    name=kw.pop("name", f"测试村{n}"), kind=kw.pop("kind", "village"),
                    geom=from_shape(MultiPolygon([box(*bounds)]), 4326), **kw)
        with self.as_owner():
            self.s.add(v)
            self.s.flush()
        return v

    def grid(self, village, bounds, number=1, **kw):
        self._apply_scope()
        from webgis.geo.models import Grid

        g = Grid(town_id=village.town_id, village_id=village.id, code=kw.pop("code", f"{village.code}-{number}"),
                 number=number, name=kw.pop("name", f"第{number}网格"),
                 geom=from_shape(MultiPolygon([box(*bounds)]), 4326), **kw)
        with self.as_owner():
            self.s.add(g)
            self.s.flush()
        return g

    def building(self, grid, lon, lat, **kw):
        self._apply_scope()
        from webgis.buildings.models import Building

        d = 0.00005
        b = Building(town_id=grid.town_id, village_id=grid.village_id, grid_id=grid.id,
                     address_form=kw.pop("address_form", "rural"), group_name=kw.pop("group_name", "1组"),
                     house_no=kw.pop("house_no", f"{self._next()}号"),
                     building_type=kw.pop("building_type", "rural_house"), floors=kw.pop("floors", 2),
                     rooms_count=kw.pop("rooms_count", 4), status=kw.pop("status", "existing"),
                     geom=from_shape(box(lon - d, lat - d, lon + d, lat + d), 4326),
                     geom_pt=from_shape(Point(lon, lat), 4326), **kw)
        self.s.add(b)
        self.s.flush()
        return b

    def household(self, building, **kw):
        self._apply_scope()
        from webgis.buildings.models import Household

        h = Household(town_id=building.town_id, grid_id=building.grid_id, building_id=building.id,
                      house_nature=kw.pop("house_nature", "self_built"), status=kw.pop("status", "active"), **kw)
        self.s.add(h)
        self.s.flush()
        return h

    def person(self, grid, household=None, relation="1", **kw):
        self._apply_scope()
        from datetime import date

        from webgis.people.idcard import make_id_number
        from webgis.people.models import Person, Residence

        n = self._next()
        from webgis.people.idcard import gender_of

        id_number = kw.pop("id_number", make_id_number("320681", date(1980, 1, 1), 100 + n))
        p = Person(town_id=grid.town_id, grid_id=grid.id, name=kw.pop("name", f"张测{n}"),
                   gender=kw.pop("gender", gender_of(id_number)), ethnicity=kw.pop("ethnicity", "01"),
                   id_number=id_number,
                   phone=kw.pop("phone", f"138{n:08d}"), category=kw.pop("category", "registered"),
                   status=kw.pop("status", "active"), **kw)
        self.s.add(p)
        self.s.flush()
        if household is not None:
            self.s.add(Residence(town_id=grid.town_id, grid_id=grid.id, person_id=p.id,
                                 household_id=household.id, relation_to_head=relation))
            self.s.flush()
        return p

    def user(self, town, role="town_admin", username=None, password=PASSWORD, grids=(), **kw):
        self._apply_scope()
        from webgis.auth.models import User
        from webgis.auth.services import hash_password

        n = self._next()
        u = User(town_id=town.id, username=username or f"user{n}", display_name=kw.pop("display_name", f"用户{n}"),
                 password_hash=_hash(password), role=role, **kw)
        u.grids = list(grids)
        self.s.add(u)
        self.s.flush()
        return u

    # --- events and links (the coverage tests build their records with these) ---------------

    def visit(self, household, result="verified", at=None, awareness=None, satisfaction=None, **kw):
        self._apply_scope()
        from webgis.visits.models import Visit

        v = Visit(town_id=household.town_id, grid_id=household.grid_id, building_id=household.building_id,
                  household_id=household.id, result=result, awareness=awareness, satisfaction=satisfaction,
                  **({"visited_at": at} if at is not None else {}), **kw)
        self.s.add(v)
        self.s.flush()
        return v

    def verification(self, household, visit=None, outcome="signed", at=None, **kw):
        self._apply_scope()
        from webgis.visits.models import Verification

        c = Verification(town_id=household.town_id, grid_id=household.grid_id, household_id=household.id,
                         visit_id=visit.id if visit is not None else None, outcome=outcome,
                         **({"verified_at": at} if at is not None else {}), **kw)
        self.s.add(c)
        self.s.flush()
        return c

    def residence(self, person, household, relation="2", start_date=None, end_date=None):
        self._apply_scope()
        from webgis.people.models import Residence

        r = Residence(town_id=household.town_id, grid_id=household.grid_id, person_id=person.id,
                      household_id=household.id, relation_to_head=relation, start_date=start_date,
                      end_date=end_date)
        self.s.add(r)
        self.s.flush()
        return r

    def key_attention(self, grid, category="floating", level=None, person=None, household=None, organisation=None):
        self._apply_scope()
        from webgis.orgs.models import KeyAttention

        k = KeyAttention(town_id=grid.town_id, grid_id=grid.id, category=category, level=level,
                         person_id=person.id if person is not None else None,
                         household_id=household.id if household is not None else None,
                         organisation_id=organisation.id if organisation is not None else None)
        self.s.add(k)
        self.s.flush()
        return k

    def spot_check(self, building, inspector, items_checked, items_matched, household=None, at=None, **kw):
        self._apply_scope()
        from webgis.inspections.models import SpotCheck

        sc = SpotCheck(town_id=building.town_id, grid_id=building.grid_id, building_id=building.id,
                       household_id=household.id if household is not None else None, inspector_id=inspector.id,
                       items_checked=items_checked, items_matched=items_matched,
                       **({"checked_at": at} if at is not None else {}), **kw)
        self.s.add(sc)
        self.s.flush()
        return sc


@pytest.fixture()
def make(db_session):
    """Factory for real rows: make.town(), make.grid(...), make.building(...), ..."""
    return Factory(db_session)


@pytest.fixture()
def small_town(make):
    """A hand-built town: 1 village, 2 grids side by side, buildings with households and people."""
    t = make.town()
    st = make.station(t)
    v = make.village(t, st, bounds=(121.60, 31.80, 121.62, 31.82))
    g1 = make.grid(v, (121.60, 31.80, 121.61, 31.82), number=1)
    g2 = make.grid(v, (121.61, 31.80, 121.62, 31.82), number=2)
    b1 = make.building(g1, 121.605, 31.805)
    h1 = make.household(b1, room="1户")
    p1 = make.person(g1, h1, relation="1", name="王建国", gender="2", id_number="11010519491231002X",
                     phone="13812345678")
    p2 = make.person(g1, h1, relation="2", name="李秀英")
    b2 = make.building(g2, 121.615, 31.815)
    h2 = make.household(b2)
    p3 = make.person(g2, h2)
    admin = make.user(t, role="town_admin", username="t_admin")
    return dict(town=t, station=st, village=v, grids=(g1, g2), buildings=(b1, b2), households=(h1, h2),
                persons=(p1, p2, p3), admin=admin)
