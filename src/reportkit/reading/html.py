"""Reading a web page: the report's tables as grids and its article text as paragraphs.

A saved government web page (or the HTML of an article) carries the report among the site's
navigation.  The page is decoded by its BOM or meta charset (GBK/GB2312 pages are read as
GB18030, their superset), parsed with lxml, and the article is found: the smallest of the
containers CMSs use (``#zoom``, ``.TRS_Editor``, ``.article-content`` …) that holds the report's
tables, else the nearest ancestor of the tables that also holds the section headings.

Data tables are the innermost ``<table>``\\ s (layout tables around the article are walked as
text); ``rowspan``/``colspan`` are expanded into a grid (:func:`~reportkit.reading.grid.expand`),
``<br>`` and ``<p>`` inside a cell become line breaks, ``&nbsp;`` and U+3000 are blanks.  A page
whose content is filled in by JavaScript, or one that only links the report as an attachment, is
refused with a message that says so.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from ..errors import DocumentError
from .docx import WordContent
from .grid import MAX_CELLS, Grid, TooLarge, expand

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
#: article containers of common government CMSs (TRS, 大汉, 拓尔思, 政府网站集约化平台 …)
CONTAINERS = ("zoom", "TRS_Editor", "article-content", "trs_editor_view", "Custom_UnionStyle", "UCAP-CONTENT",
              "pages_content", "article_content", "artibody", "con_con", "view", "content", "main-txt", "detail")
BLOCK = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "td", "th", "table", "section",
                   "article", "center", "blockquote", "pre", "ul", "ol", "dd", "dt", "dl", "header", "footer",
                   "tbody", "thead", "caption", "form", "hr", "address", "figure", "figcaption", "main", "nav"})
SKIP = frozenset({"script", "style", "noscript", "template", "head", "iframe", "object", "svg", "select", "button",
                  "input", "textarea"})
MAX_SPAN = 200
#: the most table cells (``<td>``/``<th>``) a page may have, and the most grid positions all its
#: tables may cover once spans are expanded (a report's three tables have under 600)
MAX_PAGE_CELLS = 50_000
MAX_PAGE_GRID = 2 * MAX_CELLS
_ATTACHMENT = re.compile(r"\.(pdf|docx?|wps|ofd)(\?|#|$)", re.I)
#: the date a page prints under its title, outside the article (``时间：2025-03-10 15:35``)
_PAGE_DATE = re.compile(r"^(?:发布|成文)?(?:时间|日期)\s*[:：]\s*20\d{2}[-./年]\s*\d{1,2}[-./月]\s*\d{1,2}")


def decode(raw: bytes) -> str:
    """The page's text: BOM, then the meta charset, then UTF-8, then GB18030."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    m = _CHARSET.search(raw[:8192])
    tried = []
    if m:
        declared = m.group(1).decode("ascii").lower()
        tried.append("gb18030" if declared in ("gb2312", "gbk", "gb18030", "x-gbk", "cp936") else declared)
    tried += ["utf-8", "gb18030"]
    for enc in tried:
        try:
            return raw.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode(tried[0] if tried[0] != "utf-8" else "gb18030", errors="replace")


def _span(el, name: str) -> int:
    m = re.match(r"\s*(\d+)", el.get(name) or "")
    return max(1, min(int(m.group(1)), MAX_SPAN)) if m else 1


def _tag(el) -> str:
    t = el.tag
    return t.lower() if isinstance(t, str) else ""


def _hidden(el) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or el.get("hidden") is not None


def lines(el, skip: frozenset | set = frozenset()) -> list[str]:
    """The text of ``el`` as lines: block elements and ``<br>`` break lines; ``skip`` elements
    (data tables) are left out, each replaced by a line break."""
    out: list[str] = []
    buf: list[str] = []

    def flush():
        text = "".join(buf).strip()
        if text:
            out.append(text)
        buf.clear()

    stack = [(el, False)]
    while stack:  # iterative: deep pages must not exhaust the recursion limit
        node, closing = stack.pop()
        if isinstance(node, str):
            buf.append(node)
            continue
        tag = _tag(node)
        if closing:
            if tag in BLOCK:
                flush()
            continue
        if not tag:  # a comment or processing instruction: only its tail counts (pushed by the parent)
            continue
        if tag in SKIP or node in skip or _hidden(node):
            if node in skip:
                flush()
            continue
        if tag in BLOCK or tag == "br":
            flush()
        stack.append((node, True))
        children = list(node)
        for ch in reversed(children):
            if ch.tail:
                stack.append((ch.tail, False))
            stack.append((ch, False))
        if node.text and tag != "br":
            stack.append((node.text, False))
    flush()
    return out


def _rows(table) -> list:
    """The ``<tr>`` of ``table`` (directly, or in thead/tbody/tfoot), not those of nested tables."""
    out = []
    for el in table.iter("tr"):
        anc = el.getparent()
        while anc is not None and _tag(anc) != "table":
            anc = anc.getparent()
        if anc is table:
            out.append(el)
    return out


