"""User story: the town grid office looks for the gaps. It switches on the uncollected-buildings
heatmap, colours the grids by the person–house link rate, clicks a grid to list its unvisited
buildings and opens one, then reads the targets page with its progress chart — on a desktop
and on a phone, and the page never asks anything of the internet."""
import pytest
from sqlalchemy import func, select

from tests.browser.guard import Guard
from tests.browser.test_map import DESKTOP, PHONE, _login

pytestmark = pytest.mark.browser

PAINTED = """(selector) => {
  let n = 0;
  document.querySelectorAll(selector).forEach((c) => {
    if (!c.width || !c.height) return;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 16) if (d[i] > 0) n++;
  });
  return n;
}"""


@pytest.fixture(autouse=True)
def demo_today(app):
    """The small demo's records stop on 2026-10-23: that is the campaign's "today" here."""
    before = app.config.get("CAMPAIGN_TODAY")
    app.config["CAMPAIGN_TODAY"] = "2026-10-23"
    yield
    app.config["CAMPAIGN_TODAY"] = before


def _grid_with_uncovered(app) -> dict:
    """A grid with unvisited buildings and a point inside it (read as the owner)."""
    from sqlalchemy.orm import Session

    from webgis.coverage.models import CoverageGap
    from webgis.database import owner_engine
    from webgis.geo.models import Grid

    with app.app_context(), Session(owner_engine()) as session:
        n = func.count(CoverageGap.id)
        gid = session.execute(select(CoverageGap.grid_id).where(CoverageGap.kind == "unvisited")
                              .group_by(CoverageGap.grid_id).order_by(n.desc(), CoverageGap.grid_id).limit(1)).scalar()
        lon, lat = session.execute(select(func.ST_X(func.ST_PointOnSurface(Grid.geom)),
                                          func.ST_Y(func.ST_PointOnSurface(Grid.geom))).where(Grid.id == gid)).one()
    return {"id": gid, "lon": lon, "lat": lat}


def _switch_layer(page, name: str) -> None:
    page.hover(".leaflet-control-layers")
    page.locator(".leaflet-control-layers").get_by_text(name, exact=True).click()
    page.mouse.move(5, 300)  # let the layer switcher fold away again


def _show_heat(page) -> None:
    with page.expect_response(lambda r: "/api/coverage/heat/unvisited" in r.url and r.status == 200, timeout=20000):
        _switch_layer(page, "热力：未采集楼栋")
    page.wait_for_timeout(500)
    assert page.locator(".leaflet-gc-heat-pane canvas.leaflet-heatmap-layer").count() == 1
    assert page.evaluate(PAINTED, ".leaflet-gc-heat-pane canvas") > 200
    assert page.locator('.heat-key[data-layer="unvisited"]').is_visible()


def _colour_by_link_rate(page) -> None:
    with page.expect_response(lambda r: "/tiles/coverage/" in r.url and r.status == 200, timeout=20000):
        page.select_option("#gc-target-select", "link")
    page.wait_for_selector(".leaflet-gc-coverage-pane canvas.leaflet-tile-loaded", state="attached")
    page.wait_for_timeout(500)
    assert page.evaluate(PAINTED, ".leaflet-gc-coverage-pane canvas") > 200
    assert page.evaluate("() => !document.getElementById('gc-legend-targets').hidden")  # folded on phones
    assert page.text_content("#gc-legend-target-title").startswith("人房关联率")


def _signed_in_desktop(chromium, guard: Guard, live_server):
    """A desktop browser context with the town admin signed in on the map: (context, page)."""
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    guard.attach(page)
    _login(page, live_server)
    return context, page


