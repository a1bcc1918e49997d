"""The unit's form as a web page, and back: built from the same official layout the Excel form
and the Word report use (:mod:`reportkit.contract.tables` for tables 二/三/四 with their merged heads,
:mod:`reportkit.form.fields` for 基本信息 and the prose, :mod:`reportkit.contract.official` for labels).

Every input is named by the dotted path of its value (``requests.received.natural``; sub-sections
of 一 are 1-based: ``overview.sections.2.text``), as the Excel form names its cells.  A posted
page is read back into report data by :func:`read_post`; reportkit's own validation then speaks
(one rule source), and :func:`anchor_of` places each finding at the input or section it concerns.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from reportkit.contract import official as c
from reportkit.contract import tables as layout
from reportkit.form import fields as F
from reportkit.contract.totals import get

#: figures the clerk types: counts and signed counts as integers, amounts as written
NUMERIC = (c.COUNT, c.SIGNED, c.YEAR)
_INT = re.compile(r"[+-]?[0-9]+")
#: extra empty sub-section rows offered under 一 (a plain form post can add sections without JS)
SPARE_SECTIONS = 2


# ------------------------------------------------------------------------------------ reading a post

def _clean_text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def number_value(raw: str, kind: str):
    """A typed figure: an integer for counts (full-width digits, spaces and thousands commas
    allowed), the text as written for amounts; blank is 0.  Anything else is kept as typed, so
    that validation names it (``应为非负整数，实为 "12件"``)."""
    text = unicodedata.normalize("NFKC", raw).strip().replace(",", "")
    if kind == c.AMOUNT:
        return text or "0"
    if text == "":
        return 0
    if _INT.fullmatch(text):
        return int(text)
    return raw.strip()


def read_post(post, edition: str, base: dict) -> dict:
    """Report data from a posted form page (a QueryDict or dict of str), starting from ``base`` for
    the identity the page does not edit (format, year, ``$schema``).  Printed totals are dropped:
    the page computes them, and so does reportkit."""
    data: dict = {}
    for key in ("$schema",):
        if key in base:
            data[key] = base[key]
    data["format"] = edition
    data["year"] = base.get("year")
    _post_basics(data, post, edition)
    before, after = F.text_inputs(edition)
    for inp in before:
        _put_text(data, inp, post)
    data.setdefault("overview", {})["sections"] = _post_sections(post)
    _post_figures(data, post, edition, base)
    _post_closing(data, post, after)
    return data


def _post_basics(data: dict, post, edition: str) -> None:
    """基本信息 as posted (not the year, which the page does not edit): a box ticked is True,
    a text blank is left out unless required."""
    for inp in F.basic_inputs(edition):
        if inp.path in ("year",):
            continue
        raw = post.get(inp.path, "")
        if inp.kind == c.BOOL:
            if raw in ("on", "1", "true", "是"):
                data[inp.path] = True
            continue
        raw = _clean_text(raw).strip()
        if raw or inp.required:
            data[inp.path] = raw


def _post_sections(post) -> list[dict]:
    """The sub-sections of 一 posted (1-based, until a number is missing), empty ones left out."""
    sections = []
    n = 1
    while f"overview.sections.{n}.title" in post or f"overview.sections.{n}.text" in post:
        title = _clean_text(post.get(f"overview.sections.{n}.title", "")).strip()
        text = _clean_text(post.get(f"overview.sections.{n}.text", "")).strip("\n")
        if title or text.strip():
            sections.append({"title": title, "text": text})
        n += 1
    return sections


def _post_figures(data: dict, post, edition: str, base: dict) -> None:
    """Tables 二, 三 and 四 as typed, and 二's amount unit when one is chosen."""
    for key in ("proactive", "requests", "appeals"):
        data[key] = {}
    for fig in F.figure_inputs(edition):
        raw = post.get(fig.path, "")
        parts = fig.path.split(".")
        if fig.value_kind == c.AMOUNT:
            # an amount shown and posted unchanged keeps its JSON value (0 stays 0, not "0")
            before = get(base, tuple(parts))
            if before is not None and not isinstance(before, bool) and raw.strip() == str(before):
                _put(data, parts, before)
                continue
        _put(data, parts, number_value(raw, fig.value_kind))
    unit = F.unit_input(edition)
    if unit is not None and post.get(unit.path, "").strip():
        _put(data, unit.path.split("."), post.get(unit.path).strip())


