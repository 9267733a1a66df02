"""Spot checks: pages (list/create, plan with sample and results, field form, report) and the API."""
import io
from datetime import datetime

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from webgis.inputs import json_object
from webgis.audit import services as audit
from webgis.auth.guards import roles_required
from webgis.coverage.queries import CST
from webgis.extensions import db
from webgis.geo.models import Grid, Village
from webgis.inspections import export, results, services
from webgis.inspections.schemas import ITEM_LABELS, PICK_LABELS, PRESENCE_LABELS, CheckInput, PlanInput
from webgis.permissions import INSPECT_ROLES
from webgis.schemas import parse
from webgis.scope import current_scope
from webgis.writes import Actor

bp = Blueprint("inspections", __name__)
ROLES = tuple(INSPECT_ROLES)


def _area_choices() -> list[dict]:
    scope = current_scope()
    rows = db.session.execute(db.select(Grid.id, Grid.name, Village.id, Village.name)
                              .join(Village, Village.id == Grid.village_id)
                              .where(Grid.town_id == scope.town_id).order_by(Village.id, Grid.number)).all()
    villages: dict[int, dict] = {}
    for gid, gname, vid, vname in rows:
        if scope.sees_grid(gid):
            villages.setdefault(vid, {"id": vid, "name": vname, "grids": []})["grids"].append({"id": gid, "name": gname})
    return list(villages.values())


@bp.route("/inspections")
@roles_required(*ROLES)
def index():
    """检查验收: the spot checks and the form to design a new one."""
    return render_template("inspections/index.html", plans=services.list_plans(db.session),
                           villages=_area_choices(), far_visit_m=services.FAR_VISIT_M)


@bp.route("/api/inspections/grids")
@roles_required(*ROLES)
def grids():
    """The grids the user may sample (GeoJSON), or those of one plan (?plan=<id>)."""
    plan_id = request.args.get("plan", type=int)
    ids = services.plan_summary(db.session, plan_id)["grid_ids"] if plan_id else None
    return jsonify(services.grids_geojson(db.session, ids))


@bp.route("/api/inspections", methods=["POST"])
@roles_required(*ROLES)
def create():
    """Create a spot check (a retried submission is applied once)."""
    data = parse(PlanInput, json_object())
    out = services.create_plan(db.session, Actor.of(current_user), data)
    return jsonify(out), 201 if out["applied"] else 200


@bp.route("/api/inspections/<int:plan_id>")
@roles_required(*ROLES)
def plan_json(plan_id: int):
    """The plan, its sample and its results as JSON."""
    return jsonify({**services.plan_summary(db.session, plan_id), "results": results.results(db.session, plan_id)})


@bp.route("/inspections/<int:plan_id>")
@roles_required(*ROLES)
def plan_page(plan_id: int):
    """One spot check: the sample (list and map, 规划路线) and the results."""
    return render_template("inspections/plan.html", plan=services.plan_summary(db.session, plan_id),
                           res=results.results(db.session, plan_id), picks=PICK_LABELS)


@bp.route("/inspections/checks/<int:spot_check_id>")
@roles_required(*ROLES)
def check_page(spot_check_id: int):
    """实地核查: the field form of one sampled household (works on a phone)."""
    form = services.check_form(db.session, spot_check_id)
    return render_template("inspections/check.html", form=form)


@bp.route("/api/inspections/checks/<int:spot_check_id>")
@roles_required(*ROLES)
def check_json(spot_check_id: int):
    """The field form as JSON (platform values, items recorded so far)."""
    return jsonify({**services.check_form(db.session, spot_check_id), "labels": ITEM_LABELS,
                    "presence_labels": PRESENCE_LABELS})


@bp.route("/api/inspections/checks/<int:spot_check_id>", methods=["POST"])
@roles_required(*ROLES)
def record(spot_check_id: int):
    """Record the items of one household's check."""
    data = parse(CheckInput, json_object())
    out = services.record_check(db.session, Actor.of(current_user), spot_check_id, data)
    return jsonify(out), 201 if out["applied"] else 200


@bp.route("/inspections/<int:plan_id>/report")
@roles_required(*ROLES)
def report(plan_id: int):
    """绩效评估报告: the printable page."""
    rep = results.report(db.session, plan_id)
    audit.export("spot_check_report", len(rep["mismatches"]), {"plan": plan_id}, format="print")
    return render_template("inspections/report.html", rep=rep, now=datetime.now(CST))


@bp.route("/inspections/<int:plan_id>/report/export", methods=["POST"])
@roles_required(*ROLES)
def report_export(plan_id: int):
    """The report as XLSX in an AES zip under a generated password shown once (webgis/exports.py)."""
    from webgis import exports

    rep = results.report(db.session, plan_id)
    now = datetime.now(CST)
    body = export.report_workbook(rep, current_user.display_name, now)
    stem = f"绩效评估报告_{rep['plan']['title']}_{now:%Y%m%d}"
    return exports.response(exports.protect(f"{stem}.xlsx", body, object_type="spot_check_report",
                                            count=len(rep["mismatches"]), filters={"plan": plan_id}))
