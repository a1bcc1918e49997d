"""The located figures of tables 二, 三 and 四 → the ``proactive``, ``requests`` and ``appeals``
objects of the contract, with a note for everything interpreted.

Every figure of :func:`reportkit.contract.tables.figures` is looked up by its path in the
:class:`~reportkit.reading.locate.Located` hits; the figure's path is its contract path.  Printed
总计 cells become the data's printed ``total``\\ s; a 总计 the report does not print is left to
reportkit to compute.  The 2019 采购总金额 takes its unit from the column head (``采购总金额（元）``)
or the cell (``251000元``); the 2021 收费金额 is in 万元 by the official head, and a cell written
in 元 is converted (and said so).
"""

from __future__ import annotations

from . import FigureRead, Note
from ..contract import tables as layout
from ..reading.labels import fold
from ..reading.locate import _T4_OFFICIAL
from .values import read_value, yuan_to_wan


_BLANKS = ("", "/", "-", "—", "——", "–", "\\")


def _in_printed_total_row(path: str, located) -> bool:
    """A blank cell of the （七）总计 row beside figures printed in that row: a blank like any other
    row's (read as 0), not a row left unprinted — the row is written whole or not at all."""
    head, _, col = path.rpartition(".")
    if head != "requests.results.total" or col == "total":
        return False
    from ..contract.tables import APPLICANT_HEADS

    return any((h := located.hits.get(f"{head}.{c}")) is not None and fold(h.text) not in _BLANKS
               for c, _ in APPLICANT_HEADS if c != "total")


def _put(tree: dict, path: str, value) -> None:
    parts = path.split(".")
    node = tree
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def read_figures(located, edition: str, notes: list[Note]) -> tuple[dict, list[FigureRead]]:
    """(``{"proactive": …, "requests": …, "appeals": …}``, the figures read); notes appended."""
    tree: dict = {}
    read: list[FigureRead] = []
    seen_variants: set = set()
    split = {printed for printed, _, _ in located.split_group}
    conflicting = _conflicting(located)
    for fig in layout.figures(edition):
        hit = located.hits.get(fig.path)
        if fig.path in conflicting:
            _note_conflict(fig, conflicting[fig.path], notes)
            continue
        if hit is None:
            _note_not_found(fig, notes)
            continue
        _note_variants(fig, hit, fig.path in located.guessed, split, seen_variants, notes)
        if _blank_total(fig, hit, located):
            notes.append(Note("not-printed", f"{fig.label}：总计一格空白，视为未印出（不是 0），由 reportkit 计算",
                              path=fig.path, where=hit.where, printed=hit.text))
            continue
        value = _figure_value(edition, fig, hit, tree, notes)
        if value is _UNREADABLE:
            continue
        _put(tree, fig.path, value)
        read.append(FigureRead(fig.path, fig.label, value, hit.text, hit.where, hit.row_label, hit.col_label))
    _located_notes(located, edition, notes)
    return tree, read


def _located_notes(located, edition: str, notes: list[Note]) -> None:
    """A note for each thing :func:`~reportkit.reading.locate.locate` had to interpret or could not
    read: misprinted heads of 四, labels split over two rows, 二's heads of the other edition, runs
    of digits split, rows the official table does not have, rows not read."""
    for printed, near, where in dict.fromkeys(located.head_guesses):
        notes.append(Note("guess", f"表头“{printed}”印错，按同一行的其他表头判断为“{_T4_OFFICIAL[near]}”", where=where,
                          printed=printed, official=_T4_OFFICIAL[near],
                          path=f"appeals.{'reconsideration' if near == '行政复议' else 'litigation'}"))
    for first, second, where in dict.fromkeys(located.rejoined):
        notes.append(Note("variant", f"标签被拆成两行“{first}”“{second}”，按“{first}{second}”读取", where=where,
                          printed=f"{first}|{second}", official=f"{first}{second}"))
    if located.other_heads:
        other = "2021" if edition == "2019" else "2019"
        heads = "、".join(dict.fromkeys(located.other_heads))
        notes.append(Note("ambiguous", f"表二的列标题按 {other} 版印（{heads}），其余表格是 {edition} 版：两版的列不能一一对应，"
                                       f"这些列的数字未读取，请在填报表中按 {edition} 版填写", printed=heads))
    for label, run, values, where in located.split_runs:
        notes.append(Note("split", f"“{label}”的数字连在一格（“{run}”），按这一行的总计只有一种拆分："
                                   + "、".join(map(str, values)), where=where, printed=run))
    for label, where, cells in located.extra_rows:
        notes.append(Note("extra", f"表二中有官方表格没有的行“{label}”（{'、'.join(cells[:4])}），未读入数据；"
                                   "如需报告，请写入“其他需要报告的事项”", where=where, printed=label))
    for label, where, why in located.ambiguous:
        notes.append(Note("ambiguous", f"“{label}”：{why}，这一行未读取", where=where, printed=label))


#: :func:`_figure_value` of a cell that is no figure (noted as ``unreadable``)
_UNREADABLE = object()


