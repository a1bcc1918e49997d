"""Loading: every way a data file can be unreadable gets a clear Chinese message, no traceback."""


import pytest

import reportkit
from reportkit.errors import DataError, InputFileError

from .conftest import XINYI, YUNXI, example


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


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_located_by_json_path_line_and_column(write, token):
    text = '{\n  "format": "2021",\n  "requests": {"received": {"natural": 1, "legal": %s}}\n}' % token
    with pytest.raises(DataError) as e:
        reportkit.load(write(text))
    assert e.value.path == "$.requests.received.legal"
    assert (e.value.line, e.value.column) == (3, 52)
    assert "$.requests.received.legal" in str(e.value) and "第 3 行第 52 列" in str(e.value)


def test_nan_inside_a_string_is_text_and_the_literal_is_found(write):
    text = '{"agency": "NaN Infinity 123", "year":\n NaN}'
    with pytest.raises(DataError) as e:
        reportkit.load(write(text))
    assert (e.value.path, e.value.line, e.value.column) == ("$.year", 2, 2)


@pytest.mark.parametrize("literal, words", [("1" * 5000, "5000 位"), ("-" + "9" * 101, "101 位"),
                                            ("1e400", "超出范围"), ("-1e400", "超出范围")],
                         ids=["5000 digits", "-101 digits", "1e400", "-1e400"])
def test_numbers_no_report_can_hold_are_located_data_errors(write, literal, words):
    text = '{"format": "2021",\n "appeals": {"litigation": {"upheld": %s}}}' % literal
    with pytest.raises(DataError) as e:
        reportkit.load(write(text))
    assert e.value.path == "$.appeals.litigation.upheld" and e.value.line == 2 and e.value.column == 39
    assert words in str(e.value) and len(str(e.value)) < 300


def test_a_long_integer_below_the_reading_limit_is_for_the_schema_to_refuse(d2021):
    d2021["appeals"]["litigation"]["upheld"] = int("9" * 100)
    f = [f for f in reportkit.validate(d2021) if f.path == "$.appeals.litigation.upheld"][0]
    assert "超出合理范围" in f.message


def test_a_5000_digit_integer_in_the_cli_is_a_message_not_a_traceback(cli, write):
    p = write('{"format": "2021", "year": %s}' % ("7" * 5000))
    r = cli("validate", p)
    assert r.exit_code == 1 and "Traceback" not in r.output and "5000 位" in r.stdout and "$.year" in r.stdout
    r = cli("validate", "--json", p)
    err = r.json()["files"][0]["error"]
    assert err["path"] == "$.year" and err["line"] == 1 and err["column"] == 28


@pytest.mark.parametrize("value, words", [(float("nan"), "NaN"), (float("inf"), "Infinity"),
                                          (10 ** 5000, "不是 JSON 数据"), ({1, 2}, "不是 JSON 数据")],
                         ids=["nan", "inf", "5001-digit int", "set"])
def test_a_dict_is_read_by_the_same_rules_as_a_file(value, words):
    data = example(XINYI)
    data["proactive"]["procurement"]["amount"] = value
    with pytest.raises(DataError, match=words) as e:
        reportkit.load(data)
    if isinstance(value, float):
        assert e.value.path == "$.proactive.procurement.amount"


def test_duplicate_key_with_a_quote_is_located(write):
    text = '{"format": "2019",\n "a\\"b": 1,\n "a\\"b": 2}'
    with pytest.raises(DataError) as e:
        reportkit.load(write(text))
    assert e.value.path == '$.a"b' and e.value.line == 3


def test_report_has_no_edition_attribute_left():
    assert not hasattr(reportkit.load(XINYI), "edition")


def test_json_text_holding_a_lone_surrogate_is_read_and_reported():
    text = YUNXI.read_text(encoding="utf-8").replace('"problems": "', '"problems": "\ud800', 1)  # a real U+D800
    r = reportkit.load(text)
    assert r.data["problems"].startswith("\ud800") and len(r.sha256) == 64
    assert [f.path for f in reportkit.validate(r)] == ["$.problems"]
    assert reportkit.load("\ufeff" + text).data == r.data
