"""``reportkit templates check``: lint a template set before anyone renders with it.

- Jinja syntax errors in a Word template, with the part and the surrounding text;
- fields that are not in the contract (dotted paths checked against the contract, with
  a "did you mean");
- official figures that a template never places (a table cell somebody deleted).
"""

from __future__ import annotations

import difflib
import html
import re
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from . import contract as c
from .context import DOC_KEYS, SECTION_KEYS
from .errors import TemplateError, UsageError
from .resources import template_name

MAX_UNZIPPED = 200 * 1024 * 1024
MAX_MEMBERS = 2000


@dataclass
class Problem:
    severity: str   # "error" or "warning"
    template: str
    message: str
    field: str | None = None
    where: str | None = None

    def text(self) -> str:
        at = f"（{self.where}）" if self.where else ""
        return f"{self.template}：{self.message}{at}"

    def to_dict(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------ reading templates

def check_zip(path: Path) -> None:
    """Refuse a template that is not a zip, or that unpacks to absurd sizes (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise TemplateError(f"不是有效的 Office 文件：{exc}", template=str(path)) from None
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise TemplateError("文件解压后过大，拒绝处理", template=str(path))


_PART = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")


def docx_sources(path: Path) -> dict[str, str]:
    """Each Word part's Jinja source as docxtpl sees it, as plain text, one line per paragraph."""
    from docxtpl import DocxTemplate

    check_zip(path)
    tpl = DocxTemplate(str(path))
    out = {}
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            if _PART.match(name):
                xml = tpl.patch_xml(z.read(name).decode("utf-8"))
                xml = re.sub(r"</w:p>", "\n", xml)
                text = html.unescape(re.sub(r"<[^>]+>", "", xml))
                out[name] = "\n".join(line for line in text.split("\n"))
    return out


_PARA = re.compile(r"<w:p[ >].*?</w:p>", re.S)
_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")
_DELIM = re.compile(r"\{\{|\{%|\{#|\}\}|%\}|#\}")
_CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}


def unclosed_tags(path: Path) -> list[tuple[str, str]]:
    """Paragraphs whose Jinja tags do not close within the paragraph: (part, paragraph text).

    docxtpl looks for a tag's end anywhere later in the document and silently swallows the
    paragraphs in between, so this must be caught before docxtpl sees the template."""
    found = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            if not _PART.match(name):
                continue
            for para in _PARA.findall(z.read(name).decode("utf-8")):
                text = html.unescape("".join(_TEXT.findall(para)))
                if not _tags_close(text):
                    found.append((name, text))
    return found


def _tags_close(text: str) -> bool:
    """Every ``{{``/``{%``/``{#`` in ``text`` is closed before the next one opens."""
    expect = None
    for m in _DELIM.finditer(text):
        tok = m.group()
        if tok in _CLOSER:
            if expect is not None:
                return False
            expect = _CLOSER[tok]
        elif tok == expect:
            expect = None
    return expect is None


def around(source: str, lineno: int | None, width: int = 60) -> str:
    lines = source.split("\n")
    if not lineno or lineno > len(lines):
        return ""
    text = " ⏎ ".join(x.strip() for x in lines[max(0, lineno - 2):lineno + 1] if x.strip())
    return text[:width * 3]


# ------------------------------------------------------------------ field paths

def jinja_paths(source: str):
    """Dotted paths a Jinja source reads: ``[(path, lineno)]``; loop variables resolve to
    ``iterable[]`` (``s.title`` in ``for s in doc.sections`` → ``doc.sections[].title``)."""
    from jinja2 import nodes

    from .engines.jinja import environment

    tree = environment().parse(source)
    found: list[tuple[str, int]] = []

    def path_of(node, scope):
        parts = []
        while True:
            if isinstance(node, nodes.Getattr):
                parts.append(node.attr)
                node = node.node
            elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                parts.append(node.arg.value)
                node = node.node
            else:
                break
        if not isinstance(node, nodes.Name):
            return None
        head = scope.get(node.name, node.name)
        if head is None:
            return None
        return ".".join([head] + parts[::-1])

    def visit(node, scope):
        if isinstance(node, nodes.For):
            it = path_of(node.iter, scope)
            inner = dict(scope)
            for t in (node.target.items if isinstance(node.target, nodes.Tuple) else [node.target]):
                if isinstance(t, nodes.Name):
                    inner[t.name] = f"{it}[]" if it else None
            inner["loop"] = None
            visit(node.iter, scope)
            for child in node.body + node.else_ + ([node.test] if node.test else []):
                visit(child, inner)
            return
        if isinstance(node, (nodes.Getattr, nodes.Getitem, nodes.Name)) and getattr(node, "ctx", "load") == "load":
            p = path_of(node, scope)
            if p is not None:
                found.append((p, node.lineno))
                return
        for child in node.iter_child_nodes():
            visit(child, scope)

    visit(tree, {})
    return found


