"""数据交换 pages: upload a list (mapping → dry run → commit), the review queue, police exchange.

Thin views: parse the form, call webgis.exchange services, render. Uploaded files wait for the
mapping step under var/uploads (named by a random token, deleted after the dry run).
"""
import secrets
import uuid
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file,
                   session as http_session, url_for)
from flask_login import current_user
import io

from webgis.api import error_response
from webgis.auth.guards import roles_required
from webgis.errors import DomainError, ValidationFailed
from webgis.exchange import exports, geodata, jobs, lists, police
from webgis.exchange.schemas import FIELDS, REQUIRED, MappingInput, ReviewDecision
from webgis.extensions import db
from webgis.permissions import (EXCHANGE_PAGE_ROLES, EXPORT_ROLES, GEODATA_IMPORT_ROLES, LIST_UPLOAD_ROLES,
                                POLICE_EXCHANGE_ROLES, may)
from webgis.schemas import parse
from webgis.scope import current_scope
from webgis.writes import Actor

bp = Blueprint("exchange", __name__, url_prefix="/exchange")
MAX_UPLOAD = 64 * 1024 * 1024
STATUS_LABELS = {"matched": "已匹配", "new": "新增", "review": "待审核", "rejected": "有误", "applied": "已导入",
                 "skipped": "不导入/已知"}
KIND_LABELS = {"person_list": "人员名单", "geodata": "地理数据", "police_export": "公安交换（导出）",
               "police_import": "公安交换（导入）"}


def _upload_dir() -> Path:
    d = Path(current_app.config.get("UPLOAD_DIR") or Path(current_app.root_path).parent / "var" / "uploads")
    d.mkdir(parents=True, exist_ok=True)
    return d


def _errors_text(exc: DomainError) -> str:
    details = exc.details or {}
    return exc.message + ("：" + "；".join(str(v) for v in list(details.values())[:5]) if details else "")


@bp.route("/")
@roles_required(*EXCHANGE_PAGE_ROLES)
def index():
    """数据交换: upload form and the recorded batches."""
    actor = Actor.of(current_user)
    return render_template("exchange/index.html", batches=police.batches(db.session, actor),
                           kind_labels=KIND_LABELS, may_lists=may(actor.role, LIST_UPLOAD_ROLES),
                           may_police=may(actor.role, POLICE_EXCHANGE_ROLES),
                           may_geodata=may(actor.role, GEODATA_IMPORT_ROLES), may_export=may(actor.role, EXPORT_ROLES))


@bp.route("/lists/upload", methods=["POST"])
@roles_required(*LIST_UPLOAD_ROLES)
def upload():
    """Step 1: receive the file; show its columns with the remembered or suggested mapping."""
    f = request.files.get("file")
    source = (request.form.get("source") or "").strip()[:60]
    if f is None or not f.filename:
        flash("请选择要上传的XLSX或CSV文件", "error")
        return redirect(url_for("exchange.index"))
    if not source:
        flash("请填写数据来源（如：派出所户籍、某村名单、某物业业主名单）", "error")
        return redirect(url_for("exchange.index"))
    data = f.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        flash("文件超过64MB，请拆分后上传", "error")
        return redirect(url_for("exchange.index"))
    try:
        header = lists.header_of(data, f.filename)
    except ValidationFailed as exc:
        flash(_errors_text(exc), "error")
        return redirect(url_for("exchange.index"))
    token = secrets.token_hex(16)
    (_upload_dir() / token).write_bytes(data)
    http_session[f"upload_{token}"] = f.filename
    mapping = lists.suggest_mapping(db.session, current_user.town_id, source, header)
    return render_template("exchange/mapping.html", token=token, filename=f.filename, source=source, header=header,
                           mapping=mapping, fields=FIELDS, required=REQUIRED)


def _job(kind: str, total: int | None = None, message: str | None = None) -> "jobs.Progress | None":
    """The progress of this request's import when the page named a job key (static/js/exchange_progress.js)."""
    try:
        key = uuid.UUID(request.form.get("job") or "")
    except ValueError:
        return None
    return jobs.Progress(key, current_scope(), kind, total, message)


def _run(job, work, done_message):
    """Run an import step under a job: failed (with the reason) or done is written when it ends."""
    try:
        out = work(job)
    except DomainError as exc:
        if job is not None:
            job.fail(_errors_text(exc))
        raise
    except Exception:
        if job is not None:
            job.fail("服务器内部错误，未写入任何数据")
        raise
    if job is not None:
        job.finish(done_message(out), out.get("batch_id"))
    return out


@bp.route("/jobs/<uuid:key>")
@roles_required(*EXCHANGE_PAGE_ROLES)
def job_status(key: uuid.UUID):
    """导入进度 (JSON): rows done / total, status and message of a running or finished import."""
    j = jobs.job(db.session, key)
    if j is None:
        return error_response(404, "没有这个导入任务（或尚未开始）")
    return jsonify(j)


