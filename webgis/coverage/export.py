"""The uncovered-buildings list (未走访楼栋清单) as an XLSX workbook.

It leaves the server only through webgis/exports.py: an AES-256 zip under a generated
password, shown once, the export audited (seed §七.4: 电子数据一律设置文档密码).
"""
import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

COLUMNS = (("序号", 6), ("村（居）", 12), ("网格", 10), ("标准地址", 44), ("楼栋类型", 12), ("层数", 6),
           ("户数", 6), ("未走访户数", 10), ("采集状态", 10))


def workbook_bytes(rows: list[dict], title: str, scope_label: str, filters_label: str, exported_by: str,
                   exported_at: datetime) -> bytes:
    """Return the XLSX file of the rows (as produced by queries.uncovered)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "未走访楼栋"
    bold = Font(bold=True)
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"范围：{scope_label}　筛选：{filters_label}　共 {len(rows)} 栋，"
               f"未走访 {sum(r['unvisited'] for r in rows)} 户"])
    ws.append([f"导出：{exported_by}　{exported_at:%Y-%m-%d %H:%M}　内部资料，注意保密"])
    ws.append([])
    ws.append([c for c, _ in COLUMNS])
    header_row = ws.max_row
    fill = PatternFill("solid", fgColor="E8EEF7")
    thin = Side(style="thin", color="C7CED9")
    for i, (_, width) in enumerate(COLUMNS, 1):
        cell = ws.cell(row=header_row, column=i)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = Border(bottom=thin)
        ws.column_dimensions[get_column_letter(i)].width = width
    for n, r in enumerate(rows, 1):
        ws.append([n, r["village"], r["grid"], r["address"], r["building_type"], r["floors"], r["households"],
                   r["unvisited"], r["status_label"]])
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(COLUMNS))}{ws.max_row}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
