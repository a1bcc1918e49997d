"""The Word report as the user gets it: ``reportkit.render(..., formats=["docx"])``, opened
with python-docx and lxml.

Figures are found the way a reader finds them -- by the ROW label and the COLUMN label of
the official table, honouring gridSpan and vMerge -- never by hard-coded cell indexes; the
rows and columns to look for come from :mod:`reportkit.contract.tables`, and the printed labels are
compared with the independent spelling in ``tests/official_labels.py``.  Typography is checked
against GB/T 9704-2012 and ``docs/templates.md``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from lxml import etree

import reportkit
from reportkit.contract import tables as layout
from reportkit.writing.typesetting import signature_indents, text_width
from reportkit.writing.titles import title_lines
from reportkit.contract.totals import appeals_total, results_total, row_total

from . import official_labels as O
from .conftest import ROOT, XINYI, YUNXI, example

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{%s}" % W_NS
TEMPLATE_2021 = ROOT / "templates" / "docx" / "report-2021.docx"
SEED = Path(__file__).parent / "data" / "xinyi-2020-annual-report.txt"

# ----------------------------------------------------------------------------- the layout

SECTION_HEADINGS = O.SECTION_HEADINGS
OUTCOME = O.OUTCOME
MISPRINT = "其他法律法规禁止公开"  # the seed's wrong label (official: 其他法律行政法规禁止公开)

#: table 三: (column key, chain of header labels above the column)
APPLICANT_COLUMNS = layout.APPLICANT_HEADS
#: table 四: (block key, header labels above the block), (column key, header label)
APPEAL_BLOCKS = tuple(dict.fromkeys((block, chain[:-1]) for block, _, chain in layout.APPEAL_HEADS))
APPEAL_COLUMNS = tuple(dict.fromkeys((key, chain[-1]) for _, key, chain in layout.APPEAL_HEADS))


def table3_rows(edition: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(row labels, path under ``requests``) of every figure row of table 三, in official order;
    path ``("results", "total")`` is the computed （七）总计 row."""
    return [(chain, leaf.path) for item in layout.row_tree(edition) for chain, leaf in item.leaves()]


def table2_blocks(edition: str, data: dict):
    """Table 二 per block: caption → [(row label, [(column label, printed text)])].  The 2019
    采购总金额 head carries the unit only when the data gives one."""
    pro = data["proactive"]
    unit = pro.get("procurement", {}).get("amount_unit")

    def head(block_col):
        if edition == "2019" and block_col.key == "amount":
            return layout.procurement_amount_head(unit)
        return block_col.head

    return {b.caption: [(label, [(head(col), str(pro[key][col.key])) for col in b.columns])
                        for key, label in b.rows]
            for b in layout.blocks(edition)}


# ----------------------------------------------------------------------------- test data


def _distinct_requests(data: dict, edition: str) -> None:
    """Give every cell of table 三 its own number, keeping the 勾稽关系 balanced."""
    cols = [k for k, _ in APPLICANT_COLUMNS if k != "total"]
    req = data["requests"]
    results = req["results"]
    i = 0
    for _, path in table3_rows(edition):
        if path[0] != "results" or path == ("results", "total"):
            continue
        node = results
        for p in path[1:-1]:
            node = node.setdefault(p, {})
        i += 1
        node[path[-1]] = {k: 100 * i + j + 1 for j, k in enumerate(cols)}
    results.pop("total", None)
    req["carried_over"] = {k: 11 + j for j, k in enumerate(cols)}
    req["carried_forward"] = {k: 21 + j * 3 for j, k in enumerate(cols)}
    tot = results_total(results, edition)
    req["received"] = {k: tot[k] + req["carried_forward"][k] - req["carried_over"][k] for k in cols}
    n = 0
    for key, _ in APPEAL_BLOCKS:
        data["appeals"][key] = {}
        for k, _ in APPEAL_COLUMNS[:4]:
            n += 1
            data["appeals"][key][k] = n * 7 % 23 + n  # distinct, not in order


def distinct_2019() -> dict:
    d = example(XINYI)
    pro = d["proactive"]
    pro["regulations"] = {"made": 1, "published": 2, "published_total": 3}
    pro["normative_documents"] = {"made": 4, "published": 5, "published_total": 6}
    pro["licensing"] = {"previous": 7, "change": -8, "decisions": 9}
    pro["other_services"] = {"previous": 10, "change": 11, "decisions": 12}
    pro["penalties"] = {"previous": 13, "change": -14, "decisions": 15}
    pro["coercion"] = {"previous": 16, "change": 17, "decisions": 18}
    pro["fees"] = {"previous": 19, "change": -20}
    pro["procurement"] = {"projects": 21, "amount": "73802895.90", "amount_unit": "元"}
    _distinct_requests(d, "2019")
    return d


def distinct_2021() -> dict:
    d = example(YUNXI)
    pro = d["proactive"]
    pro["regulations"] = {"issued": 1, "repealed": 2, "in_force": 3}
    pro["normative_documents"] = {"issued": 4, "repealed": 5, "in_force": 6}
    pro["licensing"] = {"decisions": 7}
    pro["penalties"] = {"decisions": 8}
    pro["coercion"] = {"decisions": 9}
    pro["fees"] = {"amount": "0.0500"}
    _distinct_requests(d, "2021")
    return d


DATASETS = {
    "xinyi-2020": lambda: example(XINYI),
    "yunxi-2021": lambda: example(YUNXI),
    "xinyi-2020-distinct": distinct_2019,
    "yunxi-2021-distinct": distinct_2021,
}
EXAMPLES = ("xinyi-2020", "yunxi-2021")

# ----------------------------------------------------------------------------- reading .docx


def cell_text(tc) -> str:
    return "\n".join("".join(t.text or "" for t in p.iter(W + "t")) for p in tc.iter(W + "p")).strip()


@dataclass
class Span:
    tc: object
    top: int
    left: int
    rows: int = 1
    cols: int = 1

    @property
    def text(self) -> str:
        return cell_text(self.tc)


