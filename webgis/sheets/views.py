"""The verification sheet pages: a grid's sheet for printing, a village's sheet split by grid, XLSX."""
from datetime import datetime

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from webgis.audit import services as audit
from webgis.auth.guards import roles_required
from webgis.coverage.queries import CST
from webgis.extensions import db
from webgis.permissions import SHEET_ROLES
from webgis.sheets import services, xlsx

bp = Blueprint("sheets", __name__)
TITLE = "住户基础信息核对表"


@bp.route("/sheets/grids/<int:grid_id>")
@roles_required(*SHEET_ROLES)
def grid(grid_id: int):
    """核对表 of one grid: one household per printed page, in the layout of 附件2."""
    sheet = services.grid_sheet(db.session, grid_id)
    audit.export("verification_sheet", len(sheet["households"]), {"grid": grid_id}, grid_id=grid_id, format="print")
    return render_template("sheets/grid.html", sheet=sheet, title=TITLE, printed_at=datetime.now(CST))


@bp.route("/sheets/villages/<int:village_id>")
@roles_required(*SHEET_ROLES)
def village(village_id: int):
    """核对表 of a village, split by grid: one link (and one workbook sheet) per grid."""
    return render_template("sheets/village.html", data=services.village_grids(db.session, village_id), title=TITLE)


@bp.route("/sheets/grids/<int:grid_id>/export", methods=["POST"])
@roles_required(*SHEET_ROLES)
def export_grid(grid_id: int):
    """The grid's sheet as XLSX inside a password-protected AES zip."""
    sheet = services.grid_sheet(db.session, grid_id)
    return _send([sheet], f"{TITLE}_{sheet['grid']['village']}{sheet['grid']['name']}", {"grid": grid_id},
                 url_for("sheets.grid", grid_id=grid_id))


@bp.route("/sheets/villages/<int:village_id>/export", methods=["POST"])
@roles_required(*SHEET_ROLES)
def export_village(village_id: int):
    """The village's sheets, one workbook sheet per grid, inside a password-protected AES zip."""
    data = services.village_grids(db.session, village_id)
    sheets = [services.grid_sheet(db.session, g["id"]) for g in data["grids"]]
    return _send(sheets, f"{TITLE}_{data['village']['name']}", {"village": village_id},
                 url_for("sheets.village", village_id=village_id))


def _send(sheets: list[dict], stem: str, filters: dict, back: str):
    """The workbook inside an AES zip under a generated password (webgis/exports.py), audited."""
    from webgis import exports

    now = datetime.now(CST)
    body = xlsx.workbook_bytes(sheets, TITLE, current_user.display_name, now)
    rows = sum(len(s["households"]) for s in sheets)
    protected = exports.protect(f"{stem}_{now:%Y%m%d}.xlsx", body, object_type="verification_sheet", count=rows,
                                filters=filters, grid_id=filters.get("grid"))
    return exports.response(protected)
