"""The role sets of webgis/permissions.py are the only ones, and the SQL policy agrees."""
import pathlib
import re

from sqlalchemy import text

from webgis import permissions
from webgis.codes.data import CODE_LISTS

ROOT = pathlib.Path(__file__).resolve().parents[1]
ROLE_NAMES = [code for code, _ in CODE_LISTS["role"]["items"]]


def test_every_role_set_names_known_roles():
    for name in dir(permissions):
        value = getattr(permissions, name)
        if isinstance(value, frozenset):
            assert value <= set(ROLE_NAMES), name
    assert set(permissions.SCOPE_BY_ROLE) == set(ROLE_NAMES)


def test_sql_key_attention_roles_match(db_session):
    for role in ROLE_NAMES:
        db_session.execute(text("SELECT set_config('gc.role', :r, true)"), {"r": role})
        sees = db_session.execute(text("SELECT gc_sees_key_attention()")).scalar()
        assert sees == (role in permissions.KEY_ATTENTION_ROLES), role


def test_no_role_set_outside_permissions():
    """No Python module but permissions.py writes a set/tuple of two or more role names."""
    roles = "|".join(ROLE_NAMES)
    literal = re.compile(r"[({\[]\s*\"(%s)\"\s*,\s*\"(%s)\"" % (roles, roles))
    offenders = []
    for path in (ROOT / "webgis").rglob("*.py"):
        if path.name == "permissions.py" or "demo" in path.parts:
            continue
        if literal.search(path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
