"""The form and the filing-set workbook through LibreOffice: a form opened and saved by LibreOffice
reads back exactly, its recalculated totals are reportkit's, and what guards the clerk survives;
the filing-set workbook prints its page footer whole (issue 7.13)."""

from __future__ import annotations

import json
import re
import subprocess

import openpyxl
import pytest

import reportkit
from reportkit.contract import tables as layout
from reportkit.writing.pdf import find_soffice
from reportkit.form import fields as F
from reportkit.form import form_bytes
from reportkit.reading import locate
from reportkit.reading.xlsx import read_book, read_xlsx
from reportkit.contract.skeleton import skeleton
from reportkit.contract.totals import completed
from reportkit.writing.sheet_tables import BOTTOM_MARGIN, FOOTER_MARGIN

from .conftest import XINYI, YUNXI, example, needs_libreoffice
from .corpus import random_report
from .formtools import cell, destination, fill, input_names, open_form, save

pytestmark = needs_libreoffice


def soffice(tmp_path, fmt: str, files) -> None:
    """One LibreOffice run over ``files`` (its own profile, so parallel runs do not collide)."""
    out = tmp_path / "lo"
    profile = (tmp_path / "profile").as_uri()
    subprocess.run([find_soffice(), f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
                    "--outdir", str(out), *map(str, files)], check=True, capture_output=True, timeout=240)


NAMES = ["xinyi", "yunxi", "r7", "r8"]


@pytest.fixture(scope="module")
def through_libreoffice(tmp_path_factory):
    """Each report twice, opened and saved by LibreOffice: its form as reportkit writes it, and a form
    filled by openpyxl (which leaves no cached totals: LibreOffice has to calculate them)."""
    tmp = tmp_path_factory.mktemp("lo")
    cases = {"xinyi": example(XINYI), "yunxi": example(YUNXI), "r7": random_report(7), "r8": random_report(8)}
    for name, data in cases.items():
        (tmp / f"{name}-json.xlsx").write_bytes(form_bytes(data))
        wb = open_form(form_bytes(skeleton(data["year"], "占位")))
        fill(wb, data)
        for n in range(len(data["overview"].get("sections", [])) + 1, 13):
            cell(wb, f"rk.overview.sections.{n}.title").value = None
        (tmp / f"{name}-filled.xlsx").write_bytes(save(wb))
    files = [tmp / f"{n}-{kind}.xlsx" for n in cases for kind in ("json", "filled")]
    soffice(tmp, "xlsx", files)
    return {name: {"data": data, "before": (tmp / f"{name}-filled.xlsx").read_bytes(),
                   **{kind: (tmp / "lo" / f"{name}-{kind}.xlsx").read_bytes() for kind in ("json", "filled")}}
            for name, data in cases.items()}


def same(a, b) -> bool:
    return json.dumps(a, sort_keys=True, ensure_ascii=False) == json.dumps(b, sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("name", NAMES)
def test_reads_back_exactly_after_libreoffice(through_libreoffice, name):
    case = through_libreoffice[name]
    report = reportkit.load(case["json"], name=f"{name}.xlsx")
    assert same(report.data, case["data"])  # JSON → form → LibreOffice → JSON
    assert not [f for f in report.reading if f.is_error]
    # a form filled by another program reads the same before and after LibreOffice saved it
    assert same(reportkit.load(case["filled"], name="x.xlsx").data, reportkit.load(case["before"], name="y.xlsx").data)


@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_totals_are_reportkits(through_libreoffice, name):
    case = through_libreoffice[name]
    data, raw = case["data"], case["filled"]
    before = read_book(case["before"]).sheet("三、依申请公开")
    assert all(not c.text for c in before.cells.values() if c.formula)  # openpyxl left no results
    done = completed(data, data["format"])
    located = locate(read_xlsx(raw))
    for f in layout.figures(data["format"]):
        if not f.computed:
            continue
        value = done
        for p in f.path.split("."):
            value = value[p]
        assert float(located.hits[f.path].text) == value, f.path
    wb = openpyxl.load_workbook(__import__("io").BytesIO(raw), data_only=True)
    ws, ref = destination(wb, F.CHECK_NAME)
    assert [c.value for c in ws[ref][0]] == [0] * 7


def test_protection_unlocked_cells_validation_and_names_survive(through_libreoffice):
    raw = through_libreoffice["yunxi"]["json"]
    wb = open_form(raw)
    names = input_names(wb)
    assert names and sorted(names) == sorted(input_names(open_form(form_bytes(example(YUNXI)))))
    # LibreOffice 7/24 writes the workbook's structure lock back as an empty <workbookProtection/>:
    # the sheets stay protected, the clerk can no longer be stopped from adding a sheet
    assert wb.security is not None
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
    covered = set()
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            assert dv.prompt and dv.error
            for rng in str(dv.sqref).split():
                min_col, min_row, max_col, max_row = openpyxl.utils.range_boundaries(rng)
                covered |= {(ws.title, r, c) for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)}
    for name in names:
        target = cell(wb, name)
        assert target.protection.locked is False, name
        assert (target.parent.title, target.row, target.column) in covered, name
    label = next(x for row in wb["三、依申请公开"].iter_rows() for x in row if x.value == "（一）予以公开")
    assert label.protection.locked is not False


def test_filing_set_footer_prints_whole(tmp_path):
    """The page footer 第 N 页，共 M 页 lies inside the bottom margin, with room for its line above the
    footer margin (0.5″ inside 0.6″ left 0.1″ for a 9 pt line: LibreOffice cut it at the baseline)."""
    files = []
    for path in (XINYI, YUNXI):
        res = reportkit.render(path, tmp_path / path.stem, formats=["xlsx"])
        files.append(res.paths[0])
    ws = openpyxl.load_workbook(files[0])["三、依申请公开"]
    bottom, footer = ws.page_margins.bottom, ws.page_margins.footer
    assert (bottom, footer) == (BOTTOM_MARGIN, FOOTER_MARGIN)
    soffice(tmp_path, "pdf", files)
    pages = 0
    for f in files:
        pdf = tmp_path / "lo" / (f.stem + ".pdf")
        xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        for page in re.findall(r"<page width=\"([\d.]+)\" height=\"([\d.]+)\">(.*?)</page>", xml, re.S):
            height = float(page[1])
            words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', page[2])
            foot = [(float(a), float(b)) for a, b, w in words if w in ("第", "页，共", "页")]
            assert len(foot) == 3, words[-5:]
            top, low = min(a for a, _ in foot), max(b for _, b in foot)
            assert top >= height - bottom * 72 - 0.5          # below the table's area
            assert low <= height - footer * 72 + 1.0          # above the footer margin: nothing cut
            assert (bottom - footer) * 72 >= low - top        # the band holds the whole line
            pages += 1
    assert pages >= 4
