"""Word lists for the synthetic demo: personal names, place and road names, employers,
organisations and the home regions of floating people.

Everything here is fake but plausible for Qidong (启东), Jiangsu. Surnames are weighted
towards the ones common in Qidong for registered residents; floating residents draw from
the national distribution.
"""

# Surnames common among Qidong natives (heavier first), and the national top list.
LOCAL_SURNAMES = (
    "施施施陆陆陆黄黄沈沈张张王王陈陈倪倪袁袁杨朱茅茅龚宋姜季季顾顾蔡徐刘吴周郁秦成葛范瞿樊邱"
    "李赵郭曹董姚钱邢俞汤唐樊包丁盛邵冯严"
)
NATIONAL_SURNAMES = "王王李李张张刘刘陈陈杨杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"

# Given names by birth cohort: (male, female). Whole names and single characters to combine.
GIVEN_NAMES = {
    1930: (
        "建国 国强 志明 德明 金龙 永兴 福生 根生 宝林 长林 明德 兴华 爱民 海明 树林 金生 洪根 士林 "
        "福兴 国祥 万春 志清 德才 锦昌 其昌 汉清 保生",
        "秀英 桂英 玉兰 桂芬 凤英 美华 秀珍 兰英 金花 菊英 月英 雪梅 冬梅 秀兰 彩英 玉珍 美英 "
        "桂兰 杏芳 金凤 银花 根娣 秀娣 菊芬 素珍 惠英",
    ),
    1960: (
        "建华 卫国 海峰 建军 国平 志刚 伟 军 斌 勇 强 红兵 立新 晓东 建平 永华 春华 建新 卫东 "
        "新民 国华 海东 建林 利民 跃进 忠 明 峰 辉 林",
        "红梅 丽华 海燕 美娟 建英 春燕 晓红 卫红 丽萍 慧 静 燕 红 玲 霞 丽 娟 建芳 秀梅 红霞 "
        "海英 美玲 亚琴 雪芳 卫华 春梅 惠芳",
    ),
    1980: (
        "杰 磊 涛 浩 鹏 超 俊杰 晓峰 文杰 志强 海涛 伟杰 健 亮 晨 宇 斌斌 俊 飞 凯 "
        "佳俊 振华 晓明 波 伟 云飞 建锋 晓宇",
        "婷 丹 倩 莉 佳 晓燕 婷婷 丽娟 雯 颖 洁 静怡 晓丽 燕萍 佳佳 蓓蕾 琳 露 晶 慧敏 "
        "雪 晓雯 丹丹 艳 秋月 梦婷 凌燕",
    ),
    2000: (
        "子轩 浩然 宇轩 梓豪 俊熙 一鸣 博文 睿 昊天 明轩 子墨 思源 皓宇 嘉豪 奕辰 宇航 "
        "煜城 泽宇 梓睿 铭泽 天佑 承宇 锦程 逸凡",
        "梓涵 欣怡 子涵 一诺 雨萱 诗涵 语嫣 可欣 梦瑶 思琪 佳怡 若曦 雨彤 紫萱 欣妍 "
        "沐晴 芷若 静雯 雨桐 可馨 思颖 语桐 依诺 梓琪",
    ),
}
GIVEN_CHARS = {
    "1": ("建 国 志 德 永 明 海 卫 晓 文 俊 宇 浩 伟 家 振 春 金", "华 明 强 军 东 林 平 峰 杰 涛 飞 龙 斌 辉 成 生 清 宏"),
    "2": ("秀 美 丽 红 海 晓 雪 春 佳 雨 思 静 玉 桂 慧 燕 月 梦", "英 芳 娟 燕 梅 兰 萍 琴 丽 婷 怡 涵 琳 洁 霞 霞 珍 颖"),
}

# Towns of Qidong (户籍 in Qidong but not living at the registered address).
QIDONG_TOWNS = "汇龙镇 南阳镇 北新镇 王鲍镇 合作镇 海复镇 近海镇 寅阳镇 惠萍镇 东海镇 吕四港镇".split()

