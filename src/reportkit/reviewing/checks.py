"""The checks a supervising office makes beyond one report's own validation: deadlines, copied
text between units, year on year, and the region's sums."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from ..contract import official as c
from ..contract import tables as layout
from ..writing.context import cn_date
from ..validation.findings import json_path
from ..reading.labels import fold
from ..validation.rules import texts
from ..contract.totals import amount, completed, get, row_total
from .similarity import SIMILARITY_THRESHOLD, Section, normalise, similar_groups

#: 条例第四十九条: a 部门 publishes by 1月31日, the 主管部门 the 本级政府's report by 3月31日
DEADLINE_UNIT = (1, 31)
DEADLINE_ROLLUP = (3, 31)
#: applications received: a change of × JUMP_RATIO or more either way, when the larger year has at
#: least JUMP_FLOOR applications (3 → 10 is not worth a reviewer's time; 40 → 130 is)
JUMP_RATIO = 3
JUMP_FLOOR = 20

CHECKS = {"validation": "校验", "deadline": "发布时限", "copy": "内容雷同", "year_on_year": "年度衔接"}
#: validation's findings about the 成文日期 that the deadline check says again, with the deadline
DATE_CODES = frozenset({"published-missing", "published-early"})
#: where the figures are: a schema finding there means they cannot be added up
TABLES = ("$.proactive", "$.requests", "$.appeals")
#: the validation codes of the rules that compare with last year: reported under year on year
#: (and 内容雷同 with the unit's own last year under copy)
CROSS_YEAR_CODES = {"previous-year": "year_on_year", "previous-agency": "year_on_year",
                    "carry-over": "year_on_year", "in-force": "year_on_year",
                    "previous-items": "year_on_year", "similar-text": "copy"}
SEVERITY_TEXT = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass(frozen=True)
class Issue:
    """One thing the review has to say about a unit."""

    check: str               # validation | deadline | copy | year_on_year
    severity: str            # error | warning | info (提示: shown, not counted in the verdict)
    code: str                # stable identifier: balance, late, no-date, copy, jump, all-zero …
    message: str             # plain Chinese, complete in itself
    label: str = ""          # official label(s) of what it is about
    path: str = ""           # JSON path, where one applies
    other: str = ""          # the other unit (内容雷同: the member of its group it is most alike)
    value: object = None     # the figure, date or share concerned
    expected: object = None  # what it should be
    group: int = 0           # 内容雷同: the number of its group (:class:`CopyGroup`), from 1

    def text(self) -> str:
        return f"{self.label}：{self.message}" if self.label else self.message

    def to_dict(self) -> dict:
        d = {"check": self.check, "severity": self.severity, "code": self.code, "message": self.message,
             "label": self.label, "path": self.path}
        if self.other:
            d["other"] = self.other
        if self.group:
            d["group"] = self.group
        for k in ("value", "expected"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v if isinstance(v, (int, float, str)) else str(v)
        return d


def from_finding(f) -> Issue:
    check = CROSS_YEAR_CODES.get(f.code, "validation")
    return Issue(check, f.severity, f.code, f.message, f.label, f.path, value=f.printed, expected=f.computed)


# ------------------------------------------------------------------------------ deadlines

def tables_sound(findings) -> bool:
    """Whether a unit's three tables passed the schema (its figures are counts and amounts that can
    be added up): the condition of the year-on-year figures, the region's sums and the charts."""
    return not any(f.code.startswith("schema") and f.path.startswith(TABLES) for f in findings)


def deadline(data: dict) -> dt.date | None:
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not c.YEAR_MIN <= year <= c.YEAR_MAX:
        return None
    month, day = DEADLINE_ROLLUP if data.get("rollup") is True else DEADLINE_UNIT
    return dt.date(year + 1, month, day)


def deadlines(data: dict, findings=()) -> list[Issue]:
    """The deadline of 条例第四十九条 against the 成文日期; a date before the year ended is said as
    validation's ``published-early`` finding (in ``findings``) says it."""
    due = deadline(data)
    if due is None:
        return []
    who = "本级政府年度报告" if data.get("rollup") is True else "部门（单位）年度报告"
    rule = f"《条例》第四十九条：{who}应于 {cn_date(due.isoformat())} 前公布"
    published = data.get("published")
    label = c.label(data.get("format"), ("published",))
    if not published:
        return [Issue("deadline", "warning", "no-date", f"没有发布日期（落款日期），无法核对是否按时公布；{rule}",
                      label, "$.published", expected=due.isoformat())]
    try:
        when = dt.date.fromisoformat(published)
    except (TypeError, ValueError):
        return []  # validation has already said the date is not a date
    if when > due:
        days = (when - due).days
        return [Issue("deadline", "error", "late", f"{cn_date(published)}发布，逾期 {days} 天；{rule}", label,
                      "$.published", value=published, expected=due.isoformat())]
    if any(f.code == "published-early" for f in findings):
        return [Issue("deadline", "warning", "early", f"发布日期 {cn_date(published)} 早于报告年度结束，请核实",
                      label, "$.published", value=published)]
    return []


