"""Where the data files (schema, default templates) live.

In a wheel they are inside the package, at ``reportkit/_data/{schema,templates}``
(pyproject's force-include puts them there).  In a source checkout and an
editable install they are the top-level ``schema/`` and ``templates/`` folders.
Both are found by the same function, :func:`data_dir`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """The folder ``schema`` or ``templates``, from the wheel or from the checkout."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"reportkit data folder {name!r} not found (broken installation?)")


def schema_path() -> Path:
    return data_dir("schema") / "report.schema.json"


def template_path(kind: str, edition: str) -> Path:
    """The default template of ``kind`` ("docx" or "xlsx") for ``edition``."""
    return data_dir("templates") / kind / template_name(kind, edition)


def template_name(kind: str, edition: str) -> str:
    return f"report-{edition}.{kind}"
