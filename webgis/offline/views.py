"""Offline field work API: the grid's offline package, the outbox sync, the session check, the service worker."""
from flask import Blueprint, current_app, jsonify, request, send_from_directory
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from webgis.api import ApiError
from webgis.auth.guards import roles_required
from webgis.extensions import db
from webgis.inputs import json_object
from webgis.offline import package as packages, services
from webgis.offline.schemas import SyncItemInput
from webgis.permissions import OFFLINE_ROLES
from webgis.schemas import parse
from webgis.scope import current_scope
from webgis.writes import Actor

bp = Blueprint("offline", __name__)


@bp.route("/sw.js")
def service_worker():
    """The service worker (built by `npm run build` into static/), served at the root so it controls every page."""
    resp = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript", max_age=0)
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Service-Worker-Allowed"] = "/"
    return resp


@bp.route("/api/offline/session")
def session_info():
    """Who is logged in (or 401), a fresh CSRF token and the grids an offline package can be taken of."""
    if not current_user.is_authenticated:
        raise ApiError(401, "登录已过期，请重新登录", code="session_expired")
    from sqlalchemy import select

    from webgis.geo.models import Grid, Village

    scope = current_scope()
    grids = []
    if current_user.role in OFFLINE_ROLES and not scope.all_grids:
        grids = [{"id": gid, "name": name, "village": village} for gid, name, village in db.session.execute(
            select(Grid.id, Grid.name, Village.name).join(Village, Village.id == Grid.village_id)
            .where(Grid.id.in_(list(scope.grid_ids) or [-1])).order_by(Grid.id))]
    return jsonify({"user_id": current_user.id, "username": current_user.username, "role": current_user.role,
                    "csrf_token": generate_csrf(), "offline": current_user.role in OFFLINE_ROLES, "grids": grids})


@bp.route("/api/offline/grids/<int:grid_id>/package")
@roles_required(*OFFLINE_ROLES)
def package(grid_id: int):
    """下载离线包: one grid (never more per response), masked as the role sees it."""
    return jsonify(packages.package(db.session, Actor.of(current_user), grid_id, current_scope(),
                                    root=request.script_root))


@bp.route("/api/offline/sync", methods=["POST"])
@roles_required(*OFFLINE_ROLES)
def sync():
    """One outbox item, in the device's order: applied, 并行修改, 冲突 (kept for review) or refused (kept)."""
    item = parse(SyncItemInput, json_object())
    result = services.sync_item(db.session, Actor.of(current_user), item)
    return jsonify(result), 200 if result["duplicate"] else 201


@bp.route("/api/offline/submissions")
@roles_required(*OFFLINE_ROLES)
def submissions():
    """The leader's synced items and what became of them (冲突 shown to the leader too)."""
    import uuid

    device = request.args.get("device_id") or None
    try:
        device_id = uuid.UUID(device) if device else None
    except ValueError:
        raise ApiError(400, "设备编号无效", code="bad_device_id") from None
    return jsonify({"items": services.my_submissions(db.session, Actor.of(current_user), device_id)})
