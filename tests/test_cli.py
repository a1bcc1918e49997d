"""The CLI: validate, init, schema, --version, help — exit codes and Chinese output."""

import json

import pytest

from reportkit import __version__

from .conftest import XINYI, YUNXI, example


def test_version(cli):
    r = cli("--version")
    assert r.exit_code == 0 and __version__ in r.stdout


@pytest.mark.parametrize("args", [["--help"], ["validate", "--help"], ["init", "--help"], ["render", "--help"],
                                  ["schema", "--help"], ["templates", "--help"], ["templates", "check", "--help"]])
def test_help_is_in_chinese(cli, args):
    r = cli(*args)
    assert r.exit_code == 0
    assert any(w in r.stdout for w in ("报告", "模板", "校验", "生成"))


def test_the_help_panels_are_titled_in_chinese_by_the_console_script():
    """The panel titles (选项, 参数) are set by the entry point, which CliRunner does not run: a new
    process shows what a user sees."""
    import subprocess

    from .processes import reportkit_cmd

    r = subprocess.run(reportkit_cmd("render", "--help"), capture_output=True, text=True, timeout=60,
                       env={**__import__("os").environ, "COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    assert "选项" in r.stdout and "参数" in r.stdout and "Options" not in r.stdout and "Arguments" not in r.stdout


def _command_paths(command=None, path=()):
    """Every command of the CLI as the words that name it, found from the app (so a command
    added later is checked too): (), ("render",), ("templates", "check"), …"""
    import typer.main

    from reportkit.cli.app import app

    command = command or typer.main.get_command(app)
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not sub.hidden:
            yield from _command_paths(sub, (*path, name))


#: click's and typer's own words that a help page may show (all of them said in Chinese by reportkit)
_ENGLISH_HELP = ("Usage", "Options", "Arguments", "Commands", "Show this message", "[required]", "[default",
                 "OPTIONS", "COMMAND", "ARGS", "env var", "deprecated", "dynamic", "Try '", "for help")


@pytest.mark.parametrize("columns", [80, 120])
def test_every_help_page_reads_whole_and_in_chinese(columns):
    """Every command's help, as the console script prints it in a terminal of 80 and 120
    columns: no line is cut with "…" (rich cuts a run of Chinese longer than a cell), no line is
    wider than the terminal, and none of click's or typer's English strings, type placeholders
    (<path>) or argument names ({files}) is left."""
    import os
    import re
    import subprocess
    import sys

    from rich.cells import cell_len

    commands = list(_command_paths())
    # one process prints every page, each through the console script's entry point (main), as
    # `reportkit … --help` in a terminal of that width does
    script = ("import sys\nfrom reportkit.cli.app import main\n"
              f"for path in {[list(p) for p, _ in commands]!r}:\n"
              "    sys.argv = ['reportkit', *path, '--help']\n"
              "    try:\n        main()\n    except SystemExit as e:\n        assert not e.code, (path, e.code)\n"
              "    print('\\f', flush=True)\n")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "COLUMNS": str(columns)})
    assert r.returncode == 0, r.stderr
    pages = r.stdout.split("\f\n")
    assert len(pages) == len(commands) + 1 and not pages[-1].strip(), r.stdout
    for (path, command), page in zip(commands, pages):
        where = f"reportkit {' '.join(path)} --help at {columns} columns"
        lines = page.splitlines()
        assert "用法：reportkit" in page and "显示本帮助并退出。" in page, where
        for line in lines:
            assert not line.rstrip(" │").endswith("…"), (where, line)
            assert cell_len(line) <= columns, (where, line)
        for english in _ENGLISH_HELP:
            assert english not in page, (where, english, page)
        assert not re.search(r"<[A-Za-z ]+>|\{[A-Za-z_]+\}", page), (where, page)
        for param in command.params:
            if param.param_type_name == "argument":
                assert not re.search(rf"\b{param.name}\b", page), (where, param.name, page)


def test_help_wraps_chinese_between_characters_not_before_closing_marks():
    """The line breaker behind the help: Chinese may break between any two characters, never
    before ，。）” nor after （“; Latin words, numbers, file names and options stay whole."""
    from reportkit.cli.help import breaks

    text = "输出文件夹（如 2020.json、2020.xlsx → 2020/），用 --force 覆盖。"
    words = [w for _, _, w in breaks(text)]
    assert "".join(words) == text
    assert [w.strip() for w in words[:5]] == ["输", "出", "文", "件", "夹"]
    assert "（如 " in words and "2020.json、" in words and "--force " in words
    assert not any(w[0] in "，。）、" for w in words), words