# ------------------------------------------------------------------------------ 内容雷同

def section_label(edition: str | None, path: tuple, data: dict | None = None) -> str:
    if path[:2] == ("overview", "sections") and data is not None:
        try:
            title = data["overview"]["sections"][path[2]]["title"].strip()
        except (KeyError, IndexError, TypeError, AttributeError):
            title = ""
        return f"一、总体情况 / （{path[2] + 1}）{title}".rstrip()
    return c.label(edition, path)


@dataclass
class CopyGroup:
    """Units whose texts are ≥ 80 % alike each other (each joined to the group by one it is that
    alike; :mod:`reportkit.reviewing.similarity`): reported once, not as every pair."""

    number: int                       # from 1, in the order of the units
    units: list[int]                  # unit indexes, each once
    members: list[tuple]              # (unit index, section label, JSON path, nearest unit index, share)

    @property
    def label(self) -> str:
        """The part(s) they share, each named once (the first three, when the units titled them
        differently)."""
        labels = list(dict.fromkeys(m[1] for m in self.members))
        shown = "、".join(labels[:3])
        return shown if len(labels) <= 3 else f"{shown}等 {len(labels)} 处"

    def names(self, units, most: int = 0) -> str:
        names = [units[i].name for i in self.units]
        if most and len(names) > most:
            return "、".join(names[:most]) + f"等 {len(names)} 个单位"
        return "、".join(names)

    def to_dict(self, units) -> dict:
        return {"group": self.number, "label": self.label, "size": len(self.units),
                "units": [units[i].name for i in self.units],
                "members": [{"unit": units[i].name, "source": units[i].source, "label": label, "path": path,
                             "nearest": units[j].name, "share": round(share, 4)}
                            for i, label, path, j, share in self.members]}


def copies(units, same: dict[int, int] | None = None) -> tuple[dict[int, list[Issue]], list[CopyGroup]]:
    """内容雷同 between the units (a list of :class:`reportkit.reviewing.Unit`): ({unit index:
    issues}, the groups).  ``same`` maps a unit sent twice to its first copy: the two are not
    compared.  Each unit of a group gets one issue per section of it in the group, naming the
    member it is most alike and the group."""
    same = same or {}
    sections = []
    for i, u in enumerate(units):
        if u.data is None or u.error is not None:
            continue
        for path, text in texts(u.data).items():
            sections.append(Section(i, path, normalise(text)))
    out: dict[int, list[Issue]] = {}
    groups: list[CopyGroup] = []
    for g in similar_groups(sections, owner=lambda s: same.get(s.unit, s.unit)):
        group = CopyGroup(len(groups) + 1, g.units, [])
        groups.append(group)
        nearest = []
        for s in g.sections:
            m = g.nearest(s)
            near = m.b if m.a == s else m.a
            nearest.append(near)
            u = units[s.unit]
            group.members.append((s.unit, section_label(u.edition, s.path, u.data), json_path(s.path),
                                  near.unit, m.share))
        if len(g.units) == 2:
            rest = "（两个单位：{}）".format(group.names(units))
        else:
            rest = (f"；属雷同组 {group.number}：{len(g.units)} 个单位的“{group.label}”彼此雷同"
                    f"（每个单位至少与组内另一个单位相同之处达 {SIMILARITY_THRESHOLD:.0%}；各单位见雷同组清单）")
        for (i, mine, path, j, share), near in zip(group.members, nearest):
            other = units[j]
            theirs = section_label(other.edition, near.path, other.data)
            out.setdefault(i, []).append(Issue(
                "copy", "warning", "copy", f"与{other.name}的“{theirs}”相同之处占 {share:.0%}{rest}",
                mine, path, other=other.name, value=round(share, 4), group=group.number))
    return out, groups


# ------------------------------------------------------------------------------ year on year

def figures(data: dict, edition: str) -> dict[str, object]:
    """Every figure of the three tables at its layout path, totals computed."""
    tables = completed({k: data.get(k) for k in ("proactive", "requests", "appeals")}, edition)
    return {".".join(path): get(tables, path) for path in _paths(edition)}


@lru_cache(maxsize=None)
def _paths(edition: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(f.path.split(".")) for f in layout.figures(edition))


