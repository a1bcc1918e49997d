#!/usr/bin/env python3
"""Build the default HTML templates ``templates/html/report-2019.html`` and ``report-2021.html``.

Run from the repository root::

    python tools/build_html_templates.py            # writes templates/html/
    python tools/build_html_templates.py --check    # exit 1 if the committed files differ

The three tables are written from :mod:`reportkit.contract.tables` (rows, spans, labels — never a copy),
one ``{{ path }}`` placeholder per figure cell.  Every element carries its own inline style:
CMS editors such as UEditor drop ``<style>`` blocks, ``class`` and ``border`` attributes and
``%`` widths when an article is pasted, so each cell has its own ``border`` declaration and no
width is a percentage.  The ``<style>`` element of the page holds only the print rules (rows kept
whole, headings kept with what follows, tables as wide as the paper); the page looks the same on
screen without it.  Each table sits in a box that scrolls sideways on a screen narrower than the
table (a phone), column heads break only between their words (:data:`HEAD_WORDS`), and cells are
narrow enough that 表四 fits the text column and a printed A4 page even with inline styles only.

The article sits in ``{% block article %}``: the engine renders that block alone for the
paste-ready fragment.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from reportkit.contract import tables as layout  # noqa: E402  (rows, spans and labels come from the layout)

import _build  # noqa: E402  (the shared write/--check main)

# -- typography (GB/T 9704 faces first, then the free substitutes) -------------------------------

BODY_FONT = "FangSong_GB2312,'仿宋_GB2312',FangSong,STFangsong,'仿宋','Noto Serif CJK SC',serif"
TITLE_FONT = "'方正小标宋简体','FZXiaoBiaoSong-B05S',SimSun,'宋体','Noto Serif CJK SC',serif"
HEI_FONT = "SimHei,'黑体','Noto Sans CJK SC',sans-serif"
KAI_FONT = "KaiTi_GB2312,'楷体_GB2312',KaiTi,STKaiti,'楷体','AR PL UKai CN',serif"
TABLE_FONT = "SimSun,'宋体','Noto Serif CJK SC',serif"

ARTICLE = (f"max-width:820px;margin:0 auto;padding:0;color:#000;background:#fff;font-family:{BODY_FONT};"
           "font-size:16px;line-height:2;")
H1 = (f"margin:16px 0 24px 0;font-family:{TITLE_FONT};font-size:26px;font-weight:normal;line-height:1.5;"
      "text-align:center;")
H2 = (f"margin:16px 0 4px 0;font-family:{HEI_FONT};font-size:16px;font-weight:normal;line-height:2;"
      "text-indent:2em;page-break-after:avoid;break-after:avoid;")
H3 = (f"margin:8px 0 4px 0;font-family:{KAI_FONT};font-size:16px;font-weight:normal;line-height:2;"
      "text-indent:2em;page-break-after:avoid;break-after:avoid;")
P = "margin:0 0 4px 0;text-indent:2em;text-align:justify;line-height:2;"
TABLE = (f"border-collapse:collapse;border-spacing:0;margin:0 auto;font-family:{TABLE_FONT};"
         "font-size:14px;line-height:1.5;color:#000;background:#fff;")
TR = "page-break-inside:avoid;break-inside:avoid;"
# narrow padding and figure cells: table 四's 15 columns, each as wide as a two-character word,
# fit a printed A4 page even where the page's print rules are gone (a CMS keeps inline styles only)
CELL = "border:1px solid #000;padding:4px;vertical-align:middle;"
CELL_KIND = {
    "caption": CELL + "text-align:left;font-weight:bold;",
    "head": CELL + "text-align:center;font-weight:bold;",
    "note": CELL + "text-align:center;",
    "label": CELL + "text-align:left;",
    "figure": CELL + "text-align:center;white-space:nowrap;min-width:2em;",
}
VERTICAL = CELL + "text-align:center;width:24px;writing-mode:vertical-rl;letter-spacing:2px;"
#: the box each table sits in: on a screen narrower than the table (a phone) the table scrolls
#: sideways inside it and the page keeps the screen's width; inline, so that it survives pasting
SCROLL_BOX = "overflow-x:auto;margin:8px 0 16px 0;"
#: a word of a column head: the head breaks between words, never inside one (商业/企业, not 商业企/业)
WORD = "white-space:nowrap;"
#: the words of every column head, where a head may break (the heads of reportkit.contract.tables)
HEAD_WORDS = {
    "上一年项目数量": ("上一年", "项目", "数量"),
    "信息内容": ("信息", "内容"),
    "其他结果": ("其他", "结果"),
    "商业企业": ("商业", "企业"),
    "处理决定数量": ("处理", "决定", "数量"),
    "复议后起诉": ("复议后", "起诉"),
    "对外公开总数量": ("对外", "公开", "总数量"),
    "尚未审结": ("尚未", "审结"),
    "未经复议直接起诉": ("未经", "复议", "直接", "起诉"),
    "本年制发件数": ("本年", "制发", "件数"),
    "本年增/减": ("本年", "增/减"),
    "本年处理决定数量": ("本年", "处理", "决定", "数量"),
    "本年废止件数": ("本年", "废止", "件数"),
    "本年收费金额（单位：万元）": ("本年", "收费", "金额", "（单位：万元）"),
    "本年新公开数量": ("本年", "新公开", "数量"),
    "本年新制作数量": ("本年", "新制作", "数量"),
    "法人或其他组织": ("法人", "或其他", "组织"),
    "法律服务机构": ("法律", "服务", "机构"),
    "现行有效件数": ("现行", "有效", "件数"),
    "申请人情况": ("申请人", "情况"),
    "社会公益组织": ("社会", "公益", "组织"),
    "科研机构": ("科研", "机构"),
    "结果纠正": ("结果", "纠正"),
    "结果维持": ("结果", "维持"),
    "行政复议": ("行政", "复议"),
    "行政诉讼": ("行政", "诉讼"),
    "采购项目数量": ("采购", "项目", "数量"),
    "采购总金额": ("采购", "总金额"),
    "自然人": ("自然人",),
    "其他": ("其他",),
    "总计": ("总计",),
}
SIGNATURE = "margin:0;text-align:right;line-height:2;"

PRINT_CSS = """\
@page { size: A4; margin: 25mm 20mm 25mm 25mm; }
@media print {
  /* on paper a table is as wide as the page: no scrolling box, cells as narrow as their words */
  div[style*="overflow-x"] { overflow: visible !important; }
  table { font-size: 12px !important; }
  td, th { padding: 3px 2px !important; min-width: 0 !important; }
  tr, td, th { page-break-inside: avoid; break-inside: avoid; }
  thead { display: table-header-group; }
  h1, h2, h3 { page-break-after: avoid; break-after: avoid; }
  tbody { page-break-inside: avoid; break-inside: avoid; }
}"""
# A page that says by itself that it loads nothing: no script, no external style, font or image.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def cell_html(cell: layout.Cell) -> str:
    tag = "th" if cell.kind in ("caption", "head", "note") else "td"
    spans = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
        f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
    style = VERTICAL if cell.vertical else CELL_KIND[cell.kind]
    if cell.is_figure:
        content = "{{ " + cell.path + " }}"
    elif cell.text_path:
        content = "{{ " + cell.text_path + " }}"
    elif cell.kind == "head" and cell.text in HEAD_WORDS:
        words = HEAD_WORDS[cell.text]
        assert "".join(words) == cell.text, cell.text
        content = "".join(f'<span style="{WORD}">{html.escape(w, quote=False)}</span>' for w in words)
    else:
        content = html.escape(cell.text, quote=False)
    return f'<{tag}{spans} style="{style}">{content}</{tag}>'


def table_html(table: layout.Table) -> list[str]:
    """One official table: ``<thead>`` for the rows repeated on every printed page (三, 四), one
    ``<tbody>`` per 第二十条 block of 二; a ``<tbody>`` is kept together when printed."""
    lines = [f'<div style="{SCROLL_BOX}">', f'<table style="{TABLE}">']
    groups: list[tuple[str, int, int]] = []
    if table.header_rows:
        groups.append(("thead", 0, table.header_rows))
        groups.append(("tbody", table.header_rows, len(table.rows)))
    elif table.blocks:
        groups += [("tbody", a, b) for a, b in table.blocks]
    else:
        groups.append(("tbody", 0, len(table.rows)))
    for tag, start, stop in groups:
        lines.append(f'<{tag} style="{TR}">' if tag == "tbody" else f"<{tag}>")
        for row in table.rows[start:stop]:
            lines.append(f'<tr style="{TR}">' + "".join(cell_html(c) for c in row) + "</tr>")
        lines.append(f"</{tag}>")
    lines += ["</table>", "</div>"]
    return lines


def paragraphs(items: str, var: str = "para", style: str = P) -> list[str]:
    return ["{% for " + var + " in " + items + " %}", f'<p style="{style}">{{{{ {var} }}}}</p>', "{% endfor %}"]


def blocks(items: str) -> list[str]:
    return (["{% for b in " + items + " %}", "{% if b.heading %}", f'<h3 style="{H3}">{{{{ b.heading }}}}</h3>',
             "{% endif %}"] + paragraphs("b.paragraphs") + ["{% endfor %}"])


def build(edition: str) -> str:
    two, three, four = layout.tables(edition)
    title = "{% for line in doc.title_lines %}{{ line }}{% if not loop.last %}<br>{% endif %}{% endfor %}"
    article: list[str] = [f'<div style="{ARTICLE}">', f'<h1 style="{H1}">{title}</h1>']
    article += paragraphs("doc.preface")
    article.append(f'<h2 style="{H2}">一、总体情况</h2>')
    article += paragraphs("doc.summary")
    article += ["{% for s in doc.sections %}", f'<h3 style="{H3}">{{{{ s.number }}}}{{{{ s.title }}}}</h3>']
    article += paragraphs("s.paragraphs")
    article.append("{% endfor %}")
    for table in (two, three, four):
        article.append(f'<h2 style="{H2}">{html.escape(table.heading, quote=False)}</h2>')
        article += table_html(table)
    # 五 and 六 in parts (reportkit.writing.context: doc.five, doc.six), each with its sub-heading or none
    article.append(f'<h2 style="{H2}">五、存在的主要问题及改进情况</h2>')
    article += blocks("doc.five")
    article.append(f'<h2 style="{H2}">六、其他需要报告的事项</h2>')
    article += blocks("doc.six")
    article += paragraphs("doc.other_matters")
    # 落款 (GB/T 9704 §7.3.5.2, no seal): 署名 2 字 from the right, the date placed under it.
    article += [f'<p style="{SIGNATURE}padding-right:{{{{ page.signature_indent }}}}em;margin-top:32px;">'
                "{{ doc.signature }}</p>",
                "{% if doc.date %}",
                f'<p style="{SIGNATURE}padding-right:{{{{ page.date_indent }}}}em;">{{{{ doc.date }}}}</p>',
                "{% endif %}",
                "</div>"]
    page = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="reportkit">',
        "<title>{{ doc.title }}</title>",
        "<style>", PRINT_CSS, "</style>",
        "</head>",
        '<body style="margin:0;padding:24px 16px;background:#fff;">',
        "{% block article %}", *article, "{% endblock %}",
        "</body>",
        "</html>",
    ]
    return "\n".join(page) + "\n"


def main(argv=None) -> int:
    return _build.main(argv, doc=__doc__, kind="html", make=lambda edition: build(edition).encode("utf-8"),
                       script="build_html_templates.py")


if __name__ == "__main__":
    sys.exit(main())