class Grid:
    """A ``w:tbl`` as a grid of grid columns × rows; every slot holds the :class:`Span` of the
    cell covering it (gridSpan and vMerge honoured)."""

    def __init__(self, tbl):
        self.tbl = tbl
        self.trs = tbl.findall(W + "tr")
        self.rows: list[list[Span | None]] = []
        for r, tr in enumerate(self.trs):
            row: list[Span | None] = []
            before = tr.find(f"{W}trPr/{W}gridBefore")
            if before is not None:
                row += [None] * int(before.get(W + "val"))
            for tc in tr.findall(W + "tc"):
                tc_pr = tc.find(W + "tcPr")
                span = tc_pr.find(W + "gridSpan") if tc_pr is not None else None
                cols = int(span.get(W + "val")) if span is not None else 1
                vm = tc_pr.find(W + "vMerge") if tc_pr is not None else None
                vmerge = None if vm is None else (vm.get(W + "val") or "continue")
                c = len(row)
                above = self.rows[r - 1][c] if r and c < len(self.rows[r - 1]) else None
                if vmerge == "continue" and above is not None:
                    s = above
                    s.rows += 1
                else:
                    s = Span(tc, r, c, 1, cols)
                row += [s] * cols
            self.rows.append(row)
        self.width = max(len(r) for r in self.rows)
        for row in self.rows:
            row += [None] * (self.width - len(row))

    def texts(self, r: int) -> set[str]:
        return {s.text for s in self.rows[r] if s is not None}

    def all_texts(self) -> set[str]:
        return {s.text for row in self.rows for s in row if s is not None}

    def spans(self, text: str) -> list[Span]:
        seen, out = set(), []
        for row in self.rows:
            for s in row:
                if s is not None and s.text == text and id(s) not in seen:
                    seen.add(id(s))
                    out.append(s)
        return out

    def span(self, text: str) -> Span:
        found = self.spans(text)
        assert len(found) == 1, f"{text!r}: {len(found)} cells in the table"
        return found[0]

    def find_row(self, labels, rows=None) -> int:
        """The one row (within ``rows``) whose cells include every label, character-exact."""
        rows = range(len(self.rows)) if rows is None else rows
        hits = [r for r in rows if all(lab in self.texts(r) for lab in labels)]
        assert len(hits) == 1, f"row {labels}: {len(hits)} rows match"
        return hits[0]

    def find_col(self, labels, header_rows) -> list[int]:
        """The grid columns that have every label in one of ``header_rows``."""
        cols = [c for c in range(self.width)
                if all(any(self.rows[r][c] is not None and self.rows[r][c].text == lab
                           for r in header_rows) for lab in labels)]
        assert cols, f"column {labels}: no column has these headers"
        return cols

    def at(self, row_labels, col_labels, rows=None) -> str:
        """The text at the intersection of the row labelled ``row_labels`` and the column
        headed ``col_labels`` (headers looked up in the rows above, within ``rows``)."""
        rows = list(range(len(self.rows)) if rows is None else rows)
        r = self.find_row(row_labels, rows)
        header_rows = [x for x in rows if x < r]
        cols = self.find_col(col_labels, header_rows)
        cells = {id(self.rows[r][c]): self.rows[r][c] for c in cols if self.rows[r][c] is not None}
        assert len(cells) == 1, f"{row_labels} × {col_labels}: {len(cells)} cells"
        (s,) = cells.values()
        assert s.top == r, f"{row_labels} × {col_labels}: the cell is merged from row {s.top}"
        return s.text


class Styles:
    """styles.xml with basedOn inheritance and docDefaults."""

    def __init__(self, xml: bytes):
        self.root = etree.fromstring(xml)
        self.by_id = {s.get(W + "styleId"): s for s in self.root.findall(W + "style")}
        self.by_name = {s.find(W + "name").get(W + "val").lower(): s
                        for s in self.root.findall(W + "style") if s.find(W + "name") is not None}
        dd = self.root.find(W + "docDefaults")
        self.default_rpr = dd.find(f"{W}rPrDefault/{W}rPr") if dd is not None else None
        self.default_ppr = dd.find(f"{W}pPrDefault/{W}pPr") if dd is not None else None

    def named(self, name: str):
        return self.by_name[name.lower()]

    def chain(self, style):
        seen = set()
        while style is not None and id(style) not in seen:
            seen.add(id(style))
            yield style
            based = style.find(W + "basedOn")
            style = self.by_id.get(based.get(W + "val")) if based is not None else None

    def prop(self, style, part: str, tag: str, attr: str, direct=None):
        """The value of ``w:part/w:tag/@w:attr`` for ``style`` (after ``direct`` formatting)."""
        holders = ([direct] if direct is not None else []) + [s.find(W + part) for s in self.chain(style)]
        holders.append(self.default_rpr if part == "rPr" else self.default_ppr)
        for h in holders:
            el = h.find(W + tag) if h is not None else None
            if el is not None and el.get(W + attr) is not None:
                return el.get(W + attr)
        return None

    def paragraph_style(self, p):
        ps = p.find(f"{W}pPr/{W}pStyle")
        if ps is not None:
            return self.by_id.get(ps.get(W + "val"))
        return next((s for s in self.by_id.values()
                     if s.get(W + "type") == "paragraph" and s.get(W + "default") in ("1", "true")), None)

    def run_props(self, p):
        """(size in half-points, eastAsia font, ascii font) of each run of paragraph ``p``
        (the paragraph mark's properties when it has no run)."""
        style = self.paragraph_style(p)
        runs = [r.find(W + "rPr") for r in p.findall(f".//{W}r") if r.find(W + "t") is not None] or [None]
        return [(self.prop(style, "rPr", "sz", "val", rpr), self.prop(style, "rPr", "rFonts", "eastAsia", rpr),
                 self.prop(style, "rPr", "rFonts", "ascii", rpr)) for rpr in runs]


@dataclass
class Rendered:
    name: str
    data: dict
    path: Path
    doc: object
    parts: dict = field(default_factory=dict)

    @property
    def edition(self) -> str:
        return self.data["format"]

    def table(self, marker: str) -> Grid:
        grids = [Grid(t._tbl) for t in self.doc.tables]
        hits = [g for g in grids if marker in g.all_texts()]
        assert len(hits) == 1, f"{len(hits)} tables hold {marker!r}"
        return hits[0]

    @property
    def t2(self) -> Grid:
        return self.table("第二十条第（一）项")

    @property
    def t3(self) -> Grid:
        return self.table("申请人情况")

    @property
    def t4(self) -> Grid:
        return self.table("行政复议")

    def paragraphs(self, *, keep_empty=False):
        return [p for p in self.doc.paragraphs if keep_empty or p.text.strip()]

    def styles(self) -> Styles:
        return Styles(self.parts["word/styles.xml"])


def render_docx(data, out: Path, **kw) -> Rendered:
    result = reportkit.render(data, out, formats=["docx"], **kw)
    (path,) = [p for p in result.paths if p.suffix == ".docx"]
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    return Rendered("", data, path, docx.Document(str(path)), parts)