# Home regions of floating residents: (GB/T 2260 county code, name). Codes as printed on
# ID cards, which keep the code of the place of first registration.
FLOATING_REGIONS = (
    ("341221", "安徽省阜阳市临泉县"), ("341222", "安徽省阜阳市太和县"), ("341282", "安徽省阜阳市界首市"),
    ("341321", "安徽省宿州市砀山县"), ("341323", "安徽省宿州市灵璧县"), ("340421", "安徽省淮南市凤台县"),
    ("411522", "河南省信阳市光山县"), ("411527", "河南省信阳市淮滨县"), ("411623", "河南省周口市商水县"),
    ("511623", "四川省广安市邻水县"), ("510921", "四川省遂宁市蓬溪县"), ("520521", "贵州省毕节市大方县"),
    ("530627", "云南省昭通市镇雄县"), ("421127", "湖北省黄冈市黄梅县"), ("361128", "江西省上饶市鄱阳县"),
    ("320923", "江苏省盐城市阜宁县"), ("321322", "江苏省宿迁市沭阳县"), ("320722", "江苏省连云港市东海县"),
    ("320623", "江苏省南通市如东县"), ("320682", "江苏省南通市如皋市"), ("320684", "江苏省南通市海门市"),
    ("320614", "江苏省南通市海门区"),
)
# Weight of each region above (neighbouring counties and Anhui/Henan send most).
FLOATING_WEIGHTS = (9, 7, 4, 3, 3, 3, 5, 3, 3, 4, 2, 3, 2, 2, 2, 5, 4, 2, 6, 4, 6, 2)
# GB/T 2260 codes the demo uses, with the years they were in force ([from, to): to None =
# still in force). An ID number carries the code in force when the number was first given
# (the resident ID numbers date from 1984: a person born earlier got the code of 1984), so a
# code is used only for persons whose reference year max(birth year, 1984) falls in its
# years. 320626 启东县 became 320681 启东市 in 1989; 320684 海门市 (from 海门县, 1994) became
# 320614 海门区 in 2020; 520521 大方县 exists since 毕节市 (2011), 530627 镇雄县 since 昭通市
# (2001); the Anhui, Henan, Sichuan, Hubei, Jiangxi and 宿迁 codes since their prefecture
# cities were set up. Predecessor codes not listed here are not used (a person of such an
# origin and age comes from another county).
REGION_YEARS = {
    "320626": ("江苏省南通市启东县", 1983, 1989), "320681": ("江苏省南通市启东市", 1989, None),
    "341221": ("安徽省阜阳市临泉县", 1996, None), "341222": ("安徽省阜阳市太和县", 1996, None),
    "341282": ("安徽省阜阳市界首市", 1996, None), "341321": ("安徽省宿州市砀山县", 1999, None),
    "341323": ("安徽省宿州市灵璧县", 1999, None), "340421": ("安徽省淮南市凤台县", 1980, None),
    "411522": ("河南省信阳市光山县", 1998, None), "411527": ("河南省信阳市淮滨县", 1998, None),
    "411623": ("河南省周口市商水县", 2000, None), "511623": ("四川省广安市邻水县", 1998, None),
    "510921": ("四川省遂宁市蓬溪县", 1985, None), "520521": ("贵州省毕节市大方县", 2011, None),
    "530627": ("云南省昭通市镇雄县", 2001, None), "421127": ("湖北省黄冈市黄梅县", 1996, None),
    "361128": ("江西省上饶市鄱阳县", 2003, None), "320923": ("江苏省盐城市阜宁县", 1983, None),
    "321322": ("江苏省宿迁市沭阳县", 1996, None), "320722": ("江苏省连云港市东海县", 1983, None),
    "320623": ("江苏省南通市如东县", 1983, None), "320682": ("江苏省南通市如皋市", 1991, None),
    "320684": ("江苏省南通市海门市", 1994, 2020), "320614": ("江苏省南通市海门区", 2020, None),
    "810000": ("香港特别行政区", 1984, None), "820000": ("澳门特别行政区", 1984, None),
    "830000": ("台湾地区", 1984, None),
}
ID_NUMBERS_FROM = 1984


