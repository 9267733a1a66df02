"""The audit page's filter form (a GET form: it changes nothing, so no CSRF token)."""
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from webgis.audit.services import ACTIONS


MAX_PAGE = 1_000_000  # far beyond any log; keeps the OFFSET inside bigint


class AuditFilterForm(FlaskForm):
    """审计日志筛选."""

    class Meta:
        csrf = False

    user = StringField("用户", validators=[Optional(), Length(max=40)])
    action = SelectField("操作", choices=[SelectChoice(v, t) for v, t in [("", "全部操作"), *ACTIONS.items()]],
                         validators=[Optional()])
    object_type = SelectField("对象类型", choices=[SelectChoice("", "全部类型")], validators=[Optional()],
                              validate_choice=False)
    date_from = DateField("起始日期", validators=[Optional()], format="%Y-%m-%d")
    date_to = DateField("截止日期", validators=[Optional()], format="%Y-%m-%d")
    page = IntegerField("页码", validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)], default=1)
