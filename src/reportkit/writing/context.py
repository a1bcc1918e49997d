"""The template context: the report at its contract paths, totals filled in, plus ``doc``,
the text as it is printed.  Both the Word and the Excel engine render from this
(see docs/templates.md)."""

from __future__ import annotations

import datetime as dt

from ..contract import official as c
from ..contract.characters import strip_invisible_all
from ..contract.tables import procurement_amount_head
from .titles import title_lines
from ..contract.totals import amount, amount_text, completed, row_total

CN_NUMBERS = "一二三四五六七八九十"

#: the names a template may use under ``doc`` (checked by ``reportkit templates check``)
DOC_KEYS = ("title", "title_lines", "preface", "summary", "sections", "problems", "improvements", "other_matters",
            "signature", "date", "period", "amount_unit", "procurement_amount_head", "five", "six")
SECTION_KEYS = ("number", "title", "paragraphs")
#: the keys of an item of ``doc.five`` and ``doc.six``
BLOCK_KEYS = ("heading", "paragraphs")


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


#: 国办函〔2020〕109号, the rules 六's fee sentence cites
FEE_RULES = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"


def fee_paragraph(data: dict) -> str:
    """六（一）信息处理费 when 六 is given as sub-items (edition 2021): the fee figures that are
    present, under the rules they follow, and the requests of table 三 not processed because a
    fee was not paid; “未收取” when no figure says a fee was charged."""
    fees = data.get("fees") if isinstance(data.get("fees"), dict) else {}
    parts, charged = [], False
    if fees.get("notices") is not None:
        parts.append(f"发出收费通知{fees['notices']}件")
        charged |= fees["notices"] > 0
    for key, what in (("notice_amount", "收费通知总金额"), ("collected_amount", "实际收取信息处理费")):
        if fees.get(key) is not None:
            parts.append(f"{what}{amount_text(fees[key])}元")
            charged |= amount(fees[key]) > 0
    unpaid = row_total(data["requests"]["results"]["other"]["unpaid_fee"])
    if charged:
        text = f"本年度，本机关依据{FEE_RULES}收取信息处理费，{'，'.join(parts)}。"
    else:
        text = "本年度，本机关未收取政府信息公开信息处理费。"
    if unpaid:
        text += f"因申请人逾期未按收费通知要求缴纳费用、本机关不再处理的政府信息公开申请{unpaid}件。"
    return text


def _blocks(parts: list[tuple[str, list[str], bool]], numbered: bool) -> list[dict]:
    """``(heading, paragraphs, heading given)`` → the items of ``doc.five``/``doc.six``: headings
    numbered （一）（二）… when ``numbered``, else none."""
    out = []
    for i, (heading, paras, _) in enumerate(parts, start=1):
        out.append({"heading": f"（{cn_number(i)}）{heading}" if numbered else "", "paragraphs": paras})
    return out


def five(data: dict) -> list[dict]:
    """五's parts in order (上年度问题整改情况, 存在的主要问题, 改进情况: those given), each with its
    sub-heading: the data's own words or the default; headings are printed when there are two
    parts or more, or a heading is given, unless ``five_headings`` is false."""
    parts = []
    for key, default in c.FIVE_PARTS:
        paras = paragraphs(data.get(key))
        if paras:
            own = data.get(f"{key}_heading")
            own = " ".join(own.split()) if isinstance(own, str) else ""  # one line, as a heading is
            parts.append((own or default, paras, bool(own)))
    numbered = data.get("five_headings") is not False and (len(parts) > 1 or any(g for _, _, g in parts))
    return _blocks(parts, numbered)


def six(data: dict) -> tuple[list[dict], list[str]]:
    """六 as printed: ``(blocks, last paragraphs)``.  Without sub-items, no blocks and the paragraphs
    of ``doc.other_matters`` as before.  With any of 2021's sub-items given, （一）信息处理费 (the fee
    paragraph), then the sub-items given, then 其他事项 (``other_matters``), numbered; the last
    item's paragraphs are left out of its block and returned as the last paragraphs, so the
    template's 落款 keeps to the end of 六 as before."""
    edition = data["format"]
    items = [(title, paragraphs(data.get(key))) for key, title in c.SIX_ITEMS] if edition == "2021" else []
    if not any(paras for _, paras in items):
        other = paragraphs(data.get("other_matters"))
        fee = fee_sentence(data.get("fees")) if edition == "2021" else None
        return [], ([fee] if fee else []) + other or ["无"]
    parts = [(c.SIX_FEES_TITLE, [fee_paragraph(data)], False)]
    parts += [(title, paras, False) for title, paras in items if paras]
    other = paragraphs(data.get("other_matters"))
    if other:
        parts.append((c.SIX_OTHER_TITLE, other, False))
    blocks = _blocks(parts, True)
    last = blocks[-1]["paragraphs"]
    blocks[-1] = {"heading": blocks[-1]["heading"], "paragraphs": []}
    return blocks, last


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
    for key in ("agency_id", "region", "published", "preface", "improvements", "other_matters", "level",
                "rectification", "problems_heading", "improvements_heading", "rectification_heading"):
        ctx.setdefault(key, "")
    ctx.setdefault("five_headings", True)
    if edition == "2021":
        for key, _ in c.SIX_ITEMS:
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
    six_blocks, six_last = six(data)
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
        "other_matters": six_last,
        # 五 and 六 as printed: their parts, each ``{"heading": "（一）…" or "", "paragraphs": [...]}``
        "five": five(data),
        "six": six_blocks,
        "signature": agency,
        "date": cn_date(data["published"]) if data.get("published") else "",
        "period": f"{year}年1月1日至12月31日",
        "amount_unit": ctx["proactive"]["procurement"]["amount_unit"] if edition == "2019" else "",
        # the head of 2019 表二's 采购总金额 column: the official label, with the unit when the data gives one
        "procurement_amount_head": (procurement_amount_head(data["proactive"]["procurement"].get("amount_unit"))
                                    if edition == "2019" else ""),
    }
    return ctx