@bp.route("/lists/dry-run", methods=["POST"])
@roles_required(*LIST_UPLOAD_ROLES)
def dry_run():
    """Step 2: the dry run with the chosen mapping; the report page follows."""
    token = request.form.get("token", "")
    filename = http_session.pop(f"upload_{token}", None) if token.isalnum() else None
    path = _upload_dir() / token if filename else None
    if path is None or not path.exists():
        flash("上传的文件已过期，请重新上传", "error")
        return redirect(url_for("exchange.index"))
    try:
        m = parse(MappingInput, {"source": request.form.get("source"),
                                 "mapping": {f: request.form.get(f"col_{f}", "") for f in FIELDS
                                             if request.form.get(f"col_{f}")}})
        data = path.read_bytes()
        job = _job("person_list_dry_run", lists.row_estimate(data, filename), "预检：校验、匹配地址")
        result = _run(job, lambda p: lists.dry_run(db.session, Actor.of(current_user), data, filename, m.source,
                                                   m.mapping, progress=p),
                      lambda out: f"预检完成：{out['counts']['rows']}行")
    except DomainError as exc:
        db.session.rollback()
        flash(_errors_text(exc), "error")
        return redirect(url_for("exchange.index"))
    finally:
        path.unlink(missing_ok=True)
    return redirect(url_for("exchange.batch", batch_id=result["batch_id"]))


@bp.route("/batches/<int:batch_id>")
@roles_required(*EXCHANGE_PAGE_ROLES)
def batch(batch_id: int):
    """The batch report: counts, rows by outcome with reasons, the review queue."""
    status = request.args.get("status") or None
    if status is not None and status not in STATUS_LABELS:
        abort(404)
    try:
        report = lists.batch_report(db.session, batch_id, status)
    except DomainError:
        abort(404)
    return render_template("exchange/batch.html", r=report, status=status, labels=STATUS_LABELS, uuid4=uuid.uuid4,
                           kind_labels=KIND_LABELS)


@bp.route("/batches/<int:batch_id>/commit", methods=["POST"])
@roles_required(*EXCHANGE_PAGE_ROLES)
def commit(batch_id: int):
    """Step 3: apply the dry run (one transaction)."""
    actor = Actor.of(current_user)
    try:
        kind = lists.batch_report(db.session, batch_id, limit=0)
        if kind["kind"] == "police_import":
            out = police.apply_changes(db.session, actor, batch_id)
        else:
            job = _job("person_list_commit", None, "导入：写入人员与人房关联")
            out = _run(job, lambda p: lists.commit(db.session, actor, batch_id, progress=p),
                       lambda out: f"已导入{out.get('rows_applied', 0)}行" if out["applied"] else "该批次已导入过")
        flash(f"已导入{out.get('rows_applied', 0)}行" if out["applied"] else "该批次已导入过", "success")
    except DomainError as exc:
        db.session.rollback()
        flash(_errors_text(exc), "error")
    return redirect(url_for("exchange.batch", batch_id=batch_id))


@bp.route("/rows/<int:row_id>/resolve", methods=["POST"])
@roles_required(*LIST_UPLOAD_ROLES)
def resolve(row_id: int):
    """审核: apply a queued row to the room chosen (on the map or from the candidates), or reject it."""
    batch_id = request.form.get("batch_id", type=int)
    try:
        decision = parse(ReviewDecision, {"version": request.form.get("version", type=int),
                                          "household_id": request.form.get("household_id", type=int),
                                          "reject": request.form.get("reject") == "1",
                                          "client_uuid": request.form.get("client_uuid")})
        lists.resolve(db.session, Actor.of(current_user), row_id, decision)
        flash("已处理该行", "success")
    except DomainError as exc:
        db.session.rollback()
        flash(_errors_text(exc), "error")
    if batch_id is None:  # no batch named (a hand-made request): back to the exchange page
        return redirect(url_for("exchange.index"))
    return redirect(url_for("exchange.batch", batch_id=batch_id, status="review"))


@bp.route("/police/export", methods=["POST"])
@roles_required(*POLICE_EXCHANGE_ROLES)
def police_export():
    """同增同减 export: record the batch, show the password once, then download."""
    out = police.export_delta(db.session, Actor.of(current_user))
    return _show_once(out)


@bp.route("/police/batches/<int:batch_id>/download", methods=["POST"])
@roles_required(*POLICE_EXCHANGE_ROLES)
def police_download(batch_id: int):
    """Download a recorded police export again (a new password)."""
    try:
        out = police.download_again(db.session, Actor.of(current_user), batch_id)
    except DomainError:
        abort(404)
    return _show_once(out)


def _show_once(out: dict):
    token = secrets.token_hex(16)
    (_upload_dir() / f"zip_{token}").write_bytes(out["zip"])
    http_session[f"zip_{token}"] = out["filename"]
    return render_template("exchange/password.html", password=out["password"], token=token,
                           filename=out["filename"], counts=out["counts"])


@bp.route("/download/<token>")
@roles_required(*EXCHANGE_PAGE_ROLES)
def download(token: str):
    """The protected zip whose password was just shown (once: the file is removed after sending)."""
    name = http_session.pop(f"zip_{token}", None) if token.isalnum() else None
    path = _upload_dir() / f"zip_{token}"
    if name is None or not path.exists():
        abort(404)
    data = path.read_bytes()
    path.unlink(missing_ok=True)
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=name)


