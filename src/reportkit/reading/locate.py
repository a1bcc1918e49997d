"""Find the official figures in the tables of a document by their labels, as a person does.

:func:`locate` takes the :class:`~reportkit.reading.grid.Grid`\\ s of a document in reading order
and returns, for every figure of :mod:`reportkit.contract.tables` it finds, the text printed in its cell
and where it was found.  A figure is found by its row label and its column head — never by its
position — so a table may be split across pages or tables, restyled, have rows in another order,
lack the 总计 column, or carry the section's three tables in one.

* 表二: a data row starts with a row label (规章, 行政许可 …); its columns are named by the
  nearest head row above (信息内容 · 本年制发件数 …).
* 表三: the head rows (申请人情况 · 自然人 · 法人或其他组织 · 商业企业 …) name the columns; a data
  row is named by the last of its label cells (``4.保护第三方合法权益``), the group above it
  (``（三）不予公开``) telling apart labels that repeat.
* 表四: the three head rows name the fifteen columns; the first row of figures below them is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from ..contract import tables as layout
from .grid import Grid
from .labels import VARIANTS, canonical, fold, key
from .runs import splits

__all__ = ["Hit", "Located", "locate", "detect_edition"]


@dataclass(slots=True)
class Hit:
    path: str                 # dotted context path of the figure
    text: str                 # the cell's text as printed
    grid: Grid = field(repr=False, compare=False)  # the table it was read from …
    cell: tuple[int, int] = (0, 0)                 # … and the cell there (row, column)
    row_label: str = ""       # the row label as printed
    col_label: str = ""       # the column head as printed
    #: labels matched only through a variant or a guess: (as printed, official)
    variants: tuple[tuple[str, str], ...] = ()
    #: spreadsheets: the stored type of the cell (``n`` a number, ``s``/``inlineStr``/``str`` text …)
    stored: str = ""

    @property
    def where(self) -> str:
        """Where it was read: ``第 2 个表格 第 5 行 第 4 列``, ``三、依申请公开!D5``."""
        return self.grid.where(*self.cell)


@dataclass
class Located:
    edition: str | None
    hits: dict[str, Hit] = field(default_factory=dict)
    #: a figure found twice with different texts: (first, second)
    conflicts: list[tuple[Hit, Hit]] = field(default_factory=list)
    #: rows not read because they could be read more than one way: (row label, where, why)
    ambiguous: list[tuple[str, str, str]] = field(default_factory=list)
    #: figures read under a misprinted label decided by the whole table (paths)
    guessed: set = field(default_factory=set)
    #: a group row standing for its sub-rows (all 0): (as printed, where, the sub-rows' labels)
    split_group: list = field(default_factory=list)
    #: 四's spanning heads read through a typist's slip: (as printed, official key, where)
    head_guesses: list = field(default_factory=list)
    #: 二: rows the official table does not have (a province's 其他主动公开文件): (label, where, cells)
    extra_rows: list = field(default_factory=list)
    #: labels split over two rows and joined again: (first part, second part, where)
    rejoined: list = field(default_factory=list)
    #: a row's figures run together in one cell and split one way: (row label, run, values, where)
    split_runs: list = field(default_factory=list)
    #: 二's heads printed as the other edition has them (they do not map onto this edition's columns)
    other_heads: list = field(default_factory=list)

    def add(self, hit: Hit) -> None:
        old = self.hits.get(hit.path)
        if old is None:
            self.hits[hit.path] = hit
        elif old.text != hit.text:
            self.conflicts.append((old, hit))


# ------------------------------------------------------------------------------ edition

@lru_cache(maxsize=None)
def _edition_keys() -> dict[str, set[str]]:
    out = {}
    for ed in ("2019", "2021"):
        keys = set()
        for b in layout.blocks(ed):
            keys.update(key(col.head) for col in b.columns)
            keys.update(key(label) for _, label in b.rows)
        for f in layout.figures(ed):
            keys.update(key(x) for x in f.row_labels)
        out[ed] = keys
    common = out["2019"] & out["2021"]
    return {ed: ks - common for ed, ks in out.items()}


def detect_edition(grids: list[Grid]) -> tuple[str | None, dict[str, int]]:
    """The edition whose own labels (those the other edition lacks) appear most: 2021's 本年制发件数,
    （六）'s three items …; 2019's 本年新制作数量, 政府集中采购 …  Returns (edition or None, scores)."""
    seen = {key(t) for g in grids for row in g.texts for t in row if t}
    scores = {ed: len(seen & ks) for ed, ks in _edition_keys().items()}
    best = max(scores, key=scores.get)
    if scores[best] == 0 or list(scores.values()).count(scores[best]) > 1:
        return None, scores
    return best, scores


# ------------------------------------------------------------------------------ matchers

_T3_HEAD_MARKS = {key(x) for x in ("申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织",
                                   "法律服务机构")}
_T3_COLUMNS = {key(chain[-1]): col for col, chain in layout.APPLICANT_HEADS}
_T4_BLOCKS = (("litigation_after_reconsideration", key("复议后起诉")), ("litigation", key("未经复议直接起诉")),
              ("reconsideration", key("行政复议")))
_T4_COLUMNS = {key(chain[-1]): col for _, col, chain in layout.APPEAL_HEADS[:5]}
_T4_MARKS = {k for _, k in _T4_BLOCKS} | {key("行政诉讼")} | (set(_T4_COLUMNS) - {key("总计")})
_T4_ALL = _T4_MARKS | set(_T4_COLUMNS)
_T4_SPANNING = {k for _, k in _T4_BLOCKS} | {key("行政诉讼")}
_INFO = key(layout.INFO_CONTENT)
_T3_COLUMN_KEYS = frozenset(_T3_COLUMNS)


class _Edition:
    """The label indexes of one edition."""

    def __init__(self, edition: str):
        self.edition = edition
        # 二: row key → (row contract key, block); head key → column key, per block
        self.rows2: dict[str, tuple[str, layout.Block]] = {}
        for b in layout.blocks(edition):
            for k, label in b.rows:
                self.rows2[key(label)] = (k, b)
        other = "2019" if edition == "2021" else "2021"
        for b in layout.blocks(other):  # the other edition's spelling of a row both have
            for k, label in b.rows:
                if any(k == rk for rk, _ in self.rows2.values()):
                    self.rows2.setdefault(key(label), next(v for v in self.rows2.values() if v[0] == k))
        self.heads2 = {key(col.head) for b in layout.blocks(edition) for col in b.columns} | {
            key(col.head) for b in layout.blocks(other) for col in b.columns}
        self.head_text = {key(col.head): col.head for b in layout.blocks(edition) for col in b.columns}
        #: 二's heads only the other edition prints (本年制发件数 in a 2019 report …)
        self.other_heads2 = ({key(col.head) for b in layout.blocks(other) for col in b.columns}
                             - {key(col.head) for b in layout.blocks(edition) for col in b.columns})
        # 三: leaf key → [(group keys, path under requests)]
        self.leaves3: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for item in layout.row_tree(edition):
            for chain, leaf in item.leaves():
                self.leaves3.setdefault(key(chain[-1]), []).append(
                    (tuple(key(x) for x in chain[:-1]), "requests." + ".".join(leaf.path)))
        self.row_keys2 = frozenset(self.rows2)
        self.leaf_keys3 = frozenset(self.leaves3)
        # 三: group key → [(leaf label, path)] for the groups with sub-rows; every group key
        self.groups3: dict[str, list[tuple[str, str]]] = {}
        self.group_keys3: set[str] = set()
        for item in layout.row_tree(edition):
            for chain, leaf in item.leaves():
                self.group_keys3.update(key(x) for x in chain[:-1])
                if len(chain) == 3:
                    self.groups3.setdefault(key(chain[1]), []).append(
                        (chain[-1], "requests." + ".".join(leaf.path)))


_INDEX: dict[str, _Edition] = {}


def _index(edition: str) -> _Edition:
    if edition not in _INDEX:
        _INDEX[edition] = _Edition(edition)
    return _INDEX[edition]


def _label(texts: list[str], cols) -> str:
    out: list[str] = []
    for c in cols:
        t = texts[c].strip()
        if t and (not out or out[-1] != t):
            out.append(t)
    return " / ".join(out)


def _first_text(g: Grid, r: int, cols: list[int]) -> tuple[str, int] | None:
    """The text of the first of ``cols`` (in row r) holding anything, read once per spanning cell;
    None when the row has none of ``cols`` (a continuation table narrower than the head it inherits)."""
    seen = set()
    first = None
    for c in cols:
        if c >= len(g.texts[r]):
            continue
        o = g.origin[r][c]
        if o in seen:
            continue
        seen.add(o)
        if first is None:
            first = (g.texts[r][c], c)
        if g.texts[r][c].strip():
            return g.texts[r][c], c
    return first


def locate(grids: list[Grid], edition: str | None = None) -> Located:
    """The figures of ``grids`` (a document's tables in reading order), by their labels.

    ``edition`` None: detected from the labels (:func:`detect_edition`); when it cannot be told,
    nothing is located (``Located.edition`` is None).
    """
    if edition is None:
        edition, _ = detect_edition(grids)
    out = Located(edition)
    if edition is None:
        return out
    scan = _Scan(_index(edition), out)
    for g in grids:
        scan.grid(_rejoined(g, out))
    _decide3(out, scan.ix, scan.unmatched3)
    return out


@dataclass(slots=True)
class _Row:
    """One row of a grid as :class:`_Scan` reads it: its texts, their (key, matched through a
    variant) and keys, and the distinct keys."""

    g: Grid
    r: int
    texts: list[str]
    keys: list[tuple[str, bool]]
    plain: list[str]
    distinct: set[str]


def _row(g: Grid, r: int, texts: list[str], out: Located) -> _Row:
    """Row ``r`` keyed; 四's spanning heads printed with a typist's slip beside a good head read as
    the head they misspell (noted in ``out.head_guesses``)."""
    keys = [canonical(t) for t in texts]
    plain = [k for k, _ in keys]
    distinct = set(plain) - {""}
    if distinct & _T4_SPANNING and distinct - _T4_ALL:  # 四's head with a typist's slip beside a good head
        for c, k in enumerate(plain):
            near = _near4(k) if k and k not in _T4_ALL else None
            if near is not None:
                out.head_guesses.append((texts[c].strip(), near, g.where(r, c)))
                plain[c] = near
                keys[c] = (near, True)
        distinct = set(plain) - {""}
    return _Row(g, r, texts, keys, plain, distinct)


class _Scan:
    """The tables' head rows seen so far, while :func:`locate` reads the grids row by row: each row
    goes through :data:`_STEPS` in turn until one takes it."""

    def __init__(self, ix: _Edition, out: Located):
        self.ix, self.out = ix, out
        self.heads2: dict[int, str] = {}          # 二: column → head key, from the last head row
        self.heads2_text: dict[int, str] = {}
        self.order2: list[int] = []               # 二: the head row's columns, one per printed head cell
        self.head_variants: dict[str, tuple[str, str]] = {}   # head key → (as printed, official) when a variant
        self.cols3: dict[int, str] = {}           # 三: column → applicant key
        self.head3_at: tuple = (None, 0)          # 三: the number of the grid its head row is in, and that row's width
        self.table = -1                           # the number of the grid being scanned (its place in reading order)
        self.heads3_text: dict[int, str] = {}
        self.order3: list[str] = []               # 三: the applicant keys in column order, and the first
        self.first_head3: dict[str, int] = {}     # head column of each
        self.chain4: dict[int, list[str]] = {}    # 四: column → head keys, while in its head rows
        self.heads4_text: dict[int, str] = {}
        self.cols4: dict[int, tuple[str, str]] = {}
        self.unmatched3: list = []                # 三: rows whose label is no official one, decided at the end
        self.in_head4 = False

    def grid(self, g: Grid) -> None:
        self.table += 1
        self.in_head4 = False
        for r, texts in enumerate(g.texts):
            row = _row(g, r, texts, self.out)
            for step in _STEPS:
                if step(self, row):
                    break

    # ---- 四: head rows (结果维持 … 总计 included once inside them), then one row of figures

    def head4(self, row: _Row) -> bool:
        distinct, plain = row.distinct, row.plain
        if not (distinct & _T4_MARKS or (self.in_head4 and distinct and distinct <= _T4_ALL)):
            return False
        if not self.in_head4:
            self.chain4, self.heads4_text, self.cols4 = {}, {}, {}
        self.in_head4 = True
        for c in range(1, len(plain)):  # a copied table leaves a spanning head's other cells blank
            if not plain[c] and plain[c - 1] in _T4_SPANNING:
                plain[c] = plain[c - 1]
        for c, k in enumerate(plain):
            if k and (not self.chain4.get(c) or self.chain4[c][-1] != k):
                self.chain4.setdefault(c, []).append(k)
                self.heads4_text[c] = " / ".join(filter(None, (self.heads4_text.get(c), row.texts[c].strip())))
        return True

    def figures4(self, row: _Row) -> bool:
        if self.in_head4:  # the head rows ended: the columns they name
            self.in_head4 = False
            self.cols4 = _columns4(self.chain4)
        if not (self.cols4 and all(is_value(t) for t in row.texts)):  # the row of figures (a blank form's too)
            return False
        g, r = row.g, row.r
        cols4 = self.cols4
        order = list(dict.fromkeys(cols4[c] for c in sorted(cols4)))
        cells = _cells(g, r, 0)
        for i, (block, col) in enumerate(order):
            if len(cells) == len(order):  # one printed cell per head: pair them in order
                c = cells[i]
                text = g.texts[r][c]
                head = self.heads4_text.get(next(h for h in sorted(cols4) if cols4[h] == (block, col)), "")
            else:
                cs = [c for c, v in cols4.items() if v == (block, col)]
                found = _first_text(g, r, cs)
                if found is None:
                    continue
                text, c = found
                head = self.heads4_text.get(c, "")
            self.out.add(_hit(g, r, c, f"appeals.{block}.{col}", text, "", head))
        self.cols4 = {}
        return True

    # ---- 三: head rows name the columns

    def head3(self, row: _Row) -> bool:
        distinct = row.distinct
        if not (distinct & _T3_HEAD_MARKS and not (distinct - _T3_COLUMN_KEYS) & self.ix.leaf_keys3):
            return False
        if self.head3_at[0] != self.table:  # a new table's head: the columns of an earlier one no longer hold
            self.cols3, self.heads3_text = {}, {}
        for c, k in enumerate(row.plain):
            if k in _T3_COLUMNS:
                self.cols3[c] = _T3_COLUMNS[k]
                self.heads3_text[c] = row.texts[c].strip()
        self.order3 = list(dict.fromkeys(self.cols3[c] for c in sorted(self.cols3)))
        self.head3_at = (self.table, len(row.texts))
        self.first_head3 = {}
        for h in sorted(self.cols3):
            self.first_head3.setdefault(self.cols3[h], h)
        return True

    def row3(self, row: _Row) -> bool:
        """A 三 data row under the heads: read, listed as ambiguous, or kept to be decided at the end
        (a label that is no official one; the row then goes on to 二's steps)."""
        if not self.cols3:
            return False
        g, r, texts, plain = row.g, row.r, row.texts, row.plain
        label_cols = [c for c in range(len(texts)) if plain[c] and not is_value(texts[c])]
        chain = [k for k in dict.fromkeys(plain[c] for c in label_cols) if k]
        hit = _match3(self.ix, chain, [row.keys[c] for c in label_cols], [texts[c] for c in label_cols])
        if len(chain) > 3 and not any(is_value(t) and t.strip() for t in texts):
            hit = None  # a row of words and no figure (四's heads cut into 维持 / 纠正 / …) is no 三 row
        if hit is not None and hit[0] is not None:
            why = self._misaligned3(row, label_cols)
            if why:
                self.out.ambiguous.append((_label(texts, label_cols), g.where(r, 0), why))
                return True
        state3 = (dict(self.cols3), list(self.order3), dict(self.first_head3), dict(self.heads3_text))
        if hit is not None and hit[0] is not None:
            path, variants = hit
            _read3(self.out, g, r, path, variants, label_cols, state3)
            return True
        if (label_cols and max(self.cols3) < len(texts) and any(is_value(t) and t.strip() for t in texts)
                and chain and chain[-1] not in _T3_HEAD_MARKS):
            self.unmatched3.append((g, r, chain, label_cols, state3))
        return False

    def _misaligned3(self, row: _Row, label_cols: list[int]) -> str | None:
        """Why a 三 row's figures cannot be paired with the heads — narrower than its head, or the
        head printed over the row's label or in another table of another width — or None."""
        g, r, texts, cols3 = row.g, row.r, row.texts, self.cols3
        if max(cols3) >= len(texts) and len(_aligned(
                g, r, _cells(g, r, label_cols[-1] + 1, exclude=g.origin[r][label_cols[-1]]),
                len(self.order3))) != len(self.order3):  # narrower than its head, and not one cell a head
            return f"这一行只有 {len(texts)} 格，比表头（{max(cols3) + 1} 列）窄，不知各数字属于哪一列"
        shifted = bool(label_cols) and (min(cols3) <= label_cols[-1]
                                        or (self.head3_at[0] != self.table and self.head3_at[1] != len(texts)))
        if shifted and len(_aligned(
                g, r, _cells(g, r, label_cols[-1] + 1, exclude=g.origin[r][label_cols[-1]]),
                len(self.order3))) != len(self.order3):  # a head over the row's label: the head row is shifted
            return ("表头的列与这一行对不齐（表头印在行标签所在的列上，或在另一个宽窄不同的表格里），"
                    "不知各数字属于哪一列")
        return None

    # ---- 二: head rows, then data rows

    def head2(self, row: _Row) -> bool:
        distinct, ix = row.distinct, self.ix
        if not (_INFO in distinct or (distinct & ix.heads2 and not distinct & ix.row_keys2)):
            return False
        self.heads2, self.heads2_text, self.order2 = {}, {}, []
        seen: set = set()
        for c, (k, via) in enumerate(row.keys):
            text = row.texts[c].strip()
            if k in ix.other_heads2:
                self.out.other_heads.append(text)
            if k and k != _INFO:
                self.heads2[c], self.heads2_text[c] = k, text
                if via:
                    self.head_variants[k] = (text, ix.head_text.get(k, k))
                if row.g.origin[row.r][c] not in seen:
                    self.order2.append(c)
            seen.add(row.g.origin[row.r][c])
        return True

    def row2(self, row: _Row) -> bool:
        """A 二 data row: a row the official table does not have (kept as a note), one narrower than
        its head (ambiguous), or a row of figures read."""
        first = next((c for c, k in enumerate(row.plain) if k), None)
        if first is None or not self.heads2:
            return True
        label = row.plain[first]
        if label in self.ix.rows2:
            if not self._narrow2(row, first):
                self._read2(row, first)
        elif not self.cols3:
            self._extra2(row, first)
        return True

    def _extra2(self, row: _Row, first: int) -> None:
        g, r, texts, label = row.g, row.r, row.texts, row.plain[first]
        if (not is_value(texts[first]) and any(t.strip() and is_value(t) for t in texts[first + 1:])
                and label not in self.ix.heads2 and not known_label(label)):
            self.out.extra_rows.append((texts[first].strip(), g.where(r, first),
                                        [t.strip() for t in texts[first + 1:] if t.strip()]))

    def _narrow2(self, row: _Row, first: int) -> bool:
        g, r, texts = row.g, row.r, row.texts
        if (max(self.heads2) >= len(texts)
                and len(_cells(g, r, first + 1, exclude=g.origin[r][first])) != len(self.order2)):
            self.out.ambiguous.append((texts[first].strip(), g.where(r, first),
                                       f"这一行只有 {len(texts)} 格，比表头（{max(self.heads2) + 1} 列）窄，不知各数字属于哪一列"))
            return True
        return False

    def _read2(self, row: _Row, first: int) -> None:
        g, r, texts, ix = row.g, row.r, row.texts, self.ix
        row_key, block = ix.rows2[row.plain[first]]
        official = block_label(block, row_key)
        variants = ((texts[first].strip(), official),) if key(official) != row.plain[first] or row.keys[first][1] else ()
        cells = _cells(g, r, first + 1, exclude=g.origin[r][first])
        for col in block.columns:
            cs = [c for c, k in self.heads2.items() if _is_head(k, col.head)]
            if not cs:
                continue
            if len(cells) == len(self.order2):  # one printed cell per head: pair them in order
                c = cells[next(i for i, h in enumerate(self.order2) if h in cs)]
                text = g.texts[r][c]
                head = self.heads2_text[cs[0]]
            else:
                found = _first_text(g, r, cs)
                if found is None:
                    continue
                text, c = found
                head = self.heads2_text.get(c, "")
            hv = self.head_variants.get(self.heads2[cs[0]])
            self.out.add(_hit(g, r, c, f"proactive.{row_key}.{col.key}", text, texts[first].strip(),
                              head, variants + ((hv,) if hv else ())))


#: what :class:`_Scan` does with a row, in turn, until one step takes it
_STEPS = (_Scan.head4, _Scan.figures4, _Scan.head3, _Scan.row3, _Scan.head2, _Scan.row2)


def _columns4(chain4: dict[int, list[str]]) -> dict[int, tuple[str, str]]:
    """四's columns from its head rows: column → (block, column key) where the heads name both."""
    cols4 = {}
    for c, chain in chain4.items():
        col = _T4_COLUMNS.get(chain[-1])
        block = next((b for b, mark in _T4_BLOCKS if mark in chain), None)
        if col and block:
            cols4[c] = (block, col)
    return cols4


def _rejoined(g: Grid, out: Located) -> Grid:
    """``g`` with the rows that only continue the labels of the row above joined to it: a label
    split by extraction or by a line break into two rows (``商业企`` / ``业``, ``科研机`` / ``构``,
    ``（四）无`` / ``法提供``).  A row is such a continuation when it has no figure and every one of
    its texts completes the text above into an official label that neither part is."""
    merged = None
    for r in range(1, g.nrows):
        row = g.texts[r]
        cells = [c for c, t in enumerate(row) if t.strip() and g.origin[r][c] == (r, c)]
        if not cells or any(is_value(row[c]) for c in cells):
            continue
        above = (merged or g.texts)[r - 1]
        if all(c < len(above) and above[c].strip() and not known_label(key(above[c])) and not known_label(key(row[c]))
               and known_label(key(above[c] + row[c])) for c in cells):
            if merged is None:
                merged = [list(t) for t in g.texts]
            for c in cells:
                joined = merged[r - 1][c] + row[c]
                out.rejoined.append((merged[r - 1][c].strip(), row[c].strip(), g.where(r, c)))
                for rr in range(g.nrows):  # every position the cell above covers shows the joined text
                    for cc in range(len(merged[rr])):
                        if g.origin[rr][cc] == g.origin[r - 1][c]:
                            merged[rr][cc] = joined
                merged[r][c] = ""
    if merged is None:
        return g
    keep = [r for r in range(g.nrows) if any(t.strip() for t in merged[r])]
    return Grid([merged[r] for r in keep], [[(keep.index(o[0]) if o[0] in keep else 0, o[1]) for o in g.origin[r]]
                                            for r in keep], g.source, dict(g.types), g.a1)


def _read3(out: Located, g: Grid, r: int, path: str, variants, label_cols: list[int], state3,
           guess: bool = False) -> None:
    """The figures of one 三 data row (its label matched to ``path``) under the heads of ``state3``."""
    cols3, order, first_head3, heads3_text = state3
    texts = g.texts[r]
    row_label = _label(texts, label_cols)
    cells = _aligned(g, r, _cells(g, r, label_cols[-1] + 1, exclude=g.origin[r][label_cols[-1]]), len(order))
    printed = [c for c in cells if g.texts[r][c].strip()]
    if len(printed) == 1 and len(re.sub(r"\D", "", g.texts[r][printed[0]])) >= len(order):
        # OCR ran the row's figures into one cell (``640020470``): split it by the row's 总计, or list it
        _run3(out, g, r, printed[0], path, row_label, order, heads3_text, first_head3)
        return
    for i, col in enumerate(order):
        if len(cells) == len(order):  # one printed cell per head: pair them in order
            c = cells[i]
            text = g.texts[r][c]
            head = heads3_text.get(first_head3[col], "")
        else:
            cs = [c for c, v in cols3.items() if v == col]
            found = _first_text(g, r, cs)
            if found is None:
                continue
            text, c = found
            head = heads3_text.get(c, "")
        out.add(_hit(g, r, c, f"{path}.{col}", text, row_label, head, variants))
        if guess:
            out.guessed.add(f"{path}.{col}")


_NUMBER = re.compile(r"^[(（]?([一二三四五六七八九十\d]{1,3})[)）.、．]")


def _run3(out: Located, g: Grid, r: int, c: int, path: str, row_label: str, order: list[str], heads3_text,
          first_head3) -> None:
    """One cell holding a whole 三 row's figures run together: read only when exactly one split
    gives six figures and their 总计 (no leading zeros); otherwise the row is listed as ambiguous."""
    run = g.texts[r][c].strip()
    found = [v for v in splits(run, len(order), ["count"] * len(order))
             if order[-1] != "total" or sum(v[:-1]) == v[-1]]
    if len(found) != 1:
        shown = "；".join("、".join(map(str, v)) for v in found[:3])
        out.ambiguous.append((row_label, g.where(r, c), f"一格中的数字“{run}”连在一起，"
                              + (f"可拆分为 {len(found)} 种（{shown} …）" if found else "无法拆分为这一行的各格")
                              + "，只凭这一行无法确定"))
        return
    for col, v in zip(order, found[0]):
        out.add(Hit(f"{path}.{col}", str(v), g, (r, c), row_label, heads3_text.get(first_head3[col], ""), (),
                    g.types.get(g.origin[r][c], "")))
    out.split_runs.append((row_label, run, found[0], g.where(r, c)))


def _numbering(text: str) -> str | None:
    m = _NUMBER.match(fold(text))
    return m.group(1) if m else None


def _decide3(out: Located, ix: "_Edition", rows: list) -> None:
    """三's rows whose label is no official label, decided by the whole table: a misprinted leaf
    (``2.其他法律行政止公开``) is the one official leaf of its group with the same number, not found
    elsewhere in the table and spelled most alike; a group label standing alone where the edition
    has sub-rows (the 2019 single ``（六）其他处理`` in a 2021 table) is read as its sub-rows only
    when every figure is 0.  Anything else is listed as ambiguous, never guessed."""
    for g, r, chain, label_cols, state3 in rows:
        texts = g.texts[r]
        printed = texts[label_cols[-1]].strip()
        values = [texts[c] for c in range(label_cols[-1] + 1, len(texts))]
        leaf = chain[-1]
        sub = ix.groups3.get(leaf)
        if sub and set(chain[:-1]) <= ix.group_keys3 | {leaf}:
            if all(fold(v) in ("0", "") or fold(v) in BLANK_MARKS for v in values):
                for label, path in sub:
                    _read3(out, g, r, path, ((printed, label),), label_cols, state3, guess=True)
                out.split_group.append((printed, g.where(r, label_cols[-1]), [label for label, _ in sub]))
            else:
                out.ambiguous.append((printed, g.where(r, label_cols[-1]),
                                      f"这是 2019 版的单行，本版分为 {len(sub)} 个子项（"
                                      + "、".join(label for label, _ in sub) + "），数字不全为 0，无法拆分"))
            continue
        number = _numbering(printed)
        taken = {p.rsplit(".", 1)[0] for p in out.hits}
        candidates = []
        for k, entries in ix.leaves3.items():
            for groups, path in entries:
                official = _official(ix, k)
                if path in taken or (chain[:-1] and not set(groups) & set(chain[:-1])):
                    continue
                if number is None or _numbering(official) != number:
                    continue
                ratio = SequenceMatcher(None, leaf, k).ratio()
                if ratio >= 0.6:
                    candidates.append((ratio, path, official))
        if len(candidates) == 1:
            _, path, official = candidates[0]
            _read3(out, g, r, path, ((printed, official),), label_cols, state3, guess=True)
        else:
            why = ("与多个官方标签相近（" + "、".join(o for _, _, o in candidates) + "）" if candidates
                   else "不是任何官方标签")
            out.ambiguous.append((printed, g.where(r, label_cols[-1]), f"行标签{why}"))


_T4_OFFICIAL = {key(x): x for x in ("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉")}


def _near4(k: str) -> str | None:
    """The one spanning head of 四 that ``k`` misspells by a character added, dropped or changed
    (``行政法复议``), or None."""
    close = [m for m in _T4_OFFICIAL if abs(len(m) - len(k)) <= 1 and SequenceMatcher(None, k, m).ratio() >= 0.8]
    return close[0] if len(close) == 1 else None


def _is_head(printed_key: str, head: str) -> bool:
    """A printed head names ``head``: the same key, or the key followed by a unit (采购总金额（元）)."""
    k = key(head)
    return printed_key == k or printed_key.startswith(k)


def _cells(g: Grid, r: int, start: int, exclude=None) -> list[int]:
    """The columns of row ``r`` from ``start`` on, one per printed cell (a spanning cell once)."""
    seen = {exclude}
    out = []
    for c in range(start, len(g.texts[r])):
        o = g.origin[r][c]
        if o not in seen:
            seen.add(o)
            out.append(c)
    return out


def _aligned(g: Grid, r: int, cells: list[int], n: int) -> list[int]:
    """``cells`` less the blank cells before or after ``n`` figures (a label's span left over in a
    copied table): the ``n`` cells to pair with the heads, or ``cells`` when that is not the case."""
    extra = len(cells) - n
    if extra <= 0:
        return cells
    blank = [not g.texts[r][c].strip() for c in cells]
    if all(blank[:extra]) and not blank[extra]:
        return cells[extra:]
    if all(blank[n:]):
        return cells[:n]
    return cells


_VALUE = re.compile(r"^[+\-]?[\d,.]*\d[\d,.]*(?:万元|元|件|项|个|条|次|笔)?$")
#: what reports print in a figure cell for "none": blank, a slash or a dash
BLANK_MARKS = frozenset({"", "/", "-", "—", "——", "–", "\\", "无"})  # after NFKC: ／ → /, － → -


@lru_cache(maxsize=8192)
def is_value(text: str) -> bool:
    """Whether a cell's text is a figure (a number, possibly with a unit) or a blank mark."""
    t = fold(text)
    return t in BLANK_MARKS or bool(_VALUE.match(t))


def _hit(g: Grid, r: int, c: int, path: str, text: str, row_label: str, col_label: str, variants=()) -> Hit:
    return Hit(path, text.strip(), g, (r, c), row_label, col_label, tuple(variants), g.types.get(g.origin[r][c], ""))


def block_label(block: layout.Block, row_key: str) -> str:
    return next(label for k, label in block.rows if k == row_key)


def _match3(ix: _Edition, chain: list[str], keyed, printed) -> tuple[str, tuple] | None:
    """(path, variants) of a 三 data row from its label keys, or None."""
    if not chain:
        return None
    candidates = ix.leaves3.get(chain[-1])
    variants: tuple = ()
    if candidates is None:
        # a label cut short (a page break inside the cell): the one official label it begins
        longer = [k for k in ix.leaves3 if len(chain[-1]) >= 4 and k.startswith(chain[-1])]
        if len(longer) != 1:
            return None
        candidates = ix.leaves3[longer[0]]
        last = next(i for i in range(len(keyed) - 1, -1, -1) if keyed[i][0] == chain[-1])
        return candidates[0][1] if len(candidates) == 1 else None, ((printed[last].strip(), _official(ix, longer[0])),)
    if any(v for _, v in keyed):
        i = next(i for i, (k, v) in enumerate(keyed) if v)
        variants = ((printed[i].strip(), _official(ix, keyed[i][0])),)
    if len(candidates) == 1:
        return candidates[0][1], variants
    for groups, path in candidates:
        if set(groups) & set(chain[:-1]):
            return path, variants
    return None


def _official(ix: _Edition, k: str) -> str:
    for item in layout.row_tree(ix.edition):
        for chain, _ in item.leaves():
            for label in chain:
                if key(label) == k:
                    return label
    return k


@lru_cache(maxsize=None)
def _label_keys() -> frozenset:
    out = set()
    for ed in ("2019", "2021"):
        for t in layout.tables(ed):
            for row in t.rows:
                out.update(key(cell.text) for cell in row if cell.text and not cell.is_figure)
    return frozenset(out - {""})



def known_label(k: str) -> bool:
    """Whether ``k`` (a :func:`~reportkit.reading.labels.key`) is the key of an official label of
    either edition, or of a known variant."""
    return k in _label_keys() or k in VARIANTS
