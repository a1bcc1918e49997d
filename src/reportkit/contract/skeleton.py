"""``reportkit init``: a complete report skeleton, optionally carried on from last year."""

from __future__ import annotations

from . import official as c
from .totals import get

#: the five aspects the official format asks 一、总体情况 to cover
OVERVIEW_TOPICS = ("主动公开情况", "依申请公开情况", "政府信息管理情况", "政府信息公开平台建设情况", "监督保障情况")


def _zeros(field: c.Field) -> dict:
    out: dict = {}
    for ch in field.children:
        if not ch.required:
            continue
        if ch.kind == c.OBJECT:
            out[ch.key] = _zeros(ch)
        elif ch.kind in (c.COUNT, c.SIGNED):
            out[ch.key] = 0
        elif ch.kind == c.AMOUNT:
            out[ch.key] = "0"
    return out


def skeleton(year: int, agency: str, *, edition: str | None = None, region: str | None = None,
             previous: dict | None = None) -> dict:
    """Every row and column present with zeros, every text empty (so that validation says what to
    write).  With ``previous`` (last year's data): identity, the carried-over applications and the
    starting points of the proactive figures follow from it; its text is never copied."""
    edition = edition or c.edition_for(year)
    root = c.report_field(edition)
    prev = previous or {}
    data: dict = {"format": edition, "year": year, "agency": agency, **_carried_identity(prev)}
    if region:
        data["region"] = region
    data["overview"] = {"summary": "", "sections": [{"title": t, "text": ""} for t in OVERVIEW_TOPICS]}
    for key in ("proactive", "requests", "appeals"):
        data[key] = _zeros(root.child(key))
    data["problems"] = ""
    data["improvements"] = ""
    if edition == "2021":
        data["fees"] = {"notices": 0, "notice_amount": "0", "collected_amount": "0"}
    _carry_figures(data, prev, edition)
    return data


def _carried_identity(prev: dict) -> dict:
    """What last year's data says of the unit, not of the year: its id, region, rollup and level,
    and how it heads the parts of 五 (its own words, or none) -- its layout, not its text."""
    out = {}
    for key in ("agency_id", "region", "rollup"):
        if prev.get(key) not in (None, ""):
            out[key] = prev[key]
    if prev.get("level") in c.LEVELS:
        out["level"] = prev["level"]
    for key in ("problems_heading", "improvements_heading", "rectification_heading"):
        if isinstance(prev.get(key), str) and prev[key].strip():
            out[key] = prev[key]
    if prev.get("five_headings") is False:
        out["five_headings"] = False
    return out


def _carry_figures(data: dict, prev: dict, edition: str) -> None:
    """The figures that start where last year's ended: applications carried over, and (same
    edition) the documents in force (2021) or the item counts before this year's change (2019)."""
    last_forward = get(prev, ("requests", "carried_forward"))
    if isinstance(last_forward, dict):
        data["requests"]["carried_over"] = {k: last_forward.get(k, 0) for k in c.COLUMN_KEYS}
    if edition == "2021" and prev.get("format") == "2021":
        for row in ("regulations", "normative_documents"):
            last = get(prev, ("proactive", row, "in_force"))
            if isinstance(last, int):
                data["proactive"][row]["in_force"] = last
    if edition == "2019" and prev.get("format") == "2019":
        for row in ("licensing", "other_services", "penalties", "coercion", "fees"):
            last = get(prev, ("proactive", row))
            if isinstance(last, dict) and isinstance(last.get("previous"), int) and isinstance(last.get("change"), int):
                data["proactive"][row]["previous"] = last["previous"] + last["change"]
