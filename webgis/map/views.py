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


@bp.route("/")
@login_required
def index():
    """地图: grids, buildings and their collection state, with the building panel."""
    grid = request.args.get("grid", "")
    grid_id = int(grid) if grid.isdigit() and len(grid) < 10 else None
    return render_template("map.html", **page.map_context(current_user, grid_id))
