"""The JSON Schema of the contract: loaded once, compiled once."""

from __future__ import annotations

import copy
import json
from functools import lru_cache

from .resources import schema_path


@lru_cache(maxsize=None)
def schema() -> dict:
    """The combined schema (both editions, chosen by ``format``)."""
    with open(schema_path(), encoding="utf-8") as fh:
        return json.load(fh)


def schema_for(edition: str | None = None) -> dict:
    """The combined schema, or one edition's schema as a standalone document."""
    full = schema()
    if edition is None:
        return copy.deepcopy(full)
    root = copy.deepcopy(full["$defs"][f"report_{edition}"])
    defs = {k: v for k, v in copy.deepcopy(full["$defs"]).items() if not k.startswith("report_")}
    schema_id = full["$id"].replace(":report:", f":report-{edition}:")
    return {"$schema": full["$schema"], "$id": schema_id, **root, "$defs": defs}


@lru_cache(maxsize=None)
def validator():
    """The compiled Draft 2020-12 validator, with format checking on (dates are real dates)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


_seen: dict[str, int] = {}
#: reports of one edition validated by jsonschema alone before the compiled check is built
COMPILE_AFTER = 40


def fast_check(data: dict, edition: str) -> bool:
    """True when ``data`` certainly passes the schema of ``edition``; False means "ask jsonschema".

    jsonschema explains every error but walks the schema at ~4 ms a report.  A process
    that validates many reports (a batch, a CMS) gets fastjsonschema's compiled form of
    the same schema once it has validated ``COMPILE_AFTER`` reports of an edition
    (compiling costs ~0.15 s: it pays for itself after about 40 reports).  Only a clean
    report skips jsonschema; any doubt goes to it.
    """
    _seen[edition] = _seen.get(edition, 0) + 1
    if _seen[edition] <= COMPILE_AFTER:
        return False
    check = _compiled(edition)
    if check is None:
        return False
    try:
        check(data)
    except Exception:  # JsonSchemaValueException, or anything unexpected: let jsonschema speak
        return False
    return True


@lru_cache(maxsize=None)
def _compiled(edition: str):
    try:
        import fastjsonschema

        return fastjsonschema.compile(schema_for(edition), use_default=False)  # never write defaults into the data
    except Exception:  # pragma: no cover - the slow path still validates
        return None
