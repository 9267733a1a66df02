"""The map page (地图): the main screen of GridCheck."""
from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from webgis.codes.data import label
from webgis.map import page

bp = Blueprint("map", __name__)


@bp.app_template_global("code_label")
def code_label(list_name: str, code: str | None) -> str:
    """Return the Chinese label of a code for templates (the top bar's role, ...)."""
    return label(list_name, code) or (code or "")


def _grid_arg() -> int | None:
    grid = request.args.get("grid", "")
    return int(grid) if grid.isdigit() and len(grid) < 10 else None


@bp.route("/api/map/config")
@login_required
def config():
    """The map page's configuration (the page itself stays the same for every response: cacheable)."""
    from flask import jsonify

    return jsonify(page.page_config(current_user, _grid_arg()))


@bp.route("/")
@login_required
def index():
    """地图: grids, buildings and their collection state, with the building panel."""
    return render_template("map.html", **page.map_context(current_user, _grid_arg()))
