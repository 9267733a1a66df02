"""The targets page (三个100%、三个95%) and the coverage API: targets per unit, grid and
village detail, heat layers, progress chart, uncovered buildings and their export."""
import io
from datetime import datetime

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user

from webgis.api import ApiError
from webgis.auth.guards import roles_required
from webgis.coverage import export, queries
from webgis.map import layers
from webgis.map.revalidate import conditional_json
from webgis.map.page import TARGET_STATUS_COLOURS
from webgis.permissions import EXPORT_ROLES, KEY_ATTENTION_ROLES
from webgis.permissions import TARGET_VIEW_ROLES as VIEW_ROLES
from webgis.scope import current_scope

bp = Blueprint("coverage", __name__)

MAX_HEAT_BBOX_DEGREES = 1.0
PAGE_SIZE = 25


def _int_arg(name: str) -> int | None:
    value = request.values.get(name, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, f"参数 {name} 应为整数", "bad_parameter") from None


@bp.route("/targets")
@roles_required(*VIEW_ROLES)
def page():
    """目标: the six targets per town, village and grid, the progress chart, the uncovered list."""
    scope = current_scope()
    data = queries.tree(scope)
    return render_template(
        "targets.html", tree=data, targets=data["targets"], status_labels=queries.STATUS_LABELS,
        stages=queries.stages(), today=queries.campaign_now(), options=queries.filter_options(scope),
        may_export=current_user.role in EXPORT_ROLES,
        status_colours=TARGET_STATUS_COLOURS)


@bp.route("/api/coverage/targets")
@roles_required(*VIEW_ROLES)
def targets():
    """The six targets of what the user sees: `?level=town` (default) or the whole `tree`."""
    level = request.args.get("level", "town")
    if level == "town":
        return jsonify(queries.summary(current_scope()))
    if level == "tree":
        return jsonify(queries.tree(current_scope()))
    raise ApiError(400, "level 应为 town 或 tree", "bad_parameter")


@bp.route("/api/coverage/grids/<int:grid_id>")
@roles_required(*VIEW_ROLES)
def grid(grid_id: int):
    """A grid's targets, bounds and uncovered buildings."""
    detail = queries.grid_detail(grid_id, with_attention=current_user.role in KEY_ATTENTION_ROLES)
    if detail is None:
        raise ApiError(404, "未找到该网格")
    return jsonify(detail)


@bp.route("/api/coverage/villages/<int:village_id>")
@roles_required(*VIEW_ROLES)
def village(village_id: int):
    """A village's targets, bounds and its grids' targets."""
    detail = queries.village_detail(village_id)
    if detail is None:
        raise ApiError(404, "未找到该村（居）")
    return jsonify(detail)


@bp.route("/api/coverage/heat/<layer>")
@roles_required(*VIEW_ROLES)
def heat(layer: str):
    """A heat layer for the current view: `?bbox=minlon,minlat,maxlon,maxlat&z=13`."""
    if layer not in queries.HEAT_LAYERS:
        raise ApiError(404, "未知热力图层", "unknown_layer")
    try:
        bbox = layers.parse_bbox(request.args.get("bbox"), MAX_HEAT_BBOX_DEGREES)
    except layers.LayerParamError as exc:
        raise ApiError(400, str(exc), "bad_bbox") from None
    z = _int_arg("z")
    if z is None or not (queries.HEAT_MIN_ZOOM <= z <= queries.HEAT_MAX_ZOOM):
        raise ApiError(400, f"z 应为 {queries.HEAT_MIN_ZOOM}–{queries.HEAT_MAX_ZOOM} 之间的整数", "bad_zoom")
    as_of = queries.campaign_now()
    if not current_app.config.get("CAMPAIGN_TODAY"):
        # On the clock: "overdue" to the minute, so a view can be revalidated within it.
        as_of = as_of.replace(second=0, microsecond=0)
    key = f"heat/{layer}/{z}/{','.join(map(str, bbox))}/{as_of.isoformat()}"
    return conditional_json(key, bbox, lambda: queries.heat(layer, bbox, z, as_of))


@bp.route("/api/coverage/progress")
@roles_required(*VIEW_ROLES)
def progress():
    """Visits and verifications per day and the cumulative rates, with the campaign stages."""
    return jsonify(queries.progress())


@bp.route("/api/coverage/uncovered")
@roles_required(*VIEW_ROLES)
def uncovered():
    """Uncovered buildings, filtered by `village` / `grid`, a page of PAGE_SIZE at `page` (from 1)."""
    page_no = max(1, _int_arg("page") or 1)
    data = queries.uncovered(_int_arg("village"), _int_arg("grid"), limit=PAGE_SIZE,
                             offset=(page_no - 1) * PAGE_SIZE)
    data.update(page=page_no, page_size=PAGE_SIZE)
    return jsonify(data)


@bp.route("/targets/uncovered/export", methods=["POST"])
@roles_required(*EXPORT_ROLES)
def export_uncovered():
    """未走访楼栋清单: an XLSX inside an AES-256 zip under a generated password (webgis/exports.py)."""
    from webgis import exports

    village_id, grid_id = _int_arg("village"), _int_arg("grid")
    scope = current_scope()
    data = queries.uncovered(village_id, grid_id, limit=None)
    rows = data["rows"]
    names = {o["id"]: o for o in queries.filter_options(scope)}
    grid_names = {g["id"]: f"{v['name']}{g['name']}" for v in names.values() for g in v["grids"]}
    filters_label = (grid_names.get(grid_id, f"网格 {grid_id}") if grid_id is not None
                     else names.get(village_id, {}).get("name", f"村（居）{village_id}") if village_id is not None
                     else "全部")
    summary = queries.summary(scope)
    now = datetime.now(queries.CST)
    xlsx = export.workbook_bytes(rows, "未走访楼栋清单", summary["label"], filters_label,
                                 current_user.display_name, now)
    stem = f"未走访楼栋清单_{filters_label}_{now:%Y%m%d}"
    protected = exports.protect(f"{stem}.xlsx", xlsx, object_type="uncovered_buildings", count=len(rows),
                                filters={"village": village_id, "grid": grid_id}, grid_id=grid_id)
    return exports.response(protected)

