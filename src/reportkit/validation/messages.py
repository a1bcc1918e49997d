"""jsonschema errors translated into plain Chinese, with the official label of the path."""

from __future__ import annotations

import difflib
import json
from typing import Any, Iterable, Iterator

from ..contract import official as c
from .findings import Finding, json_path

_TYPES = {"integer": "整数", "number": "数字", "string": "文本（字符串）", "object": "对象 {…}",
          "array": "列表 […]", "boolean": "true 或 false", "null": "null"}
_INTEGER_KINDS = (c.COUNT, c.SIGNED, c.YEAR)


def shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"


def number(value: Any) -> str:
    """A bound as people write it: ``10000000``, never ``1e+07``."""
    return str(value) if isinstance(value, int) else format(value, "f").rstrip("0").rstrip(".")


def _field(edition: str | None, path: tuple) -> c.Field | None:
    chain = c.lookup(edition, path)
    return chain[-1] if chain and len(chain) == len(path) else None


def _expected(field: c.Field | None) -> str | None:
    if field is None:
        return None
    return {
        c.COUNT: "非负整数",
        c.SIGNED: "整数（减少用负数）",
        c.AMOUNT: (f"非负金额（数字，或如 \"1250.00\" 的数字字符串；最多 {c.AMOUNT_DIGITS} 位数字，"
                   f"其中小数最多 {c.AMOUNT_DECIMALS} 位）"),
        c.YEAR: f"{c.YEAR_MIN} 至 {c.YEAR_MAX} 之间的整数年份",
        c.DATE: (f"真实的日期（{c.PUBLISHED_YEAR_MIN} 至 {c.PUBLISHED_YEAR_MAX} 年之间），"
                 "格式 YYYY-MM-DD（如 2021-01-20）"),
        c.BOOL: "true 或 false",
        c.EDITION: "\"2019\" 或 \"2021\"（带引号）",
        c.UNIT: "\"元\" 或 \"万元\"",
        c.LEVEL: "、".join(f"\"{v}\"" for v in c.LEVELS) + " 之一",
    }.get(field.kind)


def suggestion(key: str, allowed: Iterable[str]) -> str | None:
    """The allowed key that ``key`` was probably meant to be: the same but for case
    (``Format`` → ``format``), else the closest spelling."""
    allowed = list(allowed)
    folded = {a.casefold(): a for a in allowed}
    if key.casefold() in folded:
        return folded[key.casefold()]
    close = difflib.get_close_matches(key.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


def unknown_keys(instance: dict, allowed: list[str], path: tuple, edition: str | None,
                 file: str | None) -> Iterator[Finding]:
    """A finding for every key of ``instance`` (the object at ``path``) not in ``allowed``."""
    for key in instance:
        if key in allowed:
            continue
        p = path + (key,)
        msg = f"未知字段 “{key}”"
        close = suggestion(key, allowed)
        if close:
            msg += f"，是否应为 “{close}”？"
        other = [e for e in c.EDITIONS if e != edition]
        if other and edition and c.lookup(other[0], p) and len(c.lookup(other[0], p)) == len(p):
            msg += f"（这是 {other[0]} 格式的字段，而本报告 format 为 \"{edition}\"）"
        elif not close:
            msg += f"；此处可用的字段：{'、'.join(allowed)}"
        where = c.label(edition, path) if path else "报告顶层"
        yield Finding("error", "schema.unknown-key", json_path(p), where, msg, file=file)


def translate(error, edition: str | None, file: str | None) -> Iterator[Finding]:
    """One jsonschema ``ValidationError`` → Chinese findings (usually one)."""
    path = tuple(error.absolute_path)
    kw = error.validator
    inst = error.instance

    if kw == "required":
        present = inst if isinstance(inst, dict) else {}
        for key in error.validator_value:
            if key in present:
                continue
            p = path + (key,)
            f = _field(edition, p)
            hint = f"：{f.description}" if f is not None and f.description != f.title else ""
            yield Finding("error", "schema.required", json_path(p), c.label(edition, p),
                          f"缺少此项（键 \"{key}\"）{hint}", file=file)
        return
    if kw == "additionalProperties":
        yield from unknown_keys(inst, list(error.schema.get("properties", {})), path, edition, file)
        return
    if kw == "anyOf" and path == ("overview",):
        yield from _overview(error, edition, file)
        return

    field = _field(edition, path)
    label = c.label(edition, path)
    expected = _expected(field)
    if kw in ("type", "minimum", "maximum", "enum", "const", "format") and expected:
        msg = f"应为{expected}，实为 {shown(inst)}"
        if kw == "type" and field.kind in _INTEGER_KINDS and isinstance(inst, float) and inst.is_integer():
            msg += "（请去掉小数点）"
        if kw == "maximum" and field.kind != c.YEAR:
            msg = f"超出合理范围（上限 {number(error.validator_value)}），实为 {shown(inst)}"
    elif kw == "pattern" and field is not None and field.kind in (c.AMOUNT, c.DATE):
        msg = f"应为{expected}，实为 {shown(inst)}"
    elif kw in ("pattern", "minLength") and field is not None and field.kind in (c.TEXT, c.NAME):
        msg = f"不能为空：请填写{field.description}"
    elif kw == "type":
        want = error.validator_value
        want = "或".join(_TYPES.get(w, w) for w in want) if isinstance(want, list) else _TYPES.get(want, want)
        msg = f"应为{want}，实为 {shown(inst)}"
    elif kw == "maxLength":
        msg = f"过长（{len(inst)} 字，上限 {error.validator_value} 字）"
    elif kw == "maxItems":
        msg = f"项数过多（{len(inst)}，上限 {error.validator_value}）"
    else:  # not expected for this schema; still say it in Chinese with the path
        msg = f"不符合数据规范（{kw}），实为 {shown(inst)}"
    yield Finding("error", f"schema.{kw}", json_path(path), label, msg, file=file)


def _overview(error, edition: str | None, file: str | None) -> Iterator[Finding]:
    """一 says nothing: a blank summary, an empty list of sections, or neither."""
    inst = error.instance if isinstance(error.instance, dict) else {}
    for key in ("summary", "sections"):
        if key in inst:
            p = ("overview", key)
            f = _field(edition, p)
            what = f"请填写{f.description}" if key == "summary" else "请至少写一节，或填写 summary（概述）"
            yield Finding("error", "schema.pattern" if key == "summary" else "schema.minItems", json_path(p),
                          c.label(edition, p), f"不能为空：{what}", file=file)
            return
    yield Finding("error", "schema.anyOf", json_path(("overview",)), c.label(edition, ("overview",)),
                  "请至少填写 summary（概述）或 sections（分节情况）", file=file)
