"""The map page: a folium map built only on the app's own Leaflet assets, with the
GridCheck vector-tile layers, and the context the `map.html` template needs.

folium assembles the Leaflet objects (map, panes, vector grids, optional base map,
layer switcher); the ES modules under static/js/map/ hold the behaviour (one file per
layer's style, labels, the building panel, drawing) and are wired to those objects by
`GridCheckLayers`; their configuration is GET /api/map/config (`page_config`). Nothing on the page is
loaded from outside the app: town offices often run on an intranet.
"""
from dataclasses import dataclass

import folium
from branca.element import MacroElement
from flask import current_app, request, url_for
from folium.elements import JSCSSMixin
from folium.plugins import VectorGridProtobuf
from folium.template import Template
from folium.utilities import JsCode
from markupsafe import Markup

from webgis.security import with_nonce
from sqlalchemy import func, select

from webgis.codes.data import CODE_LISTS
from webgis.extensions import db
from webgis.geo.models import Town
from webgis.permissions import MAP_EDIT_ROLES, REGISTER_ROLES, TARGET_VIEW_ROLES, VERIFY_ROLES, may

# Colours of the building collection states, shared by the legend and the canvas styles.
STATUS_COLOURS = {
    "not_visited": "#dc2626",
    "visited": "#f59e0b",
    "verified": "#16a34a",
    "new": "#2563eb",
    "demolished": "#8b939e",
}
# Buildings are drawn as footprints from this zoom on (the tile function switches there too).
FOOTPRINT_ZOOM = 16
# Leaflet panes, bottom to top; only the panes of clickable layers take pointer events.
PANES = (("gc-grids", 410, True), ("gc-coverage", 415, True), ("gc-roads", 420, False),
         ("gc-villages", 430, False), ("gc-heat", 436, False), ("gc-buildings", 440, True),
         ("gc-labels", 450, False))
# Colours of the target statuses (choropleth, targets page) and the heat layers' gradients.
TARGET_STATUS_COLOURS = {"met": "#16a34a", "near": "#f59e0b", "behind": "#dc2626", "none": "#cbd5e1",
                         "restricted": "#94a3b8"}
HEAT_STYLES = {
    "unvisited": {"unit": "户", "what": "未走访户数",
                  "gradient": {0.2: "#fef3c7", 0.45: "#fcd34d", 0.65: "#fb923c", 0.85: "#ef4444", 1.0: "#991b1b"}},
    "links": {"unit": "处", "what": "未关联人员与无人关联的登记房间",
              "gradient": {0.2: "#f3e8ff", 0.45: "#d8b4fe", 0.65: "#a855f7", 0.85: "#7e22ce", 1.0: "#4c1d95"}},
    "overdue": {"unit": "条", "what": "超过7日未签字核验的变更",
                "gradient": {0.2: "#e0f2fe", 0.45: "#7dd3fc", 0.65: "#0ea5e9", 0.85: "#0369a1", 1.0: "#082f49"}},
}


def static_url(filename: str) -> str:
    """Return the URL of a file under static/ (honours a mount prefix)."""
    return url_for("static", filename=filename)


class LocalMap(folium.Map):
    """folium.Map on the vendored Leaflet 1.9.4; no CDN, no jQuery/Bootstrap/Font Awesome.

    The figure header carries no page-level styles: the page layout is the app's CSS.
    """

    default_js = [("leaflet", "/static/vendor/leaflet/leaflet.js")]
    default_css = [("leaflet_css", "/static/vendor/leaflet/leaflet.css")]

    _template = Template(
        """
        {% macro html(this, kwargs) %}
            <div class="folium-map gc-map" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            {%- if this.control_scale %}
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
            {%- endif %}
            {%- if this.zoom_control_position %}
            L.control.zoom({position: {{ this.zoom_control|tojson }},
                            zoomInTitle: "放大", zoomOutTitle: "缩小"}).addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("tiles", None)
        super().__init__(*args, **kwargs)
        self.default_js = [("leaflet", static_url("vendor/leaflet/leaflet.js"))]
        self.default_css = [("leaflet_css", static_url("vendor/leaflet/leaflet.css"))]


class LocalVectorGrid(VectorGridProtobuf):
    """Leaflet.VectorGrid.Protobuf layer on the vendored bundle (no unpkg)."""

    default_js = [("vectorGrid", "/static/vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js")]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_js = [("vectorGrid", static_url("vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js"))]


class CoverageHeatLayer(JSCSSMixin, folium.map.Layer):
    """A heat layer of gap items (Leaflet.heat, vendored), filled for the current view by
    static/js/coverage.js from /api/coverage/heat/<layer>; off until switched on."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = GridCheckCoverage.heatLayer({{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, layer: str, name: str, gradient: dict):
        super().__init__(name=name, overlay=True, control=True, show=False)
        self._name = "CoverageHeat"
        self.options = {"layer": layer, "pane": "gc-heat", "gradient": {str(k): v for k, v in gradient.items()}}
        # static/js/coverage.js is an ES module the page's set-up imports (templates/map.html).
        self.default_js = [("leaflet_heat", static_url("vendor/leaflet-heat/leaflet-heat.js"))]


class _Wiring(MacroElement):
    """Hand folium-built layers and a config to one of our scripts: `<entry>.init(map, layers, config)`."""

    entry = ""
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.entry }}.init({{ this._parent.get_name() }}, {
                {%- for key, layer in this.layers.items() %}
                {{ key|tojson }}: {{ layer.get_name() }},
                {%- endfor %}
            }, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, layers: dict, config: dict):
        super().__init__()
        self._name = type(self).__name__
        self.layers = layers
        self.config = config


