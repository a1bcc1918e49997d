"""Loading: every way a data file can be unreadable gets a clear Chinese message, no traceback."""


import pytest

import reportkit
from reportkit.errors import DataError, InputFileError

from .conftest import XINYI, example


def test_load_path_string_dict_and_text_agree():
    data = example(XINYI)
    a = reportkit.load(XINYI)
    b = reportkit.load(str(XINYI))
    c = reportkit.load(data)
    d = reportkit.load(XINYI.read_text(encoding="utf-8"))
    assert a.data == b.data == c.data == d.data
    assert a.sha256 and len(a.sha256) == 64
    assert a.source == str(XINYI) and c.source == "<dict>"


def test_dict_is_copied():
    data = example(XINYI)
    r = reportkit.load(data)
    r.data["agency"] = "changed"
    assert data["agency"] == "新义街道办事处"


def test_utf8_bom_is_accepted(write):
    raw = b"\xef\xbb\xbf" + XINYI.read_bytes()
    assert reportkit.load(write(raw)).data["agency"] == "新义街道办事处"


@pytest.mark.parametrize("encoding, word", [("gbk", "GBK"), ("utf-16", "UTF-16")])
def test_wrong_encoding_names_it_and_how_to_convert(write, encoding, word):
    p = write(XINYI.read_text(encoding="utf-8").encode(encoding))
    with pytest.raises(DataError) as e:
        reportkit.load(p)
    msg = str(e.value)
    assert str(p) in msg and word in msg and "UTF-8" in msg and "另存为" in msg


def test_invalid_json_gives_line_column_and_text(write):
    text = '{\n  "format": "2019",\n  "year": 2020,,\n}'
    with pytest.raises(DataError) as e:
        reportkit.load(write(text))
    assert e.value.line == 3 and e.value.column is not None
    assert "第 3 行" in str(e.value) and '"year": 2020,,' in str(e.value)


def test_top_level_must_be_an_object(write):
    with pytest.raises(DataError, match="顶层应为 JSON 对象"):
        reportkit.load(write("[1, 2]"))


def test_duplicate_keys_are_named_with_path(write):
    text = '{"format": "2019", "requests": {"received": {"natural": 1, "natural": 2}}}'
    with pytest.raises(DataError) as e:
        reportkit.load(write(text))
    assert "natural" in str(e.value) and e.value.path == "$.requests.received.natural"


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(write, token):
    with pytest.raises(DataError, match="不允许"):
        reportkit.load(write('{"year": %s}' % token))


def test_missing_file_and_folder_are_usage_errors(tmp_path):
    with pytest.raises(InputFileError, match="文件不存在") as e:
        reportkit.load(tmp_path / "nope.json")
    assert e.value.exit_code == 2
    with pytest.raises(InputFileError, match="文件夹"):
        reportkit.load(tmp_path)


def test_every_error_is_a_reportkit_error(write):
    for bad in ["{", b"\xff\xfe\x00", "[]", '{"a":1,"a":2}']:
        with pytest.raises(reportkit.ReportkitError):
            reportkit.load(write(bad))


def test_cli_invalid_json_exit_1_no_traceback(cli, write):
    r = cli("validate", write("{ oops"))
    assert r.exit_code == 1
    assert "Traceback" not in r.output and "不是有效的 JSON" in r.output


def test_cli_missing_file_exit_2(cli, tmp_path):
    r = cli("validate", tmp_path / "missing.json")
    assert r.exit_code == 2 and "文件不存在" in r.output


def test_cli_json_output_for_unreadable_file(cli, write):
    r = cli("validate", "--json", write("{ oops"))
    out = r.json()
    assert out["ok"] is False and out["files"][0]["error"]["code"] == "invalid-data"
    assert out["files"][0]["error"]["line"] == 1


def test_any_truncation_of_a_report_is_a_clear_data_error(write):
    text = XINYI.read_text(encoding="utf-8")
    for cut in list(range(0, 60)) + list(range(60, len(text), 97)):
        with pytest.raises(DataError):
            reportkit.load(text[:cut] if text[:cut].strip() else "{" + text[:cut])
    p = write("{\n")
    with pytest.raises(DataError, match="第 2 行"):
        reportkit.load(p)
