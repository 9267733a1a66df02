"""The 住户基础信息核对表 as an XLSX workbook (openpyxl): one sheet per grid, one row per resident,
the household's address and facts repeated, and empty 核对 columns for the visit."""
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from webgis.codes.data import label

COLUMNS = (("户序号", 7), ("标准地址", 40), ("房屋性质", 9), ("序号", 5), ("姓名", 9), ("性别", 5),
           ("身份证号", 21), ("民族", 7), ("职业", 6), ("工作单位", 18), ("与户主关系", 9), ("婚姻状况", 8),
           ("人户一致", 8), ("户籍地址", 22), ("联系电话", 14), ("人员类别", 9), ("备注", 24),
           ("核对结果", 10), ("更正内容", 24))
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def _circled(code: str | None) -> str:
    if code and code.isdigit() and 1 <= int(code) <= 10:
        return CIRCLED[int(code) - 1]
    return ""


def _remarks(h: dict) -> str:
    parts = []
    if h["house_nature"] == "rented":
        parts.append("；".join(x for x in (f"房主 {h['landlord']}" if h["landlord"] else "",
                                          f"承租期限 {h['lease_period']}" if h["lease_period"] else "",
                                          f"原因 {h['lease_reason']}" if h["lease_reason"] else "",
                                          f"合租 {h['cotenant_relation']}" if h["cotenant_relation"] else "") if x))
    if h["special_space"]:
        parts.append(h["special_space"])
    if h["remarks"]:
        parts.append(h["remarks"])
    return "；".join(p for p in parts if p)


def workbook_bytes(sheets: list[dict], title: str, exported_by: str, exported_at) -> bytes:
    """Return the workbook of one or more grid sheets (as produced by services.grid_sheet)."""
    wb = Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin", color="9AA5B5")
    fill = PatternFill("solid", fgColor="E8EEF7")
    for sheet in sheets:
        g = sheet["grid"]
        ws = wb.create_sheet(f"{g['name']}"[:31])
        ws.append([f"{title}　{g['village']}{g['name']}"])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([f"共 {len(sheet['households'])} 户、{sheet['persons']} 人　导出：{exported_by}　"
                   f"{exported_at:%Y-%m-%d %H:%M}　内部资料，注意保密；身份证号、电话已遮盖，请核对证件"])
        ws.append([c for c, _ in COLUMNS])
        header = ws.max_row
        for i, (_, width) in enumerate(COLUMNS, 1):
            cell = ws.cell(row=header, column=i)
            cell.font, cell.fill, cell.border = Font(bold=True), fill, Border(bottom=thin)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            ws.column_dimensions[get_column_letter(i)].width = width
        for n, h in enumerate(sheet["households"], 1):
            nature = label("house_nature", h["house_nature"]) or ""
            members = h["members"] or [None]
            for k, m in enumerate(members, 1):
                if m is None:
                    ws.append([n, h["standard_address"], nature, "", "（无在住人员）"] + [""] * 11 + [_remarks(h)])
                    continue
                ws.append([n, h["standard_address"], nature, k, m["name"], m["gender"], m["id_number"], m["ethnicity"],
                           _circled(m["occupation"]), m["employer"] or "", _circled(m["relation"]),
                           _circled(m["marital"]), "是" if m["hukou_consistent"] else "否",
                           m["registered_address"] or "", m["phone"] or "", m["category"], _remarks(h) if k == 1 else ""])
        ws.freeze_panes = ws.cell(row=header + 1, column=1)
        ws.print_title_rows = f"{header}:{header}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