class CoverageWiring(_Wiring):
    """Hand the coverage layers (choropleth, heat layers) to static/js/coverage.js."""

    entry = "GridCheckCoverage"


class GridCheckLayers(_Wiring):
    """Hand the folium-built layers and the config URL to static/js/map/index.js (an ES module
    the page's set-up imports as `GridCheck`, see templates/map.html)."""

    entry = "GridCheck"


def status_legend() -> list[dict]:
    """Return the building collection states in display order: code, Chinese label, colour.
    "new" is not a collection state (a new building is coloured by its collection like any
    other, 0010_targets.sql); it is a badge of the building's own status."""
    return [{"code": code, "label": text, "colour": STATUS_COLOURS[code]}
            for code, text in CODE_LISTS["collection_status"]["items"] if code != "new"]


def town_of(user) -> tuple[str | None, list[list[float]] | None]:
    """Return the user's town name and its bounds [[south, west], [north, east]] (or None)."""
    row = db.session.execute(
        select(Town.name, func.ST_XMin(Town.geom), func.ST_YMin(Town.geom),
               func.ST_XMax(Town.geom), func.ST_YMax(Town.geom)).where(Town.id == user.town_id)
    ).first()
    if row is None:
        return None, None
    name, west, south, east, north = row
    return name, [[south, west], [north, east]]


# Tiles are fetched at low priority: a browser keeps six connections per host, and the
# hundred tiles of a grid view queued in front of the panel's data made the grid panel wait
# for every tile (the panel's own requests ask for high priority, static/js/map.js getJSON).
TILE_FETCH = {"credentials": "same-origin", "priority": "low"}


def _vector_grid(url: str, name: str, layer: str, pane: str, **options) -> LocalVectorGrid:
    """Build one canvas-rendered vector tile layer styled by GridCheck.style[layer].

    Built hidden: static/js/map/index.js adds it once the page's configuration (GET /api/map/config)
    has arrived and the map is at the user's grids, so no tile is fetched twice."""
    return LocalVectorGrid(url, name=name, overlay=True, show=False, options={
        "renderer_factory": JsCode("L.canvas.tile"),
        "vector_tile_layer_styles": {layer: JsCode(f"GridCheck.style.{layer}")},
        "pane": pane,
        "max_zoom": 22,  # a Leaflet grid layer hides above its maxZoom, 18 by default
        "fetch_options": TILE_FETCH,
        **options,
    })


def _heat_names() -> dict:
    from webgis.coverage.queries import HEAT_LAYERS

    return HEAT_LAYERS