_CACHE: dict[str, Rendered] = {}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    def get(name: str) -> Rendered:
        if name not in _CACHE:
            data = DATASETS[name]()
            r = render_docx(data, tmp_path_factory.mktemp(name) / "out")
            r.name = name
            _CACHE[name] = r
        return _CACHE[name]
    yield get
    _CACHE.clear()


@pytest.fixture(params=list(DATASETS))
def any_report(request, rendered) -> Rendered:
    return rendered(request.param)


@pytest.fixture(params=EXAMPLES)
def ex(request, rendered) -> Rendered:
    return rendered(request.param)


@pytest.fixture
def xinyi(rendered) -> Rendered:
    return rendered("xinyi-2020")


@pytest.fixture
def yunxi(rendered) -> Rendered:
    return rendered("yunxi-2021")


def width(text: str) -> float:
    """Printed width in 字: full-width characters 1, half-width ones ½, and 1/5 字 where a 汉字 meets a
    digit (the space LibreOffice and Word put between the two scripts)."""
    wide = [unicodedata.east_asian_width(ch) in "WF" for ch in text]
    return sum(1.0 if w else 0.5 for w in wide) + 0.2 * sum(1 for a, b in zip(wide, wide[1:]) if a != b)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ============================================================================ 1. figures


def test_distinct_data_is_valid():
    for make in (distinct_2019, distinct_2021):
        findings = reportkit.validate(make())
        assert not [f for f in findings if f.severity == "error"], [f.text() for f in findings]


def test_table3_every_figure_by_row_and_column_label(any_report):
    r = any_report
    g, req, edition = r.t3, r.data["requests"], r.edition
    first = g.find_row(("一、本年新收政府信息公开申请数量",))
    matched = set()
    for labels, path in table3_rows(edition):
        if path == ("results", "total"):
            row = results_total(req["results"], edition)
        else:
            row = req
            for p in path:
                row = row[p]
        matched.add(g.find_row(labels))
        for key, headers in APPLICANT_COLUMNS:
            want = row_total(row) if key == "total" else row[key]
            got = g.at(labels, headers)
            assert got == str(want), f"{r.name}: {' / '.join(labels)} × {headers[-1]}: {got!r} ≠ {want}"
    # no figure row that the official table does not have
    assert matched == set(range(first, len(g.rows))), "table 三 has rows the official format does not"
    assert first == 3, "table 三 has 3 header rows above 一、本年新收政府信息公开申请数量"


def test_table3_totals_are_computed_when_the_data_has_none(yunxi):
    assert "total" not in yunxi.data["requests"]["received"]
    g = yunxi.t3
    assert g.at(("一、本年新收政府信息公开申请数量",), ("申请人情况", "总计")) == "559"
    assert g.at((OUTCOME, "（七）总计"), ("申请人情况", "总计")) == "550"
    assert g.at((OUTCOME, "（七）总计"), ("申请人情况", "自然人")) == "320"
    assert g.at((OUTCOME, "（三）不予公开", "4.保护第三方合法权益"),
                ("申请人情况", "法人或其他组织", "法律服务机构")) == "3"


def test_table2_every_figure_by_block_row_and_column(any_report):
    r = any_report
    g = r.t2
    blocks = table2_blocks(r.edition, r.data)
    captions = {cap: g.find_row((cap,)) for cap in blocks}
    other_captions = [t for t in g.all_texts() if t.startswith("第二十条") and t not in blocks]
    assert not other_captions, f"{r.name}: unexpected blocks {other_captions}"
    starts = sorted(captions.values())
    assert [c for c, _ in sorted(captions.items(), key=lambda kv: kv[1])] == list(blocks), "block order"
    for cap, start in captions.items():
        end = next((s for s in starts if s > start), len(g.rows))
        rows = range(start, end)
        # the caption spans the whole table
        assert g.span(cap).cols == g.width
        data_rows = set()
        for label, cols in blocks[cap]:
            data_rows.add(g.find_row((label,), rows))
            assert g.at((label,), ("信息内容",), rows) == label, f"{cap}: {label} is not under 信息内容"
            for header, want in cols:
                got = g.at((label,), (header,), rows)
                assert got == want, f"{r.name}: {cap} / {label} × {header}: {got!r} ≠ {want!r}"
        header = g.find_row(("信息内容",), rows)
        assert data_rows == set(range(header + 1, end)), f"{r.name}: {cap} has unexpected rows"


def test_table2_labels_per_edition(xinyi, yunxi):
    t19, t21 = xinyi.t2.all_texts(), yunxi.t2.all_texts()
    assert "行政规范性文件" not in t19
    assert not {"规范性文件", "第二十条第（九）项", "政府集中采购", "上一年项目数量", "其他对外管理服务事项"} & t21
    assert xinyi.t2.at(("政府集中采购",), ("采购总金额",)) == "0"
    assert yunxi.t2.at(("行政事业性收费",), ("本年收费金额（单位：万元）",)) == "1523.4560"


def test_procurement_amount_head_is_official_without_a_unit(xinyi):
    """Issue 7.11: the seed gives no unit; the head is the official 采购总金额, no invented 万元."""
    assert "amount_unit" not in xinyi.data["proactive"]["procurement"]
    texts = xinyi.t2.all_texts()
    assert "采购总金额" in texts
    assert not [t for t in texts if t.startswith("采购总金额（")], sorted(texts)


def test_procurement_amount_head_has_no_unit_in_a_batch_either(tmp_path, d2019):
    """The schema has no default unit, and its compiled check writes no default into the data: a
    default 万元 there once printed 采购总金额（万元） for every later report of a batch."""
    for _ in range(3):
        reportkit.validate(reportkit.load(example(XINYI)))
    r = render_docx(d2019, tmp_path / "out")
    assert "采购总金额" in r.t2.all_texts()
    assert not [t for t in r.t2.all_texts() if t.startswith("采购总金额（")]


@pytest.mark.parametrize("unit", ["元", "万元"])
def test_procurement_amount_head_carries_the_unit_the_data_gives(tmp_path, d2019, unit):
    d2019["proactive"]["procurement"]["amount_unit"] = unit
    r = render_docx(d2019, tmp_path / "out")
    assert r.t2.at(("政府集中采购",), (f"采购总金额（{unit}）",)) == "0"
    assert "采购总金额" not in r.t2.all_texts()


