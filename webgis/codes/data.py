"""The code lists themselves: (list, code, label) in display order.

Labels are the seed's own terms (附件2 说明 1-3, 房屋性质, 人口类别, 单位类别 ...).
The initial migration copies these rows into the `code_item` table; the
application validates coded fields against that table, never against literals.
"""

ETHNICITIES = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 "
    "哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 "
    "达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 "
    "俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
).split()

CODE_LISTS: dict[str, dict] = {
    "gender": {"title": "性别", "items": [("1", "男"), ("2", "女")]},
    # GB 3304 codes, two digits.
    "ethnicity": {"title": "民族", "items": [(f"{i:02d}", n) for i, n in enumerate(ETHNICITIES, 1)]},
    "occupation": {
        "title": "职业",
        "items": [
            ("1", "机关、党群、军队、事业单位工作人员"),
            ("2", "制造业工作人员"),
            ("3", "商业、服务人员"),
            ("4", "农、林、牧、渔业人员"),
            ("5", "失业"),
            ("6", "其他"),
        ],
    },
    "relation": {
        "title": "与户主关系",
        "items": [
            ("1", "户主"),
            ("2", "配偶"),
            ("3", "子女"),
            ("4", "儿媳或女婿"),
            ("5", "父母"),
            ("6", "配偶父母"),
            ("7", "孙子（女）"),
            ("8", "外孙（女）"),
            ("9", "祖父母或外祖父母"),
            ("10", "其他"),
        ],
    },
    "marital": {"title": "婚姻状况", "items": [("1", "已婚"), ("2", "未婚"), ("3", "离婚"), ("4", "丧偶")]},
    "house_nature": {
        "title": "房屋性质",
        "items": [
            ("self_bought", "自购"),
            ("self_built", "自建"),
            ("rented", "租住"),
            ("vacant", "空置"),
            ("dormitory", "单位宿舍"),
            ("dilapidated", "危房"),
            ("pending_demolition", "待拆迁"),
            ("other", "其他"),
        ],
    },
    "person_category": {
        "title": "人口类别",
        "items": [("registered", "户籍人口"), ("floating", "流动人口"), ("foreign", "境外人员")],
    },
    "person_status": {
        "title": "人员状态",
        "items": [("active", "在住"), ("moved_out", "已搬离"), ("long_absent", "长期不在本网格"), ("deceased", "死亡")],
    },
    "org_category": {
        "title": "单位类别",
        "items": [
            ("legal_entity", "法人单位"),
            ("activity_site", "产业活动场所"),
            ("individual", "个体工商户"),
            ("social_org", "社会组织"),
        ],
    },
    "building_type": {
        "title": "楼栋类型",
        "items": [
            ("rural_house", "农村自建房"),
            ("residential", "住宅楼"),
            ("mixed", "商住楼"),
            ("commercial", "商业用房"),
            ("factory", "厂房"),
            ("public", "公共建筑"),
            ("other", "其他"),
        ],
    },
    "building_status": {
        "title": "房屋状态",
        "items": [("existing", "现存"), ("new", "新建"), ("pending_demolition", "待拆迁"), ("demolished", "已拆除")],
    },
    "household_status": {
        "title": "住户状态",
        "items": [("active", "在用"), ("vacant", "空置"), ("demolished", "已拆除")],
    },
    "collection_status": {
        "title": "采集状态",
        "items": [
            ("not_visited", "未走访"),
            ("visited", "已走访"),
            ("verified", "已核验"),
            ("new", "新增"),
            ("demolished", "已拆除"),
        ],
    },
    "address_form": {"title": "地址形式", "items": [("rural", "村组门牌"), ("urban", "小区楼幢单元室")]},
    "village_kind": {"title": "村居类型", "items": [("village", "村"), ("community", "社区")]},
    "key_category": {
        "title": "重点关注类别",
        "items": [
            ("key_unit", "重点单位"),
            ("key_place", "重点场所"),
            ("rental_house", "出租房"),
            ("floating", "流动人口"),
            ("released", "刑满释放人员"),
            ("corrections", "社区服刑人员"),
            ("mental", "严重精神障碍患者"),
            ("drug", "吸毒人员"),
            ("hiv", "艾滋病人"),
            ("youth", "重点青少年"),
        ],
    },
    "attention_level": {"title": "关注等级", "items": [("1", "一般关注"), ("2", "重点关注"), ("3", "严格管控")]},
    "visit_result": {
        "title": "入户结果",
        "items": [
            ("verified", "核对无误"),
            ("changed", "信息变更"),
            ("new", "新增登记"),
            ("nobody_home", "敲不开门"),
            ("refused", "拒绝配合（移交民警）"),
            ("moved_out", "住户已搬离"),
            ("vacant", "房屋空置（已核实）"),
            ("demolished", "房屋已拆除"),
            ("police_collected", "民警上门采集"),
        ],
    },
    "verification_outcome": {"title": "民警核验", "items": [("signed", "签字确认"), ("disputed", "有争议，退回重访")]},
    "role": {
        "title": "角色",
        "items": [
            ("town_admin", "镇网格办"),
            ("village_admin", "村级网格办（总网格长）"),
            ("grid_leader", "网格长（专职网格员）"),
            ("liaison", "网格联络员（信息员）"),
            ("police", "社区民警（辅警）"),
            ("station_admin", "辖区派出所"),
            ("inspector", "检查验收"),
            ("property", "物业公司"),
        ],
    },
}


def rows():
    """Yield (list_name, code, label, sort_order) for every code of every list."""
    for name, spec in CODE_LISTS.items():
        for order, (code, label) in enumerate(spec["items"], 1):
            yield name, code, label, order


def label(list_name: str, code: str | None) -> str | None:
    """Return the Chinese label of a code, or None."""
    if code is None:
        return None
    for c, text in CODE_LISTS[list_name]["items"]:
        if c == code:
            return text
    return None


def codes(list_name: str) -> list[str]:
    """Return the codes of one list."""
    return [c for c, _ in CODE_LISTS[list_name]["items"]]