def test_town_admin_finds_the_gaps(app, live_server, chromium, artifacts):
    grid = _grid_with_uncovered(app)
    guard = Guard(live_server)

    # Desktop: heatmap, choropleth, a grid's unvisited buildings, one building.
    context, page = _signed_in_desktop(chromium, guard, live_server)
    page.wait_for_selector(".leaflet-gc-grids-pane canvas.leaflet-tile-loaded", state="attached")
    _show_heat(page)
    page.screenshot(path=str(artifacts / "coverage_heat_1366x800.png"))

    _colour_by_link_rate(page)
    page.screenshot(path=str(artifacts / "coverage_link_rate_1366x800.png"))

    _switch_layer(page, "热力：未采集楼栋")  # off again: the grid's colour alone from here
    with page.expect_response(lambda r: "/tiles/coverage/13/" in r.url and r.status == 200, timeout=20000):
        page.evaluate("([lat, lon]) => gcMap.setView([lat, lon], 13, {animate: false})", [grid["lat"], grid["lon"]])
    page.wait_for_timeout(600)
    x, y = page.evaluate(
        "([lat, lon]) => { const p = gcMap.latLngToContainerPoint([lat, lon]);"
        " const r = gcMap.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
        [grid["lat"], grid["lon"]])
    page.mouse.move(x, y)
    page.wait_for_selector(".gc-covtip .covtip__name", timeout=5000)
    assert "人房关联率" in page.text_content(".gc-covtip")
    with page.expect_response(lambda r: f"/api/coverage/grids/{grid['id']}" in r.url, timeout=10000) as resp:
        page.mouse.click(x, y)
    assert resp.value.status == 200
    page.wait_for_selector("#gc-panel:not([hidden]) .uncovered__item")
    # Seven targets: 知晓率 and 满意率 apart, no pooled figure.
    assert page.locator("#gc-panel .targets__item").count() == 7
    assert "未走访楼栋" in page.text_content("#gc-panel") and "重访清单" in page.text_content("#gc-panel")
    assert f"grid={grid['id']}" in page.url
    page.wait_for_selector(".leaflet-gc-buildings-pane canvas.leaflet-tile-loaded", state="attached")
    page.wait_for_timeout(700)
    page.screenshot(path=str(artifacts / "coverage_grid_panel_1366x800.png"))

    with page.expect_response(lambda r: "/api/buildings/" in r.url and r.status == 200, timeout=10000):
        page.locator("#gc-panel .uncovered__item").first.click()
    page.wait_for_selector("#gc-panel .panel__back")
    page.wait_for_selector("#gc-panel .household")
    page.click("#gc-panel .panel__back")
    page.wait_for_selector("#gc-panel .uncovered__item")

    # The targets page: cards, chart with the stages, the table, the uncovered list.
    page.goto(f"{live_server}/targets")
    page.wait_for_function("() => window.gcChart && document.querySelectorAll('#tp-uncovered tbody tr').length > 1")
    assert page.locator(".kpi").count() == 7  # 知晓率 and 满意率 apart
    assert page.evaluate(PAINTED, "#tp-chart") > 500
    assert page.locator("#tp-table .tt__row--village").count() == 3
    assert "2026-10-23" in page.text_content(".tp-sub")
    page.screenshot(path=str(artifacts / "targets_1366x800.png"))
    page.click("#tp-table thead button[data-sort='5']")  # sort by 人房关联率, worst first
    page.locator("#tp-table").scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy(0, -70)")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "targets_table_1366x800.png"))
    context.close()

    # Phone: the same layers under the thumb, and the targets page.
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2,
                                   is_mobile=True, has_touch=True)
    page = context.new_page()
    guard.attach(page)
    _login(page, live_server)
    page.wait_for_selector(".leaflet-gc-grids-pane canvas.leaflet-tile-loaded", state="attached")
    _colour_by_link_rate(page)
    page.wait_for_timeout(400)
    page.screenshot(path=str(artifacts / "coverage_link_rate_390x844.png"))
    page.goto(f"{live_server}/#grid={grid['id']}&target=visit")
    page.wait_for_selector("#gc-panel:not([hidden]) .uncovered__item")
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "coverage_grid_panel_390x844.png"))
    page.goto(f"{live_server}/targets")
    page.wait_for_function("() => window.gcChart")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "targets_390x844.png"))
    page.locator("#tp-chart").scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "targets_chart_390x844.png"))
    context.close()

    assert guard.external == [], f"requests left the app: {guard.external}"
    assert guard.console_errors == [], guard.console_errors


def test_grid_link_opens_the_panel_before_the_tiles(app, live_server, chromium):
    """The 目标 table's 地图 link (/?grid=<id>, issue 14 point 9): the grid's data is asked for
    once, from the page's head, and the panel shows before the map asks for any tile; the tiles
    are then fetched for one view only (the one the panel leaves free)."""
    grid = _grid_with_uncovered(app)
    guard = Guard(live_server)
    context, page = _signed_in_desktop(chromium, guard, live_server)
    page.wait_for_load_state("networkidle")
    events = []
    page.on("request", lambda r: events.append(("request", r.url.replace(live_server, ""))))
    page.on("requestfinished", lambda r: events.append(("finished", r.url.replace(live_server, ""))))
    page.goto(f"{live_server}/?grid={grid['id']}")
    page.wait_for_selector("#gc-panel:not([hidden]) .uncovered__item")
    page.wait_for_selector(".leaflet-gc-buildings-pane canvas.leaflet-tile-loaded", state="attached")
    page.wait_for_load_state("networkidle")

    grid_api = f"/api/coverage/grids/{grid['id']}"
    assert [e for e in events if e == ("request", grid_api)] == [("request", grid_api)]
    assert len([e for e in events if e[0] == "request" and e[1].startswith("/api/map/config")]) == 1
    first_tile = next(i for i, e in enumerate(events) if e[0] == "request" and e[1].startswith("/tiles/"))
    assert events.index(("finished", grid_api)) < first_tile
    zooms = {e[1].split("/")[3] for e in events if e[0] == "request" and e[1].startswith("/tiles/")}
    assert len(zooms) == 1, zooms
    layers = {e[1].split("/")[2] for e in events if e[0] == "request" and e[1].startswith("/tiles/")}
    assert layers >= {"grids", "buildings", "villages", "roads", "coverage"}
    assert page.evaluate("() => !document.getElementById('gc-zoom-hint').hidden") is False
    title = page.text_content("#gc-panel-title")
    assert title and "正在加载" not in title
    context.close()
    assert guard.external == [], f"requests left the app: {guard.external}"
    assert guard.console_errors == [], guard.console_errors
