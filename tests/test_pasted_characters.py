"""Characters pasted from the web that an output cannot carry (issue 21 item 2): decided in
``validate`` with the path and the code point, never by a late failure of the PDF guard.

Bidi controls are errors; invisible marks are warnings and every output leaves them out alike;
emoji and characters no font has are errors when a PDF is requested; the agency name (a file
name) holds no line break and no invisible mark."""

import json
import random
import subprocess
import sys

import pytest

import reportkit
from reportkit.contract import official as c
from reportkit.reading.docx import read_docx
from reportkit.reading.html import read_html

from .conftest import YUNXI, example, needs_libreoffice
from .corpus import random_report

EMOJI = ["😀", "🇨🇳", "👨\u200d👩\u200d👧"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u2060", "\u00ad"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def by_code(findings, code):
    return [f for f in findings if f.code == code]


@pytest.mark.parametrize("ch", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_a_bidi_control_is_an_error_naming_path_and_code_point(ch):
    d = example(YUNXI)
    d["overview"]["sections"][0]["text"] = "收到申请" + ch + "12件。"
    [f] = by_code(reportkit.validate(d), "bidi-character")
    assert f.severity == "error" and f.path == "$.overview.sections[0].text"
    assert f"第 5 个字符 U+{ord(ch):04X}" in f.message


@pytest.mark.parametrize("ch", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_an_invisible_mark_is_a_warning_naming_path_and_code_point(ch):
    d = example(YUNXI)
    d["problems"] = "一是" + ch + "公开内容不够全面。"
    fs = reportkit.validate(d, pdf=True)
    [f] = by_code(fs, "invisible-character")
    assert f.severity == "warning" and f.path == "$.problems"
    assert f"第 3 个字符 U+{ord(ch):04X}" in f.message and "已删除" in f.message
    assert not [f for f in fs if f.is_error]


def test_a_joiner_inside_an_emoji_sequence_is_part_of_the_emoji():
    d = example(YUNXI)
    d["problems"] += "👨\u200d👩\u200d👧"
    assert by_code(reportkit.validate(d), "invisible-character") == []
    assert reportkit.validate(d) == []  # Word, Excel and the page carry emoji
    [f] = by_code(reportkit.validate(d, pdf=True), "emoji")
    assert "U+1F468" in f.message and "U+1F467" in f.message and "--formats docx,xlsx" in f.message


@pytest.mark.parametrize("e", EMOJI)
def test_emoji_are_an_error_only_when_a_pdf_is_requested(e):
    d = example(YUNXI)
    d["other_matters"] = "无" + e + "！"
    assert reportkit.validate(d) == []
    [f] = [f for f in reportkit.validate(d, pdf=True) if f.is_error]
    assert f.code == "emoji" and f.path == "$.other_matters" and f"U+{ord(e[0]):04X}" in f.message


def _faces():
    from reportkit.contract.characters import font_coverage
    from reportkit.writing.pdf import _environment
    from reportkit.validation.rules import _template_families

    ranges = font_coverage(_environment().get("FONTCONFIG_FILE"), _template_families("2021"))
    if ranges is None:
        pytest.skip("no fontconfig on this machine")
    return ranges


def test_a_character_none_of_the_pdfs_faces_has_is_an_error_when_a_pdf_is_requested():
    from reportkit.contract.characters import covered

    ranges = _faces()
    assert covered("中", ranges) and covered("，", ranges) and covered("A", ranges)
    ch = next(c for c in map(chr, range(0x10FFFD, 0x100000, -1)) if not covered(c, ranges))  # private use
    d = example(YUNXI)
    d["overview"]["summary"] = "本年度" + ch + "。"
    assert reportkit.validate(d) == []
    [f] = reportkit.validate(d, pdf=True)
    assert f.code == "font-missing" and f.path == "$.overview.summary"
    assert f"第 4 个字符 U+{ord(ch):04X}" in f.message and "仿宋_GB2312" in f.message


@needs_libreoffice
def test_symbols_outside_the_faces_are_refused_before_libreoffice_drops_what_follows(tmp_path):
    """✔ ☑ ☐ are in no face of the PDF (with the free substitutes): LibreOffice borrows a glyph
    from another font and loses the punctuation after it at a line end; validation says so first.
    The symbols the faces have (√ □ ★ ① ℃ …) print whole."""
    from reportkit.contract.characters import covered

    ranges = _faces()
    outside = [c for c in "✔☑☐" if not covered(c, ranges)]
    if not outside:
        pytest.skip("this machine's faces have ✔ ☑ ☐")
    inside = "★☆●○■□▲△◆◇※→←↑↓√×÷±≤≥℃①②③⑴⑵⒈ⅠⅡ✓"
    d = example(YUNXI)
    d["problems"] += "符号：" + "、".join(inside + "".join(outside)) + "。"
    with pytest.raises(reportkit.ValidationFailed) as exc:
        reportkit.render(d, tmp_path / "a", formats=["docx", "pdf"])
    [f] = [f for f in exc.value.findings if f.is_error]
    assert f.code == "font-missing" and all(f"U+{ord(c):04X}" in f.message for c in outside)
    d = example(YUNXI)
    d["problems"] += "符号：" + "、".join(inside) + "。"
    made = reportkit.render(d, tmp_path / "b", formats=["docx", "pdf"])
    [pdf] = [p for p in made.paths if p.suffix == ".pdf"]
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    assert "、".join(inside) + "。" in text


@pytest.mark.parametrize("ch", ["\n", "\r", "\u2028", "\u2029", "\u200b", "\ufeff", "\u202e", "\u00ad"])
def test_the_agency_name_holds_no_line_break_and_no_invisible_mark(ch):
    d = example(YUNXI)
    d["agency"] = "云溪县" + ch + "自然资源局"
    fs = reportkit.validate(d)
    assert [(f.severity, f.code, f.path) for f in fs] == [("error", "name-character", "$.agency")]
    assert f"第 4 个字符 U+{ord(ch):04X}" in fs[0].message


def test_render_refuses_emoji_before_anything_is_converted(tmp_path):
    d = example(YUNXI)
    d["problems"] += "😀"
    with pytest.raises(reportkit.ValidationFailed) as exc:
        reportkit.render(d, tmp_path / "out")
    assert [f.code for f in exc.value.findings if f.is_error] == ["emoji"]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    reportkit.render(d, tmp_path / "docs", formats=["docx", "xlsx", "html"])  # no PDF: emoji are kept
    docx = next((tmp_path / "docs").glob("*.docx"))
    assert any("😀" in p for p in read_docx(docx.read_bytes()).paragraphs)


def _paste(d: dict, rng: random.Random, marks: list[str]) -> dict:
    for key in ("problems", "improvements", "preface"):
        if key in d:
            t = d[key]
            for _ in range(rng.randint(1, 3)):
                i = rng.randint(0, len(t))
                t = t[:i] + rng.choice(marks) + t[i:]
            d[key] = t
    return d


def _without_white(text: str) -> str:
    return "".join(text.split())


def test_invisible_marks_are_left_out_of_every_output_alike(tmp_path):
    d = _paste(example(YUNXI), random.Random(1), INVISIBLE)
    d["problems"] += "\u200b\u00ad\ufeff"
    reportkit.render(d, tmp_path, formats=["docx", "html"])
    docx = read_docx(next(tmp_path.glob("*.docx")).read_bytes()).paragraphs
    html = read_html(next(p for p in tmp_path.glob("*.html") if "粘贴" not in p.name).read_bytes()).paragraphs
    clean = [p for p in map(_without_white, d["problems"].splitlines())]
    clean = ["".join(ch for ch in p if ch not in INVISIBLE) for p in clean]
    for paragraphs in (docx, html):
        text = "".join(map(_without_white, paragraphs))
        assert not any(ch in text for ch in INVISIBLE)
        for p in clean:
            assert p in text


@needs_libreoffice
def test_a_batch_of_pasted_reports_never_fails_late_in_the_pdf_guard(tmp_path, cli):
    """20 random valid reports with emoji, invisible marks and bidi controls pasted into their
    prose: each one either renders whole, or is refused by validation with the path and the code
    point; none fails after LibreOffice ran (before issue 21 item 2, 15 of 20 did)."""
    files = []
    for seed in range(20):
        rng = random.Random(seed)
        d = _paste(random_report(seed), rng, EMOJI + INVISIBLE * 2 + BIDI[:1])
        files.append(tmp_path / f"r{seed:02d}.json")
        files[-1].write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    r = cli("render", "--json", "-o", tmp_path / "out", *files)
    out = r.json()
    rendered = refused = 0
    for row, f in zip(out["files"], files):
        d = json.loads(f.read_text(encoding="utf-8"))
        text = "".join(d.get(k, "") for k in ("problems", "improvements", "preface"))
        has_emoji, has_bidi = any(e[0] in text for e in EMOJI), "\u202a" in text
        if has_emoji or has_bidi:
            assert not row["ok"] and row["error"]["code"] == "validation-failed", row
            codes = {x["code"] for x in row["findings"] if x["severity"] == "error"}
            assert codes <= {"emoji", "bidi-character"} and codes, row
            refused += 1
        else:
            assert row["ok"] and "error" not in row, row
            [pdf] = [p for p in row["outputs"] if p.endswith(".pdf")]
            pdf_text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
            assert not any(ch in pdf_text for ch in INVISIBLE)
            rendered += 1
    assert rendered >= 3 and refused >= 3  # both kinds occur in the batch


def test_cli_validate_checks_for_the_pdf_unless_told_no_pdf_is_made(cli, write):
    d = example(YUNXI)
    d["problems"] += "😀"
    p = write(d)
    r = cli("validate", "--json", p)
    assert r.exit_code == 1
    [f] = r.json()["files"][0]["findings"]
    assert f["code"] == "emoji" and f["path"] == "$.problems" and "U+1F600" in f["message"]
    assert cli("validate", "--formats", "docx,xlsx", p).exit_code == 0
    r = cli("validate", "--formats", "docx,txt", p)
    assert r.exit_code == 2 and "--formats" in r.output


@needs_libreoffice
def test_a_non_breaking_hyphen_is_refused_for_the_pdf_and_kept_otherwise(tmp_path):
    d = example(YUNXI)
    d["problems"] += "编号A\u201112。"
    assert reportkit.validate(d) == []
    [f] = [f for f in reportkit.validate(d, pdf=True) if f.is_error]
    assert f.code == "pdf-character" and "U+2011" in f.message and "“-”" in f.message
    d["problems"] = d["problems"].replace("\u2011", "-")
    reportkit.render(d, tmp_path, formats=["docx", "pdf"])  # the guard finds every character


def test_the_faces_are_asked_for_only_until_every_character_is_found():
    """``not_in_faces`` answers as the merged ranges of all the faces do, but runs ``fc-match``
    only for the faces it needs: a clean report's characters are in the first faces, so a
    clean ``reportkit validate`` does not start six fc-match processes (its start-up)."""
    from reportkit.contract import characters
    from reportkit.writing.pdf import _environment
    from reportkit.validation.rules import _template_families

    conf, families = _environment().get("FONTCONFIG_FILE"), _template_families("2021")
    ranges = _faces()
    text = json.dumps(example(YUNXI), ensure_ascii=False)
    chars = {ch for ch in text if ord(ch) > 0x7f and not ch.isspace()}
    assert chars and all(characters.covered(ch, ranges) for ch in chars)
    characters._face_cache.clear()
    assert characters.not_in_faces(chars, conf, families) == set()
    assert 0 < len(characters._face_cache) < len(families)
    odd = next(c for c in map(chr, range(0x10FFFD, 0x100000, -1)) if not characters.covered(c, ranges))
    assert characters.not_in_faces(chars | {odd}, conf, families) == {odd}
    assert len(characters._face_cache) == len(families)
    assert characters.not_in_faces(set(), conf, families) == set()


def test_the_pdf_character_check_of_validate_needs_neither_the_filing_code_nor_the_converter():
    """``reportkit validate`` (pdf among the default formats) checks the characters against the
    PDF's faces; for that it takes the template's families (``rules.TEMPLATE_FAMILIES``) and asks
    fontconfig, without importing the filing code, the staging, the LibreOffice driver or the
    Office layer that opens a template (they cost its start-up)."""
    code = ("import sys, io, contextlib\n"
            "from reportkit.cli.app import app\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            "    try:\n        app(['validate', sys.argv[1]])\n    except SystemExit as exc:\n        code = exc.code\n"
            "print(code, out.getvalue().splitlines()[-1])\n"
            "print(sorted(m for m in ('reportkit.filing.set', 'reportkit.filing.staging', 'reportkit.writing.pdf', "
            "'reportkit.writing.fontconfig', 'reportkit.ooxml.fonts', 'reportkit.ooxml.package') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code, str(YUNXI)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    verdict, loaded = r.stdout.strip().splitlines()[-2:]
    assert verdict == "0   结论：通过"
    assert loaded == "['reportkit.writing.fontconfig']"


def test_the_families_validate_checks_are_those_the_default_templates_ask_for():
    """The character check takes the families of the default Word templates from
    ``rules.TEMPLATE_FAMILIES`` instead of opening the template at every validate: they are the
    families the committed templates ask for, read from the .docx."""
    from reportkit.ooxml.fonts import requested_fonts
    from reportkit.resources import template_path
    from reportkit.validation.rules import TEMPLATE_FAMILIES

    assert set(TEMPLATE_FAMILIES) == set(c.EDITIONS)
    for edition in c.EDITIONS:
        assert TEMPLATE_FAMILIES[edition] == tuple(requested_fonts(template_path("docx", edition))), edition


def test_fontconfigs_answer_is_remembered_until_fonts_or_their_configuration_change(tmp_path, monkeypatch):
    """``fc-match`` was ~10 ms of a clean ``reportkit validate``: its answer is kept in the cache
    folder and reused only while fontconfig's configuration, caches and font folders are as they
    were; a font folder added (a font installed) makes the next call ask fc-match again, and a
    damaged entry is asked again and rewritten."""
    import shutil as sh

    from reportkit.contract import characters
    from reportkit.writing.fontconfig import environment

    if sh.which("fc-match") is None:
        pytest.skip("no fontconfig on this machine")
    monkeypatch.setenv("REPORTKIT_CACHE_DIR", str(tmp_path / "cache"))
    # one more font folder in the stamp, which fontconfig itself does not know (so that it writes
    # no cache of its own for it, in /var/cache/fontconfig or the user's)
    (tmp_path / "data" / "fonts").mkdir(parents=True)
    monkeypatch.setattr(characters, "_FONT_ROOTS", (*characters._FONT_ROOTS, str(tmp_path / "data" / "fonts")))
    conf, family = environment().get("FONTCONFIG_FILE"), "仿宋_GB2312"
    runs = []
    real_run = subprocess.run

    def counting(*args, **kwargs):
        runs.append(args[0])
        return real_run(*args, **kwargs)
    monkeypatch.setattr(subprocess, "run", counting)

    def ask():
        characters._face_cache.clear()   # a new process: only the disk remembers
        return characters.face_coverage(conf, family)

    first = ask()
    assert first and len(runs) == 1
    [entry] = (tmp_path / "cache" / "faces").iterdir()
    n = len(runs)
    assert ask() == first and len(runs) == n                     # remembered: fc-match not run
    (tmp_path / "data" / "fonts" / "office").mkdir()              # a font folder appears
    assert ask() == first and len(runs) > n                      # asked again
    n = len(runs)
    assert ask() == first and len(runs) == n
    entry.write_text(entry.read_text(encoding="ascii").replace("]", ',"x"]'), encoding="ascii")
    assert ask() == first and len(runs) > n                      # a damaged entry: asked again
    n = len(runs)
    assert ask() == first and len(runs) == n
    entry.parent.chmod(0o777)
    assert ask() == first and len(runs) > n                      # a folder others can write: not trusted
    entry.parent.chmod(0o700)
    n = len(runs)
    assert ask() == first and len(runs) == n
    monkeypatch.setenv("REPORTKIT_CACHE_DIR", "")
    assert ask() == first and ask() == first and len(runs) >= n + 2  # remembering off
    characters._face_cache.clear()


def test_an_answer_given_while_fontconfigs_state_changed_is_asked_again_and_kept_under_the_new_state(
        tmp_path, monkeypatch):
    """fontconfig may write its own cache as it answers (a font folder it had not scanned): the
    stamp taken before no longer holds, so fc-match is asked again and the answer is kept under
    the stamp it then leaves; it is not kept when the state moves on again."""
    import shutil as sh

    from reportkit.contract import characters
    from reportkit.writing.fontconfig import environment

    if sh.which("fc-match") is None:
        pytest.skip("no fontconfig on this machine")
    monkeypatch.setenv("REPORTKIT_CACHE_DIR", str(tmp_path / "cache"))
    conf = environment().get("FONTCONFIG_FILE")
    kept_under = {}
    for states in (["a", "b", "b"], ["c", "d", "e"]):
        seen = iter(states)
        monkeypatch.setattr(characters, "font_state", lambda conf: next(seen))
        runs = []
        real_run = subprocess.run
        monkeypatch.setattr(subprocess, "run", lambda *a, **k: runs.append(a[0]) or real_run(*a, **k))
        characters._face_cache.clear()
        assert characters.face_coverage(conf, "黑体") and len(runs) == 2
        monkeypatch.setattr(subprocess, "run", real_run)
        kept_under[states[0]] = {s for s in "abcde" if characters._remembered(conf, "黑体", s) is not None}
    assert kept_under == {"a": {"b"}, "c": {"b"}}   # c, d, e: never kept
    characters._face_cache.clear()
