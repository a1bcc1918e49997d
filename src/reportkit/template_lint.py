"""``reportkit templates check``: lint a template set before anyone renders with it.

For a Word template it checks exactly what render renders (``engines.docx.template_parts``:
the body, headers, footers, footnotes, the string core properties), opened and compiled by the
same functions render uses, so that check passes only what render accepts:

- the file itself (``template_files``: a regular file, a sane zip, intact members, XML that
  parses, no relationship to anything outside the file);
- Jinja syntax, with the part and the surrounding text; tags not closed within their paragraph;
- fields that are not in the contract (dotted paths checked against the contract, with a
  "did you mean");
- official figures: each must be printed exactly as computed -- a plain ``{{ path }}`` that
  the template always reaches; arithmetic, converting filters, ``or '—'``, or a place the
  template never gets to (``{% if false %}``) are errors; only inside a condition, a warning;
- one render of a sample report under the same limits, for what fails only when it runs.

Excel templates: ``check_xlsx``.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from . import contract as c
from .context import DOC_KEYS, SECTION_KEYS
from .errors import TemplateError, UsageError
from .resources import template_name


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

_PARA = re.compile(r"<w:p[ >].*?</w:p>", re.S)
_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")
_DELIM = re.compile(r"\{\{|\{%|\{#|\}\}|%\}|#\}")
_CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}


def unclosed_paragraphs(xml: str) -> list[str]:
    """The text of each paragraph of a part's XML whose Jinja tags do not close within it.

    docxtpl looks for a tag's end anywhere later in the document and silently swallows the
    paragraphs in between, so this must be caught before docxtpl sees the template."""
    found = []
    for para in _PARA.findall(xml):
        text = html.unescape("".join(_TEXT.findall(para)))
        if not _tags_close(text):
            found.append(text)
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


def plain_text(source: str) -> str:
    """A part's source as text (tags dropped, the line structure kept)."""
    return html.unescape(re.sub(r"<[^>]*>", lambda m: "\n" * m.group().count("\n"), source))


def around(text: str, lineno: int | None, width: int = 60) -> str:
    """The text of lines ``lineno``-1 … ``lineno``+1 (1-based), trimmed."""
    lines = text.split("\n")
    if not lineno or lineno > len(lines):
        return ""
    found = " ⏎ ".join(x.strip() for x in lines[max(0, lineno - 2):lineno + 1] if x.strip())
    return found[:width * 3]



# ------------------------------------------------------------------ field paths

def _tree(source):
    """A source's syntax tree (a tree is passed through)."""
    if isinstance(source, str):
        from .engines.jinja import environment

        return environment().parse(source)
    return source


def _locals(tree) -> dict:
    """Names a template defines itself (``set``, macros and their arguments, ``with``): not fields."""
    from jinja2 import nodes

    names = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    names |= {m.name for m in tree.find_all(nodes.Macro)}
    return {n: None for n in names} | {"loop": None, "caller": None, "varargs": None, "kwargs": None}


def _path_of(node, scope: dict) -> str | None:
    """``a.b["c"]`` → "a.b.c" (a loop variable replaced by its iterable's path + "[]")."""
    from jinja2 import nodes

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
    if not isinstance(node, nodes.Name) or node.ctx != "load":
        return None
    head = scope.get(node.name, node.name)
    if head is None:
        return None
    return ".".join([head] + parts[::-1])


def _loop_scope(node, scope: dict) -> dict:
    from jinja2 import nodes

    it = _path_of(node.iter, scope)
    inner = dict(scope)
    for t in (node.target.items if isinstance(node.target, nodes.Tuple) else [node.target]):
        if isinstance(t, nodes.Name):
            inner[t.name] = f"{it}[]" if it else None
    return inner


def undefined_field(source: str, message: str, lineno: int | None = None) -> str:
    """The dotted path the template ``source`` wrote for an undefined-value error's ``message``
    ("'dict object' has no attribute 'natual'"): one written on line ``lineno`` first, then any
    whose parts hold the name; the name itself when none does."""
    m = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", message)
    if m is None:
        return message
    attr = m.group(1) or m.group(2)
    paths = jinja_paths(source)  # it compiled, so it parses
    hits = [p for p, _ in paths if attr in p.split(".")]
    near = [p for p, line in paths if line == lineno and p in hits]
    return (near or hits or [attr])[0]


