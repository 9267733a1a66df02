"""Where a visit was recorded: the phone's position sent with the door-to-door form (optional),
validated by the visit schema, stored on the visit (revision 0016)."""
import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from tests.test_registration import _api, _form, _submission
from tests.test_registration import town  # noqa: F401  (fixture)
from webgis.visits.models import Visit


def _visits(db_session, household_id):
    return db_session.execute(select(func.count()).select_from(Visit).where(Visit.household_id == household_id)).scalar()


def test_position_is_stored_with_the_visit(client, town, db_session):  # noqa: F811
    h1 = town["households"][0]
    post = _api(client, "leader1")
    body = _submission(_form(client, h1.id), location={"lat": 31.8012345, "lon": 121.6023456, "accuracy_m": 18.5})
    resp = post(f"/api/households/{h1.id}/registration", body)
    assert resp.status_code == 201, resp.get_json()
    visit = db_session.get(Visit, resp.get_json()["visit_id"])
    pt = to_shape(visit.geom)
    assert (pt.x, pt.y) == (pytest.approx(121.6023456, abs=1e-9), pytest.approx(31.8012345, abs=1e-9))
    assert visit.accuracy_m == pytest.approx(18.5)
    assert db_session.execute(select(func.ST_SRID(Visit.geom)).where(Visit.id == visit.id)).scalar() == 4326


def test_a_missing_position_still_saves(client, town, db_session):  # noqa: F811
    h1 = town["households"][0]
    post = _api(client, "leader1")
    # No location at all (refused permission, no fix), and an explicit null.
    r1 = post(f"/api/households/{h1.id}/registration", _submission(_form(client, h1.id)))
    r2 = post(f"/api/households/{h1.id}/registration", _submission(_form(client, h1.id), location=None))
    for r in (r1, r2):
        assert r.status_code == 201, r.get_json()
        visit = db_session.get(Visit, r.get_json()["visit_id"])
        assert visit.geom is None and visit.accuracy_m is None
    # A fix without an accuracy is kept as it is.
    form = _form(client, h1.id)
    r3 = post(f"/api/households/{h1.id}/registration", _submission(form, location={"lat": 31.8, "lon": 121.6}))
    assert r3.status_code == 201, r3.get_json()
    assert db_session.get(Visit, r3.get_json()["visit_id"]).accuracy_m is None


@pytest.mark.parametrize("location, field, message", [
    ({"lat": 91, "lon": 121.6, "accuracy_m": 10}, "lat", "纬度应在-90到90之间"),
    ({"lat": -90.5, "lon": 121.6}, "lat", "纬度应在-90到90之间"),
    ({"lat": 31.8, "lon": 180.01}, "lon", "经度应在-180到180之间"),
    ({"lat": 31.8, "lon": 121.6, "accuracy_m": -1}, "accuracy_m", "定位精度（米）应在0到100000之间"),
    ({"lat": 31.8, "lon": 121.6, "accuracy_m": 1e9}, "accuracy_m", "定位精度（米）应在0到100000之间"),
    ({"lat": "31.8", "lon": 121.6}, "lat", "纬度应为数字"),
    ({"lat": True, "lon": 121.6}, "lat", "纬度应为数字"),
    ({"lat": 31.8}, "lon", "请填写"),
    ({"lat": 31.8, "lon": 121.6, "heading": 3}, "heading", "不认识的字段"),
])
def test_bad_positions_are_refused_and_nothing_is_saved(client, town, db_session, location, field, message):  # noqa: F811
    h1 = town["households"][0]
    post = _api(client, "leader1")
    before = _visits(db_session, h1.id)
    resp = post(f"/api/households/{h1.id}/registration", _submission(_form(client, h1.id), location=location))
    assert resp.status_code == 400, resp.get_json()
    err = resp.get_json()["error"]
    assert err["code"] == "validation_failed"
    assert err["details"] == {f"visit.location.{field}": message}
    assert _visits(db_session, h1.id) == before


def test_non_finite_numbers_are_refused():
    from webgis.schemas import parse
    from webgis.errors import ValidationFailed
    from webgis.visits.schemas import LocationInput

    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValidationFailed) as exc:
            parse(LocationInput, {"lat": 31.8, "lon": bad})
        assert exc.value.details == {"lon": "经度应为数字"}


def test_the_database_refuses_a_negative_accuracy(db_session, town):  # noqa: F811
    from sqlalchemy.exc import IntegrityError

    h1 = town["households"][0]
    with pytest.raises(IntegrityError):
        with db_session.begin_nested():
            db_session.execute(Visit.__table__.insert().values(
                town_id=h1.town_id, grid_id=h1.grid_id, building_id=h1.building_id, household_id=h1.id,
                result="nobody_home", geom=func.ST_SetSRID(func.ST_MakePoint(121.6, 31.8), 4326), accuracy_m=-3))
