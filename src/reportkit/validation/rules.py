"""The contract's "rules beyond the schema" (勾稽关系 and cross-year checks).

Each rule is a generator of findings.  Its checks say exactly which cells they read (JSON paths
as tuples) and run only when ``readable(paths)`` holds, i.e. when none of those cells, nor any
object above them, broke the schema: a missing paragraph switches off nothing, and a float in
one cell switches off only the checks that add that cell (see ``validation.checks``).  Last year's
report, for the cross-year rules, is read defensively: what is not a figure there is skipped.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

from ..contract import official as c
from ..contract.characters import (BIDI_CONTROLS, EMOJI, INVISIBLE, LINE_SEPARATORS, XML_INVALID, bidi_controls,
                                   code_point, described, emoji, has_special, invisible_marks, name_breaks,
                                   not_in_faces, xml_invalid)
from .findings import Finding, json_path
from ..contract.totals import amount, amount_text, appeals_total, column_total, get, row_total
from ..writing.fontconfig import environment

REQ = ("requests",)
RESULTS = ("requests", "results")
SIMILARITY_THRESHOLD = 0.80
TOTAL = ("total", c.TOTAL_TITLE, c.TOTAL_TITLE)
#: the rows of table 三 beside the results: 一, 二 and 四
OUTER_ROWS = ("received", "carried_over", "carried_forward")

Readable = Callable[[Iterable[tuple]], bool]


def _f(severity, code, path, edition, message, file, printed=None, computed=None, label=None) -> Finding:
    return Finding(severity, code, json_path(path), label or c.label(edition, path), message,
                   printed, computed, file)


def _is_count(value: Any) -> bool:
    return type(value) is int


# ------------------------------------------------------------ what the checks of table 三 read

@lru_cache(maxsize=None)
def _result_paths(edition: str) -> tuple[tuple, ...]:
    """The result rows of table 三, as paths from the top (（七）总计 excluded)."""
    return tuple(RESULTS + p for p, _ in c.applicant_rows(edition))


@lru_cache(maxsize=None)
def _column_cells(edition: str, key: str) -> tuple[tuple, ...]:
    """Every cell of column ``key`` that the 勾稽关系 adds: rows 一, 二, each result row, 四."""
    return tuple(REQ + (row, key) for row in OUTER_ROWS) + tuple(p + (key,) for p in _result_paths(edition))


@lru_cache(maxsize=None)
def _all_cells(edition: str) -> tuple[tuple, ...]:
    return tuple(p for key in c.COLUMN_KEYS for p in _column_cells(edition, key))


def _row_cells(row: tuple) -> tuple[tuple, ...]:
    return tuple(row + (k,) for k in c.COLUMN_KEYS)


# ------------------------------------------------------------ rules

def balance(data: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """勾稽关系: 一 + 二 = 三（七）总计 + 四, for each column and for 总计 (an error).

    A finding's path is the column's cell in row 一 (``$.requests.received.natural``; for the
    总计 column ``$.requests.received.total``): the finding is about a column, and that is where
    the column starts.  Its label names the column."""
    columns: dict[str, int] = {}  # （七）总计 of each column, added up once

    def column(results: dict, key: str) -> int:
        if key not in columns:
            columns[key] = column_total(results, edition, key)
        return columns[key]

    for key, _, lab in list(c.APPLICANT_COLUMNS) + [TOTAL]:
        if not readable(_all_cells(edition) if key == "total" else _column_cells(edition, key)):
            continue
        req = data["requests"]
        results = req["results"]
        if key == "total":
            left = row_total(req["received"]) + row_total(req["carried_over"])
            right = sum(column(results, k) for k in c.COLUMN_KEYS) + row_total(req["carried_forward"])
        else:
            left = req["received"][key] + req["carried_over"][key]
            right = column(results, key) + req["carried_forward"][key]
        if left != right:
            yield _f("error", "balance", REQ + ("received", key), edition,
                     f"勾稽关系不平衡（{lab}列）：第一项加第二项之和为 {left}，第三项加第四项之和为 {right}，"
                     f"相差 {left - right}", file, printed=left, computed=right,
                     label=f"{c.label(edition, REQ)} / {lab}")


def printed_totals(data: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """Printed 总计 cells, where the data gives them, equal the computed ones (errors)."""
    for row in tuple(REQ + (k,) for k in OUTER_ROWS) + _result_paths(edition):
        if not readable(_row_cells(row) + (row + ("total",),)):
            continue
        values = get(data, row)
        if "total" in values and values["total"] != row_total(values):
            yield _f("error", "printed-total", row + ("total",), edition,
                     f"印发的总计 {values['total']} 与六列之和 {row_total(values)} 不符",
                     file, printed=values["total"], computed=row_total(values))
    printed_row = RESULTS + ("total",)
    printed = get(data, printed_row)
    if isinstance(printed, dict):
        for key, _, _ in c.APPLICANT_COLUMNS:
            cells = tuple(p + (key,) for p in _result_paths(edition)) + (printed_row + (key,),)
            if key in printed and readable(cells):
                want = column_total(data["requests"]["results"], edition, key)
                if printed[key] != want:
                    yield _f("error", "printed-total", printed_row + (key,), edition,
                             f"印发的数字 {printed[key]} 与各项办理结果之和 {want} 不符", file,
                             printed=printed[key], computed=want)
        own = _row_cells(printed_row) + (printed_row + ("total",),)
        if "total" in printed and readable(own):
            total, own_sum = printed["total"], row_total(printed)
            if total != own_sum:
                yield _f("error", "printed-total", printed_row + ("total",), edition,
                         f"印发的数字 {total} 与六列之和 {own_sum} 不符", file, printed=total, computed=own_sum)
            elif readable(tuple(p + (k,) for p in _result_paths(edition) for k in c.COLUMN_KEYS)):
                want = sum(column_total(data["requests"]["results"], edition, k) for k in c.COLUMN_KEYS)
                if total != want:
                    yield _f("error", "printed-total", printed_row + ("total",), edition,
                             f"印发的总计 {total} 与各项办理结果之和 {want} 不符", file, printed=total, computed=want)
    for key, _ in c.APPEAL_BLOCKS:
        block_path = ("appeals", key)
        cells = tuple(block_path + (k,) for k, _ in c.APPEAL_COLUMNS) + (block_path + ("total",),)
        if not readable(cells):
            continue
        block = get(data, block_path)
        if "total" in block and block["total"] != appeals_total(block):
            yield _f("error", "printed-total", block_path + ("total",), edition,
                     f"印发的总计 {block['total']} 与四项之和 {appeals_total(block)} 不符", file,
                     printed=block["total"], computed=appeals_total(block))


def edition_year(data: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """Edition and year agree: "2019" for the 2019 and 2020 reports, "2021" from 2021 on (a warning:
    some agencies did publish in the old format)."""
    if not readable([("year",)]):
        return
    lo, hi = c.EDITION_YEARS[edition]
    year = data["year"]
    if not lo <= year <= hi:
        right = c.edition_for(year)
        yield _f("warning", "edition-year", ("format",), edition,
                 f"{year} 年度报告应使用 \"{right}\" 格式，本报告 format 为 \"{edition}\"", file,
                 printed=edition, computed=right)


def published(data: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """成文日期: its absence leaves the 落款 without a date; a date within the reported year
    comes before the figures it reports are complete (warnings)."""
    if not readable([("published",)]):
        return
    date = data.get("published")
    if date is None:
        yield _f("warning", "published-missing", ("published",), edition,
                 "未填写成文日期（published）：落款将没有日期；请填写发布日期，格式 YYYY-MM-DD", file)
    elif readable([("year",)]) and date <= f"{data['year']}-12-31":
        yield _f("warning", "published-early", ("published",), edition,
                 f"成文日期 {date} 不晚于报告年度 {data['year']} 年的最后一天：年度报告应在年度结束后发布"
                 f"（通常为 {data['year'] + 1} 年 1 月 31 日前）", file, printed=date)


def amounts(data: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """An amount given as a JSON number holds no more digits than a workbook keeps exactly
    (a string amount is bounded by the schema's pattern)."""
    for path in _amount_paths(edition):
        value = get(data, path)
        if not isinstance(value, float) or not readable([path]):
            continue
        text = amount_text(value)
        digits = len(text.replace(".", "").lstrip("0"))
        decimals = len(text.partition(".")[2])
        if digits > c.AMOUNT_DIGITS or decimals > c.AMOUNT_DECIMALS:
            yield _f("error", "amount-digits", path, edition,
                     f"位数过多（{text}：{digits} 位有效数字，{decimals} 位小数）：表格只能精确保存 "
                     f"{c.AMOUNT_DIGITS} 位数字，其中小数最多 {c.AMOUNT_DECIMALS} 位", file, printed=text)


@lru_cache(maxsize=None)
def _amount_paths(edition: str) -> tuple[tuple, ...]:
    return tuple(p for p, f in c.iter_leaves(c.report_field(edition)) if f.kind == c.AMOUNT)


def fees(data: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """信息处理费: the amount collected is at most the amount of the fee notices (a warning)."""
    if not readable([("fees", "notice_amount"), ("fees", "collected_amount")]):
        return
    fee = data.get("fees") or {}
    notice, collected = amount(fee.get("notice_amount")), amount(fee.get("collected_amount"))
    if notice is not None and collected is not None and collected > notice:
        yield _f("warning", "fees", ("fees", "collected_amount"), edition,
                 f"实际收取金额 {amount_text(fee['collected_amount'])} 元大于收费通知总金额 "
                 f"{amount_text(fee['notice_amount'])} 元", file,
                 printed=amount_text(fee["collected_amount"]), computed=amount_text(fee["notice_amount"]))


# ------------------------------------------------------------ what the evaluations mark down (issue 21 item 7)

def _narratives(data: dict) -> list[tuple[tuple, str]]:
    """The prose of a report with its paths: 前言, 一's summary and sections, 五, 六."""
    out = []
    for key in ("preface",):
        if isinstance(data.get(key), str):
            out.append(((key,), data[key]))
    summary = get(data, ("overview", "summary"))
    if isinstance(summary, str):
        out.append((("overview", "summary"), summary))
    sections = get(data, ("overview", "sections"))
    for i, sec in enumerate(sections if isinstance(sections, list) else []):
        if isinstance(sec, dict) and isinstance(sec.get("text"), str):
            out.append((("overview", "sections", i, "text"), sec["text"]))
    for key in ("rectification", "problems", "improvements", "other_matters") + tuple(k for k, _ in c.SIX_ITEMS):
        if isinstance(data.get(key), str):
            out.append(((key,), data[key]))
    return out


#: the words before a figure that make it last year's, or a comparison, not this year's
_OTHER_YEAR = re.compile(r"上年度?(?!结转)|去年|上一年|同比|较|比上|增长|减少|下降|累计|历年")

#: phrasings of a figure of the tables in the prose (only the clear ones: a figure in the very
#: words of the table, with 件), each with the cells whose sums it may legitimately be
_APPLICATIONS = r"(?:政府信息公开|信息公开|依申请公开)?(?:申请|申请件)"
PROSE_FIGURES = (
    (re.compile(rf"(?:收到|新收|受理|接收)(?:各类|群众|公民、法人(?:和|或)其他组织(?:的|提出的)?)?{_APPLICATIONS}"
                r"(?:共计|共|合计|总计)?\s*([0-9]+)\s*件"),
     "收到申请", ("received", "received+carried_over")),
    (re.compile(rf"上年(?:度)?结转(?:的)?{_APPLICATIONS}?(?:共计|共)?\s*([0-9]+)\s*件"),
     "上年结转", ("carried_over",)),
    (re.compile(rf"结转(?:至)?下(?:一)?年度?(?:继续)?(?:办理)?(?:的)?{_APPLICATIONS}?(?:共计|共)?\s*([0-9]+)\s*件"),
     "结转下年度继续办理", ("carried_forward",)),
    (re.compile(r"(?:被申请|收到|发生|涉及)(?:政府信息公开)?行政复议(?:案件)?(?:共计|共)?\s*([0-9]+)\s*(?:件|起)"),
     "行政复议", ("reconsideration",)),
    (re.compile(r"(?:被提起|被起诉|收到|发生|涉及)(?:政府信息公开)?行政诉讼(?:案件)?(?:共计|共)?\s*([0-9]+)\s*(?:件|起)"),
     "行政诉讼", ("litigation", "litigation_after_reconsideration", "litigation+litigation_after_reconsideration")),
    (re.compile(r"发出(?:信息处理费)?收费通知(?:书)?(?:共计|共)?\s*([0-9]+)\s*(?:件|份)"),
     "发出收费通知", ("notices",)),
)

def _figure_label(edition: str, name: str) -> str:
    """The official label of a figure named in PROSE_FIGURES: its row and column, e.g.
    ``一、本年新收政府信息公开申请数量 / 总计``; a sum names its parts."""
    if "+" in name:
        return "与".join(_figure_label(edition, n) for n in name.split("+")) + "之和"
    if name in OUTER_ROWS:
        path = REQ + (name, "total")
    elif name in dict(c.APPEAL_BLOCKS):
        path = ("appeals", name, "total")
    else:
        path = ("fees", name)
    return " / ".join(f.message_label for f in c.lookup(edition, path)[-2:])


def _table_figure(data: dict, name: str, edition: str, readable: Readable) -> int | None:
    """A figure of the tables by its name in PROSE_FIGURES, or None where it cannot be read."""
    if "+" in name:
        parts = [_table_figure(data, n, edition, readable) for n in name.split("+")]
        return None if None in parts else sum(parts)
    if name in OUTER_ROWS:
        row = REQ + (name,)
        return row_total(get(data, row)) if readable(_row_cells(row)) else None
    if name in dict(c.APPEAL_BLOCKS):
        block = ("appeals", name)
        cells = tuple(block + (k,) for k, _ in c.APPEAL_COLUMNS)
        return appeals_total(get(data, block)) if readable(cells) else None
    if name == "notices":
        value = get(data, ("fees", "notices"))
        return value if _is_count(value) and readable([("fees", "notices")]) else None
    return None


def _another_year(before: str, data: dict) -> bool:
    """``before`` names a year other than the report's (“2020年收到申请60件” in a 2021 report)."""
    years = re.findall(r"(20[0-9]{2})\s*年", before)
    return bool(years) and int(years[-1]) != data.get("year")


def prose_figures(data: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """A figure of the tables written in the prose in the tables' own words (收到申请75件) that
    is none of the sums it may be (本年新收, or 新收加上年结转): a warning at the paragraph, naming
    the table's figure.  Only the clear phrasings are read; a figure of another year or a
    comparison (上年、同比、较…) is left alone."""
    for path, text in _narratives(data):
        if not readable([path]):
            continue
        for pattern, what, names in PROSE_FIGURES:
            for m in pattern.finditer(text):
                before = text[max(0, m.start() - 12):m.start()]
                if _OTHER_YEAR.search(before) or _OTHER_YEAR.search(m.group(0)) or _another_year(before, data):
                    continue
                written = int(m.group(1))
                figures = {n: _table_figure(data, n, edition, readable) for n in names}
                if any(v is None for v in figures.values()) or written in figures.values():
                    continue
                said = "，".join(f"“{_figure_label(edition, n)}”为 {v}" for n, v in figures.items())
                yield _f("warning", "prose-figure", path, edition,
                         f"正文写“{m.group(0)}”，而填报的{said}：数字与表格不一致（评议时计为数据失准），"
                         "请核对正文或表格", file, printed=written, computed=figures[names[0]])


_NONE = re.compile(r"(?:暂)?(?:无|没有|不存在)(?:问题|明显问题|存在的问题)?")
_PUNCT = re.compile(r"[\s。．.，,；;：:！!、]+")


def five_none(data: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """五 says nothing: “无”, “暂无”, “没有问题” … (a warning: the evaluations mark it down)."""
    for key in ("problems", "improvements", "rectification"):
        text = data.get(key)
        if not isinstance(text, str) or not readable([(key,)]):
            continue
        bare = _PUNCT.sub("", text)
        if bare and _NONE.fullmatch(bare):
            yield _f("warning", "five-none", (key,), edition,
                     f"五写作“{text.strip()}”：评议将“无”视为未如实报告；请写明本年度工作中存在的具体问题"
                     "和改进措施", file, printed=text.strip())


#: 六 saying no fee was collected (contradicted by an amount collected) or no fee notice was
#: issued (contradicted by notices or their amount)
_NO_COLLECTED = re.compile(r"(?:未|没有|不|无)(?:收取|产生|发生|收)(?:任何)?(?:政府信息公开)?(?:信息处理费|费用)"
                           r"|信息处理费(?:为|是)?(?:0|零|无)(?:元)?(?![0-9.])")
_NO_NOTICE = re.compile(r"(?:未|没有|无)(?:发出|发放|开具|出具)(?:任何)?(?:信息处理费)?收费通知")


def _charged(fee: dict, key: str) -> bool:
    value = fee.get(key)
    if key == "notices":
        return _is_count(value) and value > 0
    figure = amount(value) if not isinstance(value, bool) else None
    return figure is not None and figure > 0


def fees_six(data: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """Edition 2021: fees charged while 六 says “无” or that no fee was charged (a warning); and
    requests of 表三 （六）2 dropped for an unpaid fee while no fee notice was issued."""
    if edition != "2021":
        return
    fee = data.get("fees") if isinstance(data.get("fees"), dict) else {}
    keys = [k for k in ("notices", "notice_amount", "collected_amount") if readable([("fees", k)])]
    charged = [k for k in keys if _charged(fee, k)]
    other = data.get("other_matters")
    if charged and isinstance(other, str) and readable([("other_matters",)]):
        said = None
        if _PUNCT.sub("", other) == "无" and not any(isinstance(data.get(k), str) and data[k].strip()
                                                       for k, _ in c.SIX_ITEMS):
            said = "六写作“无”"
        else:
            for pattern, contradicted_by in ((_NO_COLLECTED, ("collected_amount",)),
                                             (_NO_NOTICE, ("notices", "notice_amount"))):
                m = pattern.search(other)
                if m and set(charged) & set(contradicted_by):
                    said, charged = f"六写“{m.group(0)}”", [k for k in charged if k in contradicted_by]
                    break
        if said:
            figures = "，".join(f"{c.report_field(edition).child('fees').child(k).title} {amount_text(fee[k])}"
                               for k in charged)
            yield _f("warning", "fees-six", ("other_matters",), edition,
                     f"填报了信息处理费（{figures}），而{said}：前后矛盾，请核对", file)
    unpaid_row = RESULTS + ("other", "unpaid_fee")
    if "notices" in keys and _is_count(fee.get("notices")) and fee["notices"] == 0 and readable(_row_cells(unpaid_row)):
        unpaid = row_total(get(data, unpaid_row))
        if unpaid:
            yield _f("warning", "fees-six", ("fees", "notices"), edition,
                     f"表三（六）其他处理 2. 逾期未按收费通知要求缴纳费用而不再处理的申请有 {unpaid} 件，"
                     "说明发出过收费通知，而发出收费通知件数为 0：请核对", file, printed=0, computed=unpaid)


OFFICIAL_LAW = "中华人民共和国政府信息公开条例"
_LAW = re.compile(r"《\s*((?:中华人民共和国|中国)[^》《]{0,16}?公开[^》《]{0,8}?条[例列])\s*》")


def law_name(data: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """The 条例 misnamed (《中华人民共和国信息公开条例》 …; a warning: the evaluations mark it)."""
    for path, text in _narratives(data):
        if not readable([path]):
            continue
        wrong = sorted({m.group(0) for m in _LAW.finditer(text) if m.group(1) != OFFICIAL_LAW})
        if wrong:
            yield _f("warning", "law-name", path, edition,
                     f"条例名称有误：{'、'.join(wrong)}，应为《{OFFICIAL_LAW}》", file, printed=wrong[0])


def regulations_level(data: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """规章 figures from a unit whose level cannot make 规章 (given ``level``; a warning: only the
    governments of provinces and of cities with districts, and the State Council's departments,
    make 规章)."""
    level = data.get("level")
    if level not in c.LEVELS or level in c.RULE_MAKING_LEVELS or level == "其他" or not readable([("level",)]):
        return
    row = ("proactive", "regulations")
    for col in c.report_field(edition).child("proactive").child("regulations").children:
        path = row + (col.key,)
        value = get(data, path)
        if readable([path]) and _is_count(value) and value > 0:
            yield _f("warning", "regulations-level", path, edition,
                     f"单位层级为“{level}”，不能制定规章（规章由省级、设区的市级人民政府和国务院部门制定），"
                     f"而规章“{col.title}”填报了 {value}：请核对是否应填入行政规范性文件，或单位层级是否有误",
                     file, printed=value)
            return


SAME_YEAR = (balance, printed_totals, edition_year, published, amounts, fees, prose_figures, five_none, fees_six,
             law_name, regulations_level)


def xml_characters(data: Any, edition: str | None, file) -> Iterator[Finding]:
    """Characters XML 1.0 forbids, in any value or key, would corrupt or truncate the Word and
    Excel files (docxtpl silently drops what follows a lone surrogate).  Walks the data without
    recursion: an unknown key may hold anything the JSON parser accepts."""
    if not _any_xml_invalid(data):  # the common case, without building a path for every value
        return
    stack: list[tuple[tuple, Any, bool]] = [((), data, False)]
    while stack:
        path, value, is_key = stack.pop()
        if isinstance(value, str):
            yield from _bad_characters(value, edition, file, path, "键名" if is_key else "")
        elif isinstance(value, dict):
            for k, v in reversed(list(value.items())):  # in document order: a key, then its value
                stack += [(path + (k,), v, False), (path + (k,), k, True)]
        elif isinstance(value, list):
            stack += [(path + (i,), v, False) for i, v in reversed(list(enumerate(value)))]


def _any_xml_invalid(data: Any) -> bool:
    stack, search = [data], XML_INVALID.search
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if search(value):
                return True
        elif isinstance(value, dict):
            if any(search(k) for k in value):
                return True
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _bad_characters(text: str, edition, file, path: tuple, what: str) -> Iterator[Finding]:
    bad = xml_invalid(text)
    if bad:
        where = "、".join(f"第 {pos} 个字符 {code_point(ch)}" for pos, ch in bad[:5])
        more = f"等 {len(bad)} 处" if len(bad) > 5 else ""
        yield _f("error", "control-character", path, edition,
                 f"{what}含有 Word/Excel 文件不允许的字符（{where}{more}：控制字符、孤立的代理项或非字符），请删除",
                 file)


def _strings(data: Any) -> Iterator[tuple[tuple, str]]:
    """Every string value of ``data`` with its path, in document order (keys are not values)."""
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            stack += [(path + (k,), v) for k, v in reversed(list(value.items()))]
        elif isinstance(value, list):
            stack += [(path + (i,), v) for i, v in reversed(list(enumerate(value)))]


def _positions(found: list[tuple[int, str]]) -> str:
    where = "、".join(f"第 {pos} 个字符 {described(ch)}" for pos, ch in found[:5])
    return where + (f"等 {len(found)} 处" if len(found) > 5 else "")


def special_characters(data: Any, edition: str | None, file, *, pdf: bool = False) -> Iterator[Finding]:
    """Characters an output cannot carry, decided before anything is rendered (issue 21 item 2):
    bidi controls are errors; invisible marks are warnings (every output leaves them out, see
    ``characters.strip_invisible``); in the agency name, which becomes a file name, line breaks
    and every invisible mark are errors; with a PDF requested, emoji, characters none of the
    PDF's faces has and characters the PDF loses (PDF_LOST) are errors."""
    strings = list(_strings(data))
    if pdf:
        yield from _font_findings(strings, edition, file)
    for path, text in strings:
        if path == ("agency",):
            bad = name_breaks(text)
            if bad:
                yield _f("error", "name-character", path, edition,
                         f"单位名称用作文件名，不能含有换行或不可见字符（{_positions(bad)}），请删除", file)
            continue
        if not has_special(text):
            continue
        bad = bidi_controls(text)
        if bad:
            yield _f("error", "bidi-character", path, edition,
                     f"含有改变文字显示方向的控制字符（{_positions(bad)}）：显示出来的文字会与校验的文字不同，"
                     "请删除（常见于从网页复制的文字）", file)
        marks = invisible_marks(text)
        if marks:
            yield _f("warning", "invisible-character", path, edition,
                     f"含有不可见字符（{_positions(marks)}），生成的文件中已删除；"
                     "建议在数据中也删除（常见于从网页复制的文字）", file)


#: characters the faces have that LibreOffice still does not carry into the PDF's text (found by
#: rendering every symbol of the faces in Latin-1, punctuation, letterlike, enclosed, geometric,
#: CJK and full-width blocks at a line end), with what to write instead
PDF_LOST = {"\u2011": "不换行连字符 U+2011 请改为普通连字符“-”"}

#: what the font check leaves to the others: XML's forbidden characters, invisible marks (removed),
#: bidi controls and line separators (their own findings), emoji and variation selectors
_NOT_DRAWN = re.compile(f"[{XML_INVALID.pattern[1:-1]}{INVISIBLE}{BIDI_CONTROLS}{LINE_SEPARATORS}"
                        "\ufe00-\ufe0f\U000e0100-\U000e01ef]|" + EMOJI.pattern)


_drawn: dict[tuple, set[str]] = {}


#: the font families the default Word template of each edition asks for (``ooxml.fonts.
#: requested_fonts`` of ``templates/docx/report-<edition>.docx``, sorted), written here rather than
#: read from the template at every validate: opening the package was ~5 ms of a clean
#: ``reportkit validate`` (bench/bench_validate.py).  tests/test_pasted_characters.py reads the
#: templates and checks these, so a rebuilt template asking for another family fails there.
TEMPLATE_FAMILIES = {
    "2019": ("Times New Roman", "仿宋_GB2312", "宋体", "方正小标宋简体", "楷体_GB2312", "黑体"),
    "2021": ("Times New Roman", "仿宋_GB2312", "宋体", "方正小标宋简体", "楷体_GB2312", "黑体"),
}


def _template_families(edition: str) -> tuple[str, ...]:
    """The font families the default Word template of ``edition`` asks for."""
    return TEMPLATE_FAMILIES.get(edition, ())


def _font_findings(strings: list[tuple[tuple, str]], edition, file) -> Iterator[Finding]:
    families = _template_families(edition or c.EDITIONS[-1])
    conf = environment().get("FONTCONFIG_FILE")
    chars: set[str] = set()
    for _, text in strings:
        chars.update(text)
    known = _drawn.setdefault((conf, families), set())  # characters found in the faces (per process)
    fresh = chars - known
    missing = not_in_faces({ch for ch in fresh if ord(ch) > 0x7f and not ch.isspace() and not _NOT_DRAWN.match(ch)},
                           conf, families)
    if missing is None:  # unknown (no fontconfig)
        missing = set()
    else:
        known.update(fresh - missing)
    lost_here = chars & PDF_LOST.keys()
    if not missing and not lost_here and not EMOJI.search("".join(ch for ch in chars if ord(ch) > 0x2000)):
        return  # the common case: no string is walked character by character
    for path, text in strings:
        lost = [(i + 1, ch) for i, ch in enumerate(text) if ch in lost_here] if lost_here else []
        if lost:
            yield _f("error", "pdf-character", path, edition,
                     f"PDF 无法保留这些字符（{_positions(lost)}）："
                     + "；".join(dict.fromkeys(PDF_LOST[ch] for _, ch in lost))
                     + "；如不需要 PDF，可只生成其余文件（--formats docx,xlsx）", file)
        found = emoji(text)
        if found:
            yield _f("error", "emoji", path, edition,
                     f"含有 emoji（{_positions(found)}）：PDF 无法显示 emoji，会连同其后的文字一起丢失；"
                     "请删除或改用文字；如不需要 PDF，可只生成其余文件（--formats docx,xlsx）", file)
        lost = [(i + 1, ch) for i, ch in enumerate(text) if ch in missing] if missing else []
        if lost:
            yield _f("error", "font-missing", path, edition,
                     f"报告所用的字体（{'、'.join(families)} 及本机替代它们的字体）都没有这些字符"
                     f"（{_positions(lost)}）：PDF 中只能临时借用其他字体，会缺字或丢失其后的标点。"
                     "请改用常用字符（如 ✔ 改为 √、☐ 改为 □）或删除；或安装单位的正式字体后再生成；"
                     "如不需要 PDF，可只生成其余文件（--formats docx,xlsx）", file)


# ------------------------------------------------------------ cross-year rules

def previous_year(data: dict, prev: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    if readable([("year",)]) and _is_count(prev.get("year")) and prev["year"] != data["year"] - 1:
        yield _f("warning", "previous-year", ("year",), edition,
                 f"上一年度报告的年度为 {prev['year']}，不是 {data['year'] - 1}", file,
                 printed=prev["year"], computed=data["year"] - 1)
    a, b = data.get("agency_id"), prev.get("agency_id")
    if readable([("agency_id",)]) and isinstance(b, str) and a and b and a != b:
        yield _f("warning", "previous-agency", ("agency_id",), edition,
                 f"上一年度报告的单位标识为 {b}，与本报告 {a} 不同，可能不是同一单位", file)


def carry_over(data: dict, prev: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """This year's 上年结转 equals last year's 结转下年度继续办理, column by column (an error)."""
    last = get(prev, ("requests", "carried_forward"))
    if not isinstance(last, dict):
        return
    for key, _, lab in c.APPLICANT_COLUMNS:
        path = REQ + ("carried_over", key)
        if readable([path]) and _is_count(last.get(key)) and get(data, path) != last[key]:
            yield _f("error", "carry-over", path, edition,
                     f"应等于上一年度“四、结转下年度继续办理”的 {last[key]}，实为 {get(data, path)}", file,
                     printed=get(data, path), computed=last[key])


def in_force(data: dict, prev: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """Edition 2021: 现行有效件数 = last year's + 本年制发 − 本年废止 (a warning)."""
    if edition != "2021" or prev.get("format") != "2021":
        return
    for row in ("regulations", "normative_documents"):
        base = ("proactive", row)
        last = get(prev, base + ("in_force",))
        if not _is_count(last) or not readable([base + (k,) for k in ("issued", "repealed", "in_force")]):
            continue
        now = get(data, base)
        want = last + now["issued"] - now["repealed"]
        if now["in_force"] != want:
            yield _f("warning", "in-force", base + ("in_force",), edition,
                     f"上年现行有效 {last} 件 + 本年制发 {now['issued']} − 本年废止 {now['repealed']}"
                     f" = {want}，而本年填报 {now['in_force']}", file, printed=now["in_force"], computed=want)


def previous_items(data: dict, prev: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """Edition 2019: 上一年项目数量 = last year's 上一年项目数量 + 本年增/减 (a warning)."""
    if edition != "2019" or prev.get("format") != "2019":
        return
    for row in ("licensing", "other_services", "penalties", "coercion", "fees"):
        path = ("proactive", row, "previous")
        last = get(prev, ("proactive", row))
        if not isinstance(last, dict) or not all(_is_count(last.get(k)) for k in ("previous", "change")):
            continue
        if not readable([path]):
            continue
        want = last["previous"] + last["change"]
        if get(data, path) != want:
            yield _f("warning", "previous-items", path, edition,
                     f"上一年度：上一年项目数量 {last['previous']} + 本年增/减 {last['change']} = {want}，"
                     f"而本年填报 {get(data, path)}", file, printed=get(data, path), computed=want)


def texts(data: dict) -> dict[tuple, str]:
    """The narrative texts of a report that are compared for 内容雷同: {contract path: text}."""
    out = {}
    for p in c.TEXT_PATHS:
        v = get(data, p)
        if isinstance(v, str) and v.strip():
            out[p] = v
    sections = get(data, ("overview", "sections"))
    for i, sec in enumerate(sections if isinstance(sections, list) else []):
        if isinstance(sec, dict) and isinstance(sec.get("text"), str) and sec["text"].strip():
            out[("overview", "sections", i, "text")] = sec["text"]
    return out


def normalise(text: str) -> str:
    """A text as 内容雷同 compares it: without white space."""
    return "".join(text.split())


@lru_cache(maxsize=1024)
def _characters(text: str) -> Counter:
    """The characters of a text, counted (kept: a text is compared with several others; never
    changed by its users)."""
    return Counter(text)


def similarity_ratio(a: str, b: str, threshold: float = SIMILARITY_THRESHOLD) -> float:
    """difflib's ratio of two normalised texts, or 0.0 when its quick upper bounds already fall
    below ``threshold`` (the ratio itself is not worked out then)."""
    import difflib  # lazy: cross-year only; `import reportkit` (the library) needs none of it

    total = len(a) + len(b)
    # difflib's real_quick_ratio and quick_ratio (the characters in common, counted as multisets),
    # worked out before difflib indexes b, each text's characters counted once: most texts
    # compared stop here
    if 2 * min(len(a), len(b)) < threshold * total:
        return 0.0
    if total and 2 * sum((_characters(a) & _characters(b)).values()) < threshold * total:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def similar_text(data: dict, prev: dict, edition: str, file, readable: Readable) -> Iterator[Finding]:
    """内容雷同: a narrative field ≥ 80 % the same text as last year's (a warning: the official
    format names copied content as grounds for accountability)."""
    now, last = texts(data), texts(prev)
    last_all = list(last.values())
    normalised = {t: normalise(t) for t in last_all}
    for p, text in now.items():
        a = normalise(text)
        if len(a) < 20 or not readable([p]):
            continue
        candidates = [last[p]] if p in last else []
        candidates += [t for t in last_all if t not in candidates]
        best = 0.0
        for t in candidates:
            best = max(best, similarity_ratio(a, normalised[t]))
            if best >= 0.999:
                break
        if best >= SIMILARITY_THRESHOLD:
            yield _f("warning", "similar-text", p, edition,
                     f"内容雷同：与上一年度报告的文字相同之处占 {best:.0%}，请按本年度实际情况撰写"
                     "（官方格式将内容雷同列为追责情形）", file, printed=f"{best:.0%}")


CROSS_YEAR = (previous_year, carry_over, in_force, previous_items, similar_text)
