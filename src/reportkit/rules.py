"""The contract's "rules beyond the schema" (勾稽关系 and cross-year checks).

Each rule is a generator of findings over data that has passed the schema in the
part it reads (the caller skips a rule whose section has schema errors).
"""

from __future__ import annotations

import difflib
from typing import Any, Iterator

from . import contract as c
from .findings import Finding, json_path
from .loading import control_characters
from .totals import amount, appeals_total, get, result_rows, results_total, row_total

REQ = ("requests",)
RESULTS = ("requests", "results")
SIMILARITY_THRESHOLD = 0.80


def _f(severity, code, path, edition, message, file, printed=None, computed=None, label=None) -> Finding:
    return Finding(severity, code, json_path(path), label or c.label(edition, path), message,
                   printed, computed, file)


def balance(data: dict, edition: str, file) -> Iterator[Finding]:
    """Rule 1: 一 + 二 = 三（七）总计 + 四, for each column and for 总计."""
    req = data["requests"]
    tot = results_total(req["results"], edition)
    cols = list(c.APPLICANT_COLUMNS) + [("total", c.TOTAL_TITLE, c.TOTAL_TITLE)]
    for key, _, lab in cols:
        def cell(row):
            return row_total(row) if key == "total" else row[key]
        left = cell(req["received"]) + cell(req["carried_over"])
        right = tot[key] + cell(req["carried_forward"])
        if left != right:
            yield _f("error", "balance", REQ, edition,
                     f"勾稽关系不平衡（{lab}列）：第一项加第二项之和为 {left}，第三项加第四项之和为 {right}，"
                     f"相差 {left - right}", file, printed=left, computed=right,
                     label=f"{c.label(edition, REQ)} / {lab}")


def printed_totals(data: dict, edition: str, file) -> Iterator[Finding]:
    """Rule 5: printed 总计 cells equal the computed ones."""
    req = data["requests"]
    rows = [((k,), req[k]) for k in ("received", "carried_over", "carried_forward")]
    rows += [(("results",) + p, r) for p, r in result_rows(req["results"], edition)]
    for p, row in rows:
        if "total" in row and row["total"] != row_total(row):
            yield _f("error", "printed-total", REQ + p + ("total",), edition,
                     f"印发的总计 {row['total']} 与六列之和 {row_total(row)} 不符",
                     file, printed=row["total"], computed=row_total(row))
    printed = req["results"].get("total")
    if isinstance(printed, dict):
        computed = results_total(req["results"], edition)
        for key, _, lab in list(c.APPLICANT_COLUMNS) + [("total", c.TOTAL_TITLE, c.TOTAL_TITLE)]:
            if key not in printed:
                continue
            want = computed[key] if key != "total" else row_total(printed)
            if printed[key] != want:
                what = "各项办理结果之和" if key != "total" else "六列之和"
                yield _f("error", "printed-total", RESULTS + ("total", key), edition,
                         f"印发的数字 {printed[key]} 与{what} {want} 不符", file, printed=printed[key], computed=want)
        if "total" in printed and row_total(printed) == printed["total"] != computed["total"]:
            yield _f("error", "printed-total", RESULTS + ("total", "total"), edition,
                     f"印发的总计 {printed['total']} 与各项办理结果之和 {computed['total']} 不符", file,
                     printed=printed["total"], computed=computed["total"])
    for key, _ in c.APPEAL_BLOCKS:
        block = data["appeals"][key]
        if "total" in block and block["total"] != appeals_total(block):
            yield _f("error", "printed-total", ("appeals", key, "total"), edition,
                     f"印发的总计 {block['total']} 与四项之和 {appeals_total(block)} 不符", file,
                     printed=block["total"], computed=appeals_total(block))


def edition_year(data: dict, edition: str, file) -> Iterator[Finding]:
    """Rule 2: "2019" for the 2019 and 2020 reports, "2021" from 2021 on (a warning)."""
    lo, hi = c.EDITION_YEARS[edition]
    year = data["year"]
    if not lo <= year <= hi:
        right = "2019" if year <= 2020 else "2021"
        yield _f("warning", "edition-year", ("format",), edition,
                 f"{year} 年度报告应使用 \"{right}\" 格式，本报告 format 为 \"{edition}\"", file,
                 printed=edition, computed=right)


def fees(data: dict, edition: str, file) -> Iterator[Finding]:
    """Rule 4: collected ≤ notice amount."""
    fee = data.get("fees") or {}
    notice, collected = amount(fee.get("notice_amount")), amount(fee.get("collected_amount"))
    if notice is not None and collected is not None and collected > notice:
        yield _f("warning", "fees", ("fees", "collected_amount"), edition,
                 f"实际收取金额 {collected} 元大于收费通知总金额 {notice} 元", file,
                 printed=str(collected), computed=str(notice))


