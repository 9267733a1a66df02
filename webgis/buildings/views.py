"""Building API: a building with its households and (masked) residents."""
from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from webgis.inputs import json_object
from webgis.buildings.schemas import DemolishInput, NewBuildingInput, NewHouseholdInput
from webgis.schemas import parse
from webgis.writes import Actor

from sqlalchemy import func, select

from webgis.api import ApiError
from webgis.audit import services as audit
from webgis.extensions import db
from webgis.buildings import services

bp = Blueprint("buildings", __name__)


@bp.route("/api/buildings/<int:building_id>")
@login_required
def building(building_id: int):
    """楼栋详情: address, facts, households and residents (masked)."""
    detail = services.building_detail(building_id, current_user.role)
    if detail is None:
        # Out of scope looks like unknown (no existence leak); the audit log tells them apart.
        exists = db.session.execute(select(func.gc_object_exists("building", building_id))).scalar()
        audit.denied("building", building_id, reason="out of scope" if exists else "unknown")
        raise ApiError(404, "未找到该楼栋")
    return jsonify(detail)


@bp.route("/api/buildings", methods=["POST"])
@login_required
def create():
    """登记新楼栋 by a point or a drawn footprint; it joins the grid it falls in."""
    data = parse(NewBuildingInput, json_object())
    result = services.create_building(db.session, Actor.of(current_user), data)
    return jsonify(result), 201 if result["applied"] else 200


@bp.route("/api/buildings/<int:building_id>/demolish", methods=["POST"])
@login_required
def demolish(building_id: int):
    """标记拆除: status change with history; the rooms' residents are moved out."""
    data = parse(DemolishInput, json_object())
    return jsonify(services.demolish_building(db.session, Actor.of(current_user), building_id, data))


@bp.route("/api/buildings/<int:building_id>/households", methods=["POST"])
@login_required
def add_household(building_id: int):
    """添加房间 (garages and other spaces where people live are rooms, 附件2 说明5)."""
    data = parse(NewHouseholdInput, json_object())
    result = services.add_household(db.session, Actor.of(current_user), building_id, data)
    return jsonify(result), 201 if result["applied"] else 200
