"""The map page as HTML (no browser): login required, only the app's own assets, the
layers and legend wired from Python, the optional base map."""
import json
import re

from tests.conftest import login
from webgis.codes.data import CODE_LISTS

URL_ATTR = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def _walk(element):
    yield element
    for child in element._children.values():
        yield from _walk(child)


def test_map_requires_login(client):
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_map_page_uses_only_local_assets(client, small_town):
    assert login(client, "t_admin").status_code == 302
    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    urls = URL_ATTR.findall(html)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    for path in ("/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
                 "/static/vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js", "/static/js/map/index.js"):
        assert f'"{path}"' in html
    for layer in ("villages", "grids", "roads", "buildings", "coverage"):
        assert f"'/tiles/{layer}/{{z}}/{{x}}/{{y}}.pbf'" in html
    assert html.count("L.canvas.tile") == 5  # the four layers and the targets choropleth
    assert '"/static/vendor/leaflet-heat/leaflet-heat.js"' in html and "GridCheckCoverage.init(" in html
    # The page's configuration is not in the page (the page is the same for every response):
    # the set-up names its JSON endpoint, which holds the URLs the scripts use.
    assert "GridCheck.init(" in html and '"/api/map/config"' in html and "/api/layers/labels" not in html
    config = client.get("/api/map/config").get_json()
    assert config["urls"]["labels"] == "/api/layers/labels" and config["coverage"]["targets"]
    assert config["focus"] == config["townBounds"]  # the town office opens at the whole town
    for name in ("村/居界线", "网格", "道路", "楼栋"):
        assert json.dumps(name) in html  # layer switcher entries (JSON-escaped by folium)
    for _, text in CODE_LISTS["collection_status"]["items"]:
        assert text in html  # legend from the code list
    assert "镇网格办" in html and 'action="/logout"' in html


def test_every_map_element_loads_local_files(app, small_town):
    from webgis.map.page import build_map

    with app.test_request_context("/"):
        m, config = build_map([[31.80, 121.60], [31.82, 121.62]], coverage=True)
        links = [url for el in _walk(m) for _, url in (getattr(el, "default_js", []) + getattr(el, "default_css", []))]
    assert links and all(url.startswith("/static/") for url in links), links
    # 新增 is a badge of the building's own status since revision 0010, not a collection state.
    assert set(config["statuses"]) == {code for code, _ in CODE_LISTS["collection_status"]["items"]} - {"new"}


def test_base_map_is_optional(app, client, small_town):
    assert login(client, "t_admin").status_code == 302
    assert "L.tileLayer" not in client.get("/").get_data(as_text=True)
    url = "http://tiles.intranet.local/{z}/{x}/{y}.png"
    app.config.update(BASEMAP_URL=url, BASEMAP_ATTRIBUTION="内网底图")
    try:
        html = client.get("/").get_data(as_text=True)
    finally:
        app.config.update(BASEMAP_URL="", BASEMAP_ATTRIBUTION="")
    assert "L.tileLayer" in html and json.dumps(url) in html and json.dumps("底图") in html