def _doc_check(parts: list[str]) -> str | None:
    if len(parts) < 2:
        return None
    key = parts[1]
    if key not in DOC_KEYS:
        return _suggest(key, DOC_KEYS)
    if key == "sections" and len(parts) > 2:
        if parts[2] != "[]" and not parts[2].isdigit():
            return "doc.sections 是列表，请用 for 循环"
        if len(parts) > 3 and parts[3] not in SECTION_KEYS:
            return _suggest(parts[3], SECTION_KEYS)
    return None


def _suggest(key: str, allowed) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return f"是否应为 “{close[0]}”？" if close else f"可用的字段：{'、'.join(allowed)}"


def unknown_field(path: str, edition: str) -> str | None:
    """None when ``path`` exists in the context of ``edition``; else a hint."""
    parts = re.split(r"\.", path.replace("[]", ".[]"))
    if parts[0] == "doc":
        return _doc_check(parts)
    if parts[0] in ("loop", "range", "true", "false", "none", "True", "False", "None"):
        return None
    node = c.report_field(edition)
    for part in parts:
        if part == "[]":
            if node.kind == c.LIST and node.item is not None:
                node = node.item
                continue
            return "此处不是列表"
        if node.kind == c.LIST:
            return "此处是列表，请用 for 循环"
        nxt = node.child(part)
        if nxt is None:
            return _suggest(part, [ch.key for ch in node.children if ch.key != "$schema"])
        node = nxt
    return None


def figure_paths(edition: str) -> dict[str, str]:
    """Every official figure a template must place: path → label (totals included)."""
    root = c.report_field(edition)
    out = {}
    for key in ("proactive", "requests", "appeals"):
        for p, f in c.iter_leaves(root.child(key), (key,)):
            if f.kind in (c.COUNT, c.SIGNED, c.AMOUNT):
                out[".".join(p)] = c.label(edition, p)
    return out


# ------------------------------------------------------------------ the checks

def check_docx(path: Path, edition: str) -> list[Problem]:
    from jinja2 import TemplateSyntaxError

    name = str(path)
    problems: list[Problem] = []
    try:
        sources = docx_sources(path)
    except TemplateError as exc:
        return [Problem("error", name, exc.message)]
    for part, text in unclosed_tags(path):
        problems.append(Problem("error", name, "Jinja 语法错误：标签在本段内没有闭合", where=f"{part}：{text[:120]}"))
    used: set[str] = set()
    for part, src in sources.items():
        try:
            paths = jinja_paths(src)
        except TemplateSyntaxError as exc:
            problems.append(Problem("error", name, f"Jinja 语法错误：{exc.message}", where=f"{part}：{around(src, exc.lineno)}"))
            continue
        for p, lineno in paths:
            used.add(p)
            hint = unknown_field(p, edition)
            if hint is not None:
                problems.append(Problem("error", name, f"字段不在数据规范中：{p}；{hint}", field=p,
                                        where=f"{part}：{around(src, lineno)}"))
    if not any("Jinja 语法错误" in p.message for p in problems):  # a broken part hides its figures
        problems += _missing(name, used, edition)
    return problems