def jinja_paths(source):
    """Dotted paths a Jinja source (or its tree) reads: ``[(path, lineno)]``; loop variables
    resolve to ``iterable[]`` (``s.title`` in ``for s in doc.sections`` → ``doc.sections[].title``);
    names the template defines itself are not reported."""
    from jinja2 import nodes

    tree = _tree(source)
    found: list[tuple[str, int]] = []

    def visit(node, scope):
        if isinstance(node, nodes.For):
            inner = _loop_scope(node, scope)
            visit(node.iter, scope)
            for child in node.body + node.else_ + ([node.test] if node.test else []):
                visit(child, inner)
            return
        if isinstance(node, (nodes.Getattr, nodes.Getitem, nodes.Name)) and getattr(node, "ctx", "load") == "load":
            p = _path_of(node, scope)
            if p is not None:
                found.append((p, node.lineno))
                return
        for child in node.iter_child_nodes():
            visit(child, scope)

    visit(tree, _locals(tree))
    return found


#: filters that print an official figure exactly as computed (``{{ path|string }}``)
EXACT_FILTERS = frozenset({"string", "e", "escape"})
_NOT_PRINTED = ("Compare", "Test", "Not")  # a figure here decides, it is not printed


def figure_uses(source, figures) -> dict[str, list[tuple[str, int]]]:
    """How a template uses each official figure: ``{path: [(how, lineno)]}`` with ``how``
    "placed" (a plain ``{{ path }}`` the template always reaches), "conditional" (a plain one
    inside a condition or a loop), "modified" (printed or bound after arithmetic, a filter other
    than ``string``/``e``, a concatenation, a macro argument …).  Code the template never
    reaches -- ``{% if false %}``, a loop over ``[]``, a macro nobody calls -- places nothing."""
    from jinja2 import nodes

    tree = _tree(source)
    figures = set(figures)
    uses: dict[str, list[tuple[str, int]]] = {}
    macros = {m.name: m for m in tree.find_all(nodes.Macro)}
    visiting: set[str] = set()

    def const(node):
        try:
            return True, node.as_const()
        except Exception:  # noqa: BLE001 -- jinja2.nodes.Impossible, or the constant itself fails
            return False, None

    def note(path, how, lineno):
        if path in figures:
            uses.setdefault(path, []).append((how, lineno))

    def value(node, scope, how="modified"):
        """Figures inside an expression whose value is printed or kept: all count as ``how``."""
        if type(node).__name__ in _NOT_PRINTED:
            return decide(node, scope)
        if isinstance(node, nodes.CondExpr):
            decide(node.test, scope)
            for branch in (node.expr1, node.expr2):
                if branch is not None:
                    value(branch, scope, how)
            return
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in macros:
            called(node.node.name, scope, True)
        p = _path_of(node, scope) if isinstance(node, (nodes.Getattr, nodes.Getitem, nodes.Name)) else None
        if p is not None:
            note(p, how, node.lineno)
            return
        for child in node.iter_child_nodes():
            value(child, scope, how)

    def decide(node, scope):
        """An expression that only decides (a condition): figures in it are fine."""
        for child in node.find_all(nodes.Call):
            if isinstance(child.node, nodes.Name) and child.node.name in macros:
                called(child.node.name, scope, True)

    def called(name, scope, conditional):
        if name in visiting:
            return
        visiting.add(name)
        body(macros[name].body, scope, conditional)
        visiting.discard(name)

    def printed(node, scope, conditional):
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in macros:
            called(node.node.name, scope, conditional)  # {{ cell() }}: the macro prints here
            for arg in node.args + [kw.value for kw in node.kwargs]:
                value(arg, scope)
            return
        exact = node
        while isinstance(exact, nodes.Filter) and exact.name in EXACT_FILTERS and exact.node is not None \
                and not exact.args and not exact.kwargs:
            exact = exact.node
        p = _path_of(exact, scope) if isinstance(exact, (nodes.Getattr, nodes.Getitem)) else None
        if p in figures:
            note(p, "conditional" if conditional else "placed", node.lineno)
        else:
            value(node, scope)

    def body(statements, scope, conditional):
        for node in statements:
            statement(node, scope, conditional)

    def statement(node, scope, conditional):
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    printed(child, scope, conditional)
        elif isinstance(node, nodes.If):
            decide(node.test, scope)
            known, test = const(node.test)
            if known:  # {% if false %}: only the branch taken is reached
                if test:
                    body(node.body, scope, conditional)
                elif node.elif_:
                    first = node.elif_[0]
                    statement(nodes.If(first.test, first.body, node.elif_[1:], node.else_, lineno=first.lineno),
                              scope, conditional)
                else:
                    body(node.else_, scope, conditional)
                return
            for branch in node.elif_:
                decide(branch.test, scope)
            for stmts in [node.body] + [e.body for e in node.elif_] + [node.else_]:
                body(stmts, scope, True)
        elif isinstance(node, nodes.For):
            known, items = const(node.iter)
            inner = _loop_scope(node, scope)
            value(node.iter, scope, "modified")
            if not (known and not items):
                body(node.body, inner, True)
            body(node.else_, scope, True)
        elif isinstance(node, nodes.Macro):
            return  # reached when called
        elif isinstance(node, nodes.CallBlock):
            value(node.call, scope)
            body(node.body, scope, True)
        elif isinstance(node, nodes.FilterBlock):  # its output passes through the filter
            exact = node.filter.name in EXACT_FILTERS and not node.filter.args and not node.filter.kwargs
            for out in node.find_all(nodes.Output):
                for child in out.nodes:
                    if isinstance(child, nodes.TemplateData):
                        continue
                    if exact:
                        printed(child, scope, True)
                    else:
                        value(child, scope)
        elif isinstance(node, nodes.AssignBlock):  # {% set x %}…{% endset %}: bound, not printed
            for out in node.find_all(nodes.Output):
                for child in out.nodes:
                    if not isinstance(child, nodes.TemplateData):
                        value(child, scope)
        elif isinstance(node, (nodes.Assign, nodes.With, nodes.ExprStmt)):
            for child in node.iter_child_nodes():
                if isinstance(child, nodes.Expr):
                    value(child, scope)
                else:
                    statement(child, scope, conditional)
        else:
            for child in node.iter_child_nodes():
                if isinstance(child, nodes.Stmt):
                    statement(child, scope, conditional)
                elif isinstance(child, nodes.Expr):
                    value(child, scope)

    body(tree.body, _locals(tree), False)
    return uses


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


