"""Documents built to look like published reports, for the import tests.

* :func:`office_docx` — a Word file typed the way offices type it (python-docx): the title on two
  lines, headings as plain paragraphs, （一） sub-headings run into their first sentence, 表二 as one
  table for the whole section, 表三 without the 总计 column and split in two tables at a page
  break (heads repeated or not), labels with half-width brackets, ``1、`` numbering, line breaks
  and the misprint ``其他法律法规禁止公开``, zeros typed as blanks or ``/``, the procurement amount
  with its unit in the cell.
* :func:`website_html` — a saved web page (GBK, meta charset): navigation around a ``#zoom``
  article, ``<table border="1">`` with rowspan/colspan, ``本年新<br />制作数量``, ``&nbsp;`` and
  ``—`` for zeros, U+3000 indents.

Both take the report data and return the bytes plus :class:`Expect` — what the importer must
find: every printed figure's value, the cells printed blank, the label variants used (as printed,
official).  Rows, labels and spans come from :mod:`reportkit.contract.tables`.
"""

from __future__ import annotations

import html as _html
import io
import re
from dataclasses import dataclass, field

from reportkit.contract import tables as layout
from reportkit.writing.context import build_context, cn_date, paragraphs
from reportkit.reading.labels import key

MISPRINT = ("2.其他法律行政法规禁止公开", "2.其他法律法规禁止公开")


@dataclass
class Expect:
    figures: dict = field(default_factory=dict)        # path → value the data must hold
    blanks: set = field(default_factory=set)           # paths printed as a blank or a mark
    variants: set = field(default_factory=set)         # (as printed, official)
    absent: set = field(default_factory=set)           # computed totals not printed


def _value(ctx: dict, path: str):
    node = ctx
    for p in path.split("."):
        node = node[p]
    return node


def office_label(text: str) -> str:
    """A label as an office types it: half-width brackets, 1、 numbering, a line break inside."""
    t = text.replace("（", "(").replace("）", ")")
    t = re.sub(r"^(\d)\.", r"\1、", t)
    if len(t) > 9 and not t.startswith("("):
        t = t[:5] + "\n" + t[5:]
    return t


def rows_of(table: layout.Table, ctx: dict, expect: Expect, *, label=lambda t: t, drop_total=False,
            blank_marks=("", "/"), unit_cells=False, br=False) -> list[list[tuple[str, int, int]]]:
    """The printed rows of ``table`` as (text, rowspan, colspan) cells (covered cells not listed)."""
    out = []
    n_blank = 0
    for row in table.rows:
        cells = []
        for cell in row:
            if cell.is_figure:
                if drop_total and cell.path.startswith("requests.") and cell.path.endswith(".total"):
                    expect.absent.add(cell.path)
                    continue
                value = _value(ctx, cell.path)
                text = str(value)
                if cell.value_kind != "amount" and value == 0 and not cell.computed:
                    text = blank_marks[n_blank % len(blank_marks)]
                    n_blank += 1
                    expect.blanks.add(cell.path)
                elif cell.value_kind == "amount" and unit_cells and cell.path == "proactive.procurement.amount":
                    text = f"{value}元"
                expect.figures[cell.path] = value if cell.value_kind != "amount" else str(value)
                cells.append((text, cell.rowspan, cell.colspan))
            else:
                text = cell.text
                if cell.text_path:
                    text = "采购总金额"
                printed = label(MISPRINT[1] if text == MISPRINT[0] else text) if cell.kind == "label" else text
                if cell.kind == "label" and key(printed) != key(text):  # not the same label once folded
                    expect.variants.add((printed, text))
                if br and cell.kind == "head" and text in ("本年新制作数量", "本年新公开数量", "对外公开总数量"):
                    printed = text[:3] + "\n" + text[3:]
                colspan = cell.colspan
                if drop_total and cell.kind == "head" and table.key == "requests":
                    if text == "总计":
                        continue
                    if text == "申请人情况":
                        colspan -= 1
                cells.append((printed, cell.rowspan, colspan))
        out.append(cells)
    return out


def _prose(ctx: dict) -> list[tuple[str, str]]:
    """(kind, text) of the report's paragraphs as an office lays them out."""
    doc = ctx["doc"]
    out = [("title", ctx["agency"]), ("title", f"{ctx['year']}年政府信息公开工作年度报告")]
    out += [("p", p) for p in doc["preface"]]
    out.append(("h", "一、总体情况"))
    out += [("p", p) for p in doc["summary"]]
    for s in doc["sections"]:
        first, *rest = s["paragraphs"]
        out.append(("p", f"{s['number']}{s['title']}。{first}"))  # run into the first sentence
        out += [("p", p) for p in rest]
    return out


def _tail(ctx: dict) -> list[tuple[str, str]]:
    doc = ctx["doc"]
    out = [("h", "五、存在的主要问题及改进情况")]
    if doc["improvements"]:
        out.append(("p", "（一）存在的主要问题"))
        out += [("p", p) for p in doc["problems"]]
        out.append(("p", "（二）改进情况"))
        out += [("p", p) for p in doc["improvements"]]
    else:
        out += [("p", p) for p in doc["problems"]]
    out.append(("h", "六、其他需要报告的事项"))
    out += [("p", p) for p in doc["other_matters"]]
    out.append(("sign", ctx["agency"]))
    if ctx.get("published"):
        out.append(("sign", cn_date(ctx["published"])))
    return out


# ------------------------------------------------------------------------------------ Word

