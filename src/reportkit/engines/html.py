"""The HTML engine: the report as one self-contained web page, and the paste-ready fragment.

A template is a UTF-8 HTML file with Jinja2 placeholders (``templates/html/report-<edition>.html``,
built by ``tools/build_html_templates.py`` from :mod:`reportkit.layout`), rendered in the same
sandboxed, autoescaping, strict environment as the Word templates
(:func:`reportkit.engines.jinja.environment`).  The page's ``{% block article %}`` rendered alone is
the fragment a webmaster pastes into the website's editor.

Besides the report context the template sees ``page``: ``page.signature_indent`` and
``page.date_indent``, the right indents of the 署名 and the date in 字 (GB/T 9704 §7.3.5.2, the
same rule as the Word report).

A published page loads nothing: a template with a script, a frame, an external style sheet, font
or image is refused (:func:`external_references`), at ``templates check`` and at render.

:func:`read_html` reads a rendered page back — its tables as grids (``rowspan``/``colspan``
expanded) and its paragraphs — for the read-back guard (:func:`reportkit.readback.verify_html`)
and the tests.  It reads what this engine writes; the general importer of published pages is
``reportkit.reading.html``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from ..errors import TemplateError, UnsafeTemplateError
from ..reading.grid import Grid, expand

__all__ = ["render_html", "read_html", "external_references", "HtmlContent", "ARTICLE_BLOCK", "MAX_TEMPLATE"]

ARTICLE_BLOCK = "article"
MAX_TEMPLATE = 2 * 1024 * 1024  # a template is a few tens of kB

_compiled: dict[str, object] = {}


def template_source(path: Path) -> str:
    """The text of an HTML template, refusing what is not one."""
    name = str(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise TemplateError("不是普通文件", template=name)
        if size > MAX_TEMPLATE:
            raise TemplateError(f"文件过大（{size} 字节，上限 {MAX_TEMPLATE}），不像一个 HTML 模板", template=name)
        raw = path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"无法读取模板：{exc.strerror or exc}", template=name) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"模板不是 UTF-8 编码（第 {exc.start} 字节处），请另存为 UTF-8", template=name) from None


def _compile(path: Path):
    from jinja2 import TemplateSyntaxError

    from .jinja import environment

    source = template_source(path)
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    if digest in _compiled:
        return _compiled[digest]
    refs = external_references(source)
    if refs:
        raise UnsafeTemplateError(f"网页模板不得加载脚本或外部资源：{'；'.join(refs[:5])}", template=str(path))
    env = environment()
    env.trim_blocks = env.lstrip_blocks = True
    try:
        template = env.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"Jinja 语法错误：{exc.message}；位置 第 {exc.lineno} 行：{_line(source, exc.lineno)}",
                            template=str(path)) from None
    if ARTICLE_BLOCK not in template.blocks:
        raise TemplateError("网页模板缺少 {% block article %} … {% endblock %}（正文片段由它生成）",
                            template=str(path))
    _compiled[digest] = template
    return template


def _line(source: str, lineno: int | None) -> str:
    lines = source.splitlines()
    return lines[lineno - 1].strip()[:120] if lineno and 0 < lineno <= len(lines) else ""


def page_values(context: dict) -> dict:
    """``page``: what the HTML templates need beyond the report context."""
    from .docx import signature_indents

    doc = context["doc"]
    sig, date = signature_indents(doc["signature"], doc["date"])
    return {"signature_indent": f"{sig:g}", "date_indent": f"{date:g}"}


def render_html(template: Path, context: dict) -> tuple[str, str]:
    """Render ``template`` with ``context``: (the page, the article fragment)."""
    from jinja2 import TemplateError as JinjaError
    from jinja2 import UndefinedError
    from jinja2.exceptions import SecurityError

    name = str(template)
    tpl = _compile(Path(template))
    values = dict(context, page=page_values(context))
    try:
        page = tpl.render(values)
        fragment = "".join(tpl.blocks[ARTICLE_BLOCK](tpl.new_context(values))).strip() + "\n"
    except SecurityError as exc:
        raise UnsafeTemplateError(f"模板试图访问不允许的内部对象，已拒绝：{exc}", template=name) from None
    except UndefinedError as exc:
        field = _undefined_field(template_source(Path(template)), exc.message or "")
        raise TemplateError(f"模板中的字段不存在：{field}（{exc.message}）", template=name, field=field) from None
    except JinjaError as exc:
        raise TemplateError(f"无法渲染模板：{exc.message}", template=name) from None
    return page, fragment


def _undefined_field(source: str, message: str) -> str:
    """The dotted path the template wrote for "'dict object' has no attribute 'titel'"."""
    from ..template_lint import jinja_paths

    m = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", message)
    attr = (m.group(1) or m.group(2)) if m else None
    if attr is None:
        return message
    for path, _ in jinja_paths(source):
        if path == attr or path.endswith("." + attr) or f".{attr}." in f".{path}.":
            return path
    return attr


# ------------------------------------------------------------------------------ what a page loads

_TAGS = re.compile(r"<\s*(script|iframe|frame|object|embed|applet|link|base|meta\s+http-equiv\s*=\s*[\"']?refresh)\b",
                   re.I)
_URL_ATTR = re.compile(r"\b(src|href|srcset|poster|data|action|formaction|background)\s*=\s*[\"']?\s*([^\"'\s>]+)",
                       re.I)
_CSS_URL = re.compile(r"(?:url\(\s*[\"']?\s*([^\"')\s]+)|@import\b)", re.I)
_EVENT = re.compile(r"\son[a-z]+\s*=", re.I)


def external_references(source: str) -> list[str]:
    """What in ``source`` would run code or load anything: scripts, frames, objects, style
    sheets, ``on…=`` handlers, ``src``/``href`` to anything but an in-page anchor or a ``data:``
    URL, CSS ``url(…)`` and ``@import``."""
    found = [f"<{m.group(1).split()[0].lower()}>" for m in _TAGS.finditer(source)]
    found += [m.group().strip().rstrip("=").strip() for m in _EVENT.finditer(source)]
    for m in _URL_ATTR.finditer(source):
        url = m.group(2)
        if not (url.startswith("#") or url.lower().startswith("data:")):
            found.append(f'{m.group(1).lower()}="{url[:60]}"')
    for m in _CSS_URL.finditer(source):
        url = m.group(1)
        if url is None or not url.lower().startswith("data:"):
            found.append(f"url({url[:60]})" if url else "@import")
    return list(dict.fromkeys(found))


# ------------------------------------------------------------------------------ reading a page back

@dataclass
class HtmlContent:
    grids: list[Grid] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)  # p and h1–h6 outside tables, in order


_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = HtmlContent()
        self.tables: list[list[list[tuple[str, int, int]]]] = []   # open tables (nested: innermost last)
        self.cell: list[str] | None = None
        self.span = (1, 1)
        self.block: list[str] | None = None
        self.skip = 0  # inside script/style/title

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "title", "template"):
            self.skip += 1
        elif tag == "table":
            if self.cell is not None and self.tables:  # a nested table: read as the cell's text
                self.tables.append([])
                return
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            if len(self.tables) == 1:
                self.cell = []
                self.span = (_int(a.get("rowspan")), _int(a.get("colspan")))
        elif tag == "br":
            self._text("\n")
        elif tag in _BLOCKS and not self.tables:
            self.block = []

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title", "template"):
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.cell is not None and len(self.tables) == 1:
            rows = self.tables[-1]
            if not rows:
                rows.append([])
            rows[-1].append(("".join(self.cell).strip(), *self.span))
            self.cell = None
        elif tag == "table" and self.tables:
            rows = self.tables.pop()
            if not self.tables:
                self.out.grids.append(expand(rows, f"第 {len(self.out.grids) + 1} 个表格"))
        elif tag in _BLOCKS and self.block is not None:
            self.out.paragraphs.append(" ".join("".join(self.block).split()))
            self.block = None

    def handle_data(self, data):
        if not self.skip:
            self._text(data)

    def _text(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(text)
        elif self.block is not None:
            self.block.append(text)


def _int(value) -> int:
    try:
        return max(1, min(int(str(value).strip()), 1000))
    except (TypeError, ValueError):
        return 1


def read_html(text: str) -> HtmlContent:
    """The tables (as grids) and the paragraphs of the HTML ``text``."""
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return reader.out
