"""Login form."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """登录表单."""

    username = StringField("用户名", validators=[DataRequired(message="请输入用户名"), Length(max=40)])
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码"), Length(max=128)])
