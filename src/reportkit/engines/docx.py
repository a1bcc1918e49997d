"""The Word engine: docxtpl over a fresh sandboxed Jinja environment.

The only module (with engines/xlsx.py) that imports docxtpl; imported only when rendering.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from pathlib import Path

from ..errors import TemplateError, UnsafeTemplateError

SIGNATURE_STYLE, DATE_STYLE = "落款署名", "落款日期"
BODY_PT = 16  # 3号


def render_docx(template: Path, context: dict, when: dt.datetime) -> bytes:
    """Render ``template`` with ``context``; the .docx as bytes (not yet zip-normalised)."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    from ..template_lint import check_zip, unclosed_tags
    from .jinja import environment

    name = str(template)
    check_zip(template)
    broken = unclosed_tags(template)
    if broken:
        part, text = broken[0]
        raise TemplateError(f"Jinja 语法错误：标签在本段内没有闭合；位置 {part}，该段文字：{text[:120]}", template=name)
    tpl = DocxTemplate(name)
    try:
        tpl.render(context, jinja_env=environment(), autoescape=True)
    except SecurityError as exc:
        raise UnsafeTemplateError(f"模板试图访问不允许的内部对象，已拒绝：{exc}", template=name) from None
    except TemplateSyntaxError as exc:
        where = _locate_syntax_error(template)
        raise TemplateError(f"Jinja 语法错误：{exc.message}{where}", template=name) from None
    except UndefinedError as exc:
        field = _undefined_field(template, str(exc))
        raise TemplateError(f"模板中的字段不存在：{field}（{exc.message}）", template=name, field=field) from None
    except Exception as exc:  # docxtpl's own parse failures on a mangled template
        raise TemplateError(f"无法渲染模板：{type(exc).__name__}: {exc}", template=name) from None
    document = tpl.docx
    _place_signature(document)
    props = document.core_properties
    props.title = context["doc"]["title"]
    props.author = context["agency"]
    props.last_modified_by = "reportkit"
    props.created = props.modified = when
    props.revision = 1
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _locate_syntax_error(template: Path) -> str:
    from jinja2 import TemplateSyntaxError

    from ..template_lint import around, docx_sources
    from .jinja import environment

    for part, src in docx_sources(template).items():
        try:
            environment().parse(src)
        except TemplateSyntaxError as exc:
            return f"；位置 {part}，附近文字：{around(src, exc.lineno)}"
    return ""


def _undefined_field(template: Path, message: str) -> str:
    """Turn "'dict object' has no attribute 'natual'" into the dotted path the template wrote."""
    m = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", message)
    attr = (m.group(1) or m.group(2)) if m else None
    if attr is None:
        return message
    from ..template_lint import docx_sources, jinja_paths

    for src in docx_sources(template).values():
        try:
            for p, _ in jinja_paths(src):
                if p.split(".")[-1] == attr or p == attr or f".{attr}." in f".{p}.":
                    return p
        except Exception:
            continue
    return attr


def text_width(text: str) -> float:
    """Width in 字 (one Chinese character): full-width characters 1, half-width ones 0.5."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def signature_indents(signature: str, date: str) -> tuple[float, float]:
    """Right indents (in 字) of the 署名 and the date for a document without a seal
    (GB/T 9704 §7.3.5.2): 署名 2 字 from the right; the date's first character 2 字 to the
    right of the 署名's first character; "如成文日期长于发文机关署名，应当使成文日期右空二字编排，
    并相应增加发文机关署名右空字数"."""
    a, d = text_width(signature), text_width(date)
    if not date:
        return 2.0, 0.0
    if d <= a:
        return 2.0, a - d
    return d - a + 4, 2.0


def _set_right_indent(paragraph, chars: float) -> None:
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = ppr.makeelement(qn("w:ind"), {})
        ppr.append(ind)
    ind.set(qn("w:rightChars"), str(int(round(chars * 100))))
    ind.set(qn("w:right"), str(int(round(chars * BODY_PT * 20))))


def _place_signature(document) -> None:
    sig = [p for p in document.paragraphs if p.style is not None and p.style.name == SIGNATURE_STYLE]
    date = [p for p in document.paragraphs if p.style is not None and p.style.name == DATE_STYLE]
    if not sig:
        return
    s_indent, d_indent = signature_indents(sig[0].text.strip(), date[0].text.strip() if date else "")
    _set_right_indent(sig[0], s_indent)
    if date:
        _set_right_indent(date[0], d_indent)
