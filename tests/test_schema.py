"""The two schema checks agree: the compiled fast path (which decides for a clean report) and
jsonschema (which explains an error); the patterns mean the same in Python and ECMA-262."""

import copy
import json
import os
import shutil
import subprocess
import sys

import pytest

from reportkit.contract import official as c
from reportkit.contract.schema import fast_check, schema, validator

from .conftest import ROOT, XINYI, YUNXI, example

BAD_VALUES = [None, True, "1", 1.0, -1, 2.5, "", [], {}, 10 ** 8, "12.5\n", "x" * 201, "2021-02-29", 0.1 + 0.2,
              "1234567890123456", "\ud800", 999999999999999, "２０２２-01-20"]


def _objects_and_leaves(node, value, path=()):
    """(path, field) of every object and leaf present in ``value`` (lists expanded)."""
    yield path, node
    if node.kind == c.OBJECT and isinstance(value, dict):
        for ch in node.children:
            if ch.key in value:
                yield from _objects_and_leaves(ch, value[ch.key], path + (ch.key,))
    elif node.kind == c.LIST and isinstance(value, list):
        for i, item in enumerate(value):
            yield from _objects_and_leaves(node.item, item, path + (i,))


def _at(data, path):
    for p in path:
        data = data[p]
    return data


def mutations(data, edition):
    """Reports that differ from ``data`` in one place: every leaf set to a few bad values, every
    object with an unknown key, every key removed."""
    places = list(_objects_and_leaves(c.report_field(edition), data))
    for i, (path, field) in enumerate(places):
        if not path:
            continue
        parent, key = path[:-1], path[-1]
        d = copy.deepcopy(data)
        del _at(d, parent)[key]
        yield d
        if field.kind in (c.OBJECT, c.LIST):
            d = copy.deepcopy(data)
            target = _at(d, path)
            if isinstance(target, dict):
                target["Unknown"] = 1
            else:
                target.append({"title": "x"})
            yield d
            continue
        for j in (i, i + 5, i + 11):
            d = copy.deepcopy(data)
            _at(d, parent)[key] = BAD_VALUES[j % len(BAD_VALUES)]
            yield d


@pytest.mark.parametrize("src", [XINYI, YUNXI], ids=["2019", "2021"])
def test_fast_path_and_jsonschema_agree_on_every_kind_of_mistake(src):
    data = example(src)
    edition = data["format"]
    v = validator()
    n = disagree = 0
    for d in mutations(data, edition):
        n += 1
        clean = not any(True for _ in v.iter_errors(d))
        if fast_check(d, edition) != clean:
            disagree += 1
            raise AssertionError(f"fast path says {not clean}, jsonschema {clean}: {json.dumps(d, ensure_ascii=False)[:300]}")
    assert n > 400 and disagree == 0


def test_the_fast_path_is_exactly_as_strict_on_integers_dates_and_amounts():
    from reportkit.contract.official import MAX_COUNT

    d = example(YUNXI)
    cases = [(("year",), 2021.0), (("requests", "received", "natural"), 5.0), (("published",), "2022-02-29"),
             (("published",), "2022-01-20\n"), (("fees", "collected_amount"), "12.5\n"),
             (("proactive", "fees", "amount"), "1234567890123456"), (("appeals", "litigation", "total"), 4 * MAX_COUNT + 1)]
    for path, value in cases:
        x = copy.deepcopy(d)
        _at(x, path[:-1])[path[-1]] = value
        assert not fast_check(x, "2021"), path
        assert list(validator().iter_errors(x)), path


def _patterns(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "pattern":
                yield v
            elif k == "properties":
                for pv in v.values():
                    yield from _patterns(pv)
            else:
                yield from _patterns(v)
    elif isinstance(node, list):
        for v in node:
            yield from _patterns(v)


SAMPLES = ["", " ", "x", "12.5", "12.5\n", "\n12.5", "0", "123456789012345", "1234567890123456",
           "1234567.12345678", "12345678.12345678", "1.123456789", "2021-01-20", "2021-01-20\n", "2018-12-31",
           "2102-12-31", "2103-01-01", "abc\ndef", "\u3000", "1e5"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node (Debian nodejs) is not installed")
def test_every_pattern_is_ecma_262_and_means_the_same_in_python():
    import re
    patterns = sorted(set(_patterns(schema())))
    assert len(patterns) >= 3 and not any(p.endswith("$") for p in patterns)
    script = ("const [pats, samples] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "console.log(JSON.stringify(pats.map(p => { const r = new RegExp(p, 'u');"
              " return samples.map(s => r.test(s)); })));")
    r = subprocess.run(["node", "-e", script], input=json.dumps([patterns, SAMPLES]), capture_output=True,
                       text=True, check=True)
    js = json.loads(r.stdout)
    py = [[re.search(p, s) is not None for s in SAMPLES] for p in patterns]
    assert js == py


def test_the_compiled_fast_path_is_committed_and_needs_no_schema_library_at_run_time():
    for ed in c.EDITIONS:
        text = (ROOT / "src" / "reportkit" / "contract" / f"schema_compiled_{ed}.py").read_text(encoding="utf-8")
        assert "import fastjsonschema" not in text and "from fastjsonschema" not in text
        assert "jsonschema" not in text.split('"""', 2)[2]  # outside the docstring


def _imports_after(args) -> set[str]:
    code = ("import sys, io, contextlib\n"
            "from reportkit.cli.app import app\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        app(sys.argv[1:])\n    except SystemExit:\n        pass\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('jsonschema', 'fastjsonschema', 'docxtpl', 'openpyxl', 'lxml', 'docx', 'rich'))))")
    r = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ})
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split())


def test_a_clean_validate_imports_no_schema_library_and_no_renderer():
    assert _imports_after(["validate", YUNXI]) == set()


def test_a_validate_with_errors_asks_jsonschema_but_no_renderer(tmp_path):
    d = example(YUNXI)
    d["year"] = "2021"
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    mods = {m.split(".")[0] for m in _imports_after(["validate", p])}
    assert "jsonschema" in mods and not mods & {"fastjsonschema", "docxtpl", "openpyxl", "lxml", "docx"}


@pytest.mark.parametrize("src", [XINYI, YUNXI], ids=["2019", "2021"])
def test_validate_never_raises_on_a_one_place_mistake_and_every_message_prints(src):
    import reportkit
    data = example(src)
    prev = example(src)
    for i, d in enumerate(mutations(data, data["format"])):
        if i % 3:  # a third of them (every kind of place and value still occurs)
            continue
        for f in reportkit.validate(d, previous=prev if i % 9 == 0 else None):  # cross-year rules: a sample
            f.text().encode("utf-8")
            json.dumps(f.to_dict(), ensure_ascii=False).encode("utf-8")
