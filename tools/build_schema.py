"""Generate schema/report.schema.json from reportkit.contract.

    python tools/build_schema.py          # write the schema
    python tools/build_schema.py --check  # exit 1 when the committed schema is stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from reportkit import contract as c  # noqa: E402

#: a stable identifier (a URN: nothing is fetched from it); bump the last part on a breaking change
SCHEMA_ID = "urn:reportkit:schema:report:1"
OUT = ROOT / "schema" / "report.schema.json"


def leaf(f: c.Field) -> dict:
    base = {"title": f.title, "description": f.description}
    if f.kind == c.COUNT:
        return base | {"type": "integer", "minimum": 0, "maximum": c.MAX_COUNT}
    if f.kind == c.SIGNED:
        return base | {"type": "integer", "minimum": -c.MAX_COUNT, "maximum": c.MAX_COUNT}
    if f.kind == c.AMOUNT:
        # a number >= 0, or a string of decimal digits; minimum applies to numbers, pattern to strings
        return base | {"type": ["number", "string"], "minimum": 0, "maximum": 1e15,
                       "pattern": r"^[0-9]{1,15}(\.[0-9]{1,8})?$"}
    if f.kind == c.TEXT:
        return base | {"type": "string", "maxLength": c.TEXT_MAX, "pattern": r"\S"}
    if f.kind == c.NAME:
        return base | {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"}
    if f.kind == c.STRING:
        return base | {"type": "string", "maxLength": 200}
    if f.kind == c.BOOL:
        return base | {"type": "boolean"}
    if f.kind == c.YEAR:
        return base | {"type": "integer", "minimum": c.YEAR_MIN, "maximum": c.YEAR_MAX}
    if f.kind == c.DATE:
        return base | {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    if f.kind == c.EDITION:
        return base | {"enum": list(c.EDITIONS)}
    if f.kind == c.UNIT:
        return base | {"enum": ["元", "万元"]}  # no default: a report without a unit prints none
    raise ValueError(f.kind)


APPLICANT_KEYS = list(c.COLUMN_KEYS) + ["total"]
APPEAL_KEYS = [k for k, _ in c.APPEAL_COLUMNS] + ["total"]


def shared_def(f: c.Field) -> str | None:
    """Rows that repeat (applicant rows, appeals blocks) point at one shared definition."""
    keys = [ch.key for ch in f.children]
    if keys == APPLICANT_KEYS:
        return "applicant_row"
    if keys == APPEAL_KEYS:
        return "appeals_block"
    return None


def node(f: c.Field, *, inline: bool = False) -> dict:
    ref = None if inline else shared_def(f) if f.kind == c.OBJECT else None
    if ref:
        return {"title": f.title, "description": f.description, "$ref": f"#/$defs/{ref}"}
    if f.kind == c.OBJECT:
        out = {"title": f.title, "description": f.description, "type": "object",
               "properties": {ch.key: node(ch) for ch in f.children},
               "required": [ch.key for ch in f.children if ch.required],
               "additionalProperties": False}
        if not out["required"]:
            del out["required"]
        return out
    if f.kind == c.LIST:
        return {"title": f.title, "description": f.description, "type": "array",
                "maxItems": 50, "items": node(f.item)}
    return leaf(f)


def build() -> dict:
    req = c.report_field("2021").child("requests")
    defs = {
        "applicant_row": node(req.child("received"), inline=True)
        | {"title": "申请人情况一行", "description": "表三的一行：六个申请人列（total 可不填）"},
        "appeals_block": node(c.report_field("2021").child("appeals").child("reconsideration"), inline=True)
        | {"title": "复议或诉讼一栏", "description": "结果维持、结果纠正、其他结果、尚未审结（total 可不填）"},
    }
    for ed in c.EDITIONS:
        d = node(c.report_field(ed))
        d["properties"]["format"] = d["properties"]["format"] | {"const": ed}
        ov = d["properties"]["overview"]
        ov["anyOf"] = [{"required": ["summary"]}, {"required": ["sections"]}]
        defs[f"report_{ed}"] = d
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "政府信息公开工作年度报告",
        "description": "reportkit 报告数据（一份 JSON 描述一个单位一个年度的年度报告）。format 选择官方格式版本。",
        "type": "object",
        "required": ["format"],
        "properties": {"format": leaf(c.report_field("2021").child("format"))},
        "allOf": [
            {"if": {"properties": {"format": {"const": ed}}, "required": ["format"]},
             "then": {"$ref": f"#/$defs/report_{ed}"}}
            for ed in c.EDITIONS
        ],
        "$defs": defs,
    }


def dump(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    text = dump(build())
    if "--check" in sys.argv:
        ok = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("schema is up to date" if ok else f"{OUT} is stale: run python tools/build_schema.py")
        sys.exit(0 if ok else 1)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(text)} chars)")