@bp.route("/police/import", methods=["POST"])
@roles_required(*POLICE_EXCHANGE_ROLES)
def police_import():
    """Import the police system's changes: reconcile, then review the report and apply."""
    f = request.files.get("file")
    if f is None or not f.filename:
        flash("请选择公安系统导出的变动文件（XLSX）", "error")
        return redirect(url_for("exchange.index"))
    try:
        out = police.import_changes(db.session, Actor.of(current_user), f.read(MAX_UPLOAD), f.filename)
    except DomainError as exc:
        db.session.rollback()
        flash(_errors_text(exc), "error")
        return redirect(url_for("exchange.index"))
    return redirect(url_for("exchange.batch", batch_id=out["batch_id"]))


# --- geodata ---------------------------------------------------------------------------------

@bp.route("/geodata/preview", methods=["POST"])
@roles_required(*GEODATA_IMPORT_ROLES)
def geodata_preview():
    """Upload a geodata file and show its buildings on a map before anything is written."""
    f = request.files.get("file")
    if f is None or not f.filename:
        flash("请选择GeoPackage、GeoJSON或压缩的Shapefile文件", "error")
        return redirect(url_for("exchange.index"))
    data = f.read(MAX_UPLOAD + 1)
    zone = request.form.get("zone", type=int)
    layer = request.form.get("layer") or "buildings"
    try:
        if len(data) > MAX_UPLOAD:
            raise ValidationFailed({"file": "文件超过64MB"})
        p = geodata.preview(db.session, Actor.of(current_user), data, f.filename, zone, layer)
    except DomainError as exc:
        db.session.rollback()
        flash(_errors_text(exc), "error")
        return redirect(url_for("exchange.index"))
    token = secrets.token_hex(16)
    (_upload_dir() / f"geo_{token}").write_bytes(data)
    http_session[f"geo_{token}"] = [f.filename, zone, layer]
    return render_template("exchange/geodata.html", p=p, token=token, filename=f.filename,
                           layer_label=geodata.LAYERS[layer])


@bp.route("/geodata/commit", methods=["POST"])
@roles_required(*GEODATA_IMPORT_ROLES)
def geodata_commit():
    """Write the previewed file's buildings (all or nothing)."""
    token = request.form.get("token", "")
    saved = http_session.pop(f"geo_{token}", None) if token.isalnum() else None
    path = _upload_dir() / f"geo_{token}"
    if saved is None or not path.exists():
        flash("预览已过期，请重新上传", "error")
        return redirect(url_for("exchange.index"))
    try:
        layer = saved[2] if len(saved) > 2 else "buildings"
        job = _job("geodata_commit", None, f"导入{geodata.LAYERS[layer]}")
        out = _run(job, lambda p: geodata.commit(db.session, Actor.of(current_user), path.read_bytes(), saved[0],
                                                  saved[1], layer, progress=p),
                   lambda out: f"已导入{out['features']}个要素")
        what = {"buildings": f"{out.get('buildings', 0)}栋楼栋",
                "villages": f"{out.get('villages', 0)}个村（社区）（新增{out.get('added', 0)}个）",
                "grids": f"{out.get('grids', 0)}个网格，{out.get('buildings_moved', 0)}栋楼栋改归所在网格",
                "roads": f"{out.get('roads', 0)}条道路（共{out.get('pieces', 0)}段，原有道路已替换）"}[layer]
        flash(f"已导入{what}（源坐标系EPSG:{out['epsg']}）", "success")
    except DomainError as exc:
        db.session.rollback()
        flash(_errors_text(exc), "error")
    finally:
        path.unlink(missing_ok=True)
    return redirect(url_for("exchange.index"))


# --- exports -----------------------------------------------------------------------------------

@bp.route("/export/buildings.<fmt>")
@roles_required(*EXPORT_ROLES)
def export_buildings(fmt: str):
    """楼栋及状态 for QGIS: GeoJSON or GeoPackage (no personal data: no password needed)."""
    grid_id = request.args.get("grid_id", type=int)
    actor = Actor.of(current_user)
    if fmt == "geojson":
        data, mime = exports.buildings_geojson(db.session, actor, grid_id), "application/geo+json"
    elif fmt == "gpkg":
        data, mime = exports.buildings_gpkg(db.session, actor, grid_id), "application/geopackage+sqlite3"
    else:
        abort(404)
    return send_file(io.BytesIO(data), mimetype=mime, as_attachment=True, download_name=f"楼栋.{fmt}")


@bp.route("/export/persons", methods=["POST"])
@roles_required(*EXPORT_ROLES)
def export_persons():
    """实有人口 XLSX in a protected zip; the password is shown once."""
    body, password, n = exports.persons_xlsx(db.session, Actor.of(current_user),
                                             request.form.get("grid_id", type=int))
    return _show_once({"zip": body, "password": password, "filename": "实有人口.zip", "counts": {"rows": n}})
