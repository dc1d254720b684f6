"""The Excel export of every dashboard table (openpyxl): the same rounded values the page and the
API show, as numbers with the page's format, plus each figure's status."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from . import catalogue
from .rules import STATUS_LABELS

NUMBER_FORMATS = {catalogue.SHARE: "0.0%", catalogue.PER_1000: "0.00", catalogue.DAYS: "0.0", catalogue.COUNT: "0"}


def _bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _header(ws, cells: list[str]) -> None:
    ws.append(cells)
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)


def _figure_cells(ws, row_number: int, col: int, ind, figure: dict | None) -> None:
    f = figure or {}
    value = ws.cell(row=row_number, column=col, value=f.get("value"))
    value.number_format = NUMBER_FORMATS[ind.kind]
    ws.cell(row=row_number, column=col + 1, value=f.get("numerator"))
    ws.cell(row=row_number, column=col + 2, value=f.get("denominator"))
    target = ws.cell(row=row_number, column=col + 3, value=f.get("target"))
    target.number_format = NUMBER_FORMATS[ind.kind]
    ws.cell(row=row_number, column=col + 4, value=STATUS_LABELS[f.get("status", "none")] if f else "")


def _figure_header(inds) -> list[str]:
    out = []
    for ind in inds:
        unit = f"（{ind.unit}）" if ind.unit and ind.unit != "%" else ""
        out += [f"{ind.label}{unit}", ind.numerator_label, ind.denominator_label or "—", "目标", "状态"]
    return out


def dashboard_xlsx(board) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "指标"
    ws.append([f"{board.name} 托育服务指标（统计日期 {board.as_of:%Y-%m-%d}；"
               f"{'汇总刷新于' if board.source == 'summary' else '实时计算于'} {board.computed_at:%Y-%m-%d %H:%M}）"])
    _header(ws, ["区划代码", "区划", "常住人口", "人口年份", *_figure_header(board.indicators)])
    for row in [*board.rows, board.total]:
        ws.append([row["code"] or board.code, row["name"] if row["code"] else f"{row['name']}（合计）",
                   row["population"], row["population_year"]])
        n = ws.max_row
        for k, ind in enumerate(board.indicators):
            _figure_cells(ws, n, 5 + 5 * k, ind, row["figures"].get(ind.code))
    notes = wb.create_sheet("说明")
    _header(notes, ["指标", "口径", "状态"])
    for ind in board.indicators:
        notes.append([ind.label, f"{ind.numerator_label} ÷ {ind.denominator_label}" if ind.denominator_label
                      else ind.numerator_label, "已计算"])
    for ind in board.pending:
        notes.append([ind.label, ind.numerator_label, f"暂无数据：待{ind.pending_on}"])
    return _bytes(wb)


def trend_xlsx(name: str, rows: list[dict]) -> bytes:
    inds = [i for i in catalogue.indicators() if not i.pending]
    wb = Workbook()
    ws = wb.active
    ws.title = "趋势"
    ws.append([f"{name} 托育服务指标（历年）"])
    _header(ws, ["统计日期", "常住人口", *_figure_header(inds)])
    for row in rows:
        ws.append([row["as_of"], row["population"]])
        n = ws.max_row
        for k, ind in enumerate(inds):
            _figure_cells(ws, n, 3 + 5 * k, ind, row["figures"].get(ind.code))
    return _bytes(wb)


def drill_xlsx(title: str, header: list[str], rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "明细"
    ws.append([title])
    _header(ws, header)
    for r in rows:
        ws.append(r)
    return _bytes(wb)