@lru_cache(maxsize=None)
def _entered(edition: str) -> dict[str, tuple[str, ...]]:
    """table key → the paths of the figures a unit enters (not the computed 总计s)."""
    return {t.key: tuple(f.path for f in t.figures() if not f.computed) for t in layout.tables(edition)}


def _is_zero(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value == 0
    a = amount(value)
    return a is not None and a == 0


def year_on_year(unit, last_year) -> list[Issue]:
    """Beyond the cross-year rules of validation (carry-over, 现行有效件数, 上一年项目数量, own
    雷同): jumps in applications received and tables all zero two years running.  ``unit`` and
    ``last_year`` are units of the review (:class:`reportkit.reviewing.Unit`) whose tables
    passed the schema."""
    data, prev = unit.data, last_year.data
    edition, prev_edition = data.get("format"), prev.get("format")
    out: list[Issue] = []
    now_req, last_req = data.get("requests"), prev.get("requests")
    if isinstance(now_req, dict) and isinstance(last_req, dict):
        now, last = row_total(now_req.get("received")), row_total(last_req.get("received"))
        high, low = max(now, last), min(now, last)
        if high >= JUMP_FLOOR and (low == 0 or high >= JUMP_RATIO * low):
            how = "增至" if now > last else "降至"
            times = f"{high / low:.1f} 倍" if low else "从 0 起"
            out.append(Issue("year_on_year", "warning", "jump",
                             f"本年新收申请 {now} 件，上一年度 {last} 件，{how}{'上年的 ' + times if low else times}"
                             f"（变化达 {JUMP_RATIO} 倍以上），请核实", c.label(edition, ("requests", "received")),
                             "$.requests.received", value=now, expected=last))
    if edition in c.EDITIONS and prev_edition in c.EDITIONS:
        now_f, last_f = unit.figures(), last_year.figures()
        for table in layout.tables(edition):
            keys, last_keys = _entered(edition)[table.key], _entered(prev_edition)[table.key]
            if all(_is_zero(now_f[k]) for k in keys) and all(_is_zero(last_f[k]) for k in last_keys):
                # most units have no 复议/诉讼 at all: an empty 四 is noted, not warned about
                severity = "info" if table.key == "appeals" else "warning"
                out.append(Issue("year_on_year", severity, "all-zero",
                                 "本年和上一年度全部为 0，请核实是否漏填", table.heading, f"$.{table.key}"))
    return out


# ------------------------------------------------------------------------------ region sums

#: what the region's sums are not, said wherever they are shown (the page, the workbook, ``--json``)
SUMS_NOTE = ("本表为所列各单位报告数字的简单加总，仅供审核参考；"
             "不能代替本地区人民政府（本级）的政府信息公开工作年度报告，汇总报告（rollup）未计入。")


@dataclass
class Sums:
    """Every figure of one edition summed over the units: not the region's own report."""

    edition: str
    year: int | None
    units: list[int]                       # indexes of the units summed
    excluded: list[tuple[int, str]]        # (unit index, why)
    values: dict[str, object]              # path → sum (int, or Decimal for amounts)
    per_unit: dict[int, dict[str, object]]  # unit index → path → figure


def sums(units) -> list[Sums]:
    """One :class:`Sums` per edition present: rollup reports (a region's own figures) and reports
    whose tables break the schema are left out, and listed."""
    out: dict[str, Sums] = {}
    for i, u in enumerate(units):
        if u.data is None or u.error is not None or u.edition not in c.EDITIONS:
            continue
        s = out.setdefault(u.edition, Sums(u.edition, u.year, [], [], {}, {}))
        if s.year != u.year:
            s.year = None
        if u.data.get("rollup") is True:
            s.excluded.append((i, "汇总报告（本级政府报告），其数字已包含下属单位"))
            continue
        if not tables_sound(u.findings):
            s.excluded.append((i, "表格数据不符合数据规范"))
            continue
        s.units.append(i)
        s.per_unit[i] = u.figures()
    for s in out.values():
        for f in layout.figures(s.edition):
            if f.value_kind == c.AMOUNT:
                s.values[f.path] = sum((amount(s.per_unit[i][f.path]) or Decimal(0) for i in s.units), Decimal(0))
            else:
                s.values[f.path] = sum(int(s.per_unit[i][f.path] or 0) for i in s.units)
    return [out[e] for e in c.EDITIONS if e in out]


def pairing_key(data: dict) -> tuple[str | None, str | None]:
    """(agency_id, folded agency name) of a report, for pairing it with last year's."""
    aid = data.get("agency_id") if isinstance(data.get("agency_id"), str) and data["agency_id"].strip() else None
    name = fold(data["agency"]) if isinstance(data.get("agency"), str) and data["agency"].strip() else None
    return (aid.strip() if aid else None), name
