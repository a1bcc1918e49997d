"""The Excel tables as they print (issue 21 item 4): every label read back whole from the sheet
printed to PDF by LibreOffice.

A stacked (vertical) label in merged rows lower than its characters printed as “四）无法提” for
（四）无法提供 and lost the “理” of （六）其他处理: the characters are still in the PDF's text (so
plain pdftotext finds them) but outside the merged cell, clipped.  So each stacked label is read
from the coordinates (``pdftotext -bbox``): its characters, one under the other in one column,
must all lie between the rows above and below the label's rows, and spell the label.  Table 三
prints on one page, so no page break cuts a label either.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

import reportkit
from reportkit.contract import tables as layout
from reportkit.writing import pdf as pdf_engine

from .conftest import XINYI, YUNXI, example, needs_libreoffice

CASES = {"2019": XINYI, "2021": YUNXI}


@dataclass
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def words_of(pdf: Path) -> list[Word]:
    out = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         check=True, timeout=60).stdout.decode("utf-8")
    out = re.sub(r"<!DOCTYPE[^>]*>", "", out).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    words = []
    for n, page in enumerate(ET.fromstring(out).iter("page")):
        for w in page.iter("word"):
            words.append(Word(n, float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")),
                              float(w.get("yMax")), w.text or ""))
    return words


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, Path]:
    """Each example's Excel tables, rendered and printed to PDF in one LibreOffice run."""
    if pdf_engine.find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    work = tmp_path_factory.mktemp("xlsx-print")
    books = {}
    for edition, source in CASES.items():
        result = reportkit.render(example(source), work / edition, formats=["xlsx"])
        (xlsx,) = [p for p in result.paths if p.suffix == ".xlsx"]
        books[edition] = xlsx.rename(work / f"{edition}.xlsx")
    env = dict(os.environ, FONTCONFIG_FILE=str(pdf_engine.FONTS_CONF))
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([pdf_engine.find_soffice(), "--headless", "--norestore", "--nolockcheck",
                        f"-env:UserInstallation={Path(profile).as_uri()}", "--convert-to", "pdf",
                        "--outdir", str(work), *map(str, books.values())],
                       env=env, check=True, capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
    return {edition: xlsx.with_suffix(".pdf") for edition, xlsx in books.items()}


def row_labels(table: layout.Table) -> list[str]:
    """Per grid row, the text of the first horizontal label that starts in it."""
    out = []
    for r, line in enumerate(table.grid()):
        starts = [cell for c, (cell, r0, c0) in enumerate(line) if (r0, c0) == (r, c)
                  and cell.kind == "label" and not cell.vertical and cell.text]
        out.append(starts[0].text if starts else "")
    return out


def row_extent(words: list[Word], label: str, right: float) -> tuple[float, float]:
    """Top and bottom of a row label's printed lines (it may wrap): its first line left of
    ``right``, then the lines right below it that go on with it."""
    (first,) = [w for w in words if w.x1 <= right and len(w.text) >= 3 and label.startswith(w.text)]
    lines, done = [first], first.text
    while done != label:
        nxt = [w for w in words if 0 <= w.y0 - lines[-1].y1 < 6 and w.x1 <= right and label[len(done):].startswith(w.text)]
        assert nxt, f"{label}: printed only as far as “{done}”"
        lines.append(nxt[0])
        done += nxt[0].text
    return first.y0, lines[-1].y1


@needs_libreoffice
@pytest.mark.parametrize("edition", list(CASES))
def test_every_stacked_label_prints_whole_inside_its_rows(printed, edition):
    three = layout.tables(edition)[1]
    words = [w for w in words_of(printed[edition]) if w.text]
    (head,) = [w for w in words if w.text == "自然人"]
    words = [w for w in words if w.page == head.page]  # 三 on one page
    labels = row_labels(three)
    checked = 0
    for r, line in enumerate(three.grid()):
        for c, (cell, r0, c0) in enumerate(line):
            if not cell.vertical or (r0, c0) != (r, c):
                continue
            above = row_extent(words, labels[r - 1], head.x0)[1]
            below = row_extent(words, labels[r + cell.rowspan], head.x0)[0]
            # stacked characters share one x; the column that has the label's characters inside its rows
            columns: dict[float, list[Word]] = {}
            for w in words:
                if len(w.text) == 1 and w.x1 < head.x0:
                    columns.setdefault(round(w.x0, 1), []).append(w)
            printed = ["".join(w.text for w in sorted(col, key=lambda w: w.y0) if w.y0 >= above and w.y1 <= below)
                       for col in columns.values()]
            assert [p for p in printed if cell.text in p], f"{cell.text} prints as {[p for p in printed if p]} inside its rows"
            checked += 1
    assert checked == (5 if edition == "2021" else 4)


@needs_libreoffice
@pytest.mark.parametrize("edition", list(CASES))
def test_every_label_and_head_of_every_table_is_printed(printed, edition):
    """Every horizontal label, head and caption: its printed lines (a label may wrap in its
    cell), read top to bottom, spell it."""
    words = sorted((w for w in words_of(printed[edition]) if w.text), key=lambda w: (w.page, w.y0, w.x0))
    for table in layout.tables(edition):
        assert [w for w in words if w.text == table.heading], table.heading
        for row in table.rows:
            for cell in row:
                if cell.kind in ("label", "head", "caption", "note") and cell.text and not cell.vertical:
                    pieces = "".join(w.text for w in words if w.text in cell.text and len(w.text) > 1
                                     and not w.text.isdigit())
                    assert cell.text in pieces, f"{table.key}: “{cell.text}” printed as “{pieces}”"


@needs_libreoffice
@pytest.mark.parametrize("edition", list(CASES))
def test_table_three_prints_on_one_page(printed, edition):
    words = words_of(printed[edition])
    pages = {w.page for w in words if w.text in ("自然人", "（七）总计") or w.text.startswith("四、结转下年度")}
    assert len(pages) == 1, pages