def _post_closing(data: dict, post, after: tuple) -> None:
    """The texts after the tables, and the fees of 六 when any of them is filled in."""
    fees = [i for i in after if i.path.startswith("fees.")]
    for inp in after:
        if not inp.path.startswith("fees."):
            _put_text(data, inp, post)
    if fees and any(post.get(i.path, "").strip() for i in fees):
        for inp in fees:
            _put(data, inp.path.split("."), number_value(post.get(inp.path, ""), inp.kind))


def _put_text(data: dict, inp: F.Input, post) -> None:
    raw = _clean_text(post.get(inp.path, ""))
    if raw.strip() or inp.required:
        _put(data, inp.path.split("."), raw.strip("\n"))


def _put(data: dict, parts: list[str], value) -> None:
    node = data
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


# ------------------------------------------------------------------------------------ findings

def dotted(json_path: str) -> str:
    """``$.overview.sections[1].text`` → ``overview.sections.2.text`` (the page's input names)."""
    out = json_path.removeprefix("$").lstrip(".")
    out = re.sub(r"\[(\d+)\]", lambda m: f".{int(m.group(1)) + 1}", out)
    return out


def anchor_of(json_path: str, names: set[str]) -> str:
    """The input (or section) a finding is shown at: its own path, else the nearest enclosing one
    on the page, else ``""`` (the list only)."""
    path = dotted(json_path)
    while path:
        if path in names:
            return path
        path = path.rpartition(".")[0]
    return ""


# ------------------------------------------------------------------------------------ the page

@dataclass
class Box:
    """An input (or a computed total) on the page."""

    name: str
    label: str
    kind: str
    value: object = ""
    hint: str = ""
    required: bool = False
    computed: bool = False
    sums: tuple[str, ...] = ()
    findings: list = field(default_factory=list)

    @property
    def multiline(self) -> bool:
        return self.kind == c.TEXT

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC or self.kind == c.AMOUNT

    @property
    def severity(self) -> str:
        if any(f.is_error for f in self.findings):
            return "error"
        return "warning" if self.findings else ""

    @property
    def sums_attr(self) -> str:
        return " ".join(self.sums)


@dataclass
class PageCell:
    text: str = ""
    kind: str = "label"
    rowspan: int = 1
    colspan: int = 1
    vertical: bool = False
    box: Box | None = None
    row: int = 0
    col: int = 0


@dataclass
class PageTable:
    key: str
    heading: str
    rows: list[list[PageCell]]
    findings: list = field(default_factory=list)


def sums_of(path: str, edition: str) -> tuple[str, ...]:
    """The typed figures a computed total adds up (the page sums them as you type)."""
    parts = path.split(".")
    if parts[0] == "appeals":
        return tuple(f"appeals.{parts[1]}.{k}" for k, _ in c.APPEAL_COLUMNS)
    if parts[:3] == ["requests", "results", "total"]:
        keys = c.COLUMN_KEYS if parts[3] == "total" else (parts[3],)
        return tuple("requests.results." + ".".join(p) + f".{k}" for p, _ in c.applicant_rows(edition) for k in keys)
    return tuple(".".join(parts[:-1]) + f".{k}" for k in c.COLUMN_KEYS)


def _value(data: dict, path: str):
    return get(data, tuple(int(p) - 1 if p.isdigit() else p for p in path.split(".")))


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else ""
    return str(value)


def total_value(data: dict, sums: tuple[str, ...]):
    """A total as the page shows it: the sum of the figures, or ``""`` while one is not a number."""
    total = 0
    for p in sums:
        v = _value(data, p)
        if isinstance(v, bool) or not isinstance(v, int):
            return ""
        total += v
    return total


