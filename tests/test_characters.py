"""Characters XML cannot hold (issue 7.2): reported by validate with path and position, in values
and in keys; never inside a message or the CLI's output (a lone surrogate cannot be printed)."""

import json

import pytest

import reportkit

from .conftest import YUNXI, example

BAD = ["\ud800", "\udfff", "\x07", "\x00", "\x1f", "\ufffe", "\uffff", "\x0b"]


def errors(data):
    return [f for f in reportkit.validate(data) if f.severity == "error"]


@pytest.mark.parametrize("ch", BAD, ids=[f"U+{ord(c):04X}" for c in BAD])
def test_a_character_xml_forbids_in_a_value_is_an_error_with_path_and_position(ch):
    d = example(YUNXI)
    d["problems"] = "第一段。" + ch + "第二段。"
    [f] = [f for f in errors(d) if f.path == "$.problems"]
    assert f.code == "control-character"
    assert f"第 5 个字符 U+{ord(ch):04X}" in f.message, f.text()


@pytest.mark.parametrize("where", ["agency", "region", "$schema"])
def test_a_lone_surrogate_anywhere_is_an_error(where):
    d = example(YUNXI)
    d[where] = "云溪\ud83d县"
    assert [f.path for f in errors(d)] == [f"$.{where}"]


def test_characters_xml_allows_pass():
    d = example(YUNXI)
    d["problems"] += "\t制表符、换行\r\n、emoji 😀（一对代理项）、U+E000 \ue000、U+FFFD \ufffd、U+10FFFF \U0010ffff"
    assert reportkit.validate(d) == []


def test_a_bad_character_in_a_key_is_an_error_and_the_message_can_be_printed():
    d = example(YUNXI)
    d["requests"]["received"]["natur\ud800al"] = 1
    fs = errors(d)
    bad = [f for f in fs if f.code == "control-character"]
    assert len(bad) == 1 and "键名" in bad[0].message and "第 6 个字符 U+D800" in bad[0].message
    assert bad[0].path == "$.requests.received.natur<U+D800>al"
    for f in fs:  # the unknown-key finding quotes the key: shown escaped
        for text in (f.path, f.label, f.message, f.text()):
            text.encode("utf-8")  # no lone surrogate left
    assert any("natur<U+D800>al" in f.message for f in fs if f.code == "schema.unknown-key")


def test_a_surrogate_escape_read_from_a_file_is_reported(write):
    text = YUNXI.read_text(encoding="utf-8").replace('"problems": "', '"problems": "\\ud800', 1)
    d = reportkit.load(write(text))
    assert d.data["problems"].startswith("\ud800")
    [f] = errors(d)
    assert f.path == "$.problems" and "第 1 个字符 U+D800" in f.message


def test_cli_prints_surrogates_escaped_and_exits_1(cli, write):
    text = YUNXI.read_text(encoding="utf-8")
    text = text.replace('"problems": "', '"problems": "\\ud800', 1).replace('"agency": "', '"agency": "\\udc00', 1)
    p = write(text)
    r = cli("validate", p)  # CliRunner encodes strictly: a lone surrogate would raise here
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "U+D800" in r.stdout and "U+DC00" in r.stdout
    r = cli("validate", p, YUNXI)  # the summary table shows the agency too
    assert r.exit_code == 1 and "<U+DC00>云溪县自然资源局" in r.stdout
    r = cli("validate", "--json", p)
    out = r.json()  # valid JSON, printable; the agency reads back as it is in the data
    assert out["files"][0]["agency"] == "\udc00云溪县自然资源局"
    assert {f["path"] for f in out["files"][0]["findings"]} == {"$.agency", "$.problems"}
    assert "\\udc00" in r.stdout


def test_a_unicode_file_name_that_is_not_utf8_can_be_printed(cli, tmp_path):
    import os
    raw = os.path.join(os.fsencode(tmp_path), b"\xff-report.json")
    with open(raw, "wb") as fh:
        fh.write(json.dumps(example(YUNXI), ensure_ascii=False).encode("utf-8"))
    name = os.fsdecode(raw)  # holds U+DCFF (surrogateescape)
    r = cli("validate", name, YUNXI)
    assert r.exit_code == 0 and "<U+DCFF>-report.json" in r.stdout


def test_a_deeply_nested_unknown_value_is_walked_without_recursion():
    import inspect
    import sys

    text = YUNXI.read_text(encoding="utf-8").rstrip().rstrip("}") + ', "x": ' + "[" * 900 + '"\\ud800"' + "]" * 900 + "}"
    report = reportkit.load(text)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 150)  # far fewer frames than the 900 levels: no recursion
    try:
        fs = errors(report)
    finally:
        sys.setrecursionlimit(limit)
    assert {f.code for f in fs} == {"schema.unknown-key", "control-character"}
    assert [f for f in fs if f.code == "control-character"][0].path.startswith("$.x[0][0][0]")
