"""A household's change history (变更记录): its own rows, its rooms' links, its residents, its events.

Read from change_history (written by the database trigger) under row-level security, so a
user reads exactly the history of rows in their scope. Shown masked like the records.
"""
from sqlalchemy import or_, select

from webgis.auth.models import User
from webgis.people.idcard import mask_id_number, mask_phone
from webgis.people.models import Residence
from webgis.visits.models import ChangeHistory, Verification, Visit

HIDDEN = {"id", "town_id", "grid_id", "building_id", "household_id", "person_id", "client_uuid", "geom",
          "accuracy_m", "geom_pt", "sort_key"}
FIELD_LABELS = {
    "name": "姓名", "gender": "性别", "ethnicity": "民族", "id_number": "身份证号码", "occupation": "职业",
    "employer": "工作单位", "marital": "婚姻状况", "hukou_consistent": "人户一致", "registered_address": "户籍地址",
    "phone": "联系电话", "category": "人员类别", "status": "状态", "relation_to_head": "与户主关系",
    "start_date": "入住日期", "end_date": "离开日期", "house_nature": "房屋性质", "landlord": "房东",
    "lease_period": "承租期限", "lease_reason": "租赁原因", "cotenant_relation": "合租人关系",
    "special_space": "其他居住空间", "remarks": "备注", "unit": "单元", "room": "室", "result": "入户结果",
    "awareness": "知晓", "satisfaction": "满意", "outcome": "核验结果", "note": "说明", "visited_at": "入户时间",
    "verified_at": "核验时间", "form_filler": "填表人", "police_officer": "驻村民警", "visitor_id": "走访人",
    "officer_id": "核验民警", "birth_date": "出生日期",
}
TABLE_LABELS = {"household": "房间", "person": "人员", "residence": "人房关联", "visit": "入户记录",
                "verification": "民警核验", "building": "楼栋"}


def _mask(field, value):
    if field == "id_number":
        return mask_id_number(value)
    if field == "phone":
        return mask_phone(value)
    return value


def household_history(session, household_id: int, limit: int = 200) -> list[dict]:
    """Every recorded change touching the household, newest first."""
    person_ids = select(Residence.person_id).where(Residence.household_id == household_id)
    residence_ids = select(Residence.id).where(Residence.household_id == household_id)
    visit_ids = select(Visit.id).where(Visit.household_id == household_id)
    verification_ids = select(Verification.id).where(Verification.household_id == household_id)
    rows = session.execute(
        select(ChangeHistory, User.display_name).outerjoin(User, User.id == ChangeHistory.changed_by)
        .where(or_(
            (ChangeHistory.table_name == "household") & (ChangeHistory.row_id == household_id),
            (ChangeHistory.table_name == "person") & ChangeHistory.row_id.in_(person_ids),
            (ChangeHistory.table_name == "residence") & ChangeHistory.row_id.in_(residence_ids),
            (ChangeHistory.table_name == "visit") & ChangeHistory.row_id.in_(visit_ids),
            (ChangeHistory.table_name == "verification") & ChangeHistory.row_id.in_(verification_ids)))
        .order_by(ChangeHistory.id.desc()).limit(limit)).all()
    out = []
    for c, who in rows:
        fields = []
        for field, after in (c.after or {}).items():
            if field in HIDDEN or (c.action == "update" and field not in (c.before or {})):
                continue
            fields.append({"field": field, "label": FIELD_LABELS.get(field, field),
                           "before": _mask(field, (c.before or {}).get(field)), "after": _mask(field, after)})
        out.append({"id": c.id, "at": c.changed_at.isoformat(), "by": who, "table": c.table_name,
                    "table_label": TABLE_LABELS.get(c.table_name, c.table_name), "row_id": c.row_id,
                    "action": c.action, "action_label": "新增" if c.action == "insert" else "修改",
                    "submission": str(c.client_uuid) if c.client_uuid else None, "fields": fields})
    return out