def test_help_rejoins_sentences_wrapped_in_the_source():
    """A docstring wrapped mid-sentence in the source reads as one sentence (rich keeps single
    line breaks); a line that ends a sentence keeps its break; Latin words keep a space."""
    from reportkit.cli.help import reflow

    assert reflow("写出汇总表和带公式的地区合计，\n    -o 审查结果.html 写出网页。\n    退出码：0 通过") == \
        "写出汇总表和带公式的地区合计，-o 审查结果.html 写出网页。\n退出码：0 通过"
    assert reflow("复制 SIMHEI.TTF\n到文件夹") == "复制 SIMHEI.TTF 到文件夹"
    assert reflow("reportkit fonts\ninstall") == "reportkit fonts install"


def test_the_top_level_help_says_what_reportkit_is(cli):
    """The app's help names the ways in: the clerk's form, import, review, the platform, fonts;
    each command's one-line description is whole at 80 columns (checked above)."""
    import typer.main

    from reportkit.cli.app import app

    text = typer.main.get_command(app).help
    for words in ("填报表单", "reportkit render", "reportkit import", "reportkit review", "reportkit serve",
                  "reportkit fonts"):
        assert words in text, words


@pytest.mark.parametrize("args, words", [
    (["render", "--nosuch"], "没有这个选项：--nosuch"),
    (["render", "--forc", "x.json"], "没有这个选项：--forc（是否应为 --fonts, --force, --formats？）"),
    (["render", str(XINYI), "--jobs", "0"], "'--jobs' / '-j' 的值 0 超出范围"),
    (["init", "--year", "二〇二一"], "'--year' / '-y' 的值 “二〇二一” 不是数字"),
    (["init", "-y", "2021", "-o"], "选项 -o 需要一个值"),
    (["render"], "缺少参数"),
    (["nosuchcommand"], "没有这个命令：nosuchcommand"),
    (["validat", str(XINYI)], "没有这个命令：validat（是否应为 validate？）"),
])
def test_usage_errors_are_said_in_chinese(args, words):
    """click's own usage errors, which typer prints in English, reach the user in Chinese, under
    the panel title 错误 and the Chinese pointer to the help; exit 2."""
    import subprocess

    from .processes import reportkit_cmd

    r = subprocess.run(reportkit_cmd(*args), capture_output=True, text=True, timeout=60,
                       env={**__import__("os").environ, "COLUMNS": "160"})
    assert r.returncode == 2, r.stderr
    assert words in r.stderr and "错误" in r.stderr, r.stderr
    for english in ("No such", "Invalid value", "Missing", "requires an argument", "Error", "Try "):
        assert english not in r.stderr, r.stderr


def test_validate_examples_exit_0(cli):
    r = cli("validate", XINYI, YUNXI)
    assert r.exit_code == 0
    assert r.stdout.count("结论：通过") == 2 and "校验汇总" in r.stdout


def test_validate_invalid_exit_1_with_path_and_label(cli, write, d2019):
    d2019["requests"]["results"]["denied"]["third_party"]["natural"] = -1
    r = cli("validate", write(d2019))
    assert r.exit_code == 1
    assert "4.保护第三方合法权益 / 自然人：应为非负整数，实为 -1" in r.stdout
    assert "$.requests.results.denied.third_party.natural" in r.stdout
    assert "不通过：1 个错误" in r.stdout


def test_validate_json_output(cli, write, d2021):
    d2021["requests"]["received"]["natural"] += 1
    r = cli("validate", "--json", write(d2021), YUNXI)
    assert r.exit_code == 1
    out = r.json()
    assert out["ok"] is False
    bad, good = out["files"]
    assert bad["errors"] == 2 and good["ok"] is True
    f = bad["findings"][0]
    assert f["code"] == "balance" and f["path"] == "$.requests.received.natural" and f["printed"] - f["computed"] == 1


def test_validate_warnings_still_exit_0(cli, write, d2019):
    d2019["year"] = 2022
    d2019["published"] = "2023-01-20"
    r = cli("validate", write(d2019))
    assert r.exit_code == 0 and "! 警告" in r.stdout and "通过（1 个警告）" in r.stdout


def test_validate_many_with_one_missing_is_its_row_and_exit_1(cli, tmp_path):
    # exit 2 is for the command itself used wrongly; in a batch a missing file is that file's failure
    r = cli("validate", XINYI, tmp_path / "nope.json")
    assert r.exit_code == 1 and "文件不存在" in r.stdout and "结论：通过" in r.stdout
    assert cli("validate", tmp_path / "nope.json").exit_code == 2


