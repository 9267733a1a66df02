"""The audit log page (审计日志) for the town grid office: browse, filter, verify the chain."""
from flask import Blueprint, render_template, request
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from webgis.audit import queries
from webgis.audit.forms import AuditFilterForm
from webgis.audit.services import ACTIONS
from webgis.auth.guards import town_admin_required

bp = Blueprint("audit", __name__)

# Labels of the object types written by this package and by auth/users.
OBJECT_TYPES = {"user": "用户", "page": "页面", "person": "人员", "household": "户",
                "building": "楼栋", "grid": "网格", "export": "导出"}


@bp.route("/admin/audit")
@town_admin_required
def index():
    """审计日志: newest first, filtered by user, action, object type and date range."""
    form = AuditFilterForm(request.args)
    form.object_type.choices = [SelectChoice("", "全部类型")] + [
        SelectChoice(t, OBJECT_TYPES.get(t, t)) for t in queries.object_types(current_user.town_id)]
    form.validate()  # a field in error simply does not filter; its message is shown
    for fld in form:
        if fld.errors:
            fld.errors = ["日期格式应为 年-月-日" if fld.type == "DateField" else "输入无效"]

    def value(field):
        data = None if field.errors else field.data
        return data.strip() or None if isinstance(data, str) else data

    f = queries.AuditFilter(username=value(form.user), action=value(form.action),
                            object_type=value(form.object_type),
                            object_id=(request.args.get("object_id") or "").strip()[:80] or None,
                            date_from=value(form.date_from), date_to=value(form.date_to))
    if f.date_from and f.date_to and f.date_from > f.date_to:
        form.date_to.errors = ["截止日期不能早于起始日期"]
    page = queries.search(current_user.town_id, f, page=value(form.page) or 1)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/audit.html", form=form, page=page, args=args, actions=ACTIONS,
                           object_types=OBJECT_TYPES, chain=queries.chain_status(),
                           alerts=queries.alert_count(current_user.town_id),
                           tz=queries.LOCAL_TZ)