def _cell_text(td) -> str:
    """A cell's text, a line break between its pieces (``<br>``, ``<p>``, inline elements)."""
    if any(_tag(el) in SKIP for el in td.iterdescendants()):
        return "\n".join(lines(td))
    return "\n".join(t for t in (x.strip() for x in td.itertext()) if t)


def table_grid(table, source: str) -> Grid:
    rows = []
    for tr in _rows(table):
        if _hidden(tr):
            continue
        cells = []
        for td in tr:
            if _tag(td) in ("td", "th") and not _hidden(td):
                cells.append((_cell_text(td), _span(td, "rowspan"), _span(td, "colspan")))
        rows.append(cells)
    return expand(rows, source)


def _is_data_table(table) -> bool:
    if any(True for _ in table.iter("table") if _ is not table):
        return False
    rows = _rows(table)
    return len(rows) >= 2 and any(sum(1 for td in tr if _tag(td) in ("td", "th")) >= 2 for tr in rows)


def _common_ancestor(els):
    paths = []
    for el in els:
        chain = []
        while el is not None:
            chain.append(el)
            el = el.getparent()
        paths.append(chain[::-1])
    common = None
    for nodes in zip(*paths):
        if all(n is nodes[0] for n in nodes):
            common = nodes[0]
        else:
            break
    return common


def _article(root, tables):
    """The element holding the report: the innermost known CMS container around the tables that
    also holds 一、总体情况, else the tables' nearest common ancestor that does."""
    anchor = _common_ancestor(tables) if tables else None
    if anchor is None:
        return root
    names = set(CONTAINERS)
    fallback = None
    for el in (anchor, *anchor.iterancestors()):
        if fallback is None and "总体情况" in "".join(el.itertext()):
            fallback = el
        if fallback is not None and (el.get("id") in names or names & set((el.get("class") or "").split())):
            return el
    return fallback if fallback is not None else anchor


def read_html(data: bytes, name: str = "") -> WordContent:
    """Tables and paragraphs of the web page ``data`` (bytes)."""
    text = _XML_DECL.sub("", decode(data))
    if not text.strip():
        raise DocumentError("网页是空的", file=name)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise DocumentError(f"无法解析网页：{exc}", file=name) from None
    tables = [t for t in root.iter("table") if _is_data_table(t)]
    if not tables:
        links = [a.get("href", "") for a in root.iter("a") if _ATTACHMENT.search(a.get("href", ""))]
        if links:
            raise DocumentError(f"网页中没有表格，只链接了附件（{links[0]}）：请下载附件后导入该文件", file=name)
        body = root.find("body")
        body_text = "".join(lines(body if body is not None else root))
        if len(body_text) < 200 and any(True for _ in root.iter("script")):
            raise DocumentError("网页的正文由 JavaScript 生成，保存的页面中没有报告内容：请在浏览器中打开后"
                            "用“另存为 → 网页，全部”保存，或把正文复制为 .txt 后导入", file=name)
        raise DocumentError("网页中没有表格：政府信息公开工作年度报告的二、三、四部分是表格", file=name)
    cells = sum(1 for _ in root.iter("td", "th"))
    if cells > MAX_PAGE_CELLS:
        raise TooLarge(f"网页中有 {cells} 个表格单元格，超过上限 {MAX_PAGE_CELLS}；这不像一份年度报告", file=name)
    article = _article(root, tables)
    out = WordContent()
    budget = MAX_PAGE_GRID
    for n, t in enumerate(tables, start=1):
        try:
            g = table_grid(t, f"第 {n} 个表格")
        except TooLarge as exc:
            raise TooLarge(exc.message, file=name) from None
        budget -= g.nrows * (len(g.texts[0]) if g.texts else 0)
        if budget < 0:
            raise TooLarge(f"网页的表格展开行列合并后共超过 {MAX_PAGE_GRID} 格（上限）；这不像一份年度报告", file=name)
        out.grids.append(g)
    out.paragraphs = lines(article, set(tables))
    if not any("政府信息公开" in p and p.rstrip().endswith("报告") and len(p) <= 80 for p in out.paragraphs[:6]):
        out.paragraphs[:0] = _titles(root, article)
    out.paragraphs[:0] = _page_date(root, article)
    return out


def _page_date(root, article) -> list[str]:
    """The date line the page prints outside the article (under its title), offered to the reader
    before the article's lines: a report without a 落款 date was published that day."""
    inside = set(article.iter())
    for el in root.iter():
        if not _tag(el) or _tag(el) in SKIP or el in inside:
            continue
        text = (el.text or "").strip()
        if _PAGE_DATE.match(text):
            return [text]
    return []


def _titles(root, article) -> list[str]:
    """Title lines that sit outside the article (an ``<h1>`` above it, the page's ``<title>``),
    offered to the reader before the article's own lines; it takes the first that is a title."""
    out = []
    inside = set(article.iter())
    for el in root.iter("h1", "h2"):
        if el not in inside:
            out.extend(lines(el))
    title = root.findtext(".//title")
    if title:
        out.append(re.split(r"[_|｜]| - | — ", title.strip())[0])
    return [t for t in out if "报告" in t][:2]
