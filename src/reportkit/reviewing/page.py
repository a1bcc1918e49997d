"""The review as one web page (``审查结果.html``): the workbook's tables, sortable, and two charts
drawn as inline SVG (applications received per unit; the outcome mix per unit as stacked bars).

The page loads nothing.  Sorting is a small inline script — the page is a working document for
the office, not a published one, and a click-to-sort table is what a reviewer expects; its
Content-Security-Policy admits that one script by its SHA-256 and nothing else (no network, no
other script, no external style, font or image).  Without the script the tables are in the
review's order (problems first within each unit).  ``#sort=<table id>:<column>:<asc|desc>`` in the
address sorts on opening (a link to "units by number of errors").
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from ..contract.totals import row_total
from .checks import CHECKS, SEVERITY_TEXT, SUMS_NOTE, tables_sound
from ..contract.tables import figures

#: units shown in a chart at most (the tables list them all)
CHART_UNITS = 100
OUTCOMES = (("granted", "予以公开", "#2E7D32"), ("partly_granted", "部分公开", "#81C784"),
            ("denied", "不予公开", "#C62828"), ("unavailable", "无法提供", "#F9A825"),
            ("not_processed", "不予处理", "#6D4C41"), ("other", "其他处理", "#78909C"))

SCRIPT = """(function () {
  function key(td) {
    var v = td.getAttribute("data-v");
    return v !== null ? parseFloat(v) : td.textContent;
  }
  function sort(table, col, desc) {
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col]), y = key(b.cells[col]);
      var r = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y), "zh");
      return desc ? -r : r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.setAttribute("aria-sort", i === col ? (desc ? "descending" : "ascending") : "none");
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (t) {
    Array.prototype.forEach.call(t.tHead.rows[0].cells, function (th, i) {
      th.addEventListener("click", function () {
        var desc = th.getAttribute("aria-sort") === "ascending";
        sort(t, i, desc);
        history.replaceState(null, "", "#sort=" + t.id + ":" + i + ":" + (desc ? "desc" : "asc"));
      });
    });
  });
  var m = /^#sort=([\\w-]+):(\\d+):(asc|desc)$/.exec(location.hash);
  if (m) { var t = document.getElementById(m[1]); if (t) { sort(t, +m[2], m[3] === "desc"); } }
})();"""

CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", SimHei, sans-serif; font-size: 14px; margin: 16px 24px;
       color: #111; }
h1 { font-size: 22px; margin: 8px 0; } h2 { font-size: 18px; margin: 24px 0 8px; border-bottom: 2px solid #333; }
nav a { margin-right: 12px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #999; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #D9E1F2; cursor: pointer; white-space: nowrap; position: sticky; top: 0; }
th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
td.nw { white-space: nowrap; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.v-不通过, .v-无法读取, .s-error { background: #F8CBAD; } .v-有警告, .s-warning { background: #FFEB9C; }
.v-通过 { background: #C6EFCE; }
td.v-不通过, td.v-无法读取, td.v-有警告, td.v-通过 { white-space: nowrap; }
td.wide { min-width: 28em; }
.s-info { color: #555; }
.note { color: #9C0006; font-weight: bold; }
svg text { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
@media print { th { position: static; } tr { break-inside: avoid; } }
"""


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    return f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:"


def _cell(value, cls: str = "") -> str:
    if value is None or value == "":
        return "<td></td>"
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, (int, float)):
        return f'<td class="n" data-v="{value}">{value}</td>'
    attr = f' class="{escape(cls)}"' if cls else ""
    return f"<td{attr}>{escape(str(value))}</td>"


def _table(table_id: str, heads: list[str], rows: list[list], row_classes: list[str] | None = None,
           cell_classes: dict[int, str] | None = None) -> str:
    out = [f'<table id="{table_id}" class="sortable">', "<thead><tr>"]
    out += [f'<th aria-sort="none">{escape(h)}</th>' for h in heads]
    out.append("</tr></thead><tbody>")
    for n, row in enumerate(rows):
        cls = (row_classes or [""] * len(rows))[n]
        out.append(f'<tr class="{cls}">' if cls else "<tr>")
        for i, v in enumerate(row):
            extra = (cell_classes or {}).get(i, "")
            out.append(_cell(v, extra(v) if callable(extra) else extra))
        out.append("</tr>")
    out.append("</tbody></table>")
    if not rows:
        out.append("<p>无。</p>")
    return "".join(out)