def _conflicting(located) -> dict[str, list]:
    """Path → the hits of a figure printed twice, differently (which is right is not known)."""
    conflicting: dict[str, list] = {}
    for first, second in located.conflicts:
        conflicting.setdefault(first.path, [first]).append(second)
    return conflicting


def _note_conflict(fig, hits: list, notes: list[Note]) -> None:
    shown = "与".join(f"“{h.text}”（{h.where}）" for h in hits)
    notes.append(Note("conflict", f"{fig.label}：印了 {len(hits)} 次且不同：{shown}，不知哪个正确，未读取",
                      path=fig.path, where=hits[-1].where, printed=hits[-1].text))


def _note_not_found(fig, notes: list[Note]) -> None:
    """A figure with no cell: a 总计 reportkit computes is not printed, any other is missing."""
    if fig.computed:
        notes.append(Note("not-printed", f"{fig.label}：表中没有印出，由 reportkit 计算", path=fig.path))
    else:
        notes.append(Note("missing", f"{fig.label}：表中找不到这一格", path=fig.path))


def _note_variants(fig, hit, guessed: bool, split: set, seen: set, notes: list[Note]) -> None:
    """One note for each label matched other than as printed officially (once per label pair): a 2019
    single row read as its sub-rows, a misprint decided by the table, or a known variant."""
    for printed, as_official in hit.variants:
        if (printed, as_official) in seen:
            continue
        seen.add((printed, as_official))
        if guessed and printed in split:
            notes.append(Note("guess", f"2019 版的单行“{printed}”全为 0：按本版的子项“{as_official}”记 0",
                              path=fig.path, where=hit.where, printed=printed, official=as_official))
        elif guessed:
            notes.append(Note("guess", f"标签“{printed}”印错或与官方不同，按表格中的位置、编号和其他行判断为"
                                       f"“{as_official}”", path=fig.path, where=hit.where, printed=printed,
                              official=as_official))
        else:
            notes.append(Note("variant", f"标签“{printed}”按官方标签“{as_official}”读取", path=fig.path,
                              where=hit.where, printed=printed, official=as_official))


def _blank_total(fig, hit, located) -> bool:
    """A 总计 printed blank: not printed (reportkit computes it), unless its row prints other figures."""
    return fig.computed and fold(hit.text) in _BLANKS and not _in_printed_total_row(fig.path, located)


def _figure_value(edition: str, fig, hit, tree: dict, notes: list[Note]):
    """The value of a figure's cell, its blank, unit or amount noted; :data:`_UNREADABLE` (noted) when
    the cell is no figure."""
    v = read_value(hit.text, fig.value_kind)
    if v.problem:
        notes.append(Note("unreadable", f"{fig.label}：“{hit.text}”{v.problem}", path=fig.path, where=hit.where,
                          printed=hit.text))
        return _UNREADABLE
    value = v.value
    if v.blank:
        notes.append(Note("blank", f"{fig.label}：{_shown(hit.text)}读作 0", path=fig.path, where=hit.where,
                          printed=hit.text))
    if fig.value_kind == "amount":
        value = _amount(edition, fig, hit, v, tree, notes)
    elif v.unit:
        notes.append(Note("unit", f"{fig.label}：单元格中的单位“{v.unit}”已去掉", path=fig.path, where=hit.where,
                          printed=hit.text))
    return value


def _shown(text: str) -> str:
    t = text.strip()
    return "空白单元格" if not t else f"“{t}”"


def _amount(edition: str, fig, hit, v, tree: dict, notes: list[Note]):
    if edition == "2019":  # 采购总金额: the unit from the head, else from the cell
        head_unit = "万元" if "万元" in hit.col_label else "元" if "元" in hit.col_label else None
        unit = head_unit or v.unit
        if v.unit and head_unit and v.unit != head_unit:
            notes.append(Note("guess", f"{fig.label}：表头单位为{head_unit}，单元格写“{hit.text}”，按表头的{head_unit}读取",
                              path=fig.path, where=hit.where, printed=hit.text))
        elif v.unit:
            notes.append(Note("unit", f"{fig.label}：单元格中的单位“{v.unit}”记为金额单位（amount_unit）",
                              path=fig.path, where=hit.where, printed=hit.text))
        if unit:
            _put(tree, "proactive.procurement.amount_unit", unit)
        return v.value
    if v.unit == "元":  # 2021 本年收费金额 is in 万元
        wan = yuan_to_wan(v.value)
        notes.append(Note("guess", f"{fig.label}：单元格写的是元（“{hit.text}”），按官方表头的万元换算为 {wan}",
                          path=fig.path, where=hit.where, printed=hit.text))
        return wan
    if v.unit:
        notes.append(Note("unit", f"{fig.label}：单元格中的单位“{v.unit}”已去掉", path=fig.path, where=hit.where,
                          printed=hit.text))
    return v.value


def official(edition: str, path: str) -> str:
    return next((f.label for f in layout.figures(edition) if f.path == path), path)