#: names every Word template may use besides the context: Jinja2's globals and constants
GLOBALS = frozenset({"range", "dict", "cycler", "joiner", "namespace",
                     "true", "false", "none", "True", "False", "None"})


def unknown_field(path: str, edition: str) -> str | None:
    """None when ``path`` exists in the context of ``edition``; else a hint."""
    parts = re.split(r"\.", path.replace("[]", ".[]"))
    if parts[0] == "doc":
        return _doc_check(parts)
    if parts[0] in GLOBALS:
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
    """Lint a Word template: exactly the parts render renders (``engines.docx.template_parts``),
    each compiled as render compiles it; its fields against the contract; every official figure
    printed exactly as computed; then one render of a sample report under the same limits, so
    that what fails only when it runs (or runs away) is found here and not at render."""
    from jinja2 import TemplateSyntaxError

    from .engines.docx import compile_part, open_word, owned_settings, template_parts
    from .engines.jinja import environment

    name = str(path)
    try:
        word = open_word(path)
        parts = template_parts(word)
        overridden = owned_settings(word)[1]
    except TemplateError as exc:
        return [Problem("error", name, exc.message)]
    # the settings the PDF depends on are reportkit's: said, not refused
    problems: list[Problem] = [Problem("warning", name, "模板" + note) for note in overridden]
    used: set[str] = set()
    uses: dict[str, list[tuple[str, str]]] = {}
    figures = figure_paths(edition)
    broken = False
    for part in parts:
        unclosed = unclosed_paragraphs(part.xml) if part.xml else []
        for text in unclosed:
            problems.append(Problem("error", name, "Jinja 语法错误：标签在本段内没有闭合", where=f"{part.member}：{text[:120]}"))
        if unclosed:
            broken = True
            continue
        text = plain_text(part.source)
        try:
            tree = environment().parse(part.source)
            compile_part(part, name)  # what only compiling finds: an unknown filter, too deep nesting …
        except TemplateSyntaxError as exc:
            problems.append(Problem("error", name, f"Jinja 语法错误：{exc.message}", where=f"{part.label}：{around(text, exc.lineno)}"))
            broken = True
            continue
        except RecursionError:
            problems.append(Problem("error", name, "模板表达式嵌套过深，无法编译", where=part.label))
            broken = True
            continue
        except TemplateError as exc:
            problems.append(Problem("error", name, exc.message))
            broken = True
            continue
        for p, lineno in jinja_paths(tree):
            used.add(p)
            hint = unknown_field(p, edition)
            if hint is not None:
                problems.append(Problem("error", name, f"字段不在数据规范中：{p}；{hint}", field=p,
                                        where=f"{part.label}：{around(text, lineno)}"))
        if part.kind != "core":
            for p, found in figure_uses(tree, figures).items():
                uses.setdefault(p, []).extend((how, f"{part.label}：{around(text, lineno)}") for how, lineno in found)
    if not broken:  # a broken part hides its figures
        problems += _figure_problems(name, figures, uses, used)
    if not any(p.severity == "error" for p in problems):
        problems += _trial(path, edition)
    return problems


