"""What the readers record as they read a published report: each official figure read
(:class:`FigureRead`), each note on what had to be interpreted or was not found (:class:`Note`),
and the kinds of note that make a result incomplete (:data:`PROBLEMS`).

Its own module, below the readers (``figures``) and the form of a partial import (``partial``)
that use it and the package's :class:`~reportkit.importing.ImportResult` that holds it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FigureRead:
    """One official figure as read: its contract path, official label, value and origin."""

    path: str            # contract path, e.g. requests.results.denied.third_party.natural
    label: str           # official label chain: 第二十条第（一）项 / 规章 / 本年制发件数
    value: object        # the value written to the data
    printed: str         # the cell's text as printed
    where: str           # table, row and column where it was read
    row_label: str       # the row label as printed
    col_label: str       # the column head as printed


@dataclass(frozen=True)
class Note:
    """Something the reader had to interpret, or could not find.

    ``kind``: ``variant`` (a label matched only through a known variant), ``blank`` (a blank or
    ``/`` cell read as 0), ``unit`` (a unit printed in a cell), ``not-printed`` (a 总计 the report
    does not print; reportkit computes it), ``guess``, ``conflict`` (a figure printed twice,
    differently: not read), ``unreadable`` (a cell that is no figure), ``missing`` (a figure or section
    not found), ``ambiguous`` (a label or a run of digits that could be read more than one way: not
    read), ``absent`` (an optional part not found), ``schema`` (the data breaks the schema).
    """

    kind: str
    message: str
    path: str | None = None
    where: str | None = None
    printed: str | None = None
    official: str | None = None


#: the kinds of note that make a result incomplete
PROBLEMS = ("missing", "unreadable", "schema", "conflict", "ambiguous")
#: ``split``: digits run together (crawler text, OCR) split the one way the table's arithmetic allows;
#: ``extra``: a row the official table does not have (a province's 其他主动公开文件), kept as a note