def test_validate_many_isolates_each_file_and_json_is_always_complete(cli, tmp_path, monkeypatch):
    """Of four files — good, cut short, an .xls, one whose reading crashes — each is its own row;
    --json is one complete document; an unusable --previous is the command's error, in JSON too."""
    import reportkit.filing.batch
    import reportkit.loading

    cut = tmp_path / "cut.json"
    cut.write_text(YUNXI.read_text(encoding="utf-8")[:300], encoding="utf-8")
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    crash = tmp_path / "crash.json"
    crash.write_text(YUNXI.read_text(encoding="utf-8"), encoding="utf-8")
    real = reportkit.loading.load

    def load(source, **kw):
        if str(source) == str(crash):
            raise RecursionError("deep")
        return real(source, **kw)

    monkeypatch.setattr(reportkit.filing.batch, "load", load)  # the batch's own name for it
    r = cli("validate", "--json", YUNXI, cut, xls, crash)
    assert r.exit_code == 1
    files = r.json()["files"]
    assert [f["file"] for f in files] == [str(p) for p in (YUNXI, cut, xls, crash)]
    assert [f["ok"] for f in files] == [True, False, False, False]
    assert "不是有效的 JSON" in files[1]["error"]["message"] and "Excel" in files[2]["error"]["message"]
    assert files[3]["error"]["code"] == "internal" and "RecursionError" in files[3]["error"]["message"]
    table = cli("validate", YUNXI, cut, xls, crash)
    assert table.exit_code == 1 and table.stdout.count("结论：无法校验") == 3 and "结论：通过" in table.stdout
    j = cli("validate", "--json", YUNXI, cut, "--previous", tmp_path / "nope.json")
    assert j.exit_code == 2 and j.json()["ok"] is False and "文件不存在" in j.json()["error"]["message"]


def test_validate_previous(cli, write):
    prev = example(YUNXI)
    prev["requests"]["carried_forward"]["natural"] += 5
    r = cli("validate", YUNXI, "--previous", write(prev, "prev.json"))
    assert r.exit_code == 1 and "上一年度" in r.stdout


def test_usage_error_exit_2(cli):
    assert cli("validate").exit_code == 2
    assert cli("render", XINYI, "--formats", "doc").exit_code == 2
    assert cli("init", "--year", "2020").exit_code == 2  # no agency


@pytest.mark.parametrize("args, words", [
    (["-o", ""], "-o 给出的输出文件夹是空的；请给出文件夹路径（当前文件夹请写 -o .）"),
    (["-o", "  "], "-o 给出的输出文件夹是空的"),
    (["--formats", "docx,doc"], "--formats 只能包含 docx、xlsx、pdf、html，实为 docx,doc"),
    (["--formats", " , "], "--formats 只能包含"),
    (["--fonts", "loose"], "--fonts 应为 substitute 或 strict，实为 loose"),
    ([str(XINYI)], "批量生成时请用 -o 指定输出文件夹"),
], ids=["empty-output", "blank-output", "unknown-format", "no-format", "unknown-fonts", "batch-without-output"])
def test_render_usage_errors_are_said_and_nothing_is_written(cli, tmp_path, monkeypatch, args, words):
    """render's own argument checks: exit 2 with the message in Chinese, or as JSON with
    ``--json``; no folder is made, in the current one or beside the data."""
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in YUNXI.parent.iterdir())
    r = cli("render", YUNXI, *args)
    assert r.exit_code == 2 and f"用法错误：{words}" in r.output, r.output
    js = cli("render", YUNXI, *args, "--json")
    assert js.exit_code == 2
    error = js.json()["error"]
    assert error["code"] == "usage" and error["message"].startswith(words), js.stdout
    assert list(tmp_path.iterdir()) == [] and sorted(p.name for p in YUNXI.parent.iterdir()) == before


# ------------------------------------------------------------------ init

def test_init_skeleton_is_complete_but_not_silently_valid(cli, tmp_path):
    out = tmp_path / "2021.json"
    r = cli("init", "--year", 2021, "--agency", "云溪县自然资源局", "--region", "云溪县", "-o", out)
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "2021" and data["region"] == "云溪县"
    assert data["requests"]["results"]["other"]["unpaid_fee"] == {k: 0 for k in
                                                                 ("natural", "business", "research", "nonprofit", "legal", "other")}
    r = cli("validate", out)
    assert r.exit_code == 1
    assert "一、总体情况 / 分节情况 / 第1节 / 正文：不能为空：请填写本节正文" in r.stdout
    assert "五、存在的主要问题及改进情况：不能为空" in r.stdout
    # every figure is present: only text errors
    findings = cli("validate", "--json", out).json()["files"][0]["findings"]
    assert all(f["code"] == "schema.pattern" for f in findings if f["severity"] == "error")


def test_init_edition_follows_year_unless_given(cli, tmp_path):
    cli("init", "--year", 2020, "--agency", "甲", "-o", tmp_path / "a.json")
    cli("init", "--year", 2020, "--agency", "甲", "--format", "2021", "-o", tmp_path / "b.json")
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["format"] == "2019"
    assert json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))["format"] == "2021"