def _coverage_layers(root: str) -> tuple[dict, dict]:
    """The target choropleth and the three heat layers, and their JS config."""
    from webgis.coverage import queries

    choropleth = LocalVectorGrid(root + "/tiles/coverage/{z}/{x}/{y}.pbf", name="目标达成（网格/村居）",
                                 overlay=True, show=False, options={
        "renderer_factory": JsCode("L.canvas.tile"),
        # One JS object: folium would camel-case the MVT layer names were they dict keys here.
        "vector_tile_layer_styles": JsCode("GridCheckCoverage.tileStyles"),
        "pane": "gc-coverage", "max_zoom": 22, "min_zoom": 8, "interactive": True, "fetch_options": TILE_FETCH,
        "get_feature_id": JsCode("GridCheckCoverage.featureId"),
    })
    layers = {"choropleth": choropleth}
    for code, name in queries.HEAT_LAYERS.items():
        layers[f"heat_{code}"] = CoverageHeatLayer(code, f"热力：{name}", HEAT_STYLES[code]["gradient"])
    config = {
        "urls": {"heat": root + "/api/coverage/heat/", "grid": root + "/api/coverage/grids/",
                 "village": root + "/api/coverage/villages/", "targets": root + "/targets"},
        "targets": queries.target_defs(),
        "statusColours": TARGET_STATUS_COLOURS,
        "statusLabels": queries.STATUS_LABELS,
        "heat": {code: {"name": name, **HEAT_STYLES[code]} for code, name in queries.HEAT_LAYERS.items()},
        "today": queries.campaign_now().astimezone(queries.CST).date().isoformat(),
        "pointZoom": queries.HEAT_POINT_ZOOM,
    }
    return layers, config


def build_map(bounds: list[list[float]] | None, coverage: bool = False,
              focus: list[list[float]] | None = None, focus_grid: int | None = None) -> tuple[LocalMap, dict]:
    """Assemble the folium map with the GridCheck layers (and, with `coverage`, the target
    choropleth and the gap heat layers); return it and the scripts' config (served as JSON)."""
    cfg = current_app.config
    root = request.script_root
    building_min_zoom = int(cfg["BUILDING_MIN_ZOOM"])
    center = cfg["MAP_CENTER"]
    if bounds:
        center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    # zoomSnap 0.25: fitting the town on a phone lands between whole zoom levels.
    m = LocalMap(location=center, zoom_start=cfg["MAP_ZOOM"], min_zoom=9, max_zoom=20,
                 control_scale=True, zoom_control="topleft", prefer_canvas=True, zoom_snap=0.25)
    for name, z_index, pointer in PANES:
        folium.map.CustomPane(name, z_index=z_index, pointer_events=pointer).add_to(m)

    tiles = root + "/tiles/{layer}/{{z}}/{{x}}/{{y}}.pbf"
    layers = {
        "villages": _vector_grid(tiles.format(layer="villages"), "村/居界线", "villages", "gc-villages"),
        "grids": _vector_grid(tiles.format(layer="grids"), "网格", "grids", "gc-grids", interactive=True,
                              get_feature_id=JsCode("GridCheck.featureId")),
        "roads": _vector_grid(tiles.format(layer="roads"), "道路", "roads", "gc-roads", min_zoom=10),
        "buildings": _vector_grid(tiles.format(layer="buildings"), "楼栋", "buildings", "gc-buildings",
                                  min_zoom=building_min_zoom, interactive=True,
                                  get_feature_id=JsCode("GridCheck.featureId")),
        "labels": folium.FeatureGroup(name="名称标注", overlay=True, show=False),
    }
    for layer in layers.values():
        layer.add_to(m)
    coverage_layers, coverage_config = _coverage_layers(root) if coverage else ({}, {})
    for layer in coverage_layers.values():
        layer.add_to(m)
    if cfg.get("BASEMAP_URL"):
        basemap = folium.TileLayer(tiles=cfg["BASEMAP_URL"], attr=cfg.get("BASEMAP_ATTRIBUTION") or " ",
                                   name="底图", overlay=True, control=True, max_zoom=20)
        basemap.add_to(m)
        layers["basemap"] = basemap
    folium.LayerControl(position="topright", collapsed=True).add_to(m)

    config = {
        "urls": {"labels": root + "/api/layers/labels", "building": root + "/api/buildings/"},
        "buildingMinZoom": building_min_zoom,
        "footprintZoom": FOOTPRINT_ZOOM,
        "statuses": {s["code"]: {"label": s["label"], "colour": s["colour"]} for s in status_legend()},
    }
    # The page's set-up is the same for every response of the role (the nonce aside): what the
    # scripts are configured with comes from GET /api/map/config (page_config below).
    config_url = {"configUrl": map_config_url(focus_grid)}
    GridCheckLayers(layers, config_url).add_to(m)
    if coverage:
        coverage_config["townBounds"] = bounds
        CoverageWiring({**coverage_layers, "grids": layers["grids"]}, {}).add_to(m)
    return m, {**config, "coverage": coverage_config or None, "focus": focus or bounds, "townBounds": bounds}


