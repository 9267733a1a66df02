"""路线规划: the planner page, its API (candidates, plan, save, saved plan), print and GPX."""
from flask import Blueprint, Response, jsonify, render_template, request
from flask_login import current_user

from webgis.api import ApiError
from webgis.inputs import json_object
from webgis.auth.guards import roles_required
from webgis.extensions import db
from webgis.permissions import ROUTE_ROLES
from webgis.routes import gpx, services
from webgis.routes.schemas import PlanInput, SavePlanInput
from webgis.schemas import parse
from webgis.writes import Actor

bp = Blueprint("routes", __name__)
ROLES = tuple(ROUTE_ROLES)


def _grid_arg() -> int:
    value = request.args.get("grid", "")
    if not value.isdigit() or not 1 <= int(value) <= 2_147_483_647:
        raise ApiError(400, "请选择一个网格", details={"grid": "请选择一个网格"})
    return int(value)


@bp.route("/routes/plan")
@roles_required(*ROLES)
def plan_page():
    """规划路线: the planner on its map (the grid comes from ?grid=)."""
    grid_id = _grid_arg()
    data = services.candidates(db.session, Actor.of(current_user), grid_id)  # 404 if out of scope
    return render_template("routes/plan.html", grid_id=grid_id, grid_name=data["grid"], plan_id=None)


@bp.route("/routes/<int:plan_id>")
@roles_required(*ROLES)
def saved_page(plan_id: int):
    """A saved plan on the map, stops turning done as visits are recorded."""
    detail = services.plan_detail(db.session, plan_id)
    return render_template("routes/plan.html", grid_id=detail["grid_id"], grid_name=detail["grid"], plan_id=plan_id)


@bp.route("/routes/<int:plan_id>/print")
@roles_required(*ROLES)
def print_page(plan_id: int):
    """The printable stop list (address, households to see, what is missing there)."""
    return render_template("routes/print.html", plan=services.plan_detail(db.session, plan_id))


@bp.route("/api/routes/candidates")
@roles_required(*ROLES)
def candidates():
    """The grid's buildings with the still-to-visit ones pre-selected, the start options, saved plans."""
    return jsonify(services.candidates(db.session, Actor.of(current_user), _grid_arg()))


@bp.route("/api/routes/plan", methods=["POST"])
@roles_required(*ROLES)
def plan():
    """Compute the walk (nothing saved)."""
    data = parse(PlanInput, json_object())
    return jsonify(services.plan(db.session, Actor.of(current_user), data))


@bp.route("/api/routes", methods=["POST"])
@roles_required(*ROLES)
def save():
    """Save a plan; a retried submission (same client UUID) is applied once."""
    data = parse(SavePlanInput, json_object())
    result = services.save_plan(db.session, Actor.of(current_user), data)
    return jsonify(result), 201 if result["applied"] else 200


@bp.route("/api/routes/<int:plan_id>")
@roles_required(*ROLES)
def detail(plan_id: int):
    """A saved plan with done flags and the next stop."""
    return jsonify(services.plan_detail(db.session, plan_id))


@bp.route("/api/routes/<int:plan_id>.gpx")
@roles_required(*ROLES)
def gpx_download(plan_id: int):
    """The plan as GPX 1.1."""
    body = gpx.plan_gpx(services.plan_detail(db.session, plan_id))
    return Response(body, mimetype="application/gpx+xml",
                    headers={"Content-Disposition": f'attachment; filename="route-{plan_id}.gpx"'})