def _figure_problems(name: str, figures: dict[str, str], uses: dict, used: set[str]) -> list[Problem]:
    problems = []
    for path, label in figures.items():
        found = uses.get(path, [])
        for how, at in found:
            if how == "modified":
                problems.append(Problem("error", name, f"官方数字必须原样输出（{{{{ {path} }}}}），模板对它做了运算或转换："
                                                       f"{label}", field=path, where=at))
        if not any(how in ("placed", "conditional") for how, _ in found):
            never = "（只出现在永远不会输出的位置，如 {% if false %} 之中）" if path in used and not found else ""
            problems.append(Problem("error", name, f"模板中没有放置官方数字：{label}{never}", field=path))
        elif not any(how == "placed" for how, _ in found):
            problems.append(Problem("warning", name, f"官方数字只在条件成立或循环中才输出：{label}", field=path,
                                    where=next(at for how, at in found if how == "conditional")))
    return problems


def sample_report(edition: str) -> dict:
    """A report of ``edition`` with every row at 0 and every text present, to try a template on."""
    from .skeleton import skeleton

    year = 2020 if edition == "2019" else 2021
    data = skeleton(year, "示例单位", edition=edition)
    for section in data["overview"]["sections"]:
        section["text"] = "示例文字。"
    data["overview"]["summary"] = "示例文字。"
    data["problems"] = data["improvements"] = data["other_matters"] = "示例文字。"
    data["published"] = f"{year + 1}-01-20"
    return data


def _trial(path: Path, edition: str) -> list[Problem]:
    """The template rendered with :func:`sample_report`: what its code raises at run time."""
    import datetime as dt

    from .context import build_context

    context = build_context(sample_report(edition))
    try:
        if path.suffix.lower() == ".docx":
            from .engines.docx import render_docx

            render_docx(path, context, dt.datetime(2022, 1, 20))
        else:
            from .engines.html import render_html

            render_html(path, context)
    except TemplateError as exc:
        return [Problem("error", str(path), f"用示例数据试生成失败：{exc.message}")]
    return []


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
    problems += _missing(name, used, edition)
    if not any(p.severity == "error" for p in problems):
        problems += _trial(path, edition)
    return problems


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
