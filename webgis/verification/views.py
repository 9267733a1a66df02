"""The police queue page (民警核验) and its API: pending visits with 7-day deadlines, sign / return."""
from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user

from webgis.inputs import json_object
from webgis.auth.guards import roles_required
from webgis.coverage.queries import campaign_now
from webgis.extensions import db
from webgis.permissions import SYNC_REVIEW_ROLES, VERIFY_ROLES
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
@roles_required(*(VERIFY_ROLES | SYNC_REVIEW_ROLES))
def page():
    """民警核验: the station's queue, usable on a phone (the village office sees its 离线同步冲突 tab only)."""
    return render_template("verification/queue.html", counts=_counts(campaign_now()),
                           deadline_days=services.DEADLINE.days, police=current_user.role in VERIFY_ROLES)


@bp.route("/api/police/queue")
@roles_required(*(VERIFY_ROLES | SYNC_REVIEW_ROLES))
def queue():
    """One page of the sign queue (kind=sign), of the doors to collect (kind=collect), or the
    conflicts of offline submissions (kind=sync, also for the village office)."""
    from webgis.errors import NotAllowed

    now = campaign_now()
    kind = request.args.get("kind", "sign")
    if kind != "sync" and current_user.role not in VERIFY_ROLES:
        raise NotAllowed("queue", kind)
    if kind == "sync":  # 离线同步: conflicts of phones' offline submissions (decided here), refused items
        from webgis.offline import services as offline

        return jsonify({"kind": "sync", "page": 1, "more": False, "items": offline.review_items(db.session),
                        "counts": _counts(now), "now": now.isoformat()})
    data = services.queue(db.session, now, kind=kind if kind in services.QUEUES else "sign",
                          grid_id=_int_arg("grid_id"), only_overdue=request.args.get("overdue") == "1",
                          result=request.args.get("result") or None, page=_int_arg("page") or 1)
    data["counts"] = _counts(now)
    data["now"] = now.isoformat()
    return jsonify(data)


def _counts(now) -> dict:
    from webgis.offline import services as offline

    empty = {"total": 0, "overdue": 0, "due_soon": 0}
    queues = (services.queue_counts(db.session, now) if current_user.role in VERIFY_ROLES
              else {"sign": empty, "collect": empty})
    return {**queues, "sync": offline.review_counts(db.session)}


@bp.route("/api/police/sync/<int:submission_id>/resolve", methods=["POST"])
@roles_required(*SYNC_REVIEW_ROLES)
def resolve_sync(submission_id: int):
    """Decide a 冲突 of an offline submission: the phone's values or the platform's; the visit is recorded once."""
    from webgis.offline import services as offline
    from webgis.offline.schemas import ResolveInput

    data = parse(ResolveInput, {**json_object(), "submission_id": submission_id})
    return jsonify(offline.resolve(db.session, Actor.of(current_user), data.submission_id, data.keep))


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