# ------------------------------------------------------------------------------ charts

def _charted(units) -> list:
    """The units whose figures can be drawn: read, and tables that passed the schema."""
    return [u for u in units if u.data and u.error is None and tables_sound(u.findings)]


def _received(u) -> int:
    return row_total(((u.data or {}).get("requests") or {}).get("received"))


def _outcomes(u) -> list[int]:
    results = ((u.data or {}).get("requests") or {}).get("results") or {}
    out = []
    for key, _, _ in OUTCOMES:
        node = results.get(key)
        if isinstance(node, dict) and "natural" in node:
            out.append(row_total(node))
        elif isinstance(node, dict):
            out.append(sum(row_total(v) for v in node.values() if isinstance(v, dict)))
        else:
            out.append(0)
    return out


def _short(name: str, n: int = 15) -> str:
    return name if len(name) <= n else name[:n - 1] + "…"


def chart_applications(units) -> str:
    units = sorted(_charted(units), key=lambda u: -_received(u))[:CHART_UNITS]
    top = max([_received(u) for u in units] + [1])
    label_w, bar_w, row_h = 230, 480, 18
    h = 30 + row_h * len(units)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 70}" height="{h}" role="img" '
           f'aria-label="各单位本年新收政府信息公开申请数量">',
           '<text x="0" y="16" font-size="13" font-weight="bold">各单位本年新收政府信息公开申请数量（件）</text>']
    for n, u in enumerate(units):
        y = 26 + n * row_h
        v = _received(u)
        w = bar_w * v / top
        out.append(f'<g><title>{escape(u.name)}：{v} 件</title>'
                   f'<text x="{label_w - 6}" y="{y + 13}" font-size="12" text-anchor="end">'
                   f'{escape(_short(u.name))}</text>'
                   f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 5}" fill="#4472C4"/>'
                   f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-size="12">{v}</text></g>')
    out.append("</svg>")
    return "".join(out)


def chart_outcomes(units) -> str:
    units = sorted(_charted(units), key=lambda u: -_received(u))[:CHART_UNITS]
    label_w, bar_w, row_h = 230, 480, 18
    h = 52 + row_h * len(units)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 70}" height="{h}" role="img" '
           f'aria-label="各单位办理结果构成">',
           '<text x="0" y="16" font-size="13" font-weight="bold">'
           "各单位办理结果构成（占本单位办理结果总数的比例；右侧为办理结果总数，件）</text>"]
    x = label_w
    for _, name, color in OUTCOMES:
        out.append(f'<rect x="{x}" y="24" width="12" height="12" fill="{color}"/>'
                   f'<text x="{x + 16}" y="34" font-size="12">{name}</text>')
        x += 80
    for n, u in enumerate(units):
        y = 48 + n * row_h
        parts = _outcomes(u)
        total = sum(parts)
        out.append(f'<g><title>{escape(u.name)}：' + "，".join(
            f"{name} {v}" for (_, name, _), v in zip(OUTCOMES, parts)) + f"（共 {total} 件）</title>"
            f'<text x="{label_w - 6}" y="{y + 13}" font-size="12" text-anchor="end">{escape(_short(u.name))}</text>')
        if total == 0:
            out.append(f'<text x="{label_w}" y="{y + 13}" font-size="12" fill="#777">无办理结果</text></g>')
            continue
        x = float(label_w)
        for (_, _, color), v in zip(OUTCOMES, parts):
            w = bar_w * v / total
            if w > 0:
                out.append(f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 5}" fill="{color}"/>')
            x += w
        out.append(f'<text x="{label_w + bar_w + 4}" y="{y + 13}" font-size="12">{total}</text></g>')
    out.append("</svg>")
    return "".join(out)


# ------------------------------------------------------------------------------ the page