def region_in_force(code: str, birth_year: int) -> bool:
    """Whether an ID number of a person born in `birth_year` can carry region `code`."""
    _, start, end = REGION_YEARS[code]
    year = max(birth_year, ID_NUMBERS_FROM)
    return start <= year and (end is None or year < end)
HOME_TOWNS = "城关镇 新集镇 杨桥镇 老集镇 黄岭镇 长官镇 双桥镇 三河镇 高庄镇 李集镇 王店镇 白庙镇".split()
HOME_VILLAGES = "前进村 新华村 东风村 红星村 张庄村 李楼村 大王村 姚湾村 刘集村 新庄村 河东村 马庄村".split()

# 境外人员: residence-permit numbers of Hong Kong, Macao and Taiwan residents use region
# codes 810000 / 820000 / 830000 and the same GB 11643 check digit.
FOREIGN_REGIONS = (
    ("810000", "香港特别行政区九龙城区"), ("820000", "澳门特别行政区花地玛堂区"), ("830000", "台湾地区台北市"),
)
COLLEGES = "南通大学 南通职业大学 江苏航运职业技术学院 南通理工学院 扬州大学".split()

# Roads inside urban communities (main roads come from geodata/main_roads.geojson).
URBAN_STREETS = (
    "民主路 解放路 园林路 青年路 建设路 花园路 新城路 跃龙路 华石路 东安路 城中路 北新路 银杏路 "
    "桂花路 百合路 海天路 金沙路 银洲路 灵峰路 明珠路 惠丰路 玉兰路 丽景路 东方路 锦绣路 文峰路 "
    "学府路 春晖路 景和路 长兴路 太平路 东明路 西河路 北苑路 南阳路 德胜路 福安路 宏伟路 兴旺路 "
    "朝阳路 汇丰路 泰和路 安康路 永安路 富民路 利民路 港城路 新港路 运河路 城河路 南城路 "
    "东城路 北城路 西城路 华侨路 振兴路 育才路 聚南路 中山路 天汾路 牡丹路 芙蓉路 海洋路 "
    "吕四路 向阳路 荣华路 清风路 沿河路 长征路 通江路 双拥路 永康路 启秀路 和合路 鹤城路"
).split()
# Compound (小区) name stems.
COMPOUNDS = (
    "紫薇 和平 江海 海岳 东安 城河 汇丰 金桂 银杏 阳光 幸福 华侨 锦绣 香榭 丽景 滨河 新城 民乐 "
    "花苑 明珠 东方 海天 凤凰 世纪 春晖 景和 怡景 南苑 北苑 公园 长江 学府 翠湖 书香 御景 文峰 "
    "园林 永和 康居 安居 鹤园 华府 嘉和 金色 蓝湾 桃园 梧桐 长安 海韵 锦江 城市 新港 东城 "
    "西城 虹桥 百花 玉兰 荷花 龙苑 建设 人民 金海 银河 汇景 绿洲 天鹅 富民 聚福 兴福 颐和 "
    "清华 星河 春江 秋实 瑞园 泰和 宏福 安康 惠民 丰华 圣景 德馨 明月 观澜 润园 和园"
).split()
_COMPOUND_FIRST = "金银华锦紫翠丽景和泰嘉安康福瑞祥明春秋海江滨东南西北新天云星月阳光雅颐悦君御尚盛兴"
_COMPOUND_SECOND = "苑园庭城府湾都居邸轩"


def compound_names() -> list[str]:
    """Return the compound name stems in the order they are handed out."""
    out = list(COMPOUNDS)
    seen = set(out)
    for b in _COMPOUND_SECOND:
        for a in _COMPOUND_FIRST:
            if a + b not in seen:
                seen.add(a + b)
                out.append(a + b)
    return out + [f"{s}二期" for s in COMPOUNDS]


