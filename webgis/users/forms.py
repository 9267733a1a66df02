"""User administration forms. They only parse the request: the rules (policy, scope by role,
town membership) live in webgis.users.services so that they hold without HTTP too."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from webgis.users.services import ROLES, UserData


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class UserEditForm(FlaskForm):
    """编辑用户: name, role and scope."""

    display_name = StringField("姓名")
    role = SelectField("角色", choices=[SelectChoice(v, t) for v, t in [("", "请选择角色"), *ROLES.items()]],
                       validate_choice=False)
    village_id = SelectField("所属村（居）", coerce=_int_or_none, validate_choice=False, validators=[Optional()])
    station_id = SelectField("所属派出所", coerce=_int_or_none, validate_choice=False, validators=[Optional()])
    grid_ids = SelectMultipleField("负责网格", coerce=int, validate_choice=False)
    area_village_ids = SelectMultipleField("检查区域（整村）", coerce=int, validate_choice=False)

    def user_data(self) -> UserData:
        return UserData(display_name=self.display_name.data or "", role=self.role.data or "",
                        village_id=self.village_id.data, station_id=self.station_id.data,
                        grid_ids=list(self.grid_ids.data or []),
                        area_village_ids=list(self.area_village_ids.data or []))

    def show_errors(self, errors: dict[str, list[str]]) -> list[str]:
        """Put service errors on their fields; return those that belong to no field."""
        loose = []
        for name, messages in errors.items():
            if name in self._fields:
                self._fields[name].errors = list(self._fields[name].errors or []) + list(messages)
            else:
                loose += messages
        return loose


class UserCreateForm(UserEditForm):
    """新建用户: also username and the initial password."""

    username = StringField("用户名")
    password = PasswordField("初始密码")
    confirm = PasswordField("确认初始密码")

    def user_data(self) -> UserData:
        data = super().user_data()
        data.username = self.username.data or ""
        data.password = self.password.data or ""
        data.confirm = self.confirm.data or ""
        return data


class ResetPasswordForm(FlaskForm):
    """重置密码."""

    password = PasswordField("新密码")
    confirm = PasswordField("确认新密码")


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""