def test_table2_amount_unit_and_signed_change(rendered):
    r = rendered("xinyi-2020-distinct")
    g = r.t2
    assert g.at(("政府集中采购",), ("采购总金额（元）",)) == "73802895.90"
    rows = range(g.find_row(("第二十条第（五）项",)), g.find_row(("第二十条第（六）项",)))
    assert g.at(("行政许可",), ("本年增/减",), rows) == "-8"
    assert rendered("yunxi-2021-distinct").t2.at(("行政事业性收费",), ("本年收费金额（单位：万元）",)) == "0.0500"


def test_table4_fifteen_cells(any_report):
    r = any_report
    g = r.t4
    numeric = [i for i in range(len(g.rows)) if all(s is not None and s.text.lstrip("-").isdigit()
                                                   for s in g.rows[i])]
    assert len(numeric) == 1, "table 四 has one data row"
    (data_row,) = numeric
    assert data_row == len(g.rows) - 1
    assert len({id(s) for s in g.rows[data_row]}) == 15
    header_rows = range(data_row)
    for key, block in APPEAL_BLOCKS:
        values = r.data["appeals"][key]
        for col, label in APPEAL_COLUMNS:
            want = appeals_total(values) if col == "total" else values[col]
            cols = g.find_col(block + (label,), header_rows)
            assert len(cols) == 1, f"{block} × {label}: {cols}"
            got = g.rows[data_row][cols[0]].text
            assert got == str(want), f"{r.name}: {'/'.join(block)} × {label}: {got!r} ≠ {want}"


# ============================================================================ 2. labels


def _all_text(r: Rendered) -> str:
    body = etree.fromstring(r.parts["word/document.xml"])
    return "".join(t.text or "" for t in body.iter(W + "t"))


def test_official_labels_character_exact(ex):
    """Every label the official format prints, as spelt in tests/official_labels.py."""
    g2, g3, g4 = ex.t2, ex.t3, ex.t4
    want2 = {O.INFO_CONTENT}
    for caption, heads, labels in O.TABLE2[ex.edition]:
        want2 |= {caption, *heads, *labels}
    if ex.edition == "2019":  # the seed gives no unit: the official head alone
        assert "amount_unit" not in ex.data["proactive"]["procurement"]
    missing = want2 - g2.all_texts()
    assert not missing, f"{ex.name}: labels missing or altered in table 二: {sorted(missing)}"
    want3 = {O.BALANCE_NOTE, O.APPLICANT_HEAD, O.NATURAL, O.LEGAL_PERSONS, *O.LEGAL_SUBCOLUMNS, O.TOTAL}
    want3 |= {label for chain in O.table3_rows(ex.edition) for label in chain}
    cells = g3.all_texts()
    missing = want3 - cells
    assert not missing, f"{ex.name}: labels missing or altered in table 三: {sorted(missing)}"
    assert "2.其他法律行政法规禁止公开" in cells
    assert "3.危及“三安全一稳定”" in cells  # curly quotes U+201C/U+201D
    other_editions = {label for chain in O.table3_rows("2021" if ex.edition == "2019" else "2019")
                      for label in chain} - want3
    assert not other_editions & cells, f"{ex.name}: labels of the other edition: {other_editions & cells}"
    assert {*O.APPEAL_TOP, *O.APPEAL_LITIGATION, *O.APPEAL_SUBCOLUMNS} <= g4.all_texts()
    headings = [p.text for p in ex.doc.paragraphs if p.text in SECTION_HEADINGS]
    assert headings == list(SECTION_HEADINGS)
    assert MISPRINT not in _all_text(ex)


# ============================================================================ 3. merges


def _vertical(span: Span) -> bool:
    td = span.tc.find(f"{W}tcPr/{W}textDirection")
    return td is not None and td.get(W + "val") in {"tbRl", "btLr", "tbRlV", "tbLrV", "rl", "lr", "rlV", "lrV"}