@dataclass
class MapParts:
    """The rendered pieces of a folium figure, to place in our own page template."""

    header: Markup
    html: Markup
    script: Markup
    name: str


def render_parts(m: folium.Map) -> MapParts:
    """Render the figure once and return its header, body and script parts."""
    figure = m.get_root()
    figure.render()  # populates header / html / script from every element
    return MapParts(header=with_nonce(figure.header.render()), html=with_nonce(figure.html.render()),
                    script=Markup(figure.script.render()), name=m.get_name())


def map_config_url(grid_id: int | None) -> str:
    """GET /api/map/config's URL as the page's scripts request it (index.js init)."""
    return request.script_root + "/api/map/config" + (f"?grid={grid_id}" if grid_id else "")


def grid_panel_url(grid_id: int) -> str:
    """The grid panel's data as coverage.js openGrid requests it (urls.grid + id)."""
    return request.script_root + "/api/coverage/grids/" + str(grid_id)


def focus_grid(grid_id: int | None) -> int | None:
    """The grid asked for (`?grid=`) when the user's scope sees it, else None."""
    from webgis.scope import current_scope

    return grid_id if grid_id is not None and current_scope().sees_grid(grid_id) else None


def focus_bounds(user, grid_id: int | None) -> list[list[float]] | None:
    """The bounds the map opens at: the grid asked for (`?grid=`), else the user's own grids
    when the scope is not the whole town; None for the town view.

    Opening at the town and then flying to a grid first fetched every town-zoom tile and
    then every tile of the grid's zoom; opening at the grid fetches only the latter.
    """
    from webgis.geo.models import Grid
    from webgis.scope import current_scope

    scope = current_scope()
    if grid_id is not None and scope.sees_grid(grid_id):
        ids = [grid_id]
    elif scope.all_grids or not scope.grid_ids:  # (a grid out of scope is ignored, not disclosed)
        return None
    else:
        ids = list(scope.grid_ids)
    if not ids:
        return None
    ext = func.ST_Extent(Grid.geom)
    box = db.session.execute(select(func.ST_XMin(ext), func.ST_YMin(ext), func.ST_XMax(ext), func.ST_YMax(ext))
                             .where(Grid.id.in_(ids), Grid.town_id == user.town_id)).first()
    if box is None or box[0] is None:
        return None
    west, south, east, north = box
    return [[south, west], [north, east]]


def page_config(user, grid_id: int | None = None) -> dict:
    """GET /api/map/config: what map.js and coverage.js are configured with (URLs, zooms, colours,
    the bounds to open at, the coverage targets and the campaign day), kept out of the page."""
    town_name, bounds = town_of(user)
    focus = focus_bounds(user, grid_id)
    coverage = user.role in TARGET_VIEW_ROLES
    _m, config = build_map(bounds, coverage=coverage, focus=focus)
    # The grid whose panel opens with the map (coverage.js): index.js opens at its final view.
    config["focusGrid"] = focus_grid(grid_id) if coverage else None
    return config


def map_context(user, grid_id: int | None = None) -> dict:
    """Return what map.html needs: the map parts, the legend, the user and the town."""
    town_name, bounds = town_of(user)
    focus = focus_bounds(user, grid_id)
    coverage = user.role in TARGET_VIEW_ROLES
    m, _ = build_map(bounds, coverage=coverage, focus=focus, focus_grid=grid_id)
    return {
        "coverage": coverage,
        "heat_styles": {code: {"name": name, **HEAT_STYLES[code]} for code, name in _heat_names().items()},
        "status_colours": TARGET_STATUS_COLOURS,
        "map_parts": render_parts(m),
        # Requested from the page's head, before the scripts load (templates/map.html).
        "early_urls": [map_config_url(grid_id)]
        + ([grid_panel_url(grid_id)] if coverage and focus_grid(grid_id) is not None else []),
        "legend": status_legend(),
        "user": user,
        "town_name": town_name or "",
        "building_min_zoom": current_app.config["BUILDING_MIN_ZOOM"],
        # What the building panel offers (map.js reads these data attributes, never role names).
        "may_register": may(user.role, REGISTER_ROLES | VERIFY_ROLES),
        "may_edit_map": may(user.role, MAP_EDIT_ROLES),
        "house_natures": CODE_LISTS["house_nature"]["items"],
        "building_types": CODE_LISTS["building_type"]["items"],
    }
