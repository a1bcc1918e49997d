"""``reportkit templates check``: lint a template set before anyone renders with it.

For a Word template it checks exactly what render renders (``writing.docx.template_parts``:
the body, headers, footers, footnotes, the string core properties), opened and compiled by the
same functions render uses, so that check passes only what render accepts:

- the file itself (``templating.files``: a regular file, a sane zip, intact members, XML that
  parses, no relationship to anything outside the file);
- Jinja syntax, with the part and the surrounding text; tags not closed within their paragraph;
- fields that are not in the contract (dotted paths checked against the contract, with a
  "did you mean");
- official figures: each must be printed exactly as computed -- a plain ``{{ path }}`` that
  the template always reaches; arithmetic, converting filters, ``or '—'``, or a place the
  template never gets to (``{% if false %}``) are errors; only inside a condition, a warning;
- one render of a sample report under the same limits, for what fails only when it runs.

Excel templates: ``check_xlsx``.

What a template's Jinja reads and prints is worked out by :mod:`reportkit.templating.analysis`;
how Word XML is read as text, by the engine (:mod:`reportkit.writing.docx`).  Neither this
module nor the analysis is part of the prepared-template cache key: editing the lint command
does not drop anyone's prepared templates.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from jinja2 import TemplateSyntaxError, nodes

from ..contract import official as c
from ..writing.context import BLOCK_KEYS, DOC_KEYS, SECTION_KEYS, build_context
from ..writing.docx import around, plain_text, unclosed_paragraphs  # noqa: F401  (the engine's reading of Word XML)
from ..errors import TemplateError, UsageError
from ..resources import template_name
from .analysis import figure_uses, jinja_paths  # noqa: F401  (the Jinja analysis)
from ..writing.docx import compile_part, open_word, owned_settings, render_docx, template_parts
from .jinja import environment
from ..contract.skeleton import skeleton
from ..writing.html import ARTICLE_BLOCK, NESTED_TOO_DEEP, external_references, render_html, template_source
from ..writing.xlsx import inspect_template


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


def _doc_check(parts: list[str]) -> str | None:
    if len(parts) < 2:
        return None
    key = parts[1]
    if key not in DOC_KEYS:
        return _suggest(key, DOC_KEYS)
    if key in ("sections", "five", "six") and len(parts) > 2:
        if parts[2] != "[]" and not parts[2].isdigit():
            return f"doc.{key} 是列表，请用 for 循环"
        allowed = SECTION_KEYS if key == "sections" else BLOCK_KEYS
        if len(parts) > 3 and parts[3] not in allowed:
            return _suggest(parts[3], allowed)
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
    """Lint a Word template: exactly the parts render renders (``writing.docx.template_parts``),
    each compiled as render compiles it; its fields against the contract; every official figure
    printed exactly as computed; then one render of a sample report under the same limits, so
    that what fails only when it runs (or runs away) is found here and not at render."""
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
        problems += _parts_unprinted(name, used, edition)
    if not any(p.severity == "error" for p in problems):
        problems += _trial(path, edition)
    return problems


def _parts_unprinted(name: str, used: set[str], edition: str) -> list[Problem]:
    """A Word or web template written before ``doc.five``/``doc.six`` (issue 21 item 6) prints
    neither 五's parts in the unit's words nor 2021's 六 sub-items: a warning (reports that use
    them would be refused by the read-back guard)."""
    out = []
    wanted = [("five", "五的各部分及其小标题（doc.five：上年度问题整改情况、自拟的小标题）")]
    if edition == "2021":
        wanted.append(("six", "六的分项（doc.six：信息处理费、工作要点、建议提案、创新情况）"))
    for key, what in wanted:
        if not any(p == f"doc.{key}" or p.startswith(f"doc.{key}.") or p.startswith(f"doc.{key}[")
                   for p in used):
            out.append(Problem("warning", name, f"模板没有印出{what}：填写了这些内容的报告无法用本模板生成；"
                                                "请参照默认模板（reportkit templates export）加入", field=f"doc.{key}"))
    return out


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
    year = 2020 if edition == "2019" else 2021
    data = skeleton(year, "示例单位", edition=edition)
    for section in data["overview"]["sections"]:
        section["text"] = "示例文字。"
    data["overview"]["summary"] = "示例文字。"
    data["problems"] = data["improvements"] = data["other_matters"] = data["rectification"] = "示例文字。"
    if edition == "2021":  # 六 as sub-items, so that a template's doc.six is tried too
        for key, _ in c.SIX_ITEMS:
            data[key] = "示例文字。"
    data["published"] = f"{year + 1}-01-20"
    return data


def _trial(path: Path, edition: str) -> list[Problem]:
    """The template rendered with :func:`sample_report`: what its code raises at run time."""
    context = build_context(sample_report(edition))
    try:
        if path.suffix.lower() == ".docx":
            render_docx(path, context, dt.datetime(2022, 1, 20))
        else:
            render_html(path, context)
    except TemplateError as exc:
        return [Problem("error", str(path), f"用示例数据试生成失败：{exc.message}")]
    return []


def check_xlsx(path: Path, edition: str) -> list[Problem]:
    """Everything rendering with an Excel template would refuse (formulas, external links,
    malformed placeholders: each located), fields not in the contract, fields that are not a
    single value or a list of paragraphs (an Excel cell holds nothing else), figures not placed."""
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
            if len(parts) == 1 or parts[1] in ("sections", "five", "six"):
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


#: what an HTML template sees beyond the report context (see reportkit.writing.html)
PAGE_KEYS = ("signature_indent", "date_indent")


def check_html(path: Path, edition: str) -> list[Problem]:
    name = str(path)
    try:
        source = template_source(path)
    except TemplateError as exc:
        return [Problem("error", name, exc.message)]
    problems = [Problem("error", name, f"网页模板不得加载脚本或外部资源：{ref}") for ref in external_references(source)]
    try:
        tree = environment().parse(source)
        paths = jinja_paths(tree)
    except TemplateSyntaxError as exc:
        return problems + [Problem("error", name, f"Jinja 语法错误：{exc.message}",
                                   where=f"第 {exc.lineno} 行：{around(source, exc.lineno)}")]
    except (RecursionError, MemoryError):   # Jinja's parser (or the walk of its tree) gave up

        return problems + [Problem("error", name, NESTED_TOO_DEEP)]

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
    problems += _parts_unprinted(name, used, edition)
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
