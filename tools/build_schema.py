"""Generate the schema files from reportkit.contract.official.

    python tools/build_schema.py          # write them
    python tools/build_schema.py --check  # exit 1 when a committed file is stale

Writes ``schema/report.schema.json`` (the JSON Schema, draft 2020-12, both editions) and, for
each edition, ``src/reportkit/contract/schema_compiled_<edition>.py``: that edition's schema compiled
into plain Python by fastjsonschema, the fast path of validation (see ``reportkit.contract.schema``).
fastjsonschema is needed here only, not at run time.

Every pattern is valid both in ECMA-262 (editors) and in Python's ``re`` (jsonschema and the
compiled code use ``re.search``).  A pattern never ends in ``$``: in Python ``$`` also matches
before a final newline, so ``"12.5\\n"`` would pass; ``(?![\\s\\S])`` ("nothing follows") is
the end of the string in both dialects.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from reportkit.contract import official as c  # noqa: E402
from reportkit.contract.schema import edition_schema  # noqa: E402

#: a stable identifier (a URN: nothing is fetched from it); bump the last part on a breaking change
SCHEMA_ID = "urn:reportkit:schema:report:1"
OUT = ROOT / "schema" / "report.schema.json"
COMPILED = ROOT / "src" / "reportkit" / "contract" / "schema_compiled_{edition}.py"

END = r"(?![\s\S])"  # the end of the string, in ECMA-262 and in Python alike


def year_pattern(lo: int, hi: int) -> str:
    """A regex alternation matching exactly the four-digit years ``lo`` … ``hi``, by decade."""
    parts = []
    for decade in range(lo // 10, hi // 10 + 1):
        a, b = max(lo, decade * 10) % 10, min(hi, decade * 10 + 9) % 10
        parts.append(f"{decade}{a}" if a == b else f"{decade}[{a}-{b}]")
    return "|".join(parts)


AMOUNT_PATTERN = (rf"^(?=[0-9.]{{1,{c.AMOUNT_DIGITS + 1}}}{END})"
                  rf"[0-9]{{1,{c.AMOUNT_DIGITS}}}(\.[0-9]{{1,{c.AMOUNT_DECIMALS}}})?{END}")
DATE_PATTERN = rf"^({year_pattern(c.PUBLISHED_YEAR_MIN, c.PUBLISHED_YEAR_MAX)})-[0-9]{{2}}-[0-9]{{2}}{END}"


def leaf(f: c.Field) -> dict:
    base = {"title": f.title, "description": f.description}
    if f.kind == c.COUNT:
        return base | {"type": "integer", "minimum": 0, "maximum": f.maximum or c.MAX_COUNT}
    if f.kind == c.SIGNED:
        return base | {"type": "integer", "minimum": -c.MAX_COUNT, "maximum": c.MAX_COUNT}
    if f.kind == c.AMOUNT:
        # a number >= 0, or a string of decimal digits; minimum applies to numbers, pattern to strings
        return base | {"type": ["number", "string"], "minimum": 0, "maximum": c.AMOUNT_MAX,
                       "pattern": AMOUNT_PATTERN}
    if f.kind == c.TEXT:
        # an optional text may be empty: empty means absent (a required one must say something)
        return base | {"type": "string", "maxLength": c.TEXT_MAX} | ({"pattern": r"\S"} if f.required else {})
    if f.kind == c.NAME:
        return base | {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"}
    if f.kind == c.STRING:
        return base | {"type": "string", "maxLength": 200}
    if f.kind == c.BOOL:
        return base | {"type": "boolean"}
    if f.kind == c.YEAR:
        return base | {"type": "integer", "minimum": c.YEAR_MIN, "maximum": c.YEAR_MAX}
    if f.kind == c.DATE:
        return base | {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    if f.kind == c.EDITION:
        return base | {"enum": list(c.EDITIONS)}
    if f.kind == c.UNIT:
        return base | {"enum": ["元", "万元"]}  # no default: a report without a unit prints none
    if f.kind == c.LEVEL:
        return base | {"enum": list(c.LEVELS)}
    raise ValueError(f.kind)


def node(f: c.Field, shared: dict | None = None) -> dict:
    """The schema of ``f``; an object equal to one of the ``shared`` definitions points at it."""
    if f.kind == c.OBJECT:
        out = {"title": f.title, "description": f.description, "type": "object",
               "properties": {ch.key: node(ch, shared) for ch in f.children},
               "required": [ch.key for ch in f.children if ch.required],
               "additionalProperties": False}
        if not out["required"]:
            del out["required"]
        for name, body in (shared or {}).items():
            if _body(out) == _body(body):
                return {"title": f.title, "description": f.description, "$ref": f"#/$defs/{name}"}
        return out
    if f.kind == c.LIST:
        return {"title": f.title, "description": f.description, "type": "array",
                "maxItems": 50, "items": node(f.item, shared)}
    return leaf(f)


def _body(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in ("title", "description")}


def build() -> dict:
    root = c.report_field("2021")
    #: rows that repeat (applicant rows, appeals blocks) point at one shared definition
    defs = {
        "applicant_row": node(root.child("requests").child("received"))
        | {"title": "申请人情况一行", "description": "表三的一行：六个申请人列（total 可不填）"},
        "appeals_block": node(root.child("appeals").child("reconsideration"))
        | {"title": "复议或诉讼一栏", "description": "结果维持、结果纠正、其他结果、尚未审结（total 可不填）"},
    }
    shared = dict(defs)
    for ed in c.EDITIONS:
        d = node(c.report_field(ed), shared)
        d["properties"]["format"] = d["properties"]["format"] | {"const": ed}
        ov = d["properties"]["overview"]
        # 一 says something: a summary that is not blank, or at least one section
        ov["anyOf"] = [{"required": ["summary"], "properties": {"summary": {"pattern": r"\S"}}},
                       {"required": ["sections"], "properties": {"sections": {"minItems": 1}}}]
        defs[f"report_{ed}"] = d
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "政府信息公开工作年度报告",
        "description": "reportkit 报告数据（一份 JSON 描述一个单位一个年度的年度报告）。format 选择官方格式版本。"
                       "整数项（件数、年度、总计）须写成整数，不带小数点。",
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


# ------------------------------------------------------------------ the compiled fast path

_FJS_IMPORT = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException"
_OWN_IMPORT = ("from .schema import SchemaMismatch as JsonSchemaValueException, "
               "SchemaMismatch as JsonSchemaValuesException")


def compiled(schema: dict, edition: str) -> str:
    """The Python source of ``edition``'s schema compiled by fastjsonschema, standalone."""
    from fastjsonschema.draft04 import JSON_TYPE_TO_PYTHON_TYPE
    from fastjsonschema.draft2019 import CodeGeneratorDraft2019
    from fastjsonschema.generator import enforce_list
    from fastjsonschema.ref_resolver import RefResolver
    from fastjsonschema.version import VERSION

    class Generator(CodeGeneratorDraft2019):
        def generate_type(self):
            # as upstream, minus "a float without fractional part is an integer" (draft 06 on):
            # in the contract 12.0 is not a count
            types = enforce_list(self._definition["type"])
            python_types = ", ".join(JSON_TYPE_TO_PYTHON_TYPE[t] for t in types)
            extra = ""
            if ("number" in types or "integer" in types) and "boolean" not in types:
                extra = f" or isinstance({self._variable}, bool)"
            with self.l("if not isinstance({variable}, ({})){}:", python_types, extra):
                self.exc("{name} must be {}", " or ".join(types), rule="type")

        def generate_const(self):
            match = self._enum_value_matches(self._variable, self._definition["const"])
            with self.l("if not ({}):", match):
                self.exc("")

        def exc(self, msg, *args, append_to_msg=None, rule=None):
            # the fast path only answers "does it pass?" (jsonschema explains): no messages, a
            # third of the code, so that a cold start compiles it quickly
            self.l("raise JsonSchemaValueException")

    definition = edition_schema(schema, edition)
    resolver = RefResolver.from_schema(definition, handlers={}, store={})
    gen = Generator(definition, resolver=resolver, use_default=False, detailed_exceptions=False)
    state = gen.global_state_code
    if _FJS_IMPORT not in state:
        raise SystemExit(f"fastjsonschema {VERSION} no longer imports its exceptions as expected; "
                         "adapt tools/build_schema.py")
    header = (f'"""{edition} 格式的 JSON Schema，由 fastjsonschema {VERSION} 编译为 Python（校验的快速路径）。\n\n'
              "Generated by tools/build_schema.py from reportkit.contract.official: do not edit.  ``check(data)``\n"
              "raises SchemaMismatch when ``data`` does not pass (integers are JSON integers only).\n"
              '"""\n# flake8: noqa\n# fmt: off\n\n')
    return (header + state.replace(_FJS_IMPORT, _OWN_IMPORT) + "\n" + gen.func_code
            + f"\n\ncheck = {resolver.get_scope_name()}\n")


def outputs() -> dict[Path, str]:
    schema = build()
    files = {OUT: dump(schema)}
    for ed in c.EDITIONS:
        files[Path(str(COMPILED).format(edition=ed))] = compiled(schema, ed)
    return files


if __name__ == "__main__":
    files = outputs()
    if "--check" in sys.argv:
        stale = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        for p in stale:
            print(f"{p.relative_to(ROOT)} is stale: run python tools/build_schema.py")
        if not stale:
            print("schema files are up to date")
        sys.exit(1 if stale else 0)
    for p, text in files.items():
        p.write_text(text, encoding="utf-8")
        print(f"wrote {p.relative_to(ROOT)} ({len(text)} chars)")
