"""Numbers that reach a file: integers, amounts, dates and SOURCE_DATE_EPOCH (issues 7.1, 8.2, 8.13).

What the user gets is read back: the Word paragraphs, the workbook's cells by their labels."""

from decimal import Decimal

import docx
import openpyxl
import pytest

import reportkit
from reportkit.errors import UsageError
from reportkit.writing.stamps import build_time
from reportkit.contract.totals import amount_text

from .conftest import YUNXI, example


def the(folder, suffix):
    [path] = list(folder.glob(f"*{suffix}"))
    return path


def _cell_by_labels(ws, row_label, col_label):
    """The cell of a sheet at the row labelled ``row_label`` and the column headed ``col_label``."""
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    [r] = [c.row for c in cells if c.value.strip() == row_label]
    [col] = {c.column for c in cells if c.value.strip() == col_label}
    return ws.cell(row=r, column=col)


@pytest.mark.parametrize("value, text", [
    (0.00001, "0.00001"), (1e-8, "0.00000001"), (12.5, "12.5"), (12.0, "12"), (0, "0"), (0.0, "0"),
    (-0.0, "0"), (1e15, "1000000000000000"), (999999999999999, "999999999999999"), (123456789.12, "123456789.12"),
    (3e-05, "0.00003"), ("73802895.90", "73802895.90"), ("0", "0"),
])
def test_amounts_print_in_positional_notation(value, text):
    assert amount_text(value) == text


def test_amount_text_refuses_what_validation_refuses():
    for bad in (float("nan"), float("inf"), True, [1]):
        with pytest.raises(TypeError):
            amount_text(bad)


def _paragraphs(path) -> list[str]:
    d = docx.Document(str(path))
    return [p.text for p in d.paragraphs]


def test_a_tiny_amount_prints_positional_in_word_and_is_a_number_in_excel(tmp_path):
    d = example(YUNXI)
    d["proactive"]["fees"]["amount"] = 0.00001
    d["fees"] = {"notice_amount": 0.00002, "collected_amount": 0.00001}
    res = reportkit.render(d, tmp_path / "out", formats=["docx", "xlsx"])
    text = "\n".join(_paragraphs(the(res.out_dir, ".docx")))
    assert "收费通知总金额0.00002元" in text and "实际收取信息处理费0.00001元" in text and "e-05" not in text
    ws = openpyxl.load_workbook(the(res.out_dir, ".xlsx"))["二、主动公开"]
    cell = _cell_by_labels(ws, "行政事业性收费", "本年收费金额（单位：万元）")
    assert cell.data_type == "n" and Decimal(str(cell.value)) == Decimal("0.00001")


def test_a_float_count_never_reaches_a_renderer(tmp_path):
    d = example(YUNXI)
    d["appeals"]["litigation"]["upheld"] = 12.0
    with pytest.raises(reportkit.ValidationFailed) as e:
        reportkit.render(d, tmp_path / "out", formats=["docx", "xlsx"])
    assert [f.path for f in e.value.findings if f.is_error] == ["$.appeals.litigation.upheld"]
    assert not (tmp_path / "out").exists()


def test_an_empty_optional_text_renders_as_if_absent(tmp_path):
    with_blank, without = example(YUNXI), example(YUNXI)
    blank = ("improvements", "other_matters", "rectification", "work_points", "proposals", "innovation")
    for key, value in zip(blank, ("  \n ", "", " ", "\n", "", "\u3000")):
        with_blank[key] = value
        without.pop(key, None)
    a = reportkit.render(with_blank, tmp_path / "a", formats=["docx"])
    b = reportkit.render(without, tmp_path / "b", formats=["docx"])
    pa, pb = _paragraphs(the(a.out_dir, ".docx")), _paragraphs(the(b.out_dir, ".docx"))
    assert pa == pb
    assert "改进措施" not in "\n".join(pa) and "（一）信息处理费" not in "\n".join(pa)


# ------------------------------------------------------------------ SOURCE_DATE_EPOCH

@pytest.mark.parametrize("value", ["99999999999", "4354819199", "315532799", "0", "abc", "-5", "1.5", "１７００",
                                   "1e9", "\udcff12"])
def test_source_date_epoch_outside_a_zip_or_not_an_integer_is_a_usage_error(monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(UsageError) as e:
        build_time("2022-01-20")
    assert "SOURCE_DATE_EPOCH" in str(e.value)
    str(e.value).encode("utf-8")  # printable


@pytest.mark.parametrize("value, when", [("315532800", "1980-01-01 00:00:00"), ("4354819198", "2107-12-31 23:59:58"),
                                         (" 1700000000 ", "2023-11-14 22:13:20"), ("", "2022-01-20 00:00:00")])
def test_source_date_epoch_within_bounds(monkeypatch, value, when):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert str(build_time("2022-01-20")) == when


def test_cli_render_with_a_bad_source_date_epoch_says_so_and_writes_nothing(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "99999999999")
    out = tmp_path / "out"
    r = cli("render", YUNXI, "-o", out, "--formats", "docx,xlsx")
    assert r.exit_code == 2 and "SOURCE_DATE_EPOCH" in r.output and "Traceback" not in r.output
    assert not out.exists() or not any(out.iterdir())


def test_every_date_validation_accepts_fits_in_a_zip_and_in_core_xml(tmp_path, monkeypatch):
    import zipfile
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    d = example(YUNXI)
    d["year"], d["published"] = 2100, "2102-12-31"
    res = reportkit.render(d, tmp_path / "out", formats=["docx", "xlsx"])
    for suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(the(res.out_dir, suffix)) as z:
            assert {i.date_time[:3] for i in z.infolist()} == {(2102, 12, 31)}
            assert b"2102-12-31T00:00:00Z" in z.read("docProps/core.xml")
    assert openpyxl.load_workbook(the(res.out_dir, ".xlsx")).properties.modified.year == 2102