def build(edition: str, data: dict, findings) -> dict:
    """Everything the form template shows: 基本信息, prose, tables, findings placed at their input."""
    boxes: dict[str, Box] = {}

    def box(inp: F.Input, label: str | None = None) -> Box:
        b = Box(inp.path, label or inp.label, inp.kind, _shown(_value(data, inp.path)), inp.hint, inp.required)
        boxes[b.name] = b
        return b

    basic = [box(i) for i in F.basic_inputs(edition)]
    before, after = F.text_inputs(edition)
    texts_before = [box(i) for i in before]
    sections = []
    sections_now = _value(data, "overview.sections")
    n_sections = (len(sections_now) if isinstance(sections_now, list) else 0) + SPARE_SECTIONS
    for n in range(1, n_sections + 1):
        t, x = F.section_inputs(edition, n)
        sections.append((box(t, f"（{_cn(n)}）小标题"), box(x, f"（{_cn(n)}）正文")))
    texts_after = [box(i) for i in after]
    unit = F.unit_input(edition)
    unit_box = box(unit) if unit is not None else None

    tables = []
    for t in layout.tables(edition):
        rows = []
        figure_row = -1
        for r, row in enumerate(t.rows):
            cells = []
            col = 0
            has_input = False
            for cell in row:
                pc = PageCell(cell.text, cell.kind, cell.rowspan, cell.colspan, cell.vertical)
                if cell.is_figure:
                    fig_kind = cell.value_kind or c.COUNT
                    label = _figure_label(edition, cell.path)
                    if cell.computed:
                        sums = sums_of(cell.path, edition)
                        b = Box(cell.path, label, fig_kind, total_value(data, sums), computed=True, sums=sums)
                    else:
                        b = Box(cell.path, label, fig_kind, _shown(_value(data, cell.path)))
                        has_input = True
                        pc.col = col
                        col += 1
                    boxes[b.name] = b
                    pc.box = b
                cells.append(pc)
            if has_input:
                figure_row += 1
                for pc in cells:
                    pc.row = figure_row
            rows.append(cells)
        tables.append(PageTable(t.key, t.heading, rows))

    containers = {"overview.sections", "overview", "proactive", "requests", "appeals", "fees", "requests.results"}
    names = set(boxes) | containers
    placed: dict[str, list] = {}
    listed = []
    for f in findings:
        anchor = anchor_of(f.path, names)
        placed.setdefault(anchor, []).append(f)
        listed.append((f, anchor))
    for name, fs in placed.items():
        if name in boxes:
            boxes[name].findings = fs
    for t in tables:
        t.findings = placed.get(t.key, [])
    return {
        "basic": basic, "texts_before": texts_before, "sections": sections, "texts_after": texts_after,
        "unit_box": unit_box, "tables": tables, "sections_findings": placed.get("overview.sections", []),
        "overview_title": c.report_field(edition).child("overview").title,
        "general_findings": placed.get("", []) + placed.get("overview", []) + placed.get("fees", []),
        "findings_list": listed,  # every finding with the input it is shown at (the list links there)
    }


def _figure_label(edition: str, path: str) -> str:
    for f in layout.figures(edition):
        if f.path == path:
            return f.label
    return path


def _cn(n: int) -> str:
    from reportkit.writing.context import cn_number

    return cn_number(n)


def finding_dict(f, names: set[str] | None = None) -> dict:
    d = {"severity": f.severity, "code": f.code, "path": f.path, "label": f.label, "message": f.message,
         "text": f"{f.label}：{f.message}"}
    if names is not None:
        d["anchor"] = anchor_of(f.path, names)
    return d


def page_names(edition: str, data: dict) -> frozenset[str]:
    """The input names of the page for ``data`` (what findings are placed at)."""
    sections = _value(data, "overview.sections")
    return _page_names(edition, (len(sections) if isinstance(sections, list) else 0) + SPARE_SECTIONS)


@lru_cache(maxsize=64)
def _page_names(edition: str, n_sections: int) -> frozenset[str]:
    return frozenset(_names(edition, n_sections))


def _names(edition: str, n_sections: int):
    yield from (i.path for i in F.basic_inputs(edition))
    before, after = F.text_inputs(edition)
    yield from (i.path for i in before + after)
    for n in range(1, n_sections + 1):
        yield from (i.path for i in F.section_inputs(edition, n))
    yield from layout.figure_paths(edition)
    unit = F.unit_input(edition)
    if unit is not None:
        yield unit.path
    yield from ("overview.sections", "overview", "proactive", "requests", "appeals", "fees", "requests.results")
