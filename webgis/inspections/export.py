"""The 绩效评估报告 as an XLSX workbook (openpyxl), handed out in a password-protected zip."""
import io

from openpyxl import Workbook
from openpyxl.styles import Font


def _pct(v):
    return None if v is None else round(v * 100, 1)


def report_workbook(rep: dict, exported_by: str, exported_at) -> bytes:
    """Return the report's workbook: design, rates (grid/leader/village), targets, mismatches, checkers."""
    wb = Workbook()
    ws = wb.active
    ws.title = "抽查设计"
    plan = rep["plan"]
    d = plan["design"]
    ws.append([f"绩效评估报告　{plan['title']}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"导出：{exported_by}　{exported_at:%Y-%m-%d %H:%M}　内部资料，注意保密"])
    for k, v in (("抽查范围网格数", len(plan["grid_ids"])), ("范围内住户", plan["population"]),
                 ("样本量", plan["sample_size"]), ("已核查户数", rep["checked"]), ("随机种子", str(plan["seed"])),
                 ("设计方式", "按精度" if d["mode"] == "precision" else "按样本量"),
                 ("预期一致率", d["expected_rate"]), ("允许误差", d["half_width"]), ("置信水平", d["confidence"]),
                 ("未修正样本量 n0", d.get("n0")), ("有限总体修正后", d["base_size"]),
                 ("网格长保底", "是" if d["leader_floor"] else "否")):
        ws.append([k, v])
    for k, v in rep["picks"].items():
        ws.append([f"抽取方式：{k}", v])
    head = ["单位", "住户数", "已核查户数", "核查项", "一致项", "一致率%", "95%区间下限%", "95%区间上限%", "低于95%"]
    for title, rows in (("网格", rep["results"]["grids"]), ("网格长", rep["results"]["leaders"]),
                        ("村（社区）", rep["results"]["villages"]), ("合计", [rep["results"]["overall"]])):
        s = wb.create_sheet(f"一致率-{title}")
        s.append(head)
        for r in rows:
            s.append([r["name"], r["households"], r["sampled"], r["checked"], r["matched"], _pct(r["rate"]),
                      _pct(r["low"]), _pct(r["high"]), "是" if r.get("below_goal") else ""])
    s = wb.create_sheet("六项指标")
    s.append(["网格"] + [t["name"] for t in rep["targets"]])
    names = {g["id"]: g["name"] for g in rep["results"]["grids"]}
    for gid, unit in rep["grid_targets"].items():
        s.append([names.get(gid, gid)] + [unit["targets"].get(t["code"], {}).get("rate") for t in rep["targets"]])
    s = wb.create_sheet("不一致项")
    s.append(["网格", "地址", "项目", "平台", "实地", "备注", "核查人", "时间"])
    for m in rep["mismatches"]:
        s.append([m["grid"], m["address"], m["item"], m["platform_value"], m["found_value"] or m["presence"],
                  m["note"], m["checked_by"], m["checked_at"].strftime("%Y-%m-%d %H:%M")])
    s = wb.create_sheet("核查人员")
    s.append(["核查人", "户数", "首次", "末次"])
    for c in rep["checkers"]:
        s.append([c["name"], c["households"], c["first"].strftime("%Y-%m-%d %H:%M"), c["last"].strftime("%Y-%m-%d %H:%M")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
