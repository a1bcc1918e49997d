"""The bundled examples: the README's first command renders one without a warning, and each
example either renders without a warning or says why in examples/README.md."""

import re
import shlex

import pytest

from reportkit import load, validate

from .conftest import EXAMPLES, ROOT, needs_libreoffice


def _warning_cells() -> dict[str, str]:
    """examples/README.md's table: file name → its cell 生成时的警告."""
    rows = {}
    for line in (EXAMPLES / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[2]
    return rows


def _readme_example() -> str:
    """The data file that the README's first command renders (the first ```sh block)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    words = shlex.split(block.splitlines()[0], comments=True)
    return words[words.index("render") + 1]


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_each_example_renders_without_a_warning_or_says_why(example):
    """No warning, and the table says 无; or the table's cell names every warning by its label."""
    findings = validate(load(EXAMPLES / example))
    assert not [f for f in findings if f.is_error], example
    warnings = [f for f in findings if not f.is_error]
    cell = _warning_cells().get(example)
    assert cell is not None, f"examples/README.md has no row for {example}"
    if not warnings:
        assert cell == "无", (example, cell)
    else:
        assert cell != "无", (example, [w.text() for w in warnings])
        for w in warnings:
            assert w.label in cell and len(cell) > len(w.label) + 20, (example, w.text(), cell)


def test_the_readme_renders_a_bundled_example():
    assert _readme_example() == "examples/yunxi-zrzyj-2021.json"
    assert (ROOT / _readme_example()).exists()


def _render_quietly(cli, tmp_path, *formats):
    r = cli("render", ROOT / _readme_example(), "-o", tmp_path / "out", *formats)
    assert r.exit_code == 0, r.output
    assert "警告" not in r.output and not re.search(r"^\s*[!✗]", r.output, re.M), r.output
    return r


def test_the_readme_example_renders_word_excel_and_web_page_without_a_warning(cli, tmp_path):
    r = _render_quietly(cli, tmp_path, "--formats", "docx,xlsx,html")
    assert r.output.count("已写入") == 5  # .docx .xlsx .html, the paste fragment, manifest.json


@needs_libreoffice
def test_the_readme_command_renders_its_example_without_a_warning(cli, tmp_path):
    """As the README's first command does (default formats, PDF included): no warning at all;
    the fonts the PDF used are said as information, not as a warning."""
    r = _render_quietly(cli, tmp_path)
    assert ".pdf" in r.output and "manifest.json" in r.output