def check_xlsx(path: Path, edition: str) -> list[Problem]:
    """Everything rendering with an Excel template would refuse (formulas, external links,
    malformed placeholders: each located), fields not in the contract, fields that are not a
    single value or a list of paragraphs (an Excel cell holds nothing else), figures not placed."""
    from .engines.xlsx import inspect_template

    name = str(path)
    try:
        found = inspect_template(path)
    except TemplateError as exc:
        return [Problem("error", name, exc.message)]
    problems = [Problem("error", name, e.message, field=e.field) for e in found.problems]

    def cell_problem(p: str) -> str | None:
        """Why a cell cannot show the context value at ``p`` (the engine walks dicts, nothing else)."""
        parts = p.split(".")
        if parts[0] == "doc":   # doc is an object, doc.sections a list of objects, the rest text
            if len(parts) == 1 or parts[1] == "sections":
                return f"字段不是可填写的单个值：{p}；Excel 单元格只能放一个值或一组段落"
            return f"字段不在数据规范中：{p}" if len(parts) > 2 else None
        node = c.report_field(edition)
        for part in parts:
            node = node.child(part) if node is not None else None
        if node is None:
            return f"字段不在数据规范中：{p}"
        if node.kind in (c.OBJECT, c.LIST):
            return f"字段不是可填写的单个值：{p}；Excel 单元格只能放一个值或一组段落"
        return None

    used = set()
    for sheet, cell, p in found.placeholders:
        used.add(p)
        hint = unknown_field(p, edition)
        message = f"字段不在数据规范中：{p}；{hint}" if hint is not None else cell_problem(p)
        if message is not None:
            problems.append(Problem("error", name, message, field=p, where=f"{sheet}!{cell}"))
    return problems + _missing(name, used, edition)


#: what an HTML template sees beyond the report context (see reportkit.engines.html)
PAGE_KEYS = ("signature_indent", "date_indent")


def check_html(path: Path, edition: str) -> list[Problem]:
    from jinja2 import TemplateSyntaxError

    from .engines.html import ARTICLE_BLOCK, external_references, template_source
    from .engines.jinja import environment

    name = str(path)
    try:
        source = template_source(path)
    except TemplateError as exc:
        return [Problem("error", name, exc.message)]
    problems = [Problem("error", name, f"网页模板不得加载脚本或外部资源：{ref}") for ref in external_references(source)]
    try:
        tree = environment().parse(source)
        paths = jinja_paths(source)
    except TemplateSyntaxError as exc:
        return problems + [Problem("error", name, f"Jinja 语法错误：{exc.message}",
                                   where=f"第 {exc.lineno} 行：{around(source, exc.lineno)}")]
    from jinja2 import nodes

    if not any(b.name == ARTICLE_BLOCK for b in tree.find_all(nodes.Block)):
        problems.append(Problem("error", name,
                                "缺少 {% block article %} … {% endblock %}（网站粘贴用的正文片段由它生成）"))
    used: set[str] = set()
    for p, lineno in paths:
        used.add(p)
        parts = p.split(".")
        if parts[0] == "page":
            hint = None if len(parts) == 2 and parts[1] in PAGE_KEYS else _suggest(parts[-1], PAGE_KEYS)
        else:
            hint = unknown_field(p, edition)
        if hint is not None:
            problems.append(Problem("error", name, f"字段不在数据规范中：{p}；{hint}", field=p,
                                    where=f"第 {lineno} 行：{around(source, lineno)}"))
    return problems + _missing(name, used, edition)


def _missing(name: str, used: set[str], edition: str) -> list[Problem]:
    return [Problem("error", name, f"模板中没有放置官方数字：{label}", field=p)
            for p, label in figure_paths(edition).items() if p not in used]


def check_set(directory: Path) -> list[Problem]:
    """Lint every template in a set folder (``docx/report-2019.docx`` …); missing ones are noted."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UsageError("模板文件夹不存在", file=str(directory))
    problems: list[Problem] = []
    found = 0
    for kind, checker in (("docx", check_docx), ("xlsx", check_xlsx), ("html", check_html)):
        for edition in c.EDITIONS:
            path = directory / kind / template_name(kind, edition)
            if path.exists():
                found += 1
                problems += checker(path, edition)
            else:
                problems.append(Problem("warning", str(path), "不存在，生成时将使用默认模板"))
    if not found:
        raise UsageError("文件夹中没有模板（应为 docx/report-2019.docx 等，可先运行 reportkit templates export）",
                         file=str(directory))
    return problems
