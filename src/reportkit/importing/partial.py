"""A report read only in part → the clerk's form (.xlsx) holding what was read.

The user completes the form instead of retyping the report: every figure read is in its cell,
every cell not read (missing, ambiguous, unreadable, printed twice differently) is tinted and
commented with why, every cell read by a guess (a misprinted label, a 2019 row split into the
2021 sub-rows …) is tinted in another colour and commented with what was printed.  The list of
marked cells is returned with the form, for the reading report.

A printed 总计 that disagrees with the figures read (a part of the row is missing) is left to the
form's formula rather than refused; it is listed.  The JSON output of an import stays
complete-or-nothing: a partial result is only ever written as a form.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from ..contract import tables as layout
from .records import PROBLEMS
from ..contract.totals import completed, get
from ..form import fields as F


@dataclass(frozen=True)
class Mark:
    path: str        # contract path of the cell
    kind: str        # missing (to complete) or guess (to check)
    label: str       # the official label chain
    message: str     # why


def _read_paths(result) -> set[str]:
    return {f.path for f in result.figures}


def _labels(edition: str) -> dict[str, str]:
    return {f.path: f.label for f in layout.figures(edition)}


def _filled(data: dict, edition: str) -> dict:
    """A copy of ``data`` with every figure not read as 0 (the basis of the form's cached totals)."""
    out = copy.deepcopy(data)
    for f in layout.figures(edition):
        if f.computed:
            continue
        node = out
        parts = f.path.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        if node.get(parts[-1]) is None:
            node[parts[-1]] = "0" if f.value_kind == "amount" else 0
    return out


def _skeleton(edition: str) -> dict:
    """The data's shape with every table figure absent (the form then shows blank input cells)."""
    return {"format": edition}


def partial_form(result) -> tuple[bytes, list[Mark]]:
    """(the form's bytes, the marked cells) of an import result (an
    :class:`~reportkit.importing.ImportResult`, which calls this from its ``to_form``: not
    imported here), complete or not."""
    from ..form.write import form_bytes  # lazy: xlsxwriter, only when the form is made (to_form, import -o .xlsx)

    data, basis, marks = partial_data(result)
    return form_bytes(data, name=result.source, marks=_cell_marks(marks, result.edition), basis=basis), marks


def partial_data(result) -> tuple[dict, dict, list[Mark]]:
    """(the data read, the same with every figure not read as 0, the marked cells) of an import
    result: what :func:`partial_form` writes, and what the platform keeps as a draft.  A printed
    总计 that the figures read do not add up to (a part is missing) is left out of both, to be
    computed; it is marked."""
    edition = result.edition
    data = copy.deepcopy(result.data) if result.data else _skeleton(edition)
    data["format"] = edition
    labels = _labels(edition)
    marks: list[Mark] = []
    for n in result.notes:
        if not n.path:
            continue
        if n.kind in PROBLEMS:
            marks.append(Mark(n.path, "missing", labels.get(n.path, n.path), n.message))
        elif n.kind == "guess":  # a guessed label: every cell of its row
            row = n.path.rsplit(".", 1)[0] if n.path in labels else n.path
            cells = [p for p in labels if p.rsplit(".", 1)[0] == row and p in _read_paths(result)] or [n.path]
            marks += [Mark(p, "guess", labels.get(p, p), n.message) for p in cells]
    # printed totals the figures read do not add up to (a part is missing): the form's formula
    basis = _filled(data, edition)
    done = completed(basis, edition)
    for f in layout.figures(edition):
        if not f.computed:
            continue
        parts = tuple(f.path.split("."))
        printed = get(data, parts)
        if printed is not None and printed != get(done, parts):
            # the printed 总计 row (三（七）) goes as a whole: the form prints all or none of it
            cut = parts[:-1] if len(parts) > 1 and parts[-2] == "total" else parts
            for tree in (data, basis):
                node = tree
                for p in cut[:-1]:
                    node = node[p]
                node.pop(cut[-1], None)
            marks.append(Mark(f.path, "guess", f.label, f"印出的总计 {printed} 与已读出的各项之和不符（有缺项），"
                                                         "表单中由公式计算；补全各项后请核对"))
    return data, basis, marks


def _cell_marks(marks: list[Mark], edition: str) -> dict[str, tuple[str, str]]:
    """Input cell path → (missing or guess, the comment) of the form, a part's mark on each of its cells."""
    labels = _labels(edition)
    by_path: dict[str, tuple[str, str]] = {}
    for m in marks:
        kind, text = by_path.get(m.path, (m.kind, ""))
        kind = "missing" if "missing" in (kind, m.kind) else "guess"
        by_path[m.path] = (kind, (text + "\n" if text else "") + ("待补：" if m.kind == "missing" else "请核对：")
                           + m.message)
    inputs = list(labels) + _text_paths(edition)
    cells = {}
    for path, mark in by_path.items():  # a note about a whole part marks each of its input cells
        below = [p for p in inputs if p.startswith(path + ".")]
        for p in below or [path]:
            cells[p] = mark
    return cells


def _text_paths(edition: str) -> list[str]:
    out = [i.path for i in F.basic_inputs(edition)]
    for group in F.text_inputs(edition):
        out += [i.path for i in group]
    out += [i.path for n in range(1, F.SECTION_ROWS + 1) for i in F.section_inputs(edition, n)]
    return out
