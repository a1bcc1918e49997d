"""Templates an office edits in its own suite still render (issue 21 item 9).

The exported templates are opened and saved by LibreOffice (as a 信创 desktop's suite saves them:
Word as .docx, Excel as .xlsx, in one LibreOffice run); the save turns ``w:overflowPunct`` off
and automatic hyphenation on.  The engine owns these settings: every example still renders to
PDF with them, its text read back whole, and ``templates check`` names what it overrides.  A
template whose wording was edited with python-docx, a placeholder's runs split as Word splits
them, renders too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

import reportkit
from reportkit.templating import sets as template_set
from reportkit.writing import pdf as pdf_engine
from reportkit.templating.check import check_set

from .conftest import XINYI, YUNXI, example, needs_libreoffice


def soffice_save(files: list[Path], outdir: Path) -> None:
    """Open and save ``files`` in LibreOffice (.docx as Word 2007-365, .xlsx as Excel 2007-365)."""
    env = dict(os.environ, FONTCONFIG_FILE=str(pdf_engine.FONTS_CONF))
    for suffix, filt in ((".docx", "docx:MS Word 2007 XML"), (".xlsx", "xlsx:Calc MS Excel 2007 XML")):
        group = [str(f) for f in files if f.suffix == suffix]
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run([pdf_engine.find_soffice(), "--headless", "--norestore", "--nolockcheck",
                            f"-env:UserInstallation={Path(profile).as_uri()}", "--convert-to", filt,
                            "--outdir", str(outdir), *group],
                           env=env, check=True, capture_output=True, timeout=300, stdin=subprocess.DEVNULL)


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True,
                         timeout=60).stdout.decode("utf-8")
    return re.sub(r"—\d+—", "", re.sub(r"\s+", "", out))  # page numbers out: a paragraph may cross a page


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory) -> Path:
    """The exported template set, every Word and Excel template saved by LibreOffice."""
    if pdf_engine.find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    folder = tmp_path_factory.mktemp("office") / "模板"
    template_set.export(folder)
    saved = tmp_path_factory.mktemp("saved")
    files = sorted(folder.glob("docx/*.docx")) + sorted(folder.glob("xlsx/*.xlsx"))
    soffice_save(files, saved)
    for f in files:
        shutil.copyfile(saved / f.name, f)
    return folder


def member(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


@needs_libreoffice
def test_the_save_really_turns_the_settings_off(saved_by_libreoffice):
    """What the test stands on: LibreOffice's save writes overflowPunct off and hyphenation on."""
    docx = saved_by_libreoffice / "docx" / "report-2021.docx"
    assert re.search(r'<w:overflowPunct w:val="(false|0)"/>', member(docx, "word/styles.xml"))
    assert "<w:autoHyphenation" in member(docx, "word/settings.xml")


@needs_libreoffice
def test_check_names_every_setting_it_overrides(saved_by_libreoffice):
    problems = check_set(saved_by_libreoffice)
    assert not [p for p in problems if p.severity == "error"], [p.text() for p in problems]
    for edition in ("2019", "2021"):
        notes = [p.message for p in problems if p.template.endswith(f"report-{edition}.docx")]
        assert [n for n in notes if "w:overflowPunct" in n and "Normal" in n and "已改回开启" in n], notes
        assert [n for n in notes if "w:autoHyphenation" in n and "已关闭" in n], notes


def test_the_default_templates_need_no_override(tmp_path):
    """reportkit's own templates carry the settings: nothing to say about them."""
    template_set.export(tmp_path / "t")
    assert not [p for p in check_set(tmp_path / "t") if "w:overflowPunct" in p.message or "断字" in p.message]


@needs_libreoffice
@pytest.mark.parametrize("source", [XINYI, YUNXI], ids=["2020", "2021"])
def test_every_example_renders_to_pdf_with_the_saved_templates(saved_by_libreoffice, source, tmp_path):
    """Once every PDF was refused here (“之后缺少 “。””): the guard reads the PDF back, so a
    written PDF holds every character; the Word file the office gets has the setting on again."""
    data = example(source)
    result = reportkit.render(data, tmp_path / "out", templates=saved_by_libreoffice,
                              formats=["docx", "xlsx", "pdf"])
    by_suffix = {p.suffix: p for p in result.paths}
    assert {".docx", ".xlsx", ".pdf"} <= set(by_suffix)
    styles = member(by_suffix[".docx"], "word/styles.xml")
    assert not re.search(r'<w:overflowPunct w:val="(false|0|off)"', styles)
    assert "<w:autoHyphenation" not in member(by_suffix[".docx"], "word/settings.xml")
    text = pdf_text(by_suffix[".pdf"])
    for para in (data.get("problems") or "").splitlines():
        assert re.sub(r"\s+", "", para) in text


def _split_runs(paragraph, text: str, cuts: list[int]) -> None:
    """Replace the paragraph's runs by ``text`` in pieces cut at ``cuts``, as Word writes a
    paragraph typed over several editing sessions (each piece its own run)."""
    for r in list(paragraph.runs):
        r._element.getparent().remove(r._element)
    edges = [0, *cuts, len(text)]
    for a, b in zip(edges, edges[1:]):
        paragraph.add_run(text[a:b])


@needs_libreoffice
def test_edited_wording_with_placeholders_split_over_runs_renders(tmp_path):
    """An office rewords a heading and retypes the 署名 line: its placeholder ends up in three runs."""
    import docx

    folder = tmp_path / "模板"
    template_set.export(folder)
    path = folder / "docx" / "report-2021.docx"
    document = docx.Document(str(path))
    edited = {"五、存在的主要问题及改进情况": "五、政府信息公开工作存在的主要问题及改进情况"}
    for p in document.paragraphs:
        if p.text in edited:
            new = edited[p.text]
            _split_runs(p, new, [2, 9])
        elif p.text == "{{ doc.signature }}":
            _split_runs(p, p.text, [3, 8])
        elif p.text == "{{ para }}" and p.style.name == "Normal":
            _split_runs(p, p.text, [1, 4])
    document.save(str(path))
    assert len([p for p in docx.Document(str(path)).paragraphs if p.text == "{{ doc.signature }}"][0].runs) == 3
    problems = check_set(folder)
    assert not [p for p in problems if p.severity == "error"], [p.text() for p in problems]
    data = example(YUNXI)
    result = reportkit.render(data, tmp_path / "out", templates=folder, formats=["docx", "pdf"])
    (pdf,) = [p for p in result.paths if p.suffix == ".pdf"]
    text = pdf_text(pdf)
    assert "五、政府信息公开工作存在的主要问题及改进情况" in text
    assert text.endswith("云溪县自然资源局2022年1月20日")
