"""The template context: the report at its contract paths, totals filled in, plus ``doc``,
the text as it is printed.  Both the Word and the Excel engine render from this
(see docs/templates.md)."""

from __future__ import annotations

import datetime as dt

from .characters import strip_invisible_all
from .layout import procurement_amount_head
from .titles import title_lines
from .totals import amount_text, completed

CN_NUMBERS = "一二三四五六七八九十"

#: the names a template may use under ``doc`` (checked by ``reportkit templates check``)
DOC_KEYS = ("title", "title_lines", "preface", "summary", "sections", "problems", "improvements", "other_matters",
            "signature", "date", "period", "amount_unit", "procurement_amount_head")
SECTION_KEYS = ("number", "title", "paragraphs")


def paragraphs(text) -> list[str]:
    """A text field → its paragraphs: split at line breaks, stripped, empty lines dropped."""
    if not isinstance(text, str):
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (enough for sub-heading numbers)."""
    if n <= 10:
        return CN_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUMBERS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMBERS[ones - 1] if ones else "")


def cn_date(iso: str) -> str:
    """``2024-01-20`` → ``2024年1月20日`` (GB/T 9704 §7.3.5.4: Arabic digits, no zero padding)."""
    d = dt.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def standard_preface(agency: str, year: int) -> str:
    return (f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作"
            f"年度报告格式》要求，由{agency}编制。全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
            f"政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
            f"本报告所列数据的统计期限为{year}年1月1日至12月31日。")


def fee_sentence(fees: dict | None) -> str | None:
    """六: the 信息处理费 figures that are present, as one sentence."""
    fees = fees or {}
    parts = []
    if fees.get("notices") is not None:
        parts.append(f"发出收费通知{fees['notices']}件")
    if fees.get("notice_amount") is not None:
        parts.append(f"收费通知总金额{amount_text(fees['notice_amount'])}元")
    if fees.get("collected_amount") is not None:
        parts.append(f"实际收取信息处理费{amount_text(fees['collected_amount'])}元")
    return f"本年度政府信息公开信息处理费情况：{'，'.join(parts)}。" if parts else None


def _amounts(data: dict) -> None:
    pro = data.get("proactive", {})
    for row in pro.values():
        if isinstance(row, dict) and "amount" in row:
            row["amount"] = amount_text(row["amount"])
    fees = data.get("fees")
    if isinstance(fees, dict):
        for k in ("notice_amount", "collected_amount"):
            if k in fees:
                fees[k] = amount_text(fees[k])


def build_context(data: dict) -> dict:
    """The context for ``data`` (a report that passed validation).  Invisible marks (zero-width
    spaces, LRM/RLM, the byte-order mark …; a warning in validation) are removed here, once, so
    every output and the read-back guard see the same text."""
    data = strip_invisible_all(data)
    edition = data["format"]
    ctx = completed(data, edition)
    _amounts(ctx)
    ctx.pop("$schema", None)
    for key in ("agency_id", "region", "published", "preface", "improvements", "other_matters"):
        ctx.setdefault(key, "")
    ctx.setdefault("rollup", False)
    ctx["overview"].setdefault("summary", "")
    ctx["overview"].setdefault("sections", [])
    if edition == "2019":
        ctx["proactive"]["procurement"].setdefault("amount_unit", "万元")
    else:
        fees = ctx.setdefault("fees", {})
        for k in ("notices", "notice_amount", "collected_amount"):
            fees.setdefault(k, "")

    year, agency = data["year"], data["agency"]
    other = paragraphs(data.get("other_matters"))
    fee = fee_sentence(data.get("fees")) if edition == "2021" else None
    other = ([fee] if fee else []) + other
    ctx["doc"] = {
        "title": f"{agency}{year}年政府信息公开工作年度报告",
        # the title as printed: its lines, broken where the meaning allows (GB/T 9704 §7.3.3)
        "title_lines": title_lines(agency, year),
        "preface": paragraphs(data.get("preface")) or [standard_preface(agency, year)],
        "summary": paragraphs(data["overview"].get("summary")),
        "sections": [
            {"number": f"（{cn_number(i)}）", "title": s["title"].strip(), "paragraphs": paragraphs(s["text"])}
            for i, s in enumerate(data["overview"].get("sections", []), start=1)
        ],
        "problems": paragraphs(data.get("problems")),
        "improvements": paragraphs(data.get("improvements")),
        "other_matters": other or ["无"],
        "signature": agency,
        "date": cn_date(data["published"]) if data.get("published") else "",
        "period": f"{year}年1月1日至12月31日",
        "amount_unit": ctx["proactive"]["procurement"]["amount_unit"] if edition == "2019" else "",
        # the head of 2019 表二's 采购总金额 column: the official label, with the unit when the data gives one
        "procurement_amount_head": (procurement_amount_head(data["proactive"]["procurement"].get("amount_unit"))
                                    if edition == "2019" else ""),
    }
    return ctx
