"""Login (with optional second step), logout, and the per-request session checks."""
import time
from urllib.parse import urlsplit

from flask import (Blueprint, flash, g, redirect, render_template, request, session, url_for)
from flask_login import current_user, login_required, login_user, logout_user

from webgis.api import error_response
from webgis.audit import services as audit
from webgis.auth import services, sessions, throttle, totp
from webgis.auth.forms import LoginForm, TotpForm
from webgis.extensions import db, login_manager

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
login_manager.login_message_category = "error"
login_manager.session_protection = "strong"

# One message for every failed login: wrong name, wrong password, locked or disabled (ASVS 2.2.1).
FAILED = "用户名或密码错误，或账户已被临时锁定"
TOO_MANY = "登录尝试过于频繁，请稍后再试"
PENDING_KEY = "pending_2fa"
PENDING_SECONDS = 300
# Pages a user who must replace an initial password may still reach.
_OPEN_ENDPOINTS = {"auth.login", "auth.logout", "auth.change_password", "static"}


@login_manager.user_loader
def _load_user(user_id: str):
    return services.load_user(user_id)


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith(("/api/", "/tiles/")):
        return error_response(401)
    return redirect(url_for("auth.login", next=request.full_path))


def _reset_request_globals():
    """Start every request with no cached user or CSRF token.

    In production each request has its own app context and this does nothing; where one app
    context spans several requests (the test suite), `g` would otherwise carry the previous
    request's user past a logout or a disabled account.
    """
    for key in ("_login_user", "csrf_token", "gc_session_id"):
        g.pop(key, None)


@bp.record_once
def _install(state):
    # First of all before-request functions, ahead of the CSRF check that may fail.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _reset_request_globals)


@bp.before_app_request
def _require_password_change():
    """Hold users with an administrator-set password on the change-password page."""
    if request.endpoint in _OPEN_ENDPOINTS or request.endpoint is None:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        if request.path.startswith(("/api/", "/tiles/")):
            return error_response(403, "请先修改初始密码", "password_change_required")
        return redirect(url_for("auth.change_password"))
    return None


def _safe_next(target: str | None) -> str:
    """Only follow a relative `next` on this site."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not urlsplit(target).netloc):
        return target
    return url_for("map.index")


def _fresh_session() -> None:
    """Drop everything in the session (no fixation: the login gets a new session and token)."""
    session.clear()
    g.pop("csrf_token", None)


def _complete_login(user, next_url: str | None):
    """Open a server-side session for a fully authenticated user and log them in."""
    _fresh_session()
    session[sessions.TOKEN_KEY] = sessions.start(user.id, request.remote_addr,
                                                 request.headers.get("User-Agent"))
    login_user(user)
    services.clear_failures(user)
    audit.record("login", "user", user.id, {"second_factor": user.totp_enabled}, user=user)
    throttle.purge()
    db.session.commit()
    if user.must_change_password:
        flash("首次登录或密码已被重置，请先修改密码", "error")
        return redirect(url_for("auth.change_password"))
    return redirect(_safe_next(next_url))


def _failed(username: str, user_id, reason: str, town_id=None) -> None:
    throttle.ip_failed(request.remote_addr)
    audit.record("login_failed", "user", user_id, {"reason": reason}, user=None,
                 username=username, town_id=town_id)
    db.session.commit()


def _rate_limited() -> bool:
    return throttle.ip_blocked(request.remote_addr)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """登录."""
    if current_user.is_authenticated:
        return redirect(url_for("map.index"))
    form = LoginForm()
    if request.method == "POST" and _rate_limited():
        flash(TOO_MANY, "error")
        return render_template("login.html", form=form), 429
    if form.validate_on_submit():
        username = form.username.data.strip()
        user, reason = services.check_password(username, form.password.data)
        if user is None:
            known = services.find_user(username)
            _failed(username, known.id if known else None, reason, known.town_id if known else None)
            flash(FAILED, "error")
            return render_template("login.html", form=form), 401
        if user.totp_enabled:
            _fresh_session()
            session[PENDING_KEY] = {"uid": user.id, "at": int(time.time()),
                                    "next": request.args.get("next")}
            db.session.commit()
            return redirect(url_for("auth.login_totp"))
        return _complete_login(user, request.args.get("next"))
    return render_template("login.html", form=form), (401 if request.method == "POST" else 200)


@bp.route("/login/totp", methods=["GET", "POST"])
def login_totp():
    """登录第二步: 动态口令."""
    pending = session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        flash("请重新输入用户名和密码", "error")
        return redirect(url_for("auth.login"))
    form = TotpForm()
    if request.method == "POST" and _rate_limited():
        flash(TOO_MANY, "error")
        return render_template("auth/totp_login.html", form=form), 429
    if form.validate_on_submit():
        user = db.session.get(services.User, pending["uid"])
        if user is not None and user.active and not services.is_locked(user) and totp.verify(user, form.code.data):
            return _complete_login(user, pending.get("next"))
        if user is not None:
            services.register_failure(user)
        _failed(user.username if user else "", pending["uid"], "totp", user.town_id if user else None)
        if user is None or services.is_locked(user) or not user.active:
            session.pop(PENDING_KEY, None)
            flash(FAILED, "error")
            return redirect(url_for("auth.login"))
        flash("动态口令错误或已使用，请输入验证器上的最新口令", "error")
        return render_template("auth/totp_login.html", form=form), 401
    return render_template("auth/totp_login.html", form=form), (401 if request.method == "POST" else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """退出登录: the server-side session ends, so the old cookie is worthless."""
    row = sessions.find(session.get(sessions.TOKEN_KEY))
    if row is not None:
        sessions.end(row, "logout")
    audit.record("logout", "user", current_user.id)
    db.session.commit()
    logout_user()
    _fresh_session()
    return redirect(url_for("auth.login"))


from webgis.auth import account  # noqa: E402,F401  (registers the account pages on `bp`)