def page_html(review) -> str:
    counts = review.counts()
    units = review.units
    summary_rows = [[n, u.name, u.agency_id, u.region, u.year, u.edition, u.published, u.verdict, len(u.errors),
                     len(u.warnings), u.first_problem, *(u.count(k) for k in CHECKS), u.previous, u.source]
                    for n, u in enumerate(units, start=1)]
    verdict_col = 7
    parts = [
        "<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_csp()}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="reportkit">',
        "<title>政府信息公开工作年度报告审查结果</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        "<h1>政府信息公开工作年度报告审查结果</h1>",
        f"<p>共 {len(units)} 个单位：" + "，".join(f"{k} {v} 个" for k, v in counts.items()) +
        f"。上一年度报告 {len(review.previous)} 份" +
        (f"，其中 {len(review.previous_unreadable)} 份无法读取（见年度衔接）" if review.previous_unreadable else "") +
        (f"；内容雷同 {len(review.copy_groups)} 组" if review.copy_groups else "") + "。点击表头排序。</p>",
        '<nav><a href="#summary">汇总</a><a href="#charts">图表</a>' +
        "".join(f'<a href="#{k}">{v}</a>' for k, v in CHECKS.items()) +
        "".join(f'<a href="#sums-{s.edition}">地区合计（{s.edition}格式）</a>' for s in review.sums) + "</nav>",
        '<section id="summary"><h2>汇总</h2>',
        _table("t-summary", ["序号", "单位", "单位标识", "所在地区", "年度", "格式", "发布日期", "结论", "错误", "警告",
                             "首个问题", *CHECKS.values(), "上一年度报告", "输入文件"], summary_rows,
               cell_classes={1: "nw", 6: "nw", verdict_col: lambda v: f"v-{v}", 10: "wide"}),
        "</section>",
        '<section id="charts"><h2>图表</h2>',
        (f"<p>按本年新收申请数量排列，显示前 {CHART_UNITS} 个单位（共 {len(units)} 个）。</p>"
         if len(units) > CHART_UNITS else ""),
        f"<div>{chart_applications(units)}</div>", f"<div>{chart_outcomes(units)}</div>", "</section>",
    ]
    for key, title in CHECKS.items():
        rows, classes = [], []
        for u, i in review.issues(key):
            rows.append([u.name, SEVERITY_TEXT[i.severity], i.label, i.message, i.other or "", i.path])
            classes.append(f"s-{i.severity}")
        if key == "validation":
            for u in units:
                if u.error is not None:
                    rows.append([u.name, "错误", "", f"无法读取：{u.error.message}", "", u.source])
                    classes.append("s-error")
        if key == "year_on_year":
            for p in review.previous_unreadable:
                rows.append(["（上一年度报告）", "错误", "", f"上一年度的报告无法读取：{p.error.message}", "", p.source])
                classes.append("s-error")
        groups = ""
        if key == "copy" and review.copy_groups:
            groups = ("<p>文字相同之处达 80% 的单位按组列出（组内各单位由彼此相近的文字相连）；下表之后为各单位的明细。</p>" +
                      _table("t-copy-groups", ["雷同组", "部分", "单位数", "彼此雷同的单位"],
                             [[g.number, g.label, len(g.units), g.names(units)] for g in review.copy_groups],
                             cell_classes={1: "nw", 3: "wide"}))
        parts += [f'<section id="{key}"><h2>{title}</h2>', groups,
                  _table(f"t-{key}", ["单位", "级别", "官方标签", "问题", "另一单位", "JSON 路径"], rows, classes,
                         {0: "nw", 1: "nw", 3: "wide"}),
                  "</section>"]
    for s in review.sums:
        excluded = "；".join(f"{units[i].name}（{why}）" for i, why in s.excluded) or "无"
        rows = [[" / ".join(([f.caption] if f.caption else []) + list(f.row_labels)) or "—",
                 " / ".join(f.col_labels), s.values[f.path] if isinstance(s.values[f.path], int)
                 else float(s.values[f.path])] for f in figures(s.edition)]
        year = f"，{s.year} 年度" if s.year else ""
        parts += [f'<section id="sums-{s.edition}"><h2>地区合计（{s.edition} 格式{year}）</h2>',
                  f'<p class="note">{escape(SUMS_NOTE)}</p>',
                  f"<p>计入 {len(s.units)} 个单位；未计入：{escape(excluded)}</p>",
                  _table(f"t-sums-{s.edition}", ["行", "栏目", "合计"], rows), "</section>"]
    parts += [f"<script>{SCRIPT}</script>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


__all__ = ["page_html", "chart_applications", "chart_outcomes", "CHART_UNITS"]
