"""Login, second-factor and account forms."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from webgis.auth.passwords import MAX_LENGTH


class LoginForm(FlaskForm):
    """登录表单."""

    username = StringField("用户名", validators=[DataRequired(message="请输入用户名"), Length(max=40)])
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码"), Length(max=128)])


class TotpForm(FlaskForm):
    """动态口令 (second login step, and confirming an enrolment)."""

    code = StringField("动态口令", validators=[DataRequired(message="请输入6位动态口令"),
                                            Length(min=6, max=7, message="动态口令为6位数字")])


class ChangePasswordForm(FlaskForm):
    """修改密码."""

    current_password = PasswordField("当前密码", validators=[DataRequired(message="请输入当前密码"),
                                                          Length(max=MAX_LENGTH)])
    new_password = PasswordField("新密码", validators=[DataRequired(message="请输入新密码")])
    confirm = PasswordField("确认新密码", validators=[DataRequired(message="请再次输入新密码")])


class TotpDisableForm(FlaskForm):
    """停用动态口令: password and a current code."""

    password = PasswordField("登录密码", validators=[DataRequired(message="请输入登录密码"),
                                                  Length(max=MAX_LENGTH)])
    code = StringField("动态口令", validators=[DataRequired(message="请输入6位动态口令"), Length(max=7)])
