"""The read-back guard: every rendered file is read again before it is published.

After the files of a filing set are rendered, and before anything is moved into place, they are
opened as a reader would open them and compared with the data that was validated:

* Word, Excel and the web page (the page and its paste fragment): every official figure is
  located by its row and column labels (:mod:`reportkit.reading`) and must equal the figure that
  was validated (in Excel, stored as a number); every paragraph of the input text must appear in
  the Word report and the page, in order;
* PDF: its text (read with PDFium) must hold every character of every paragraph, in order
  (white space aside), and each table's figures, in reading order, as one unbroken run.

Any difference — a template that dropped a cell, a renderer that printed ``12.0``, text
swallowed by a broken tag, a converter that lost a comma at a line end — is a
:class:`~reportkit.errors.RenderError` naming what is missing, and nothing is written.  It costs
a few milliseconds a file.
"""

from __future__ import annotations

import difflib
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ..contract import tables as layout
from ..errors import DocumentError, RenderError
from ..reading import locate
from ..reading.labels import fold
from ..reading.docx import read_docx
from ..reading.xlsx import read_xlsx
from ..reading.html import read_html

__all__ = ["expected_figures", "expected_paragraphs", "verify_docx", "verify_xlsx", "verify_html",
           "verify_pdf"]

#: how many problems a RenderError lists before "…"
SHOWN = 8


def _value(context: dict, path: str):
    node = context
    for part in path.split("."):
        node = node[part]
    return node


def expected_figures(context: dict) -> dict[str, str]:
    """Every official figure of the report as it must be printed: ``{path: text}``."""
    return {f.path: str(_value(context, f.path)) for f in layout.figures(context["format"])}


def expected_paragraphs(context: dict) -> list[str]:
    """The text of the report that must appear in the Word file, in order: the title, every
    paragraph of the input prose, the sub-headings of 一, 五 and 六, the 署名 and the date."""
    doc = context["doc"]
    out = list(doc["title_lines"])
    out += doc["preface"] + doc["summary"]
    for s in doc["sections"]:
        out.append(f"{s['number']}{s['title']}")
        out += s["paragraphs"]
    for block in [*doc.get("five", []), *doc.get("six", [])]:  # 五 and 六 in parts, each with its heading
        out += ([block["heading"]] if block["heading"] else []) + block["paragraphs"]
    out += doc["other_matters"]
    out.append(doc["signature"])
    if doc["date"]:
        out.append(doc["date"])
    return [p for p in out if p.strip()]


def _fail(kind: str, template: str | None, problems: list[str]) -> None:
    shown = "；".join(problems[:SHOWN]) + ("；……" if len(problems) > SHOWN else "")
    raise RenderError(f"生成的{kind}与校验过的数据不一致（共 {len(problems)} 处），未写入任何文件：{shown}",
                      file=template)


@lru_cache(maxsize=None)
def _labels(edition: str) -> dict[str, str]:
    return {f.path: f.label for f in layout.figures(edition)}


def _figure_problems(located, context: dict, *, numeric: bool) -> list[str]:
    want = expected_figures(context)
    labels = _labels(context["format"])
    problems = []
    for path, text in want.items():
        hit = located.hits.get(path)
        if hit is None:
            problems.append(f"找不到 {labels[path]}（应为 {text}）")
        elif not _same(hit.text, text):
            problems.append(f"{labels[path]} 印为 “{hit.text}”，应为 {text}（{hit.where}）")
        elif numeric and hit.stored != "n":
            problems.append(f"{labels[path]} 存成了文本而不是数字（{hit.where}）")
    for first, second in located.conflicts:
        if first.path in want:
            problems.append(f"{labels[first.path]} 出现两次且不同：“{first.text}”（{first.where}）与 “{second.text}”"
                            f"（{second.where}）")
    return problems


def _same(printed: str, expected: str) -> bool:
    if printed == expected:
        return True
    try:  # a workbook stores 73802895.90 as written, or as 73802895.9
        return Decimal(printed) == Decimal(expected)
    except (InvalidOperation, ValueError):
        return False


def verify_docx(data: bytes, context: dict, *, template: str | None = None) -> None:
    """Raise :class:`RenderError` unless the .docx ``data`` shows every figure and paragraph."""
    content = read_docx(data)
    problems = _figure_problems(locate(content.grids, context["format"]), context, numeric=False)
    problems += _paragraph_problems(content.paragraphs, context)
    if problems:
        _fail(" Word 报告", template, problems)


def _paragraph_problems(paragraphs: list[str], context: dict) -> list[str]:
    """Every expected paragraph must appear, in order, in ``paragraphs`` (the document's own); pieces
    may share a paragraph (a web page prints the title's lines as one heading)."""
    problems = []
    body = ["".join(p.split()) for p in paragraphs]  # the file holds the very characters: white space aside
    i = offset = 0  # where the previous piece ended: paragraph, position in it
    for para in expected_paragraphs(context):
        want = "".join(para.split())
        while i < len(body):
            at = body[i].find(want, offset)
            if at >= 0:
                offset = at + len(want)
                break
            i, offset = i + 1, 0
        else:
            problems.append(f"正文缺少段落：“{para[:40]}{'…' if len(para) > 40 else ''}”")
            i = offset = 0  # keep looking for the others from the top
    return problems


