"""The official layout module against an independent spelling of the official labels."""

import pytest

from reportkit.contract import official as contract, tables as layout
from reportkit.contract.official import iter_leaves, report_field

from . import official_labels as O

EDITIONS = ("2019", "2021")


@pytest.mark.parametrize("edition", EDITIONS)
def test_table2_blocks_are_the_official_ones(edition):
    got = [(b.caption, tuple(c.head for c in b.columns), tuple(label for _, label in b.rows))
           for b in layout.blocks(edition)]
    assert got == list(O.TABLE2[edition])


@pytest.mark.parametrize("edition", EDITIONS)
def test_table2_printed_rows(edition):
    t = layout.table(edition, "proactive")
    assert t.heading == O.SECTION_HEADINGS[1] and t.ncols == 4
    grid = t.grid()
    for (start, stop), (caption, heads, labels) in zip(t.blocks, O.TABLE2[edition]):
        assert grid[start][0][0].text == caption and grid[start][0][0].colspan == 4
        head_row = [cell.text for cell in t.rows[start + 1]]
        assert head_row[0] == O.INFO_CONTENT and tuple(head_row[1:]) == heads
        assert tuple(grid[r][0][0].text for r in range(start + 2, stop)) == labels
        # every value column of a block covers the three value columns of the grid
        for r in range(start + 2, stop):
            assert sum(cell.colspan for cell in t.rows[r]) == 4


def test_procurement_amount_head_follows_the_data():
    assert layout.procurement_amount_head(None) == "采购总金额"
    assert layout.procurement_amount_head("元") == "采购总金额（元）"
    head = [c for row in layout.table("2019", "proactive").rows for c in row if c.text == "采购总金额"]
    assert head and head[0].text_path == "doc.procurement_amount_head"


@pytest.mark.parametrize("edition", EDITIONS)
def test_table3_rows_and_columns(edition):
    t = layout.table(edition, "requests")
    assert t.heading == O.SECTION_HEADINGS[2] and t.ncols == 10 and t.header_rows == 3
    grid = t.grid()
    note = grid[0][0][0]
    assert note.text == O.BALANCE_NOTE and (note.rowspan, note.colspan) == (3, 3)
    assert grid[0][3][0].text == O.APPLICANT_HEAD and grid[0][3][0].colspan == 7
    assert grid[1][3][0].text == O.NATURAL and grid[1][3][0].rowspan == 2
    assert grid[1][4][0].text == O.LEGAL_PERSONS and grid[1][4][0].colspan == 5
    assert tuple(grid[2][c][0].text for c in range(4, 9)) == O.LEGAL_SUBCOLUMNS
    assert grid[1][9][0].text == O.TOTAL and grid[1][9][0].rowspan == 2
    chains = []
    for f in t.figures():
        if f.col == 3:
            chains.append(f.row_labels)
    assert chains == O.table3_rows(edition)
    outcome = [cell for row in t.rows for cell in row if cell.text == O.OUTCOME]
    assert len(outcome) == 1 and outcome[0].rowspan == O.OUTCOME_ROWSPAN[edition] and outcome[0].vertical
    cols = {f.col_labels for f in t.figures()}
    assert cols == {(O.APPLICANT_HEAD, O.NATURAL), (O.APPLICANT_HEAD, O.TOTAL)} | {
        (O.APPLICANT_HEAD, O.LEGAL_PERSONS, x) for x in O.LEGAL_SUBCOLUMNS}


@pytest.mark.parametrize("edition", EDITIONS)
def test_table4(edition):
    t = layout.table(edition, "appeals")
    assert t.heading == O.SECTION_HEADINGS[3] and t.ncols == 15
    figs = t.figures()
    assert len(figs) == 15 and {f.row for f in figs} == {3}
    want = [(O.APPEAL_TOP[0], s) for s in O.APPEAL_SUBCOLUMNS] + [
        (O.APPEAL_TOP[1], lit, s) for lit in O.APPEAL_LITIGATION for s in O.APPEAL_SUBCOLUMNS]
    assert [f.col_labels for f in figs] == want


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_contract_figure_has_exactly_one_cell(edition):
    root = report_field(edition)
    want = set()
    for key in ("proactive", "requests", "appeals"):
        for path, f in iter_leaves(root.child(key), (key,)):
            if f.kind in (contract.COUNT, contract.SIGNED, contract.AMOUNT):
                want.add(".".join(path))
    want.update(f"requests.results.total.{k}" for k, _, _ in contract.APPLICANT_COLUMNS)
    want.add("requests.results.total.total")
    paths = layout.figure_paths(edition)
    assert len(paths) == len(set(paths))
    assert set(paths) == want


@pytest.mark.parametrize("edition", EDITIONS)
def test_figure_kinds_and_totals(edition):
    by_path = {f.path: f for f in layout.figures(edition)}
    assert all(f.computed == (f.path.endswith(".total") or f.path.startswith("requests.results.total."))
               for f in by_path.values())
    assert by_path["requests.results.total.natural"].computed
    if edition == "2019":
        assert by_path["proactive.licensing.change"].value_kind == contract.SIGNED
        assert by_path["proactive.procurement.amount"].value_kind == contract.AMOUNT
    else:
        assert by_path["proactive.fees.amount"].value_kind == contract.AMOUNT
