"""Building API: a building with its households and (masked) residents."""
from flask import Blueprint, jsonify
from flask_login import current_user, login_required

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
