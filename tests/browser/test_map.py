"""User story: the town grid office logs in, reads grid progress on the map, zooms into a
village, opens a building and sees its households with masked identifiers — and the page
never asks anything of the internet."""
import re

import pytest
from geoalchemy2.functions import ST_PointOnSurface, ST_X, ST_Y
from sqlalchemy import func, select

from tests.browser.guard import Guard
from webgis.buildings.models import Building, Household
from webgis.people.idcard import is_valid_id_number
from webgis.people.models import Person, Residence

pytestmark = pytest.mark.browser

TOWN_ADMIN = ("town", "Huilong#2026")
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
MASKED_ID = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")
EIGHTEEN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def _building_with_residents(app) -> dict:
    """Pick a building whose households have residents; return id, a point on it and their IDs.

    Read as the owner: the test looks past row-level security to know what to expect."""
    from sqlalchemy.orm import Session

    from webgis.database import owner_engine

    with app.app_context(), Session(owner_engine()) as session:
        counts = (select(Household.building_id, func.count(Person.id).label("n"))
                  .join(Residence, Residence.household_id == Household.id)
                  .join(Person, Person.id == Residence.person_id)
                  .where(Residence.end_date.is_(None), Person.status == "active")
                  .group_by(Household.building_id).subquery())
        shape = func.coalesce(Building.geom, Building.geom_pt)
        row = session.execute(
            select(Building.id, ST_X(ST_PointOnSurface(shape)), ST_Y(ST_PointOnSurface(shape)))
            .join(counts, counts.c.building_id == Building.id)
            .where(Building.status == "existing", Building.geom.is_not(None))
            .order_by(counts.c.n.desc(), Building.id).limit(1)
        ).one()
        ids = session.execute(
            select(Person.id_number).join(Residence, Residence.person_id == Person.id)
            .join(Household, Household.id == Residence.household_id)
            .where(Household.building_id == row[0])
        ).scalars().all()
    return {"id": row[0], "lon": row[1], "lat": row[2], "id_numbers": ids}


def _login(page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", TOWN_ADMIN[0])
    page.fill("input[name=password]", TOWN_ADMIN[1])
    with page.expect_response(lambda r: "/tiles/grids/" in r.url and r.status == 200, timeout=20000):
        page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def _open_building(page, building: dict) -> None:
    """Zoom to the building, wait for its tiles, click it on the canvas, wait for the panel."""
    with page.expect_response(lambda r: "/tiles/buildings/18/" in r.url and r.status == 200, timeout=20000):
        page.evaluate("([lat, lon]) => gcMap.setView([lat, lon], 18, {animate: false})",
                      [building["lat"], building["lon"]])
    page.wait_for_selector(".leaflet-gc-buildings-pane canvas.leaflet-tile-loaded", state="attached")
    page.wait_for_timeout(400)  # canvas drawing happens on the next animation frame
    x, y = page.evaluate(
        "([lat, lon]) => { const p = gcMap.latLngToContainerPoint([lat, lon]);"
        " const r = gcMap.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
        [building["lat"], building["lon"]])
    with page.expect_response(lambda r: f"/api/buildings/{building['id']}" in r.url, timeout=10000) as resp:
        page.mouse.click(x, y)
    assert resp.value.status == 200
    page.wait_for_selector("#gc-panel:not([hidden]) .household")


def _check_panel(page, building: dict) -> None:
    title = page.text_content("#gc-panel-title")
    assert " / " in title  # the standard address, 村（居） / 网格 / ...
    assert page.locator("#gc-panel .household").count() >= 1
    headers = page.locator("#gc-panel .residents th").all_text_contents()[:6]
    assert headers == ["姓名", "性别", "与户主关系", "身份证号", "联系电话", "人口类别"]
    shown = [t.strip() for t in page.locator("#gc-panel .residents td.mono").all_text_contents()]
    masked_ids = [t for t in shown if "*" in t and len(t) == 18]
    assert masked_ids and all(MASKED_ID.match(t) for t in masked_ids)
    html = page.content()
    for full in building["id_numbers"]:
        assert full not in html
    assert not [m for m in EIGHTEEN.findall(html) if is_valid_id_number(m.upper())]


def test_town_admin_opens_a_building(app, live_server, chromium, artifacts):
    building = _building_with_residents(app)

    # Desktop: overview with grid progress, then a building and its households.
    guard = Guard(live_server)
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    guard.attach(page)
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", TOWN_ADMIN[0])
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert page.locator(".flash--error").text_content().strip().startswith("用户名或密码错误")
    page.screenshot(path=str(artifacts / "login_error_1366x800.png"))
    guard.console_errors.clear()  # the browser logs the deliberate 401 of the login page
    _login(page, live_server)
    page.wait_for_selector(".leaflet-gc-grids-pane canvas.leaflet-tile-loaded", state="attached")
    assert page.locator(".topbar").get_by_text("镇网格办").count() == 1
    assert page.locator("#gc-legend .legend__item").count() >= 4  # 新增 is a badge, not a state
    page.wait_for_timeout(600)
    page.screenshot(path=str(artifacts / "map_overview_1366x800.png"))

    _open_building(page, building)
    _check_panel(page, building)
    page.screenshot(path=str(artifacts / "map_building_1366x800.png"))

    page.click("#gc-panel-close")
    assert page.locator("#gc-panel").is_hidden()
    context.close()

    # Phone: the map fills the screen, the panel is a bottom sheet.
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2,
                                   is_mobile=True, has_touch=True)
    page = context.new_page()
    guard.attach(page)
    page.goto(f"{live_server}/login")
    page.screenshot(path=str(artifacts / "login_390x844.png"))
    _login(page, live_server)
    page.wait_for_selector(".leaflet-gc-grids-pane canvas.leaflet-tile-loaded", state="attached")
    page.wait_for_timeout(600)
    page.screenshot(path=str(artifacts / "map_overview_390x844.png"))
    _open_building(page, building)
    _check_panel(page, building)
    sheet = page.locator("#gc-panel").bounding_box()
    assert sheet["width"] == PHONE["width"] and sheet["y"] > PHONE["height"] * 0.25
    page.screenshot(path=str(artifacts / "map_building_390x844.png"))
    context.close()

    assert guard.external == [], f"requests left the app: {guard.external}"
    assert guard.console_errors == [], guard.console_errors