def verify_xlsx(data: bytes, context: dict, *, template: str | None = None) -> None:
    """Raise :class:`RenderError` unless the .xlsx ``data`` holds every figure, as a number."""
    problems = _figure_problems(locate(read_xlsx(data), context["format"]), context, numeric=True)
    if problems:
        _fail(" Excel 表格", template, problems)


#: a page number as GB/T 9704 prints it (``— 3 —``, a line of its own), which the PDF's text puts
#: between the lines of a paragraph or a table that runs over a page (a figure such as ``-8`` at
#: the end of the line before it is not part of it)
_PAGE_NUMBER = re.compile(r"^[ \t]*—[ \t]*\d+[ \t]*—[ \t\r]*$", re.M)
#: a figure in the text of a PDF: digits, a sign, decimals — but not the ``1.`` of a row label
_NUMBER = re.compile(r"(?<![\d.])-?\d+(?:\.\d+)?(?![\d.])(?!\s*[.．、])")


def pdf_text(data: bytes) -> list[str]:
    """The text of each page of the PDF ``data``."""
    import pypdfium2 as pdfium  # lazy: only to read back a PDF; a set without one needs none of it

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise RenderError(f"生成的 PDF 无法打开：{exc}") from None
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def _folded(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` and, for each of its characters, the index of the character of ``text`` it
    comes from (for messages that quote the text as the user wrote it)."""
    out, where = [], []
    for i, ch in enumerate(text):
        f = fold(ch)
        out.append(f)
        where.extend([i] * len(f))
    return "".join(out), where


def _first_difference(para: str, have: str) -> str:
    """Where ``para`` stops matching the closest stretch of ``have`` (both folded for the
    comparison, ``para`` quoted as written): ``“…切实抓好工作落实” 之后缺少 “。”``."""
    want, where = _folded(para)
    sm = difflib.SequenceMatcher(None, want, have, autojunk=False)
    m = sm.find_longest_match(0, len(want), 0, len(have))
    start = max(0, m.b - m.a)
    near = have[start:start + len(want) + 8]
    for op, a0, a1, _, _ in difflib.SequenceMatcher(None, want, near, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            i, j = where[a0], where[min(a1, len(where)) - 1] + 1
            before = para[max(0, i - 10):i].strip()
            return f"“…{before}” 之后缺少 “{para[i:j][:10]}”"
    return f"“{para[:20]}…”"


def _private_use_note(para: str) -> str:
    """For a paragraph holding private-use characters (造字 typed with a local font): why the PDF
    cannot show it as written."""
    pua = [ch for ch in dict.fromkeys(para) if 0xE000 <= ord(ch) <= 0xF8FF or ord(ch) >= 0xF0000]
    if not pua:
        return ""
    return (f"（该段有私用区字符 {'、'.join(f'U+{ord(ch):04X}' for ch in pua[:5])}，即用本地字体造的字：PDF 所用字体中"
            "没有这些字，无法按原文显示；请改用 Unicode 中的规范字，或在 PDF 中以图片或注释说明）")


def verify_pdf(data: bytes, context: dict, *, template: str | None = None) -> None:
    """Raise :class:`RenderError` unless the PDF ``data`` shows every character of the report's
    prose in order, and every table's figures in reading order."""
    text = _PAGE_NUMBER.sub(" ", "\n".join(pdf_text(data)))
    if not text.strip():
        _fail(" PDF ", template, ["PDF 中没有任何文字"])
    flat = fold(text)
    problems = []
    pos = 0
    for para in expected_paragraphs(context):
        want = fold(para)
        i = flat.find(want, pos)
        if i < 0:
            problems.append(f"缺少文字：{_first_difference(para, flat[pos:])}{_private_use_note(para)}")
            continue
        pos = i + len(want)
    want = expected_figures(context)
    tokens = _NUMBER.findall(text)
    start = 0
    for t in layout.tables(context["format"]):
        run = [want[f.path] for f in sorted(t.figures(), key=lambda f: (f.row, f.col))]
        at = _find_run(tokens, run, start)
        if at < 0:
            problems.append(f"“{t.heading}”的表格数字不完整或顺序不对（应依次为 {' '.join(run[:12])}"
                            f"{' …' if len(run) > 12 else ''}）")
        else:
            start = at + len(run)
    if problems:
        _fail(" PDF ", template, problems)


def _find_run(tokens: list[str], run: list[str], start: int) -> int:
    """The index at or after ``start`` where ``run`` occurs in ``tokens`` without a gap, or -1."""
    n = len(run)
    for i in range(start, len(tokens) - n + 1):
        if tokens[i] == run[0] and tokens[i:i + n] == run:
            return i
    return -1


def verify_html(text: str, context: dict, *, template: str | None = None) -> None:
    """Raise :class:`RenderError` unless the HTML ``text`` (a page or its fragment) shows every
    figure in its table and every paragraph, in order."""
    try:
        content = read_html(text.encode("utf-8"), template or "")
    except DocumentError as exc:  # e.g. a customised page without tables
        _fail("网页", template, [exc.message])
    problems = _figure_problems(locate(content.grids, context["format"]), context, numeric=False)
    problems += _paragraph_problems(content.paragraphs, context)
    if problems:
        _fail("网页", template, problems)
