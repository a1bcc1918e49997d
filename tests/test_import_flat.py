"""Crawler text and OCR: tables flattened into runs of text with the digits run together, split by
what the table itself guarantees and accepted only when exactly one split satisfies all of it."""

from __future__ import annotations

from reportkit.contract import tables as layout
from reportkit.importing import import_report
from reportkit.importing.flat import splits


def _flat(figures: dict[str, str], edition: str = "2021") -> str:
    """A one-line crawler copy of a report: every table cell's text run together, row after row,
    the figures as given (default 0)."""
    parts = ["某某区人民政府2021年政府信息公开工作年度报告 本报告根据条例编制。一、总体情况本年度工作良好。"]
    titles = {"proactive": "二、主动公开政府信息情况", "requests": "三、收到和处理政府信息公开申请情况",
              "appeals": "四、政府信息公开行政复议、行政诉讼情况"}
    for t in layout.tables(edition):
        parts.append(titles[t.key])
        seen = set()
        for r, row in enumerate(t.grid()):
            for c, (cell, r0, c0) in enumerate(row):
                if (r0, c0) in seen:
                    continue
                seen.add((r0, c0))
                parts.append(figures.get(cell.path, "0") if cell.is_figure else cell.text)
    parts.append("五、存在的主要问题及改进情况人员不足。六、其他需要报告的事项无。")
    return "".join(parts)


def test_the_issue_example_splits_one_way():
    assert splits("640020470", 7, ["count"] * 7) and [
        c for c in splits("640020470", 7, ["count"] * 7) if sum(c[:6]) == c[6]] == [(64, 0, 0, 2, 0, 4, 70)]


def test_spaces_separate_and_no_leading_zeros():
    assert splits("23 0 00 0 023", 7, ["count"] * 7) == [(23, 0, 0, 0, 0, 0, 23)]
    assert splits("07", 1, ["count"]) == [] and splits("07", 2, ["count"] * 2) == [(0, 7)]
    assert splits("13575394432.52元", 2, ["count", "amount"])[0] == (1, "3575394432.52")


def test_a_flattened_report_reads_by_the_tables_arithmetic():
    figs = {"requests.received.natural": "64", "requests.received.legal": "2", "requests.received.other": "4",
            "requests.received.total": "70",
            "requests.results.granted.natural": "60", "requests.results.granted.other": "4",
            "requests.results.granted.total": "64",
            "requests.results.unavailable.not_held.natural": "4", "requests.results.unavailable.not_held.legal": "2",
            "requests.results.unavailable.not_held.total": "6",
            "requests.results.total.natural": "64", "requests.results.total.legal": "2",
            "requests.results.total.other": "4", "requests.results.total.total": "70",
            "proactive.licensing.decisions": "1234", "proactive.regulations.issued": "12",
            "proactive.regulations.in_force": "30"}
    result = import_report(_flat(figs).encode(), name="crawl.txt")
    got = {f.path: f.value for f in result.figures}
    assert got["requests.received.natural"] == 64 and got["requests.received.total"] == 70
    assert got["requests.results.unavailable.not_held.legal"] == 2
    assert got["proactive.licensing.decisions"] == 1234  # a one-cell row is one number
    # 规章 “12030”: 12、0、30 or 1、20、30 or 120、3、0 … — no arithmetic in 表二: listed, not guessed
    assert "proactive.regulations.issued" not in got
    amb = [n for n in result.of_kind("ambiguous") if n.path == "proactive.regulations.issued"]
    assert amb and "12030" in amb[0].message and "种" in amb[0].message
    assert not result.complete
    assert any(n.kind == "split" and "640002470" in n.message for n in result.notes)


def test_a_row_the_columns_decide():
    """一 “110100012” alone splits three ways (11、0、1 … or 1、10、1 … or 1、1、0、10 …); 三's rows
    kept their spaces, and 一 + 二 = 三（七）+ 四 per column leaves one."""
    figs = {"requests.received.natural": "11", "requests.received.research": "1", "requests.received.total": "12"}
    for row in ("granted", "total"):  # these rows kept their spaces: “11 0 1 0 0 0 12”
        for col, _ in layout.APPLICANT_HEADS:
            figs[f"requests.results.{row}.{col}"] = {"natural": "11", "research": "1", "total": "12"}.get(col, "0") + " "
    text = _flat(figs)
    alone = [c for c in splits("110100012", 7, ["count"] * 7) if sum(c[:6]) == c[6]]
    assert len(alone) > 1  # 11,0,1,0,0,0,12 and 1,10,1,0,0,0,12 …
    result = import_report(text.encode(), name="crawl.txt")
    got = {f.path: f.value for f in result.figures}
    assert got["requests.received.natural"] == 11 and got["requests.received.research"] == 1