def test_init_never_overwrites_without_force(cli, tmp_path):
    out = tmp_path / "2021.json"
    out.write_text("mine", encoding="utf-8")
    r = cli("init", "--year", 2021, "--agency", "甲", "-o", out)
    assert r.exit_code == 2 and "已存在" in r.output and out.read_text(encoding="utf-8") == "mine"
    assert cli("init", "--year", 2021, "--agency", "甲", "-o", out, "--force").exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["agency"] == "甲"


def test_init_from_last_year_carries_what_follows(cli, tmp_path):
    out = tmp_path / "2022.json"
    r = cli("init", "--year", 2022, "--from", YUNXI, "-o", out)
    assert r.exit_code == 0, r.output
    prev, data = example(YUNXI), json.loads(out.read_text(encoding="utf-8"))
    assert data["agency"] == prev["agency"] and data["agency_id"] == prev["agency_id"]
    assert data["region"] == prev["region"]
    assert data["requests"]["carried_over"] == prev["requests"]["carried_forward"]
    assert data["proactive"]["normative_documents"]["in_force"] == prev["proactive"]["normative_documents"]["in_force"]
    text = json.dumps(data, ensure_ascii=False)
    assert prev["problems"] not in text and prev["overview"]["summary"] not in text  # text never copied
    assert data["overview"]["summary"] == "" and data["problems"] == ""


def test_init_from_2019_edition_rolls_item_counts(cli, tmp_path, write):
    prev = example(XINYI)
    prev["proactive"]["penalties"].update(previous=12, change=-2)
    out = tmp_path / "2020.json"
    assert cli("init", "--year", 2020, "--from", write(prev, "prev.json"), "-o", out).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["proactive"]["penalties"]["previous"] == 10


def test_init_from_unreadable_file(cli, tmp_path):
    r = cli("init", "--year", 2021, "--from", tmp_path / "none.json", "-o", tmp_path / "x.json")
    assert r.exit_code == 2 and not (tmp_path / "x.json").exists()


# ------------------------------------------------------------------ schema

def test_schema_prints_the_combined_schema(cli):
    r = cli("schema")
    s = json.loads(r.stdout)
    assert s["$schema"].endswith("2020-12/schema") and s["$id"] == "urn:reportkit:schema:report:1"
    assert set(s["$defs"]) >= {"report_2019", "report_2021"}


@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_schema_per_edition_validates_its_example(cli, tmp_path, edition):
    import jsonschema
    out = tmp_path / "s.json"
    assert cli("schema", "--format", edition, "-o", out).exit_code == 0
    s = json.loads(out.read_text(encoding="utf-8"))
    assert s["$id"] == f"urn:reportkit:schema:report-{edition}:1"
    data = example(XINYI if edition == "2019" else YUNXI)
    jsonschema.Draft202012Validator(s, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(data)
    assert cli("schema", "-o", out).exit_code == 2  # exists, no --force


def test_schema_has_titles_descriptions_and_closed_objects():
    from reportkit.contract.schema import schema

    def walk(node, path):
        if isinstance(node, dict):
            if node.get("type") == "object":
                assert node.get("additionalProperties") is False, path
                for k, v in node["properties"].items():
                    assert v.get("title") and v.get("description"), f"{path}.{k}"
            for k, v in node.items():
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")
    walk(schema()["$defs"], "$defs")


def test_committed_schema_is_generated_from_the_contract():
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, str(root / "tools" / "build_schema.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


@pytest.mark.parametrize("args", [["validate", XINYI], ["validate", XINYI, "--json"], ["validate"],
                                  ["validate", XINYI, "--bogus"], ["templates", "check", "--help"],
                                  ["fonts", "--help"], ["valdate", XINYI], ["--version"], ["--help"]])
def test_the_entry_point_builds_only_the_command_it_runs_and_answers_the_same(args):
    """``main`` gives typer a copy of the app holding only the command named first (building
    every command was ~5 ms of a clean ``reportkit validate``); what the user sees -- output,
    errors, exit code -- is what the whole app gives.  No command, an option first or a
    misspelt command gets the whole app."""
    import typer.main
    from typer.testing import CliRunner

    from reportkit.cli.app import _app_for, app

    args = [str(a) for a in args]
    one = _app_for(args)
    built = typer.main.get_command(one)
    if args[0] in ("validate", "templates", "fonts"):
        assert one is not app and list(built.commands) == [args[0]]
    else:
        assert one is app
    runner = CliRunner()
    whole, lean = runner.invoke(app, args), runner.invoke(one, args)
    assert (lean.exit_code, lean.stdout, lean.stderr) == (whole.exit_code, whole.stdout, whole.stderr)
    assert whole.exit_code in (0, 2) and (whole.stdout or whole.stderr)
