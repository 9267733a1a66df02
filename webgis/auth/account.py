"""Account pages for every user: change password (修改密码), enrol a second factor (动态口令)."""
from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from webgis.audit import services as audit
from webgis.auth import services, sessions, totp
from webgis.auth.forms import ChangePasswordForm, TotpDisableForm, TotpForm
from webgis.auth.passwords import POLICY_TEXT
from webgis.auth.views import bp
from webgis.extensions import db

_PENDING_SECRET = "totp_pending_secret"


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """修改密码: current password, then a new one under the policy; other sessions end."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        errors = services.change_password(user, form.current_password.data, form.new_password.data,
                                          form.confirm.data)
        if not errors:
            ended = sessions.end_all(user.id, "password_changed", keep=g.get("gc_session_id"))
            audit.record("password_change", "user", user.id, {"other_sessions_ended": ended})
            db.session.commit()
            flash("密码已修改", "success")
            return redirect(url_for("map.index"))
        for name, messages in errors.items():
            getattr(form, name).errors = list(messages)
        if "current_password" in errors:
            services.register_failure(user)
            db.session.commit()
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/password.html", form=form, policy=POLICY_TEXT,
                           forced=current_user.must_change_password), status


@bp.route("/account/totp", methods=["GET", "POST"])
@login_required
def totp_setup():
    """动态口令: enrol (secret as text and otpauth URI, confirm with a code) or show status."""
    user = current_user._get_current_object()
    if not totp.may_enrol(user):
        abort(404)
    if user.totp_enabled:
        return render_template("auth/totp_setup.html", enabled=True, form=TotpDisableForm())
    secret = session.get(_PENDING_SECRET)
    if not secret:
        secret = session[_PENDING_SECRET] = totp.new_secret()
    form = TotpForm()
    status = 200
    if form.validate_on_submit():
        step = totp.matching_step(secret, form.code.data)
        if step is not None:
            user.totp_secret = secret
            user.totp_last_step = step
            session.pop(_PENDING_SECRET, None)
            audit.record("totp_enable", "user", user.id)
            db.session.commit()
            flash("动态口令已启用，下次登录时需要输入", "success")
            return redirect(url_for("auth.totp_setup"))
        form.code.errors = ["动态口令不正确，请核对手机时间后重试"]
        status = 400
    return render_template("auth/totp_setup.html", enabled=False, form=form, secret=secret,
                           uri=totp.provisioning_uri(secret, user.username)), status


@bp.route("/account/totp/disable", methods=["POST"])
@login_required
def totp_disable():
    """停用动态口令 (needs the password and a current code)."""
    user = current_user._get_current_object()
    form = TotpDisableForm()
    if not user.totp_enabled:
        return redirect(url_for("auth.totp_setup"))
    if form.validate_on_submit() and services.verify_password(user.password_hash, form.password.data) \
            and totp.verify(user, form.code.data):
        user.totp_secret = None
        user.totp_last_step = None
        audit.record("totp_disable", "user", user.id)
        db.session.commit()
        flash("动态口令已停用", "success")
        return redirect(url_for("auth.totp_setup"))
    services.register_failure(user)
    db.session.commit()
    flash("登录密码或动态口令不正确", "error")
    return render_template("auth/totp_setup.html", enabled=True, form=form), 400
