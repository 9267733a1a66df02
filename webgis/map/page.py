"""The map page: a folium map built only on the app's own Leaflet assets, with the
GridCheck vector-tile layers, and the context the `map.html` template needs.

folium assembles the Leaflet objects (map, panes, vector grids, optional base map,
layer switcher); static/js/map.js holds the behaviour (styles, labels, the building
panel) and is wired to those objects by `GridCheckLayers`. Nothing on the page is
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
from sqlalchemy import func, select

from webgis.codes.data import CODE_LISTS
from webgis.extensions import db
from webgis.geo.models import Town

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
PANES = (("gc-grids", 410, True), ("gc-roads", 420, False), ("gc-villages", 430, False),
         ("gc-buildings", 440, True), ("gc-labels", 450, False))


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


class GridCheckLayers(JSCSSMixin, MacroElement):
    """Hand the folium-built layers and the page config to static/js/map.js."""

    default_js = [("gridcheck_map", "/static/js/map.js")]
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            GridCheck.init({{ this._parent.get_name() }}, {
                {%- for key, layer in this.layers.items() %}
                {{ key|tojson }}: {{ layer.get_name() }},
                {%- endfor %}
            }, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, layers: dict, config: dict):
        super().__init__()
        self._name = "GridCheckLayers"
        self.layers = layers
        self.config = config
        self.default_js = [("gridcheck_map", static_url("js/map.js"))]


def status_legend() -> list[dict]:
    """Return the building collection states in display order: code, Chinese label, colour."""
    return [{"code": code, "label": text, "colour": STATUS_COLOURS[code]}
            for code, text in CODE_LISTS["collection_status"]["items"]]


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


def _vector_grid(url: str, name: str, layer: str, pane: str, **options) -> LocalVectorGrid:
    """Build one canvas-rendered vector tile layer styled by GridCheck.style[layer]."""
    return LocalVectorGrid(url, name=name, overlay=True, options={
        "renderer_factory": JsCode("L.canvas.tile"),
        "vector_tile_layer_styles": {layer: JsCode(f"GridCheck.style.{layer}")},
        "pane": pane,
        "max_zoom": 22,  # a Leaflet grid layer hides above its maxZoom, 18 by default
        **options,
    })


def build_map(bounds: list[list[float]] | None) -> tuple[LocalMap, dict]:
    """Assemble the folium map with the GridCheck layers; return it and the JS config."""
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
        "labels": folium.FeatureGroup(name="名称标注", overlay=True),
    }
    for layer in layers.values():
        layer.add_to(m)
    if cfg.get("BASEMAP_URL"):
        basemap = folium.TileLayer(tiles=cfg["BASEMAP_URL"], attr=cfg.get("BASEMAP_ATTRIBUTION") or " ",
                                   name="底图", overlay=True, control=True, max_zoom=20)
        basemap.add_to(m)
        layers["basemap"] = basemap
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    if bounds:
        m.fit_bounds(bounds, padding=(12, 12))

    config = {
        "urls": {"labels": root + "/api/layers/labels", "building": root + "/api/buildings/"},
        "buildingMinZoom": building_min_zoom,
        "footprintZoom": FOOTPRINT_ZOOM,
        "statuses": {s["code"]: {"label": s["label"], "colour": s["colour"]} for s in status_legend()},
    }
    GridCheckLayers(layers, config).add_to(m)
    return m, config


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
    return MapParts(header=Markup(figure.header.render()), html=Markup(figure.html.render()),
                    script=Markup(figure.script.render()), name=m.get_name())


def map_context(user) -> dict:
    """Return what map.html needs: the map parts, the legend, the user and the town."""
    town_name, bounds = town_of(user)
    m, _ = build_map(bounds)
    return {
        "map_parts": render_parts(m),
        "legend": status_legend(),
        "user": user,
        "town_name": town_name or "",
        "building_min_zoom": current_app.config["BUILDING_MIN_ZOOM"],
    }
