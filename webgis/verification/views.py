"""The police queue page (民警核验) and its API: pending visits with 7-day deadlines, sign / return."""
from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user

from webgis.inputs import json_object
from webgis.auth.guards import roles_required
from webgis.coverage.queries import campaign_now
from webgis.extensions import db
from webgis.permissions import VERIFY_ROLES
from webgis.schemas import parse
from webgis.verification import services
from webgis.visits.schemas import BatchSignInput, VerificationInput
from webgis.writes import Actor

bp = Blueprint("verification", __name__)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        return None
    return int(value)


@bp.route("/police")
@roles_required(*VERIFY_ROLES)
def page():
    """民警核验: the station's queue, usable on a phone."""
    return render_template("verification/queue.html", counts=services.queue_counts(db.session, campaign_now()),
                           deadline_days=services.DEADLINE.days)


@bp.route("/api/police/queue")
@roles_required(*VERIFY_ROLES)
def queue():
    """One page of the sign queue (kind=sign) or of the doors to collect (kind=collect)."""
    now = campaign_now()
    kind = request.args.get("kind", "sign")
    data = services.queue(db.session, now, kind=kind if kind in services.QUEUES else "sign",
                          grid_id=_int_arg("grid_id"), only_overdue=request.args.get("overdue") == "1",
                          result=request.args.get("result") or None, page=_int_arg("page") or 1)
    data["counts"] = services.queue_counts(db.session, now)
    data["now"] = now.isoformat()
    return jsonify(data)


@bp.route("/api/police/verifications", methods=["POST"])
@roles_required(*VERIFY_ROLES)
def verify():
    """签字确认 / 退回重访 one visit (applied once per client UUID)."""
    data = parse(VerificationInput, json_object())
    result = services.verify(db.session, Actor.of(current_user), data)
    return jsonify(result), 201 if result["applied"] else 200


@bp.route("/api/police/verifications/batch", methods=["POST"])
@roles_required(*VERIFY_ROLES)
def verify_batch():
    """Sign several visits; each item is its own unit of work (one refused item stops none of the others)."""
    from webgis.api import domain_status
    from webgis.errors import DomainError

    data = parse(BatchSignInput, json_object())
    out = []
    for item in data.items:
        try:
            out.append(services.verify(db.session, Actor.of(current_user), item))
        except DomainError as exc:
            db.session.rollback()
            out.append({"applied": False, "visit_id": item.visit_id, "error": {
                "code": exc.code, "message": exc.message, "status": domain_status(exc)}})
    return jsonify({"results": out})