CHINESE_NUMERALS = "一二三四五六七八九十"

# Employers by occupation code (附件2 说明1).
PUBLIC_EMPLOYERS = (
    "启东市汇龙镇人民政府 启东市人民医院 启东市中医院 启东市汇龙中学 启东市实验小学 启东市公安局 "
    "启东市城市管理局 启东市市场监督管理局 启东市教育体育局 启东市汇龙小学 启东市第二中学 "
    "启东市供电公司 启东市自来水公司 启东市人民法院 启东市住房和城乡建设局"
).split()
FACTORY_STEMS = (
    "华通 江海 汇丰 东方 启航 远东 海星 恒力 中天 宏达 振华 长江 金达 通宇 利华 鑫源 "
    "海通 永固 嘉诚 森达 明珠 盛大 天工 润泽 瑞丰 强盛 安泰 协和 新亚 联创"
).split()
FACTORY_KINDS = (
    "机械有限公司 电动工具有限公司 纺织有限公司 服装有限公司 精密机械有限公司 电子科技有限公司 "
    "五金制品有限公司 建材有限公司 食品有限公司 塑业有限公司 海洋工程有限公司 生物科技有限公司"
).split()
SHOP_KINDS = (
    "超市 便利店 小吃店 面馆 理发店 五金店 水果店 烟酒店 早餐店 药房 服装店 手机店 "
    "修车铺 快递驿站 干洗店 花店 眼镜店 母婴店 文具店 棋牌室 网吧 宾馆 旅馆 KTV"
).split()
RURAL_SHOP_KINDS = "小卖部 农资店 修车铺 裁缝店 理发店 杂货店 小吃店 农机维修部".split()
# Shops that are also key places (重点场所) for the police.
KEY_PLACE_KINDS = frozenset({"网吧", "宾馆", "旅馆", "KTV", "棋牌室"})
SERVICE_EMPLOYERS = "汇龙大酒店 文峰大世界 启东汇金商场 汇龙农贸市场 汇龙公交公司 江海物业公司 启东顺丰速运 苏果超市".split()
SCHOOLS = "启东市汇龙中学 启东中学 启东市实验小学 启东市汇龙小学 启东市第二中学 启东市东南中学 启东市城北小学".split()
SOCIAL_ORGS = ("老年协会", "志愿者服务队", "文体协会", "红白理事会", "慈善工作站", "乡贤理事会")

LEASE_REASONS = ("务工", "经商", "子女就近入学", "就近上班", "新房装修过渡", "陪读", "做生意")
COTENANT_RELATIONS = ("夫妻", "夫妻及子女", "同事", "老乡", "亲属", "朋友")
PHONE_PREFIXES = tuple(
    [f"13{d}" for d in range(10)] + [f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)] + [f"18{d}" for d in range(10)]
)

# Key attention notes by category.
KEY_NOTES = {
    "rental_house": ("出租房，已签订治安责任书", "出租房，承租人为流动人口", "群租房，需定期检查"),
    "floating": ("流动人口，居住证有效", "流动人口，居住证待办理", "新入住流动人口"),
    "released": ("刑满释放人员，定期走访", "刑满释放未满五年"),
    "corrections": ("社区矫正对象，每周报到", "社区矫正期内"),
    "mental": ("严重精神障碍患者，监护人在家", "严重精神障碍患者，按时服药"),
    "drug": ("社区戒毒人员", "社区康复人员，定期尿检"),
    "hiv": ("艾滋病随访对象",),
    "youth": ("闲散青少年", "留守青少年，家庭监护薄弱"),
    "key_unit": ("危化品使用单位", "人员密集单位", "消防重点单位"),
    "key_place": ("公共娱乐场所", "旅馆业，实名登记", "网吧，实名上网"),
}
