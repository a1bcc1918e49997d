"""The official tables — 二, 三 and 四 — as data: one description per edition that every writer
and every reader uses.

The Word and Excel template builders, the clerk's form, the HTML page, the read-back guard, the
importer and the tests all take the rows, columns, spans and labels of the three tables from
here; every label comes from :mod:`reportkit.contract.official`, the one source of the official text.

Each table is described twice, by the same function:

* structurally — :class:`Block` (a 第二十条 block of 二 with its value columns and rows),
  :class:`RowItem` (the row tree of 三), :data:`APPLICANT_HEADS` and :data:`APPEAL_HEADS`
  (the column heads of 三 and 四);
* as printed — :attr:`Table.rows`, rows of :class:`Cell` with HTML-style ``rowspan`` /
  ``colspan`` (a cell covered by a span is not listed), and :meth:`Table.figures`, every figure
  cell with its grid position and the chains of row and column labels that locate it.

A figure cell names the dotted path of its value in the template context
(``requests.results.denied.third_party.natural``; totals are ``….total``), see
``docs/templates.md``.  Nothing here knows about Word, Excel or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from . import official as c

__all__ = ["Cell", "Table", "Figure", "Block", "BlockColumn", "RowItem", "tables", "table", "figures",
           "figure_paths", "procurement_amount_head", "APPLICANT_HEADS", "APPEAL_HEADS",
           "PROCUREMENT_AMOUNT", "INFO_CONTENT"]

#: the head of the label column of every 第二十条 block
INFO_CONTENT = "信息内容"
#: 2019 二 第（九）项: the head of the amount column, followed by the unit when the data gives one
PROCUREMENT_AMOUNT = "采购总金额"


@dataclass(frozen=True)
class Cell:
    """One printed cell.

    ``kind`` is ``"caption"`` (a 第二十条 caption row), ``"head"`` (a column head), ``"note"``
    (the 勾稽 note of 三), ``"label"`` (a row label) or ``"figure"`` (a value, at ``path``).
    ``text_path`` names a context value that replaces ``text`` when printed (only the 2019
    采购总金额 head, whose unit comes from the data).
    """

    text: str = ""
    kind: str = "label"
    path: str | None = None
    rowspan: int = 1
    colspan: int = 1
    vertical: bool = False
    text_path: str | None = None
    #: figures: the contract kind of the value (``count``, ``signed``, ``amount``) and whether
    #: reportkit computes it (a 总计)
    value_kind: str | None = None
    computed: bool = False

    @property
    def is_figure(self) -> bool:
        return self.kind == "figure"


@dataclass(frozen=True)
class Figure:
    """A figure cell located in the expanded grid of its table."""

    path: str                       # dotted context path, e.g. requests.received.natural
    row: int                        # grid row of the cell's top-left corner
    col: int                        # grid column
    colspan: int
    row_labels: tuple[str, ...]     # labels to the left, outermost first (二: the row label)
    col_labels: tuple[str, ...]     # heads above, outermost first
    caption: str | None             # 二: the block caption (第二十条第（一）项)
    value_kind: str                 # count | signed | amount
    computed: bool                  # a 总计 reportkit computes

    @property
    def label(self) -> str:
        """The cell as a person names it: ``第二十条第（一）项 / 规章 / 本年制发件数``."""
        parts = ([self.caption] if self.caption else []) + list(self.row_labels) + list(self.col_labels)
        return " / ".join(parts)


@dataclass(frozen=True)
class Table:
    key: str                            # proactive | requests | appeals
    heading: str                        # 二、主动公开政府信息情况
    ncols: int
    rows: tuple[tuple[Cell, ...], ...]
    header_rows: int                    # rows repeated at the top of every page (0 for 二)
    #: 二: the grid-row ranges (start, stop) of each 第二十条 block, which stay together
    blocks: tuple[tuple[int, int], ...] = ()

    def grid(self) -> list[list[tuple[Cell, int, int] | None]]:
        """The expanded grid: ``grid[r][c]`` is ``(cell, r0, c0)`` — the cell covering (r, c) and
        its top-left corner."""
        out: list[list] = [[None] * self.ncols for _ in self.rows]
        for r, row in enumerate(self.rows):
            col = 0
            for cell in row:
                while out[r][col] is not None:
                    col += 1
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        assert out[r + dr][col + dc] is None, (self.key, r, col, cell)
                        out[r + dr][col + dc] = (cell, r, col)
                col += cell.colspan
        for r, row in enumerate(out):
            assert all(x is not None for x in row), (self.key, r)
        return out

    def figures(self) -> list[Figure]:
        """Every figure cell, in reading order, with the labels that locate it."""
        return list(self._figures)

    @cached_property
    def _figures(self) -> tuple[Figure, ...]:  # the layout is fixed: worked out once per table
        return tuple(_figures(self))


# ------------------------------------------------------------------------------------ 二

@dataclass(frozen=True)
class BlockColumn:
    key: str        # the contract key of the column (made, previous, decisions, amount …)
    head: str       # its printed head
    span: int       # grid columns it covers (of 3)


@dataclass(frozen=True)
class Block:
    """A 第二十条 block of table 二: caption, value columns, rows (contract key, label)."""

    caption: str
    columns: tuple[BlockColumn, ...]
    rows: tuple[tuple[str, str], ...]


def _block(edition: str, caption: str, row_keys: tuple[str, ...], col_keys: tuple[str, ...],
           spans: tuple[int, ...] | None = None) -> Block:
    pro = c.report_field(edition).child("proactive")
    first = pro.child(row_keys[0])
    spans = spans or (1,) * len(col_keys)
    cols = tuple(BlockColumn(k, first.child(k).title, s) for k, s in zip(col_keys, spans))
    return Block(caption, cols, tuple((k, pro.child(k).title) for k in row_keys))


@lru_cache(maxsize=None)
def blocks(edition: str) -> tuple[Block, ...]:
    """The 第二十条 blocks of table 二 in official order."""
    if edition == "2019":
        items = ("previous", "change", "decisions")
        return (
            _block(edition, "第二十条第（一）项", ("regulations", "normative_documents"),
                   ("made", "published", "published_total")),
            _block(edition, "第二十条第（五）项", ("licensing", "other_services"), items),
            _block(edition, "第二十条第（六）项", ("penalties", "coercion"), items),
            _block(edition, "第二十条第（八）项", ("fees",), ("previous", "change"), (1, 2)),
            _block(edition, "第二十条第（九）项", ("procurement",), ("projects", "amount"), (1, 2)),
        )
    if edition == "2021":
        return (
            _block(edition, "第二十条第（一）项", ("regulations", "normative_documents"),
                   ("issued", "repealed", "in_force")),
            _block(edition, "第二十条第（五）项", ("licensing",), ("decisions",), (3,)),
            _block(edition, "第二十条第（六）项", ("penalties", "coercion"), ("decisions",), (3,)),
            _block(edition, "第二十条第（八）项", ("fees",), ("amount",), (3,)),
        )
    raise KeyError(edition)


def procurement_amount_head(unit: str | None) -> str:
    """The printed head of the 2019 采购总金额 column: the official label alone, with the unit
    in brackets only when the data gives one (``采购总金额（元）``)."""
    return f"{PROCUREMENT_AMOUNT}（{unit}）" if unit else PROCUREMENT_AMOUNT


def _value_kind(edition: str, path: tuple[str, ...]) -> str:
    chain = c.lookup(edition, path)
    return chain[-1].kind if chain and len(chain) == len(path) else c.COUNT


def _table2(edition: str) -> Table:
    rows: list[tuple[Cell, ...]] = []
    spans: list[tuple[int, int]] = []
    for block in blocks(edition):
        start = len(rows)
        rows.append((Cell(block.caption, "caption", colspan=4),))
        heads = [Cell(INFO_CONTENT, "head")]
        for col in block.columns:
            amount_head = edition == "2019" and col.key == "amount"
            heads.append(Cell(PROCUREMENT_AMOUNT if amount_head else col.head, "head", colspan=col.span,
                              text_path="doc.procurement_amount_head" if amount_head else None))
        rows.append(tuple(heads))
        for key, label in block.rows:
            cells = [Cell(label, "label")]
            for col in block.columns:
                p = ("proactive", key, col.key)
                cells.append(Cell(kind="figure", path=".".join(p), colspan=col.span,
                                  value_kind=_value_kind(edition, p)))
            rows.append(tuple(cells))
        spans.append((start, len(rows)))
    return Table("proactive", c.report_field(edition).child("proactive").title, 4, tuple(rows), 0,
                 tuple(spans))


# ------------------------------------------------------------------------------------ 三

#: the column heads of table 三: (key, chain of heads above the column)
APPLICANT_HEADS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (c.APPLICANT_COLUMNS[0][0], ("申请人情况", c.APPLICANT_COLUMNS[0][1])),
    *((k, ("申请人情况", "法人或其他组织", t)) for k, t, _ in c.APPLICANT_COLUMNS[1:]),
    ("total", ("申请人情况", c.TOTAL_TITLE)),
)


@dataclass(frozen=True)
class RowItem:
    """A node of the row tree of table 三: a figure row (``path`` set, relative to
    ``requests``) or a group of rows (``children``)."""

    label: str
    path: tuple[str, ...] | None = None
    children: tuple["RowItem", ...] = ()
    computed: bool = False

    def leaves(self) -> list[tuple[tuple[str, ...], "RowItem"]]:
        """(label chain from this node down, figure row) for every figure row below."""
        if self.path is not None:
            return [((self.label,), self)]
        return [((self.label,) + chain, leaf) for child in self.children for chain, leaf in child.leaves()]


@lru_cache(maxsize=None)
def row_tree(edition: str) -> tuple[RowItem, ...]:
    """The rows of table 三, from the contract: 一, 二, 三 (with its groups), 四."""
    req = c.report_field(edition).child("requests")
    results = req.child("results")

    def item(field: c.Field, prefix: tuple[str, ...]) -> RowItem:
        if field.child("natural") is not None:
            return RowItem(field.title, prefix + (field.key,), computed=field.key == "total")
        return RowItem(field.title, None, tuple(item(ch, prefix + (field.key,)) for ch in field.children))

    outcome = RowItem(results.title, None,
                      tuple(item(ch, ("results",)) for ch in results.children))
    return (item(req.child("received"), ()), item(req.child("carried_over"), ()), outcome,
            item(req.child("carried_forward"), ()))


def _table3(edition: str) -> Table:
    rows: list[tuple[Cell, ...]] = [
        (Cell(c.BALANCE_NOTE, "note", rowspan=3, colspan=3), Cell("申请人情况", "head", colspan=7)),
        (Cell(APPLICANT_HEADS[0][1][-1], "head", rowspan=2), Cell("法人或其他组织", "head", colspan=5),
         Cell(c.TOTAL_TITLE, "head", rowspan=2)),
        tuple(Cell(chain[-1], "head") for _, chain in APPLICANT_HEADS[1:6]),
    ]

    def figures_of(path: tuple[str, ...], computed: bool) -> list[Cell]:
        base = "requests." + ".".join(path)
        return [Cell(kind="figure", path=f"{base}.{key}", value_kind=c.COUNT,
                     computed=computed or key == "total") for key, _ in APPLICANT_HEADS]

    top_received, top_carried, outcome, top_forward = row_tree(edition)
    for item in (top_received, top_carried):
        rows.append((Cell(item.label, colspan=3), *figures_of(item.path, False)))
    n_results = len(outcome.leaves())
    first = True
    for group in outcome.children:
        lead = [Cell(outcome.label, rowspan=n_results, vertical=True)] if first else []
        first = False
        if group.path is not None:
            rows.append((*lead, Cell(group.label, colspan=2), *figures_of(group.path, group.computed)))
            continue
        for i, leaf in enumerate(group.children):
            head = [Cell(group.label, rowspan=len(group.children), vertical=True)] if i == 0 else []
            rows.append((*(lead if i == 0 else []), *head, Cell(leaf.label), *figures_of(leaf.path, False)))
    rows.append((Cell(top_forward.label, colspan=3), *figures_of(top_forward.path, False)))
    return Table("requests", c.report_field(edition).child("requests").title, 10, tuple(rows), 3)


# ------------------------------------------------------------------------------------ 四

#: the column heads of table 四: (block key, column key, chain of heads above the column)
APPEAL_HEADS: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (block, key, tuple(title.split("·")) + (head,))
    for block, title in c.APPEAL_BLOCKS
    for key, head in (*c.APPEAL_COLUMNS, ("total", c.TOTAL_TITLE))
)


def _table4(edition: str) -> Table:
    sub = [h for _, _, (*_, h) in APPEAL_HEADS[:5]]
    rec, lit, lit_after = (title.split("·") for _, title in c.APPEAL_BLOCKS)
    rows = (
        (Cell(rec[0], "head", colspan=5), Cell(lit[0], "head", colspan=10)),
        (*(Cell(h, "head", rowspan=2) for h in sub), Cell(lit[1], "head", colspan=5),
         Cell(lit_after[1], "head", colspan=5)),
        tuple(Cell(h, "head") for h in sub * 2),
        tuple(Cell(kind="figure", path=f"appeals.{block}.{key}", value_kind=c.COUNT, computed=key == "total")
              for block, key, _ in APPEAL_HEADS),
    )
    return Table("appeals", c.report_field(edition).child("appeals").title, 15, rows, 3)


# ------------------------------------------------------------------------------------ access

@lru_cache(maxsize=None)
def tables(edition: str) -> tuple[Table, Table, Table]:
    """Tables 二, 三 and 四 of ``edition``."""
    if edition not in c.EDITIONS:
        raise KeyError(edition)
    return _table2(edition), _table3(edition), _table4(edition)


def table(edition: str, key: str) -> Table:
    """One table by its contract key: ``proactive``, ``requests`` or ``appeals``."""
    for t in tables(edition):
        if t.key == key:
            return t
    raise KeyError(key)


@lru_cache(maxsize=None)
def figures(edition: str) -> tuple[Figure, ...]:
    """Every figure of the three tables of ``edition``, totals included, in reading order."""
    return tuple(f for t in tables(edition) for f in t.figures())


def figure_paths(edition: str) -> tuple[str, ...]:
    return tuple(f.path for f in figures(edition))


def _figures(t: Table):
    grid = t.grid()
    caption = None
    for r, row in enumerate(grid):
        for col, (cell, r0, c0) in enumerate(row):
            if cell.kind == "caption":
                caption = cell.text
            if not cell.is_figure or (r0, c0) != (r, col):
                continue
            row_labels = _distinct(g[0].text for g in row[:col] if g[0].kind == "label")
            heads = [grid[i][col][0] for i in range(r) if grid[i][col][0].kind == "head"]
            if t.key == "proactive":  # the block's own head row: the last one above
                heads = heads[-1:]
            yield Figure(cell.path, r, col, cell.colspan, row_labels, _distinct(h.text for h in heads),
                         caption if t.key == "proactive" else None, cell.value_kind or c.COUNT, cell.computed)


def _distinct(texts) -> tuple[str, ...]:
    out: list[str] = []
    for t in texts:
        if not out or out[-1] != t:
            out.append(t)
    return tuple(out)