def test_table3_merges(ex):
    g = ex.t3
    note = g.span(O.BALANCE_NOTE)
    assert (note.top, note.left, note.rows, note.cols) == (0, 0, 3, 3)
    applicant = g.span("申请人情况")
    assert (applicant.rows, applicant.cols) == (1, 7)
    assert applicant.left == 3
    for label in ("自然人", "总计"):
        s = g.span(label)
        assert (s.top, s.rows, s.cols) == (1, 2, 1), label
    legal_person = g.span("法人或其他组织")
    assert (legal_person.top, legal_person.rows, legal_person.cols) == (1, 1, 5)
    for label in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"):
        s = g.span(label)
        assert s.top == 2 and (s.rows, s.cols) == (1, 1)
        assert legal_person.left <= s.left < legal_person.left + legal_person.cols
    outcome = g.span(OUTCOME)
    assert outcome.rows == O.OUTCOME_ROWSPAN[ex.edition]
    assert outcome.cols == 1
    assert _vertical(outcome), "三、本年度办理结果 needs vertical text (w:textDirection)"
    groups = {"（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5}
    if ex.edition == "2021":
        groups["（六）其他处理"] = 3
    for label, rows in groups.items():
        s = g.span(label)
        assert (s.rows, s.cols) == (rows, 1), label
    for label in ("一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "四、结转下年度继续办理"):
        assert g.span(label).cols == 3, label
    single = [chain[1] for chain in O.table3_rows(ex.edition) if len(chain) == 2]
    for label in single:
        assert g.span(label).cols == 2, label
    assert g.width == 10


def test_table4_merges(ex):
    g = ex.t4
    assert g.width == 15
    assert g.span("行政复议").cols == 5
    assert g.span("行政诉讼").cols == 10
    assert g.span("未经复议直接起诉").cols == 5
    assert g.span("复议后起诉").cols == 5
    reconsideration = g.span("行政复议")
    litigation = g.span("行政诉讼")
    for label in ("未经复议直接起诉", "复议后起诉"):
        s = g.span(label)
        assert s.top == litigation.top + 1
        assert litigation.left <= s.left < litigation.left + litigation.cols
    for label in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计"):
        spans = g.spans(label)
        assert len(spans) == 3, label  # once under 行政复议, once under each 行政诉讼 block
        under = [s for s in spans if reconsideration.left <= s.left < reconsideration.left + 5]
        assert len(under) == 1 and under[0].top == reconsideration.top + 1
        assert (under[0].rows, under[0].cols) == (2, 1), f"{label} under 行政复议 spans 2 rows"
        assert all((s.rows, s.cols) == (1, 1) and s.top == reconsideration.top + 2
                   for s in spans if s is not under[0]), label


# ============================================================================ 4. page and typography


def test_page_a4_and_margins(ex):
    for section in ex.doc.sections:
        assert section.page_width.mm == pytest.approx(210, abs=0.5)
        assert section.page_height.mm == pytest.approx(297, abs=0.5)
        assert section.top_margin.mm == pytest.approx(37, abs=0.5)
        assert section.bottom_margin.mm == pytest.approx(35, abs=0.5)
        assert section.left_margin.mm == pytest.approx(28, abs=0.5)
        assert section.right_margin.mm == pytest.approx(26, abs=0.5)


def test_styles(ex):
    st = ex.styles()
    normal = st.named("Normal")
    assert st.prop(normal, "rPr", "sz", "val") == "32"
    assert st.prop(normal, "rPr", "rFonts", "eastAsia") == "仿宋_GB2312"
    assert st.prop(normal, "rPr", "rFonts", "ascii") == "Times New Roman"
    first = st.prop(normal, "pPr", "ind", "firstLineChars")
    assert first == "200" or (first is None and st.prop(normal, "pPr", "ind", "firstLine") == "640")
    assert st.prop(normal, "pPr", "spacing", "lineRule") == "exact"
    line_pt = int(st.prop(normal, "pPr", "spacing", "line")) / 20
    assert 28 <= line_pt <= 29.5, f"line pitch {line_pt} pt (22 lines in the 225 mm text block ≈ 29 pt)"

    title = st.named("Title")
    assert st.prop(title, "rPr", "sz", "val") == "44"
    assert st.prop(title, "rPr", "rFonts", "eastAsia") == "方正小标宋简体"
    assert st.prop(title, "pPr", "jc", "val") == "center"

    h1, h2 = st.named("heading 1"), st.named("heading 2")
    assert st.prop(h1, "rPr", "rFonts", "eastAsia") == "黑体"
    assert st.prop(h1, "rPr", "sz", "val") == "32"
    assert st.prop(h2, "rPr", "rFonts", "eastAsia") == "楷体_GB2312"
    assert st.prop(h2, "rPr", "sz", "val") == "32"


def test_paragraphs_use_the_styles(ex):
    """Title and headings carry their styles, and no run overrides the style's font or size."""
    st = ex.styles()
    expect = {"Title": ("44", "方正小标宋简体"), "Heading 1": ("32", "黑体"), "Heading 2": ("32", "楷体_GB2312"),
              "Normal": ("32", "仿宋_GB2312")}
    paras = ex.paragraphs()
    assert paras[0].style.name == "Title"
    for p in paras:
        if p.text in SECTION_HEADINGS:
            assert p.style.name == "Heading 1", p.text
        elif re.match(r"（[一二三四五六七八九十]+）", p.text):
            assert p.style.name == "Heading 2", p.text
    for p in paras:
        if p.style.name in expect:
            for sz, east, _ in st.run_props(p._p):
                assert (sz, east) == expect[p.style.name], f"{p.style.name}: {p.text[:20]}"


def test_table_text_smaller_than_body(ex):
    st = ex.styles()
    for t in ex.doc.tables:
        for p in t._tbl.iter(W + "p"):
            for sz, east, _ in st.run_props(p):
                assert sz is not None and int(sz) <= 21, f"table text at {int(sz) / 2} pt"


def test_table_rows_header_and_cant_split(ex):
    def flag(tr, tag):
        el = tr.find(f"{W}trPr/{W}{tag}")
        return el is not None and el.get(W + "val") not in ("0", "false", "off")

    g3, g4 = ex.t3, ex.t4
    first3 = g3.find_row(("一、本年新收政府信息公开申请数量",))
    first4 = len(g4.rows) - 1
    for g, first in ((g3, first3), (g4, first4)):
        for i, tr in enumerate(g.trs):
            assert flag(tr, "tblHeader") == (i < first), f"row {i}: w:tblHeader only on the header rows"
    for g in (ex.t2, g3, g4):
        for i, tr in enumerate(g.trs):
            assert flag(tr, "cantSplit"), f"row {i} may split across pages"


def _alignment(p):
    pf = p.paragraph_format
    if pf.alignment is not None:
        return pf.alignment
    style = p.style
    while style is not None:
        if style.paragraph_format.alignment is not None:
            return style.paragraph_format.alignment
        style = style.base_style
    return None


def test_footers_page_numbers(ex):
    settings = etree.fromstring(ex.parts["word/settings.xml"])
    eo = settings.find(W + "evenAndOddHeaders")
    assert eo is not None and eo.get(W + "val") not in ("0", "false", "off"), "evenAndOddHeaders not set"
    st = ex.styles()
    section = ex.doc.sections[-1]
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        assert not footer.is_linked_to_previous
        xml = etree.tostring(footer._element, encoding="unicode")
        has_field = any("PAGE" in (el.get(W + "instr") or "") for el in footer._element.iter(W + "fldSimple")) \
            or any("PAGE" in (el.text or "") for el in footer._element.iter(W + "instrText"))
        assert has_field, f"no PAGE field in the {side} footer: {xml[:300]}"
        paras = [p for p in footer.paragraphs if p.text.strip()]
        assert len(paras) == 1
        p = paras[0]
        assert re.fullmatch(r"—\s*\d+\s*—", p.text.strip()), p.text
        assert _alignment(p) == align, f"{side} footer alignment {_alignment(p)}"
        # 1 字 from the edge (GB/T 9704 §7.5)
        ind = p._p.find(f"{W}pPr/{W}ind")
        assert ind is not None and (ind.get(f"{W}{side}Chars") == "100" or ind.get(f"{W}{side}") is not None)
        for sz, _, _ in st.run_props(p._p):
            assert sz == "28", "page numbers in 4号 (14 pt)"


# ============================================================================ 5. content and order


def paragraphs_of(text) -> list[str]:
    return [x.strip() for x in (text or "").splitlines() if x.strip()]


CN = "一二三四五六七八九十"


def expected_body(data: dict) -> list[tuple[str | None, str]]:
    """The text paragraphs of the report, in order, with their style (None: not checked)."""
    agency, year = data["agency"], data["year"]
    out = [("Title", line) for line in title_lines(agency, year)]  # the rule: tests/test_typesetting.py
    preface = paragraphs_of(data.get("preface"))
    out += [("Normal", p) for p in preface] if preface else [("Normal", None)]
    out.append(("Heading 1", SECTION_HEADINGS[0]))
    out += [("Normal", p) for p in paragraphs_of(data["overview"].get("summary"))]
    for i, s in enumerate(data["overview"].get("sections", [])):
        out.append(("Heading 2", f"（{CN[i]}）{s['title'].strip()}"))
        out += [("Normal", p) for p in paragraphs_of(s["text"])]
    out += [("Heading 1", h) for h in SECTION_HEADINGS[1:5]]
    # 五: 上年度问题整改情况, 存在的主要问题, 改进情况 (those given), numbered when two or more are
    # given or one has a heading of its own, unless five_headings is false
    parts = [(data.get(f"{k}_heading") or default, paragraphs_of(data.get(k)), bool(data.get(f"{k}_heading")))
             for k, default in (("rectification", "上年度问题整改情况"), ("problems", "存在的主要问题"),
                                ("improvements", "改进情况"))]
    parts = [p for p in parts if p[1]]
    numbered = data.get("five_headings") is not False and (len(parts) > 1 or any(own for _, _, own in parts))
    for i, (heading, paras, _) in enumerate(parts):
        if numbered:
            out.append(("Heading 2", f"（{CN[i]}）{heading}"))
        out += [("Normal", p) for p in paras]
    out.append(("Heading 1", SECTION_HEADINGS[5]))
    return out


SIX_ITEMS = (("work_points", "落实上级年度政务公开工作要点情况"), ("proposals", "人大代表建议和政协提案办理结果公开情况"),
             ("innovation", "政务公开工作创新情况"))


def expected_six(data: dict) -> list[tuple[str, str | None]]:
    """六 as printed: (style, text); the fee sentence's text is None (checked on its own)."""
    items = [(t, paragraphs_of(data.get(k))) for k, t in SIX_ITEMS] if data["format"] == "2021" else []
    if any(paras for _, paras in items):
        parts = [("信息处理费", [None])] + [(t, paras) for t, paras in items if paras]
        if paragraphs_of(data.get("other_matters")):
            parts.append(("其他事项", paragraphs_of(data["other_matters"])))
        return [x for i, (t, paras) in enumerate(parts)
                for x in [("Heading 2", f"（{CN[i]}）{t}")] + [("Normal", p) for p in paras]]
    fee = [("Normal", None)] if data["format"] == "2021" and data.get("fees") else []
    return fee + [("Normal", p) for p in paragraphs_of(data.get("other_matters")) or ["无"]]


def check_body(r: Rendered) -> list:
    """Compare the document's paragraphs with :func:`expected_body`; return the 落款 paragraphs."""
    paras = r.paragraphs()
    want = expected_body(r.data)
    got = paras[:len(want)]
    assert len(got) == len(want)
    for p, (style, text) in zip(got, want):
        if text is None:
            continue
        if style == "Heading 2" and text in ("（一）", "（二）"):
            assert p.text.startswith(text) and len(p.text) > len(text), p.text
        else:
            assert p.text == text, f"{r.name}: expected {text[:40]!r}, got {p.text[:40]!r}"
        assert p.style.name == style, f"{r.name}: {text[:20]!r} has style {p.style.name}"
    return paras[len(want):]


def test_body_paragraphs_in_order(ex):
    rest = check_body(ex)
    data = ex.data
    want = expected_six(data)
    six, tail = rest[:len(want)], rest[len(want):]
    assert [(p.style.name, p.text if text is not None else None) for p, (_, text) in zip(six, want)] == want
    assert tail[0].text == data["agency"]
    assert len(tail) == (2 if data.get("published") else 1)


def test_title(xinyi, yunxi):
    """GB/T 9704 §7.3.3: the agency name, then the year's report title, one paragraph a line."""
    assert [p.text for p in xinyi.paragraphs()[:2]] == ["新义街道办事处", "2020年政府信息公开工作年度报告"]
    assert [p.text for p in yunxi.paragraphs()[:2]] == ["云溪县自然资源局", "2021年政府信息公开工作年度报告"]
    for r in (xinyi, yunxi):
        assert [p.style.name for p in r.paragraphs()[:3]] == ["Title", "Title", "Normal"]


def test_title_fitting_one_line_is_one_paragraph(tmp_path, d2021):
    d2021["agency"] = "某局"
    r = render_docx(d2021, tmp_path / "out")
    assert r.paragraphs()[0].text == "某局2021年政府信息公开工作年度报告"
    assert [p.style.name for p in r.paragraphs()[:2]] == ["Title", "Normal"]


def test_every_seed_paragraph_appears(xinyi):
    """Every prose paragraph of the seed (the published Xinyi report, shipped in tests/data)
    is in the document."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    text = squash("".join(p.text for p in xinyi.doc.paragraphs))
    in_tables, checked = False, 0
    for line in lines:
        s = squash(line)
        if not s:
            continue
        if s.startswith("二、主动公开政府信息情况"):
            in_tables = True
        elif s.startswith("五、存在的主要问题及改进情况"):
            in_tables = False
        if in_tables or "\t" in line or re.match(r"^([一二三四五六]、|[（(][一二三四五][）)])", s) \
                or s in ("新义街道办事处", "2020年政府信息公开工作年度报告"):
            continue
        assert s in text, f"seed paragraph missing: {s[:40]}"
        checked += 1
    assert checked >= 12


def test_overview_subheadings_numbered(ex):
    paras = ex.paragraphs()
    i1 = next(i for i, p in enumerate(paras) if p.text == SECTION_HEADINGS[0])
    i2 = next(i for i, p in enumerate(paras) if p.text == SECTION_HEADINGS[1])
    subs = [p.text for p in paras[i1:i2] if p.style.name == "Heading 2"]
    titles = [s["title"] for s in ex.data["overview"]["sections"]]
    assert subs == [f"（{CN[i]}）{t}" for i, t in enumerate(titles)]
    assert [s[:3] for s in subs] == ["（一）", "（二）", "（三）", "（四）", "（五）"]


def test_standard_preface_when_none_is_given(yunxi):
    assert "preface" not in yunxi.data
    paras = yunxi.paragraphs()
    i1 = next(i for i, p in enumerate(paras) if p.text == SECTION_HEADINGS[0])
    preface = [p for p in paras[:i1] if p.style.name != "Title"]
    assert len(preface) == 1
    assert "《中华人民共和国政府信息公开条例》" in preface[0].text
    assert "2021年1月1日至12月31日" in preface[0].text
    assert preface[0].style.name == "Normal"


def _section(r: Rendered, heading: str):
    paras = r.paragraphs()
    i = next(i for i, p in enumerate(paras) if p.text == heading)
    j = SECTION_HEADINGS.index(heading)
    nxt = SECTION_HEADINGS[j + 1] if j + 1 < len(SECTION_HEADINGS) else None
    end = next((k for k, p in enumerate(paras) if p.text == nxt), None) if nxt else None
    if end is None:
        end = next(k for k, p in enumerate(paras) if k > i and p.text == r.data["agency"])
    return paras[i + 1:end]


def test_five_with_improvements(ex):
    five = _section(ex, SECTION_HEADINGS[4])
    subs = [p.text for p in five if p.style.name == "Heading 2"]
    given = [k for k in ("rectification", "problems", "improvements") if ex.data.get(k)]
    assert len(subs) == len(given) and all(h.startswith(f"（{CN[i]}）") for i, h in enumerate(subs))
    texts = [p.text for p in five]
    assert texts == [x for h, k in zip(subs, given) for x in [h, *paragraphs_of(ex.data[k])]]


def test_five_without_improvements(tmp_path, d2021):
    for key in ("improvements", "rectification", "improvements_heading"):
        d2021.pop(key, None)
    r = render_docx(d2021, tmp_path / "out")
    five = _section(r, SECTION_HEADINGS[4])
    assert [p.style.name for p in five] == ["Normal"] * len(five)
    assert [p.text for p in five] == paragraphs_of(d2021["problems"])
    assert not [p for p in five if p.text.startswith(("（一）", "（二）"))]


def test_six_prints_none_when_absent(xinyi):
    assert "other_matters" not in xinyi.data
    six = _section(xinyi, SECTION_HEADINGS[5])
    assert [p.text for p in six] == ["无"]
    assert six[0].style.name == "Normal"


def test_six_fee_sentence_with_amounts_as_written(yunxi):
    six = _section(yunxi, SECTION_HEADINGS[5])
    assert six[0].text == "（一）信息处理费" and six[0].style.name == "Heading 2"
    fee = six[1].text
    assert fee.startswith("本年度，本机关依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）收取信息处理费")
    assert "发出收费通知14件" in fee
    assert "2460.00" in fee and "1180.00" in fee
    assert "不再处理的政府信息公开申请8件" in fee  # table 三 （六）2: 3+1+1+1+1+1
    assert [p.text for p in six[2:]] == [x for k, t in SIX_ITEMS
                                         for x in [f"（{CN[SIX_ITEMS.index((k, t)) + 1]}）{t}", yunxi.data[k]]]


def test_tables_follow_their_headings(ex):
    seq = []
    for el in ex.doc.element.body:
        if el.tag == W + "p":
            text = "".join(t.text or "" for t in el.iter(W + "t"))
            if text in SECTION_HEADINGS:
                seq.append(text)
        elif el.tag == W + "tbl":
            texts = Grid(el).all_texts()
            seq.append("T2" if "第二十条第（一）项" in texts else "T3" if "申请人情况" in texts
                       else "T4" if "行政复议" in texts else "T?")
    assert seq == [SECTION_HEADINGS[0], SECTION_HEADINGS[1], "T2", SECTION_HEADINGS[2], "T3",
                   SECTION_HEADINGS[3], "T4", SECTION_HEADINGS[4], SECTION_HEADINGS[5]]


def _right_chars(p) -> float:
    ind = p._p.find(f"{W}pPr/{W}ind")
    assert ind is not None and ind.get(W + "rightChars") is not None, "no w:ind rightChars"
    return int(ind.get(W + "rightChars")) / 100


def test_signature_and_date(yunxi):
    paras = yunxi.paragraphs()
    sig, date = paras[-2], paras[-1]
    assert sig.text == "云溪县自然资源局"
    assert date.text == "2022年1月20日"
    assert sig.style.name == "落款署名" and date.style.name == "落款日期"
    # after the body: the last heading and its paragraphs come first
    last_heading = max(i for i, p in enumerate(paras) if p.text in SECTION_HEADINGS)
    assert last_heading < len(paras) - 2
    s_ind, d_ind = signature_indents(sig.text, date.text)
    assert _right_chars(sig) == pytest.approx(s_ind)
    assert _right_chars(date) == pytest.approx(d_ind)
    # GB/T 9704 §7.3.5.2: the date's first character 2 字 right of the 署名's first one
    assert (_right_chars(sig) + width(sig.text)) - (_right_chars(date) + width(date.text)) == pytest.approx(2)


def test_no_date_without_published(xinyi):
    assert "published" not in xinyi.data
    paras = xinyi.paragraphs()
    assert paras[-1].text == "新义街道办事处"
    assert not [p for p in xinyi.doc.paragraphs if p.style.name == "落款日期"]
    assert not re.search(r"\d{4}年\d{1,2}月\d{1,2}日$", paras[-2].text)
    assert _right_chars(paras[-1]) == pytest.approx(2)  # 署名 2 字 from the right


def test_date_not_zero_padded(tmp_path, d2021):
    d2021["published"] = "2022-03-05"
    r = render_docx(d2021, tmp_path / "out")
    paras = r.paragraphs()
    assert paras[-1].text == "2022年3月5日"
    assert _right_chars(paras[-1]) == pytest.approx(signature_indents(paras[-2].text, paras[-1].text)[1])
    assert _right_chars(paras[-2]) == pytest.approx(signature_indents(paras[-2].text, paras[-1].text)[0])


# ============================================================================ 6. hostile data

LONG = ("政府信息&<b>\"'😀{{ 7*7 }}" * 400)[:5000]


def _parse_all_parts(path: Path) -> set[str]:
    parsed = set()
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))  # raises on invalid XML
                parsed.add(name)
    return parsed


def test_hostile_text_renders_literally(tmp_path, d2021):
    agency = "A&B <tag> \"引号'局 😀 {{ 7*7 }}"
    d2021["agency"] = agency
    preface = ["&", "<tag>", "\"quotes'", "😀", "{{ 7*7 }}", "{% if true %}x{% endif %}", "</w:t></w:r>"]
    d2021["preface"] = "\n".join(preface)
    d2021["overview"]["summary"] = LONG
    d2021["overview"]["sections"][0]["title"] = "<b>{{ 7*7 }}</b> & 😀"
    d2021["problems"] = "x & y < z > w \"q\" 's'"
    d2021["other_matters"] = "{{ 7*7 }}"
    r = render_docx(d2021, tmp_path / "out")
    _parse_all_parts(r.path)
    texts = [p.text for p in r.paragraphs()]
    assert texts[:2] == [agency, "2021年政府信息公开工作年度报告"]
    assert texts[2:2 + len(preface)] == preface
    assert LONG in texts and len(LONG) == 5000
    assert "（一）<b>{{ 7*7 }}</b> & 😀" in texts
    assert "x & y < z > w \"q\" 's'" in texts
    six = _section(r, SECTION_HEADINGS[5])
    assert six[-1].text == "{{ 7*7 }}"
    assert texts[-2] == agency
    assert "49" not in texts
    # every {{ 7*7 }} of the input is printed literally: title, 署名, preface, summary, 小标题, 六
    expected = 1 + 1 + 1 + LONG.count("{{ 7*7 }}") + 1 + 1
    assert "".join(texts).count("{{ 7*7 }}") == expected
    assert r.doc.core_properties.title == "".join(texts[:2])


def test_reports_are_valid_xml(ex):
    parsed = _parse_all_parts(ex.path)
    assert {"word/document.xml", "word/styles.xml", "docProps/core.xml", "[Content_Types].xml"} <= parsed
    assert any(n.startswith("word/footer") for n in parsed)


def test_control_character_is_refused(tmp_path, d2021):
    d2021["problems"] = "存在的问题\x07一是……"
    out = tmp_path / "out"
    with pytest.raises(reportkit.ValidationFailed) as exc:
        reportkit.render(d2021, out, formats=["docx"])
    assert any(f.code == "control-character" for f in exc.value.findings)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# ============================================================================ 7. hostile and broken templates


def template_dir(tmp_path: Path, old: str, new: str) -> Path:
    """A template set whose docx/report-2021.docx has ``old`` replaced by ``new`` in document.xml."""
    d = tmp_path / "tpl"
    (d / "docx").mkdir(parents=True)
    with zipfile.ZipFile(TEMPLATE_2021) as zi, \
            zipfile.ZipFile(d / "docx" / "report-2021.docx", "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            body = zi.read(info.filename)
            if info.filename == "word/document.xml":
                xml = body.decode("utf-8")
                assert old in xml, f"{old!r} is not in the template"
                body = xml.replace(old, new, 1).encode("utf-8")
            zo.writestr(info, body)
    return d


def _nothing_written(tmp_path: Path, out: Path) -> None:
    assert not out.exists() or not any(out.iterdir()), f"files written: {list(out.iterdir())}"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".reportkit-")], "staging left behind"


UNSAFE = (
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ lipsum.__globals__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ doc.title.__class__ }}",
    "{{ ''|attr('__class__') }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
)


@pytest.mark.parametrize("payload", UNSAFE, ids=[f"unsafe-{i}" for i in range(len(UNSAFE))])
def test_unsafe_template_is_refused(tmp_path, payload):
    tpl = template_dir(tmp_path, "{{ line }}", payload)
    out = tmp_path / "out"
    with pytest.raises(reportkit.TemplateError) as exc:  # UnsafeTemplateError is a TemplateError
        reportkit.render(YUNXI, out, formats=["docx"], templates=tpl)
    assert "report-2021.docx" in str(exc.value)
    _nothing_written(tmp_path, out)


def test_sandbox_escape_is_an_unsafe_template_error(tmp_path):
    tpl = template_dir(tmp_path, "{{ line }}", "{{ ''.__class__.__mro__ }}")
    with pytest.raises(reportkit.UnsafeTemplateError):
        reportkit.render(YUNXI, tmp_path / "out", formats=["docx"], templates=tpl)


@pytest.mark.parametrize("placeholder,field", [("{{ agnecy }}", "agnecy"), ("{{ doc.titel }}", "titel")])
def test_unknown_field_names_template_and_field(tmp_path, placeholder, field):
    tpl = template_dir(tmp_path, "{{ line }}", placeholder)
    out = tmp_path / "out"
    with pytest.raises(reportkit.TemplateError) as exc:
        reportkit.render(YUNXI, out, formats=["docx"], templates=tpl)
    assert not isinstance(exc.value, reportkit.UnsafeTemplateError)
    message = str(exc.value)
    assert "report-2021.docx" in message
    assert field in message
    _nothing_written(tmp_path, out)


@pytest.mark.parametrize("old,new,around", [
    # an unclosed print tag in the 一 heading
    ("一、总体情况", "一、总体情况{{ agency ", ("一、总体情况", "{{ agency")),
    # an unclosed print tag in place of the title
    ("{{ line }}", "{{ agency ", ("{{ agency", "doc.preface")),
    # an unclosed print tag in the 六 heading
    ("六、其他需要报告的事项", "六、其他需要报告的事项{{ agency ", ("六、其他需要报告的事项", "{{ agency")),
    # a statement without its expression
    ("{{ line }}", "{% if %}", ("{% if %}", "doc.preface")),
], ids=["unclosed-print-in-heading-1", "unclosed-print-as-title", "unclosed-print-in-heading-6",
        "if-without-expression"])
def test_syntax_error_names_template_and_shows_text_around(tmp_path, old, new, around):
    tpl = template_dir(tmp_path, old, new)
    out = tmp_path / "out"
    with pytest.raises(reportkit.TemplateError) as exc:
        reportkit.render(YUNXI, out, formats=["docx"], templates=tpl)
    message = str(exc.value)
    assert "report-2021.docx" in message
    assert any(a in message for a in around), f"no surrounding text in: {message}"
    _nothing_written(tmp_path, out)


# ============================================================================ 8. reproducible


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", EXAMPLES)
def test_reproducible(tmp_path, rendered, name):
    first = rendered(name)
    again = render_docx(DATASETS[name](), tmp_path / "again")
    assert again.path.name == first.path.name
    assert _sha(again.path) == _sha(first.path)


def test_signature_indents_follow_gbt9704_7_3_5_2():
    # 署名 8 字, date 7.5 字 (Arabic digits count half, and 1/5 字 at each of the five places where a
    # 汉字 meets a digit): 署名 2 字 from the right, date starts 2 字 later
    assert signature_indents("云溪县自然资源局", "2022年1月20日") == pytest.approx((2.0, 0.5))
    # a date longer than the 署名: the date 2 字 from the right, the 署名 moved left to keep the offset
    assert signature_indents("某局", "2022年12月20日") == pytest.approx((10.0, 2.0))
    assert text_width("2022年1月20日") == pytest.approx(7.5) and text_width("云溪县自然资源局") == 8
    assert signature_indents("某局", "") == (2.0, 0.0)