def _docx_table(document, rows, ncols):
    grid_rows = len(rows)
    t = document.add_table(rows=grid_rows, cols=ncols)
    t.style = "Table Grid"
    taken: set = set()
    for r, row in enumerate(rows):
        c = 0
        for text, rs, cs in row:
            while (r, c) in taken:
                c += 1
            for dr in range(rs):
                for dc in range(cs):
                    taken.add((r + dr, c + dc))
            cell = t.cell(r, c)
            if rs > 1 or cs > 1:
                cell = cell.merge(t.cell(r + rs - 1, c + cs - 1))
            cell.text = text
            c += cs
    return t


def office_docx(data: dict, *, repeat_heads: bool = False, per_block: bool = False) -> tuple[bytes, Expect]:
    import docx
    from docx.enum.text import WD_BREAK

    ctx = build_context(data)
    expect = Expect()
    t2, t3, t4 = layout.tables(data["format"])
    document = docx.Document()
    for kind, text in _prose(ctx):
        document.add_paragraph(text)
    document.add_paragraph("二、主动公开政府信息情况")
    rows2 = rows_of(t2, ctx, expect, unit_cells=True)
    if per_block:  # one table per 第二十条 block, a caption paragraph between them
        for start, stop in t2.blocks:
            _docx_table(document, rows2[start:stop], 4)
            document.add_paragraph("")
    else:
        _docx_table(document, rows2, 4)
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    rows3 = rows_of(t3, ctx, expect, label=office_label, drop_total=True)
    # split after （三）不予公开: the rows of the first part that a rowspan reaches past the cut are cut
    cut = 3 + 2 + 2 + 8
    first = _clip(rows3[:cut])
    second = rows3[cut:]
    _docx_table(document, first, 9)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _docx_table(document, (rows3[:3] if repeat_heads else []) + _lead(second), 9)
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    _docx_table(document, rows_of(t4, ctx, expect, blank_marks=("",)), 15)
    for kind, text in _tail(ctx):
        document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue(), expect


def _clip(rows):
    """Rows with every rowspan cut at the last row (a table ended by a page break)."""
    n = len(rows)
    return [[(t, min(rs, n - r), cs) for t, rs, cs in row] for r, row in enumerate(rows)]


def _lead(rows):
    """The second part of a split 三: the vertical 三、本年度办理结果 cell continues as an empty cell."""
    out = [list(row) for row in rows]
    out[0].insert(0, ("", len(rows) - 1, 1))  # every row but 四、结转下年度继续办理
    return out


# ------------------------------------------------------------------------------------ web page

NAV = """<div class="header"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/bmxx/">部门信息</a></div>
<div class="crumb">当前位置：首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div>"""


def _html_table(rows) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0" align="center" style="width:600px">', "<tbody>"]
    for row in rows:
        out.append("<tr>")
        for text, rs, cs in row:
            attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            body = "&nbsp;" if not text else "<br />".join(_html.escape(x) for x in text.split("\n"))
            out.append(f'<td{attrs} style="width:60px"><p align="center">{body}</p></td>')
        out.append("</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def website_html(data: dict, *, encoding: str = "gbk") -> tuple[bytes, Expect]:
    ctx = build_context(data)
    expect = Expect()
    t2, t3, t4 = layout.tables(data["format"])
    body = []
    for kind, text in _prose(ctx):
        if kind == "title":
            continue
        body.append(f"<p>\u3000\u3000{_html.escape(text)}</p>")
    body.append("<p>二、主动公开政府信息情况</p>")
    body.append(_html_table(rows_of(t2, ctx, expect, br=True, unit_cells=True, blank_marks=("", "—"))))
    body.append("<p>三、收到和处理政府信息公开申请情况</p>")
    body.append(_html_table(rows_of(t3, ctx, expect, blank_marks=("", "／"))))
    body.append("<p>四、政府信息公开行政复议、行政诉讼情况</p>")
    body.append(_html_table(rows_of(t4, ctx, expect, blank_marks=("", "-"))))
    for kind, text in _tail(ctx):
        align = ' align="right"' if kind == "sign" else ""
        body.append(f"<p{align}>{_html.escape(text)}</p>")
    title = f"{ctx['agency']}{ctx['year']}年政府信息公开工作年度报告"
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}" />
<title>{_html.escape(title)}_{_html.escape(ctx['agency'])}门户网站</title>
<script type="text/javascript">var _hmt = _hmt || [];</script><style>.zoom p {{ text-indent: 2em; }}</style></head>
<body>{NAV}
<div class="main"><div class="left-nav"><ul><li>政府信息公开指南</li><li>政府信息公开制度</li><li>政府信息公开年报</li></ul></div>
<div class="article"><h1 class="title">{_html.escape(title)}</h1>
<div class="info">{('发布日期：' + ctx['published'] + '　') if ctx.get('published') else ''}来源：{_html.escape(ctx['agency'])}　浏览次数：128</div>
<div id="zoom" class="TRS_Editor">
{chr(10).join(body)}
</div>
<div class="share">【打印本页】【关闭窗口】</div></div></div>
<div class="footer">主办单位：{_html.escape(ctx['agency'])}　网站标识码：1234567890</div>
</body></html>"""
    return page.encode(encoding, errors="strict"), expect


def expected_text(data: dict) -> dict:
    """The narrative fields as the built documents carry them."""
    ctx = build_context(data)
    doc = ctx["doc"]
    out = {"agency": data["agency"], "year": data["year"],
           "summary": "\n".join(doc["summary"]) or None,
           "sections": [{"title": s["title"], "text": "\n".join(s["paragraphs"])} for s in doc["sections"]],
           "problems": "\n".join(doc["problems"]), "improvements": "\n".join(doc["improvements"]) or None}
    if data.get("published"):
        out["published"] = data["published"]
    return out


__all__ = ["Expect", "office_docx", "website_html", "expected_text", "paragraphs"]
