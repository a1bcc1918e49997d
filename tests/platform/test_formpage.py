"""The form page's mapping, without a server: a post reads back into the same data, findings land
at their inputs, pasted numbers and database URLs are read as the office writes them; and the
library core never imports the platform."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import reportkit
from reportkit.contract import tables as layout
from reportkit.platform import formpage
from reportkit.platform.config import ConfigError, database_settings

from .helpers import as_post, yunxi

SRC = Path(reportkit.__file__).parent


def _no_totals(node):
    if isinstance(node, dict):
        return {k: _no_totals(v) for k, v in node.items() if k not in ("total", "$schema")}
    return node


@pytest.mark.parametrize("example", ["yunxi-zrzyj-2021.json", "xinyi-2020.json"])
def test_a_post_of_the_page_reads_back_into_the_data(example):
    import json

    data = json.loads((SRC.parent.parent / "examples" / example).read_text(encoding="utf-8"))
    edition = data["format"]
    back = formpage.read_post(as_post(data, edition), edition, data)
    assert _no_totals(back) == _no_totals(data)
    assert [f.code for f in reportkit.validate(back)] == [f.code for f in reportkit.validate(data)]


def test_typed_figures_are_read_as_the_excel_form_reads_them():
    assert formpage.number_value(" １２ ", "count") == 12
    assert formpage.number_value("1,234", "count") == 1234
    assert formpage.number_value("", "count") == 0
    assert formpage.number_value("-8", "signed") == -8
    assert formpage.number_value("12件", "count") == "12件"  # left for validation to name
    assert formpage.number_value("73802895.90", "amount") == "73802895.90"


def test_a_figure_typed_as_words_is_an_error_at_its_input():
    data = yunxi()
    post = as_post(data, "2021")
    post["requests.results.denied.third_party.natural"] = "十二"
    back = formpage.read_post(post, "2021", data)
    findings = [f for f in reportkit.validate(back) if f.is_error]
    names = formpage.page_names("2021", back)
    anchors = {formpage.anchor_of(f.path, names) for f in findings}
    assert "requests.results.denied.third_party.natural" in anchors
    page = formpage.build("2021", back, findings)
    (table,) = [t for t in page["tables"] if t.key == "requests"]
    boxes = {c.box.name: c.box for row in table.rows for c in row if c.box}
    assert boxes["requests.results.denied.third_party.natural"].severity == "error"


def test_findings_of_sections_land_at_the_section():
    names = formpage.page_names("2021", yunxi())
    assert formpage.dotted("$.overview.sections[1].text") == "overview.sections.2.text"
    assert formpage.anchor_of("$.overview.sections[1].text", names) == "overview.sections.2.text"
    assert formpage.anchor_of("$.overview.sections[40]", names) == "overview.sections"
    assert formpage.anchor_of("$.nonsense", names) == ""


def test_every_total_sums_the_figures_the_official_tables_add():
    for edition in ("2019", "2021"):
        typed = {f.path for f in layout.figures(edition) if not f.computed}
        for fig in layout.figures(edition):
            if fig.computed:
                sums = formpage.sums_of(fig.path, edition)
                assert sums and set(sums) <= typed, fig.path
    data = yunxi()
    received = formpage.sums_of("requests.received.total", "2021")
    assert formpage.total_value(data, received) == sum(data["requests"]["received"].values())


def test_database_urls():
    sqlite = database_settings("", Path("/srv/rk"))
    assert sqlite["ENGINE"].endswith("sqlite3") and sqlite["NAME"] == "/srv/rk/reportkit.sqlite3"
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
    pg = database_settings("postgresql://rk:s%40cret@db.example:5433/reports?sslmode=require", Path("/x"))
    assert (pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == ("reports", "rk", "s@cret",
                                                                             "db.example", "5433")
    assert pg["OPTIONS"] == {"sslmode": "require"}
    sock = database_settings("postgresql:///postgres?host=/var/run/postgresql", Path("/x"))
    assert sock["HOST"] == "/var/run/postgresql" and sock["NAME"] == "postgres"
    with pytest.raises(ConfigError, match="不支持"):
        database_settings("mysql://x/y", Path("/x"))
    with pytest.raises(ConfigError, match="数据库名"):
        database_settings("postgresql://host", Path("/x"))


def test_the_core_never_imports_the_platform():
    for py in SRC.rglob("*.py"):
        if "platform" in py.relative_to(SRC).parts:
            continue
        text = py.read_text(encoding="utf-8")
        assert "reportkit.platform" not in text and "from .platform" not in text.replace(
            "from .platform.serve import", "") and "django" not in text.lower().replace("# django", ""), py
    code = ("import sys, reportkit, reportkit.form, reportkit.importing, reportkit.filing.set, reportkit.contract.tables;"
            "reportkit.validate(reportkit.load('examples/yunxi-zrzyj-2021.json'));"
            "print(sorted(m for m in sys.modules if m.startswith(('django', 'reportkit.platform', 'waitress'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=SRC.parent.parent, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr


def test_serve_without_the_platform_extra_says_how_to_install_it():
    code = ("import sys; sys.modules['waitress'] = None; sys.argv = ['reportkit', 'serve', '--data', 'x'];"
            "from reportkit.cli.app import main; main()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "pip install 'reportkit[platform]'" in out.stderr and "waitress" in out.stderr
    assert "Traceback" not in out.stderr


def test_serve_help_is_chinese_and_names_the_extra():
    out = subprocess.run([sys.executable, "-m", "reportkit", "serve", "--help"], capture_output=True, text=True,
                         env={**__import__("os").environ, "COLUMNS": "200"})
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    assert "启动填报平台" in text and "pip install 'reportkit[platform]'" in text
    assert "--database" in text and "REPORTKIT_DATABASE" in text and "--admin-password-file" in text


@pytest.mark.parametrize("flag, secure", [("1", True), ("0", False)])
def test_secure_cookies_behind_https(tmp_path, flag, secure):
    code = ("from django.conf import settings; import django; django.setup();"
            "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY)")
    env = {**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "reportkit.platform.settings",
           "REPORTKIT_DATA": str(tmp_path), "REPORTKIT_DATABASE": "", "REPORTKIT_SECURE_COOKIES": flag}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(secure), str(secure), "True"]


def test_the_vendored_scripts_run_on_chromium_90():
    """信创 desktops run Chromium 90-106: no API or syntax that came later (.at() 92, Object.hasOwn
    93, static blocks 94, findLast 97, structuredClone 98), no module script, no framework."""
    import re

    static = SRC / "platform" / "static" / "platform"
    scripts = sorted(static.glob("*.js"))
    assert scripts
    later = re.compile(r"\.at\(|Object\.hasOwn|\bstatic\s*\{|\.findLast(Index)?\(|structuredClone|\bimport\s*\(|^\s*import\s|^\s*export\s",
                       re.M)
    for js in scripts:
        text = js.read_text(encoding="utf-8")
        assert not later.search(text), (js.name, later.search(text).group(0))
        assert "http://" not in text and "https://" not in text  # nothing fetched from elsewhere
    for html in (SRC / "platform" / "templates" / "platform").glob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "<script>" not in text and " on" + "click=" not in text and "style=" not in text, html.name
        assert "http://" not in text and "https://" not in text, html.name


def test_the_platform_opens_on_the_year_being_filed():
    """December: this year's reports are being written; January–November: last year's (due 31 January)."""
    import datetime as dt

    from reportkit.platform.season import filing_year

    assert filing_year(dt.date(2026, 12, 8)) == 2026
    assert filing_year(dt.date(2027, 1, 20)) == 2026
    assert filing_year(dt.date(2027, 3, 31)) == 2026
    assert filing_year(dt.date(2027, 11, 30)) == 2026


def test_the_migrations_match_the_models(tmp_path):
    """A model changed without its migration would be missing from every office's database."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "reportkit.platform.settings",
           "REPORTKIT_DATA": str(tmp_path), "REPORTKIT_DATABASE": ""}
    out = subprocess.run([sys.executable, "-m", "reportkit.platform.manage", "makemigrations", "--check", "--dry-run"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
