"""User and scope management pages (用户管理) for the town grid office."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from webgis.audit import services as audit
from webgis.audit.queries import LOCAL_TZ
from webgis.auth.guards import town_admin_required
from webgis.auth.models import User
from webgis.auth.passwords import POLICY_TEXT
from webgis.auth.services import is_locked
from webgis.auth.sessions import open_sessions
from webgis.extensions import db
from webgis.geo.models import Grid, PoliceStation, Village
from webgis.users import services
from webgis.users.forms import ActionForm, ResetPasswordForm, UserCreateForm, UserEditForm

bp = Blueprint("users", __name__)


def _territory(town_id: int) -> dict:
    """The town's villages (with their grids) and police stations, for the scope fields."""
    villages = list(db.session.execute(select(Village).where(Village.town_id == town_id)
                                       .order_by(Village.code)).scalars())
    grids = list(db.session.execute(select(Grid).where(Grid.town_id == town_id)
                                    .order_by(Grid.village_id, Grid.number)).scalars())
    by_village: dict[int, list[Grid]] = {}
    for g in grids:
        by_village.setdefault(g.village_id, []).append(g)
    stations = list(db.session.execute(select(PoliceStation).where(PoliceStation.town_id == town_id)
                                       .order_by(PoliceStation.code)).scalars())
    return {"villages": villages, "grids_by_village": by_village, "stations": stations}


def _fill_choices(form: UserEditForm, territory: dict) -> None:
    form.village_id.choices = [SelectChoice("", "请选择")] + [SelectChoice(v.id, v.name) for v in territory["villages"]]
    form.station_id.choices = [SelectChoice("", "请选择")] + [SelectChoice(s.id, s.name) for s in territory["stations"]]


def _user_in_town(user_id: int) -> User:
    """Return a user of the admin's town; anyone else's is an audited 404."""
    user = db.session.get(User, user_id)
    if user is None or user.town_id != current_user.town_id:
        audit.denied("user", user_id, reason="other_town" if user else "unknown")
        abort(404)
    return user


@bp.route("/admin/users")
@town_admin_required
def index():
    """用户列表, filtered by role and village."""
    territory = _territory(current_user.town_id)
    role = request.args.get("role") or None
    role = role if role in services.ROLES else None
    try:
        village_id = int(request.args.get("village") or 0) or None
    except ValueError:
        village_id = None
    users = services.list_users(current_user.town_id, role, village_id)
    return render_template("admin/users.html", users=users, territory=territory, roles=services.ROLES,
                           role=role, village_id=village_id, scope_text=services.scope_text,
                           last_logins=services.last_logins([u.id for u in users]), is_locked=is_locked,
                           tz=LOCAL_TZ)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@town_admin_required
def create():
    """新建用户."""
    territory = _territory(current_user.town_id)
    form = UserCreateForm()
    _fill_choices(form, territory)
    loose: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            user = services.create_user(current_user, form.user_data())
        except services.UserValidationError as exc:
            loose = form.show_errors(exc.errors)
            status = 400
        else:
            db.session.commit()
            flash(f"已创建用户 {user.username}，首次登录须修改初始密码", "success")
            return redirect(url_for("users.index"))
    elif request.method == "POST":
        status = 400
    return render_template("admin/user_form.html", form=form, territory=territory, user=None, loose=loose,
                           policy=POLICY_TEXT, scope_by_role=services.SCOPE_BY_ROLE), status


def _edit_page(user: User, form: UserEditForm | None = None, reset_form: ResetPasswordForm | None = None,
               loose: list[str] | None = None, status: int = 200):
    territory = _territory(current_user.town_id)
    if form is None:
        form = UserEditForm(formdata=None, display_name=user.display_name, role=user.role,
                            village_id=user.village_id, station_id=user.station_id,
                            grid_ids=[g.id for g in user.grids],
                            area_village_ids=services.area_village_ids(user))
    _fill_choices(form, territory)
    return render_template("admin/user_form.html", form=form, territory=territory, user=user,
                           loose=loose or [], reset_form=reset_form or ResetPasswordForm(formdata=None),
                           action_form=ActionForm(formdata=None), locked=is_locked(user),
                           sessions=open_sessions(user.id), policy=POLICY_TEXT,
                           scope_by_role=services.SCOPE_BY_ROLE), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@town_admin_required
def edit(user_id: int):
    """编辑用户: name, role, scope."""
    user = _user_in_town(user_id)
    if request.method == "GET":
        return _edit_page(user)
    form = UserEditForm()
    _fill_choices(form, _territory(current_user.town_id))
    if not form.validate_on_submit():
        return _edit_page(user, form, status=400)
    try:
        changed = services.update_user(current_user, user, form.user_data())
    except services.UserValidationError as exc:  # nothing was written: all or nothing
        return _edit_page(user, form, loose=form.show_errors(exc.errors), status=400)
    db.session.commit()
    flash("已保存" if changed else "没有需要保存的修改", "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@town_admin_required
def set_active(user_id: int):
    """停用 / 启用: disabling ends the user's sessions at once."""
    user = _user_in_town(user_id)
    active = request.form.get("active") == "1"
    try:
        services.set_active(current_user, user, active)
    except services.UserValidationError as exc:
        return _edit_page(user, loose=[m for ms in exc.errors.values() for m in ms], status=400)
    db.session.commit()
    flash("账户已启用" if active else "账户已停用，其登录会话已全部终止", "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/password", methods=["POST"])
@town_admin_required
def reset_password(user_id: int):
    """重置密码: the user must change it at next login; open sessions end."""
    user = _user_in_town(user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return _edit_page(user, reset_form=form, status=400)
    try:
        services.reset_password(current_user, user, form.password.data or "", form.confirm.data or "")
    except services.UserValidationError as exc:
        for name, messages in exc.errors.items():
            getattr(form, name).errors = list(messages)
        return _edit_page(user, reset_form=form, status=400)
    db.session.commit()
    flash("密码已重置，该用户下次登录须修改密码", "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/unlock", methods=["POST"])
@town_admin_required
def unlock(user_id: int):
    """解除锁定."""
    user = _user_in_town(user_id)
    services.unlock(current_user, user)
    db.session.commit()
    flash("已解除锁定", "success")
    return redirect(url_for("users.edit", user_id=user.id))