def control_chars(data: Any, edition: str | None, file, path: tuple = ()) -> Iterator[Finding]:
    """XML-invalid control characters in any text would corrupt the Word and Excel files."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from control_chars(v, edition, file, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from control_chars(v, edition, file, path + (i,))
    elif isinstance(data, str):
        bad = control_characters(data)
        if bad:
            where = "、".join(f"第 {pos} 个字符 U+{ord(ch):04X}" for pos, ch in bad[:5])
            yield _f("error", "control-character", path, edition,
                     f"含有 Word/Excel 文件不允许的控制字符（{where}），请删除", file)


# ------------------------------------------------------------ cross-year rules

def previous_year(data: dict, prev: dict, edition: str, file) -> Iterator[Finding]:
    if isinstance(prev.get("year"), int) and prev["year"] != data["year"] - 1:
        yield _f("warning", "previous-year", ("year",), edition,
                 f"上一年度报告的年度为 {prev['year']}，不是 {data['year'] - 1}", file,
                 printed=prev["year"], computed=data["year"] - 1)
    a, b = data.get("agency_id"), prev.get("agency_id")
    if a and b and a != b:
        yield _f("warning", "previous-agency", ("agency_id",), edition,
                 f"上一年度报告的单位标识为 {b}，与本报告 {a} 不同，可能不是同一单位", file)


def carry_over(data: dict, prev: dict, edition: str, file) -> Iterator[Finding]:
    """Rule 3 (error part): this year's 上年结转 equals last year's 结转下年度继续办理."""
    last = get(prev, ("requests", "carried_forward"))
    if not isinstance(last, dict):
        return
    now = data["requests"]["carried_over"]
    for key, _, lab in c.APPLICANT_COLUMNS:
        if isinstance(last.get(key), int) and now[key] != last[key]:
            yield _f("error", "carry-over", REQ + ("carried_over", key), edition,
                     f"应等于上一年度“四、结转下年度继续办理”的 {last[key]}，实为 {now[key]}", file,
                     printed=now[key], computed=last[key])


def in_force(data: dict, prev: dict, edition: str, file) -> Iterator[Finding]:
    """Rule 3 (warning part, edition 2021): 现行有效件数 = last year's + 制发 − 废止."""
    if edition != "2021" or prev.get("format") != "2021":
        return
    for row in ("regulations", "normative_documents"):
        now, last = data["proactive"][row], get(prev, ("proactive", row))
        if not isinstance(last, dict) or not isinstance(last.get("in_force"), int):
            continue
        want = last["in_force"] + now["issued"] - now["repealed"]
        if now["in_force"] != want:
            yield _f("warning", "in-force", ("proactive", row, "in_force"), edition,
                     f"上年现行有效 {last['in_force']} 件 + 本年制发 {now['issued']} − 本年废止 {now['repealed']}"
                     f" = {want}，而本年填报 {now['in_force']}", file, printed=now["in_force"], computed=want)


def previous_items(data: dict, prev: dict, edition: str, file) -> Iterator[Finding]:
    """Rule 6 (edition 2019): 上一年项目数量 = last year's 上一年项目数量 + 本年增/减."""
    if edition != "2019" or prev.get("format") != "2019":
        return
    for row in ("licensing", "other_services", "penalties", "coercion", "fees"):
        now, last = data["proactive"][row], get(prev, ("proactive", row))
        if not isinstance(last, dict) or not all(isinstance(last.get(k), int) for k in ("previous", "change")):
            continue
        want = last["previous"] + last["change"]
        if now["previous"] != want:
            yield _f("warning", "previous-items", ("proactive", row, "previous"), edition,
                     f"上一年度：上一年项目数量 {last['previous']} + 本年增/减 {last['change']} = {want}，"
                     f"而本年填报 {now['previous']}", file, printed=now["previous"], computed=want)


def _texts(data: dict) -> dict[tuple, str]:
    out = {}
    for p in c.TEXT_PATHS:
        v = get(data, p)
        if isinstance(v, str) and v.strip():
            out[p] = v
    for i, sec in enumerate(get(data, ("overview", "sections")) or []):
        if isinstance(sec, dict) and isinstance(sec.get("text"), str) and sec["text"].strip():
            out[("overview", "sections", i, "text")] = sec["text"]
    return out


def _norm(text: str) -> str:
    return "".join(text.split())


def similar_text(data: dict, prev: dict, edition: str, file) -> Iterator[Finding]:
    """Rule 7 (内容雷同): a narrative field ≥ 80 % the same text as last year's."""
    now, last = _texts(data), _texts(prev)
    last_all = list(last.values())
    for p, text in now.items():
        a = _norm(text)
        if len(a) < 20:
            continue
        candidates = [last[p]] if p in last else []
        candidates += [t for t in last_all if t not in candidates]
        best = 0.0
        for t in candidates:
            b = _norm(t)
            sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
            if sm.real_quick_ratio() < SIMILARITY_THRESHOLD or sm.quick_ratio() < SIMILARITY_THRESHOLD:
                continue
            best = max(best, sm.ratio())
            if best >= 0.999:
                break
        if best >= SIMILARITY_THRESHOLD:
            yield _f("warning", "similar-text", p, edition,
                     f"内容雷同：与上一年度报告的文字相同之处占 {best:.0%}，请按本年度实际情况撰写"
                     "（官方格式将内容雷同列为追责情形）", file, printed=f"{best:.0%}")


CROSS_YEAR = (previous_year, carry_over, in_force, previous_items, similar_text)
