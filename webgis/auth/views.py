"""Login and logout pages."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from webgis.api import error_response
from webgis.auth import services
from webgis.auth.forms import LoginForm
from webgis.extensions import db, login_manager

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(user_id: str):
    return services.load_user(user_id)


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith(("/api/", "/tiles/")):
        return error_response(401)
    return redirect(url_for("auth.login", next=request.full_path))


def _safe_next(target: str | None) -> str:
    """Only follow a relative `next` on this site."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("map.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """登录."""
    if current_user.is_authenticated:
        return redirect(url_for("map.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data.strip(), form.password.data)
        if user is None:
            flash("用户名或密码错误", "error")
        else:
            session.clear()  # a fresh session at login
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        db.session.rollback()
    return render_template("login.html", form=form), (401 if request.method == "POST" else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """退出登录."""
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
