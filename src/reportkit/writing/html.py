"""The HTML engine: the report as one self-contained web page, and the paste-ready fragment.

A template is a UTF-8 HTML file with Jinja2 placeholders (``templates/html/report-<edition>.html``,
built by ``tools/build_html_templates.py`` from :mod:`reportkit.contract.tables`), rendered in the same
sandboxed, autoescaping, strict environment as the Word templates
(:func:`reportkit.templating.jinja.environment`).  The page's ``{% block article %}`` rendered alone is
the fragment a webmaster pastes into the website's editor.

Besides the report context the template sees ``page``: ``page.signature_indent`` and
``page.date_indent``, the right indents of the 署名 and the date in 字 (GB/T 9704 §7.3.5.2, the
same rule as the Word report).

A published page loads nothing: a template with a script, a frame, an external style sheet, font
or image is refused (:func:`external_references`), at ``templates check`` and at render.

A rendered page is read back by the same reader that imports published pages
(:func:`reportkit.reading.html.read_html`), for the read-back guard
(:func:`reportkit.filing.guard.verify_html`) and the tests.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from jinja2 import TemplateSyntaxError

from ..errors import TemplateError, UnsafeTemplateError
from ..limits import DEFAULT_LIMITS, TemplateLimits
from ..templating.jinja import Budget, environment, run
from .typesetting import signature_indents

__all__ = ["render_html", "external_references", "ARTICLE_BLOCK", "MAX_TEMPLATE"]

ARTICLE_BLOCK = "article"
MAX_TEMPLATE = 2 * 1024 * 1024  # a template is a few tens of kB
NESTED_TOO_DEEP = "模板的表达式或标签嵌套过深（如成千上万层括号或 {% if %}），无法编译；请简化模板"

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
    except (RecursionError, SyntaxError, MemoryError):   # Jinja's parser or Python's compiler gave up
        raise TemplateError(NESTED_TOO_DEEP, template=str(path)) from None
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
    doc = context["doc"]
    sig, date = signature_indents(doc["signature"], doc["date"])
    return {"signature_indent": f"{sig:g}", "date_indent": f"{date:g}"}


def render_html(template: Path, context: dict, *, limits: TemplateLimits | None = None) -> tuple[str, str]:
    """Render ``template`` with ``context``: (the page, the article fragment), both under one
    budget ``limits`` (:class:`~reportkit.limits.TemplateLimits`, the defaults when None).  What
    the template's code raises is a :class:`~reportkit.errors.TemplateError` naming its line."""
    name = str(template)
    tpl = _compile(Path(template))
    source = template_source(Path(template))
    values = dict(context, page=page_values(context))
    budget = Budget(limits or DEFAULT_LIMITS)

    def where(lineno: int | None) -> str:
        return f"位置 第 {lineno} 行：{_line(source, lineno)}" if lineno else ""

    page = run(tpl, values, budget, name=name, label="", where=where, source=source)
    fragment = run(tpl, values, budget, name=name, label="", where=where, source=source, block=ARTICLE_BLOCK)
    return page, fragment.strip() + "\n"


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
