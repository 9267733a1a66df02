"""An inspector's scope is the assigned area (issue 14 point 4): the grids inside it, not
the neighbours that only touch its boundary or overlap it by a sliver."""
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box

from tests.conftest import login
from webgis.scope import AREA_GRID_SHARE, scope_of

AREA = (121.60, 31.80, 121.62, 31.82)


def test_grids_touching_or_slivered_are_out_mostly_inside_in(make, db_session):
    t = make.town()
    st = make.station(t)
    v_in = make.village(t, st, bounds=AREA)
    v_out = make.village(t, st, bounds=(121.62, 31.78, 121.66, 31.82))
    inside = make.grid(v_in, AREA, number=1)
    touching = make.grid(v_out, (121.62, 31.80, 121.64, 31.82), number=1)  # shares the east edge only
    sliver = make.grid(v_out, (121.6199, 31.78, 121.64, 31.80), number=2)  # 0.5% inside the area
    mostly = make.grid(v_out, (121.615, 31.78, 121.625, 31.82), number=3)  # half of it inside... by area
    inspector = make.user(t, role="inspector", username="insp_edge",
                          area=from_shape(MultiPolygon([box(*AREA)]), 4326))
    scope = scope_of(db_session, inspector)
    assert inside.id in scope.grid_ids
    assert touching.id not in scope.grid_ids
    assert sliver.id not in scope.grid_ids
    # `mostly`: 121.615–121.62 of 121.615–121.625 in longitude, 31.80–31.82 of 31.78–31.82 in latitude:
    # a quarter of it inside, below the share.
    assert AREA_GRID_SHARE > 0.25 and mostly.id not in scope.grid_ids


def test_touching_neighbours_buildings_are_not_served(client, make, db_session):
    t = make.town()
    st = make.station(t)
    v_in = make.village(t, st, bounds=AREA)
    v_out = make.village(t, st, bounds=(121.62, 31.80, 121.64, 31.82))
    g_in = make.grid(v_in, AREA, number=1)
    g_out = make.grid(v_out, (121.62, 31.80, 121.64, 31.82), number=1)
    b_in = make.building(g_in, 121.61, 31.81)
    b_out = make.building(g_out, 121.621, 31.81)
    make.user(t, role="inspector", username="insp_touch", area=from_shape(MultiPolygon([box(*AREA)]), 4326))
    assert login(client, "insp_touch").status_code == 302
    assert client.get(f"/api/buildings/{b_in.id}").status_code == 200
    assert client.get(f"/api/buildings/{b_out.id}").status_code == 404


def test_the_sql_share_is_the_python_share(db_session):
    from sqlalchemy import text

    assert db_session.execute(text("SELECT gc_area_grid_share()")).scalar() == AREA_GRID_SHARE
