"""The JSON Schema of the contract, and the two ways reportkit checks data against it.

* The fast path: each edition's schema compiled into plain Python by fastjsonschema when
  the schema is built (``tools/build_schema.py`` writes ``schema_compiled_<edition>.py``).
  It answers one question, "does this report pass?", in well under a millisecond and needs
  neither jsonschema nor fastjsonschema at run time: a clean report never imports them.
* jsonschema (Draft 2020-12, formats checked): only when the fast path says no, to explain
  every error with its path.

Both follow the contract's one rule for integers, which is stricter than draft 2020-12 (where
``12.0`` is an integer): a count, a year or a total is a JSON integer, written without a
decimal point.  jsonschema gets a type checker saying so; the compiled code is generated so.
"""

from __future__ import annotations

import copy
import importlib
import json
from functools import lru_cache

from ..resources import schema_path


class SchemaMismatch(Exception):
    """Raised by the compiled schema code (as its ``JsonSchemaValueException``): the data does
    not pass.  Never leaves this module."""


@lru_cache(maxsize=None)
def schema() -> dict:
    """The combined schema (both editions, chosen by ``format``)."""
    with open(schema_path(), encoding="utf-8") as fh:
        return json.load(fh)


def edition_schema(full: dict, edition: str) -> dict:
    """One edition's schema as a standalone document, cut from the combined schema ``full``."""
    root = copy.deepcopy(full["$defs"][f"report_{edition}"])
    defs = {k: v for k, v in copy.deepcopy(full["$defs"]).items() if not k.startswith("report_")}
    schema_id = full["$id"].replace(":report:", f":report-{edition}:")
    return {"$schema": full["$schema"], "$id": schema_id, **root, "$defs": defs}


def schema_for(edition: str | None = None) -> dict:
    """The combined schema, or one edition's schema as a standalone document."""
    return copy.deepcopy(schema()) if edition is None else edition_schema(schema(), edition)


def _is_integer(checker, instance) -> bool:
    """A JSON integer: ``12`` is one, ``12.0`` is not (nor ``true``)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


@lru_cache(maxsize=None)
def validator():
    """The compiled Draft 2020-12 validator, with format checking on (dates are real dates) and
    the contract's integers."""
    from jsonschema import Draft202012Validator, validators  # lazy: only a report with errors (bench_validate start-up)

    cls = validators.extend(Draft202012Validator,
                            type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer))
    return cls(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def fast_check(data: dict, edition: str) -> bool:
    """True when ``data`` certainly passes the schema of ``edition``; False means "ask jsonschema"."""
    check = _compiled(edition)
    if check is None:  # pragma: no cover - a broken installation; the slow path still validates
        return False
    try:
        check(data)
    except Exception:  # SchemaMismatch, or anything unexpected: let jsonschema speak
        return False
    return True


@lru_cache(maxsize=None)
def _compiled(edition: str):
    try:
        return importlib.import_module(f"{__package__}.schema_compiled_{edition}").check
    except ImportError:  # pragma: no cover
        return None
