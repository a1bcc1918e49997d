"""A table as read from a document: a rectangle of cell texts, spans expanded.

Every reader (Word, Excel, HTML, PDF, text) turns the tables it finds into :class:`Grid`\\ s;
:func:`reportkit.reading.locate.locate` then finds the official figures in them by their labels.
A cell covered by a row or column span holds the text of the cell that spans it, and knows
where that cell starts, so a figure spanning three columns is read once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import DocumentError

#: the most positions one table may cover once its spans are expanded (the official 表三 has
#: about 300; a page or a text copy of a report stays far below this)
MAX_CELLS = 100_000
#: the most columns one table may have (the official tables have at most 17)
MAX_COLUMNS = 500


class TooLarge(DocumentError):
    """A document beyond a reader's stated limits (cells, columns, pages, characters, bytes)."""

    code = "document-too-large"


@dataclass
class Grid:
    """``texts[r][c]`` is the text shown at row ``r``, column ``c``; ``origin[r][c]`` the
    (row, column) of the cell that covers it.  ``source`` says where the table came from
    (``第 2 个表格``, a sheet name …) for the reading report."""

    texts: list[list[str]]
    origin: list[list[tuple[int, int]]]
    source: str = ""
    #: spreadsheets: the stored type of each non-empty cell (``n`` number, ``s``/``inlineStr``/``str``
    #: text, ``b`` boolean, ``f`` formula without a value); empty for other sources
    types: dict[tuple[int, int], str] = field(default_factory=dict)
    #: spreadsheets: name cells A1-style (``三、依申请公开!D12``) in :meth:`where`
    a1: bool = False

    @property
    def nrows(self) -> int:
        return len(self.texts)

    def where(self, r: int, c: int) -> str:
        if self.a1:
            return f"{self.source}!{column_letters(c)}{r + 1}"
        return f"{self.source} 第 {r + 1} 行 第 {c + 1} 列".strip()


def column_letters(c: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def expand(rows: list[list[tuple[str, int, int]]], source: str = "") -> Grid:
    """A :class:`Grid` from rows of ``(text, rowspan, colspan)`` cells written HTML-style: a
    cell covered by a span from above is not listed in its row.  Ragged rows are padded with
    empty cells."""
    taken: dict[tuple[int, int], tuple[str, tuple[int, int]]] = {}
    width = 0
    budget = MAX_CELLS
    for r, row in enumerate(rows):
        col = 0
        for text, rowspan, colspan in row:
            while (r, col) in taken:
                col += 1
            rowspan, colspan = max(1, rowspan), max(1, colspan)
            budget -= rowspan * colspan
            if budget < 0 or col + colspan > MAX_COLUMNS:
                where = f"{source}第 {r + 1} 行".strip()
                raise TooLarge(f"表格过大：{where}展开行列合并后超过上限（每个表格至多 {MAX_CELLS} 格、{MAX_COLUMNS} 列）；"
                               "这不像一份年度报告的表格")
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.setdefault((r + dr, col + dc), (text, (r, col)))
            col += colspan
        width = max(width, col)
    height = max([r + 1 for r, _ in taken] + [len(rows)])
    texts = [["" for _ in range(width)] for _ in range(height)]
    origin = [[(r, c) for c in range(width)] for r in range(height)]
    for (r, c), (text, o) in taken.items():
        if c < width:
            texts[r][c], origin[r][c] = text, o
    return Grid(texts, origin, source)
