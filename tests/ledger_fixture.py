"""A hand-made 重点项目台账 workbook with answers checkable by hand (tests/test_ledger*.py).

Layout (sheet 台账), as counties send it:

row 1  title merged across: 2024年青峰县重点项目建设推进台账
row 2  填报单位：县发改局（截至10月底）
row 3  header: 序号 | 项目编号 | 项目名称 | 总投资（亿元） | 年度投资（万元） [merged
       over 2] | 计划开工时间 | 形象进度 | 前期手续办理情况 [merged over 4] | 存在问题 |
       责任单位 | 包抓领导 | 备注
row 4  sub-header: 年度计划 | 1-10月完成投资 | 立项/备案 | 用地预审 | 环评 | 施工许可
row 5  section row 一、续建项目 (merged across)
row 6-7 XM-00001 in merged project cells; 形象进度 and 存在问题 differ per row
row 8  XM-00002
row 9  XM-00003
row 10 合计 (totals row)

Answers on 2024-11-01 with the embedded policy (stuck after 30 days; lead days approval 180,
land_pre 150, eia 120, construction 10):

* XM-00001 (planned start 2024-06-30): 环评 在办 → 倒排 2024-03-02, 244 days late, stuck;
  施工许可 未办 → 倒排 2024-06-20, 134 days late, stuck.
* XM-00002 (planned start 2024-03-01): 环评 卡壳（排污指标未落实）→ 倒排 2023-11-02, 365 days
  late, stuck; 施工许可 未办（计划2024.12.31）→ not late.
* XM-00003 (planned start 2025.3 → 2025-03-31): 立项 在办 → 倒排 2024-10-02, 30 days late,
  overdue but not stuck (not more than 30); 用地预审 未办 → 倒排 2024-11-01, not late.
* 张副县长: 3 stuck steps in 2 projects, max 365 days; 李副县长: 0 stuck, 1 overdue, 30 days.
* Rates: XM-00001 8400/12000 = 0.70; XM-00002 5000/5000 = 1.00; XM-00003 600/3000 = 0.20;
  张副县长 13400/17000; 李副县长 0.20; all 14000/20000 = 0.70.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

HEADER = ["序号", "项目编号", "项目名称", "总投资（亿元）", "年度投资（万元）", "年度投资（万元）",
          "计划开工时间", "形象进度", "前期手续办理情况", None, None, None, "存在问题",
          "责任单位", "包抓领导", "备注"]
SUB = [None, None, None, None, "年度计划", "1-10月完成投资", None, None, "立项/备案",
       "用地预审", "环评", "施工许可", None, None, None, None]
ROWS = [
    [1, "XM-00001", "锂电池正极材料项目", 3.5, 12000, 8400, "2024.6.30", "主体结构完成80%",
     "已办（2024.3.5）", "已办", "在办", "未办", "林地指标未落实", "县工业和信息化局",
     "张副县长", "续建"],
    [None, None, None, None, None, None, None, "设备进场", None, None, None, None,
     "环评待批复", None, None, None],
    [2, "XM-00002", "煤焦油深加工项目", 1.2, 5000, 5000, "2024.3.1", "厂房封顶",
     "已办(2023.11.20)", "已办（2024.1.8）", "卡壳（排污指标未落实）", "未办（计划2024.12.31）",
     None, "县发展和改革局", "张副县长", None],
    [3, "XM-00003", "杂粮精深加工项目", 0.8, 3000, 600, "2025.3", "场地平整", "在办", "未办",
     "不涉及", "未办", None, "县自然资源局", "李副县长", "新建"],
]
MERGED_PROJECT_COLUMNS = (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16)
"""Columns (1-based) whose cells XM-00001 merges over rows 6-7 (形象进度 H and 存在问题 M
are not merged: each row holds one line)."""
AS_OF = "2024-11-01"


def write_ledger(path: Path, *, rows: list[list[object]] | None = None,
                 merge: bool = True) -> Path:
    """Write the ledger (``rows`` replaces the four project rows 6-9 when given; ``merge``:
    XM-00001's cells merged over rows 6-7)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "台账"
    ws.append(["2024年青峰县重点项目建设推进台账"] + [None] * 15)
    ws.merge_cells("A1:P1")
    ws.append(["填报单位：县发改局（截至10月底）"] + [None] * 15)
    ws.merge_cells("A2:P2")
    ws.append(HEADER)
    ws.append(SUB)
    for col in (1, 2, 3, 4, 7, 8, 13, 14, 15, 16):
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    ws.merge_cells("E3:F3")
    ws.merge_cells("I3:L3")
    ws.append(["一、续建项目"] + [None] * 15)
    ws.merge_cells("A5:P5")
    body = ROWS if rows is None else rows
    for row in body:
        ws.append(row)
    if merge:
        for col in MERGED_PROJECT_COLUMNS:
            ws.merge_cells(start_row=6, start_column=col, end_row=7, end_column=col)
    ws.append(["合计", None, None, 5.5, 20000, 14000] + [None] * 10)
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=3)
    book.save(path)
    return path
