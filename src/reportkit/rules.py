"""The contract's "rules beyond the schema" (勾稽关系 and cross-year checks).

Each rule is a generator of findings.  Its checks say exactly which cells they read (JSON paths
as tuples) and run only when ``readable(paths)`` holds, i.e. when none of those cells, nor any
object above them, broke the schema: a missing paragraph switches off nothing, and a float in
one cell switches off only the checks that add that cell (see ``validation.py``).  Last year's
report, for the cross-year rules, is read defensively: what is not a figure there is skipped.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

from . import contract as c
from .characters import XML_INVALID, code_point, xml_invalid
from .findings import Finding, json_path
from .totals import amount, amount_text, appeals_total, column_total, get, row_total

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


SAME_YEAR = (balance, printed_totals, edition_year, published, amounts, fees)


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
    import difflib

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