def test_pdftotext_layout_wrapped_and_cut_labels():
    """``pdftotext -layout`` of a real PDF: a label cut by the line break (``（二）部分公开（区分处理的，
    只计这一情``) and ``1、`` numbering are matched by the row's number and what is printed; another
    label or another number is not (the whole files are in the real corpus, test_import_real)."""
    from reportkit.importing.flat import _alike

    assert _alike("（二）部分公开（区分处理的，只计这一情", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）")
    assert _alike("（六）其他处理1、申请人无正当理由逾期不补正、行政机关不再处理其政府信",
                  "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请")
    assert not _alike("3.其他原因", "3.危及“三安全一稳定”")
    assert not _alike("2.重复申请", "3.要求提供公开出版物")  # another number


def test_ocr_markdown_row_run_into_one_cell():
    """An OCR'd Markdown table whose row lost its cell borders: ``| 一、本年新收政府信息公开申请数量 | 640020470 |
    | | | | | |`` is 64、0、0、2、0、4 → 70 by the row's 总计; a run that splits two ways is listed."""
    from .test_import_hostile import _md_report

    md = _md_report([])
    row = "| 一、本年新收政府信息公开申请数量 |  |  | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"
    md = md.replace(row, "| 一、本年新收政府信息公开申请数量 |  |  | 640020470 |  |  |  |  |  |  |")
    md = md.replace("| 三、本年度办理结果 | （一）予以公开 |  | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
                    "| 三、本年度办理结果 | （一）予以公开 |  | 110100012 |  |  |  |  |  |  |")
    result = import_report(md.encode(), name="ocr.md")
    got = {f.path: f.value for f in result.figures}
    assert [got[f"requests.received.{c}"] for c in ("natural", "business", "research", "nonprofit", "legal", "other",
                                                     "total")] == [64, 0, 0, 2, 0, 4, 70]
    assert any(n.kind == "split" and n.printed == "640020470" for n in result.notes)
    assert "requests.results.granted.natural" not in got  # 11、0、1 … or 1、10、1 …: listed, not guessed
    assert any("110100012" in n.message for n in result.of_kind("ambiguous")) and not result.complete


def test_a_heading_printing_与_for_its_comma():
    """四's heading printed ``行政复议与行政诉讼情况`` (平潭 经济发展局 2021): the section is still found
    and 表四 read from it, not left missing."""
    figs = {"appeals.reconsideration.upheld": "1", "appeals.reconsideration.total": "1",
            "appeals.litigation.pending": "2", "appeals.litigation.total": "2"}
    text = _flat(figs).replace("四、政府信息公开行政复议、行政诉讼情况", "四、政府信息公开行政复议与行政诉讼情况")
    result = import_report(text.encode(), name="crawl.txt")
    got = {f.path: f.value for f in result.figures}
    assert got["appeals.reconsideration.upheld"] == 1 and got["appeals.litigation.pending"] == 2
    assert got["appeals.litigation.total"] == 2 and not result.of_kind("missing")


def test_units_printed_in_the_cells_go_with_their_figures():
    """``政府集中采购 2笔 984361元`` (平潭 财政金融局 2020): the units separate the figures and are read as
    a cell's units are — 元 the 采购总金额's unit, 笔 taken off — each noted."""
    figs = {"proactive.procurement.projects": "2笔 ", "proactive.procurement.amount": "984361元 "}
    result = import_report(_flat(figs, "2019").encode(), name="crawl.txt")
    got = {f.path: f.value for f in result.figures}
    assert got["proactive.procurement.projects"] == 2 and got["proactive.procurement.amount"] == "984361"
    assert result.data["proactive"]["procurement"]["amount_unit"] == "元"
    units = {n.path: n.message for n in result.of_kind("unit")}
    assert "笔" in units["proactive.procurement.projects"] and "元" in units["proactive.procurement.amount"]


def test_a_fee_printed_in_yuan_is_converted_not_read_as_wan():
    """The 2021 本年收费金额 is in 万元; a crawler copy printing ``96171600元`` is 9617.16 万元 (said so), never
    96171600 万元."""
    result = import_report(_flat({"proactive.fees.amount": "96171600元"}).encode(), name="crawl.txt")
    got = {f.path: f.value for f in result.figures}
    assert got["proactive.fees.amount"] == "9617.16"
    assert any(n.path == "proactive.fees.amount" and "9617.16" in n.message for n in result.of_kind("guess"))


def test_a_row_of_six_with_its_total_blank_is_not_called_a_split():
    """（一）予以公开 printed ``0 0 0 0 0 0`` (平潭 经济发展局 2021, the page's 总计 cell blank): six figures
    and a 总计 not printed — noted as that, not as digits run together."""
    figs = {f"requests.results.granted.{col}": "0 " for col, _ in layout.APPLICANT_HEADS if col != "total"}
    figs["requests.results.granted.total"] = ""
    result = import_report(_flat(figs).encode(), name="crawl.txt")
    assert "requests.results.granted.total" not in {f.path for f in result.figures}
    assert any(n.path == "requests.results.granted.total" for n in result.of_kind("not-printed"))
    assert not any(n.kind == "split" and n.path == "requests.results.granted.natural" for n in result.notes)
