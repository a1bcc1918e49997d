"""What the clerk's form holds: its sheets, its input cells and their names, per edition.

The writer (:mod:`reportkit.form.write`) lays these inputs out; the reader
(:mod:`reportkit.form.read`) finds each one again through its defined name, never by position,
so a clerk may insert rows, restyle or move a table.  Labels and instructions come from
:mod:`reportkit.contract.official`; the figure inputs of tables 二, 三 and 四 from :mod:`reportkit.contract.tables`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..contract import official as c, tables as layout
from ..writing.context import cn_number

#: bumped when a form of an older version can no longer be read the same way
FORM_VERSION = 1
#: the hidden sheet that marks a workbook as a form: its edition, its version, how the JSON was written
META_SHEET = "reportkit"
MARKER = "reportkit 填报表单"
BASIC_SHEET, TEXT_SHEET = "基本信息", "正文"
#: defined names: the prefix keeps them from looking like cell references (``T3``)
NAME_PREFIX = "rk."
#: the defined name of the 勾稽 check row of table 三
CHECK_NAME = "rkcheck.requests"
#: rows for the sub-sections of 一、总体情况 (more when the data has more)
SECTION_ROWS = 12
#: the most characters Excel keeps in one cell
CELL_MAX = 32_767


@dataclass(frozen=True)
class Input:
    """One input cell: the dotted path of its value (sections 1-based: ``overview.sections.3.title``),
    its contract kind, the label and the instruction the form prints, whether the report needs it."""

    path: str
    kind: str
    label: str
    hint: str
    required: bool = False

    @property
    def name(self) -> str:
        return NAME_PREFIX + self.path

    @property
    def parts(self) -> tuple:
        """The JSON path as a tuple (section numbers 0-based)."""
        out: list = []
        for p in self.path.split("."):
            out.append(int(p) - 1 if p.isdigit() else p)
        return tuple(out)


def _field(edition: str, path: str) -> c.Field:
    node = c.report_field(edition)
    for key in path.split("."):
        node = node.child(key)
    return node


def _input(edition: str, path: str, label: str | None = None) -> Input:
    f = _field(edition, path)
    return Input(path, f.kind, label or f.title, f.description, f.required)


BASIC_PATHS = ("agency", "agency_id", "region", "year", "published", "rollup", "level")


@lru_cache(maxsize=None)
def basic_inputs(edition: str) -> tuple[Input, ...]:
    """基本信息: the identity of the report (``format`` is the form's own, shown but not typed)."""
    return tuple(_input(edition, p) for p in BASIC_PATHS)


def section_inputs(edition: str, n: int) -> tuple[Input, Input]:
    """The 标题 and 正文 inputs of sub-section ``n`` (1-based) of 一、总体情况."""
    item = _field(edition, "overview.sections").item
    title, text = item.child("title"), item.child("text")
    return (Input(f"overview.sections.{n}.title", title.kind, f"（{_cn(n)}）", title.description, True),
            Input(f"overview.sections.{n}.text", text.kind, f"（{_cn(n)}）", text.description, True))


def _cn(n: int) -> str:
    return cn_number(n)


@lru_cache(maxsize=None)
def text_inputs(edition: str) -> tuple[tuple[Input, ...], tuple[Input, ...]]:
    """正文: the text fields before the sub-sections and after them (with 2021's 信息处理费)."""
    overview = _field(edition, "overview").title
    before = (_input(edition, "preface"), _input(edition, "overview.summary", f"{overview}（概述）"))
    # 五 in the order printed, each part with its sub-heading (the unit's own words), then 六
    five = ("rectification", "rectification_heading", "problems", "problems_heading", "improvements",
            "improvements_heading", "five_headings")
    after = [_input(edition, p) for p in five + ("other_matters",)]
    if edition == "2021":
        fees = _field(edition, "fees")
        after += [_input(edition, f"fees.{k}", f"{fees.title}：{fees.child(k).title}")
                  for k in ("notices", "notice_amount", "collected_amount")]
        after += [_input(edition, k) for k, _ in c.SIX_ITEMS]
    return before, tuple(after)


#: the inputs of 五 beyond problems and improvements
FIVE_EXTRA = ("rectification", "problems_heading", "improvements_heading", "rectification_heading", "five_headings")
#: optional inputs added to forms of the same version (issue 21 item 6): a form made before them
#: has no cell for them, and reads as it did (the values are absent)
ADDED_LATER = frozenset(("level",) + FIVE_EXTRA + tuple(k for k, _ in c.SIX_ITEMS))


@lru_cache(maxsize=None)
def figure_inputs(edition: str) -> tuple[layout.Figure, ...]:
    """The figures of 二, 三 and 四 that the clerk types (totals are formulas)."""
    return tuple(f for f in layout.figures(edition) if not f.computed)


def unit_input(edition: str) -> Input | None:
    """2019: the unit of 采购总金额, typed below table 二."""
    if edition != "2019":
        return None
    return _input(edition, "proactive.procurement.amount_unit")


#: the kinds of input written and read as text (the others are numbers)
TEXTUAL = (c.TEXT, c.NAME, c.STRING)


def edition_years(edition: str) -> str:
    """The years a form of ``edition`` is for, as the form says it: ``2019、2020``, ``2021 年及以后的``."""
    lo, hi = c.EDITION_YEARS[edition]
    return f"{lo}、{hi}" if edition == "2019" else f"{lo} 年及以后的"
