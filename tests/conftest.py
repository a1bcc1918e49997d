from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportkit.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
XINYI = EXAMPLES / "xinyi-2020.json"
YUNXI = EXAMPLES / "yunxi-zrzyj-2021.json"

_cache: dict[Path, dict] = {}


@pytest.fixture(autouse=True, scope="session")
def _private_template_cache(tmp_path_factory):
    """Prepared Word templates go to a folder of this test run, not the user's cache folder."""
    import os

    os.environ["REPORTKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("template-cache"))
    yield
    os.environ.pop("REPORTKIT_CACHE_DIR", None)


def example(path: Path) -> dict:
    if path not in _cache:
        _cache[path] = json.loads(path.read_text(encoding="utf-8"))
    return copy.deepcopy(_cache[path])


@pytest.fixture
def d2019() -> dict:
    return example(XINYI)


@pytest.fixture
def d2021() -> dict:
    return example(YUNXI)


@pytest.fixture
def write(tmp_path):
    """write(data, name="r.json") → path of a JSON file holding data (dict, str or bytes)."""
    def _write(data, name="report.json"):
        p = tmp_path / name
        if isinstance(data, bytes):
            p.write_bytes(data)
        elif isinstance(data, str):
            p.write_text(data, encoding="utf-8")
        else:
            p.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        return p
    return _write


class Result:
    def __init__(self, r):
        self.exit_code = r.exit_code
        self.stdout = r.stdout
        self.stderr = r.stderr if r.stderr_bytes is not None else ""
        self.output = self.stdout + self.stderr

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def cli():
    runner = CliRunner()

    def _run(*args):
        r = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        return Result(r)
    return _run


def soffice_available() -> bool:
    from reportkit.writing.pdf import find_soffice

    return find_soffice() is not None and shutil.which("pdftotext") is not None


needs_libreoffice = pytest.mark.skipif(not soffice_available(),
                                       reason="LibreOffice (soffice) or pdftotext is not installed")


# ------------------------------------------------------------------ the fast tier

#: modules whose every test starts LibreOffice, a browser, a wheel build or a large batch
SLOW_MODULES = {"test_pdf", "test_typesetting", "test_form_libreoffice", "test_chaos", "test_wheel",
                "test_import_roundtrip"}
#: single tests of more than a few seconds (measured on 2 cores): large batches and random corpora,
#: batches of worker processes, limits that are reached by running into them, LibreOffice started
#: without a skip marker; every parameter of each
SLOW_TESTS = {
    "test_batch.py": ("test_a_crashing_document_in_a_pdf_batch_fails_alone",
                      "test_a_hanging_document_is_stopped_by_the_per_document_timeout",
                      "test_an_internal_bug_in_one_report_is_its_row",
                      "test_a_worker_that_dies_is_its_rows_failure_and_the_others_render",
                      "test_the_issues_hostile_reports_fail_alone_in_a_batch",
                      "test_kill_9_of_a_batch_leaves_no_worker_and_the_next_run_cleans_up",
                      "test_sigterm_or_ctrl_c_of_a_batch_stops_the_workers_and_removes_their_staging",
                      "test_a_batch_of_forms_names_folders_from_a_light_read_of_each",
                      "test_convert_many_shares_starts_and_a_crashing_document_fails_alone"),
    "test_docx_engine.py": ("test_a_template_over_its_memory_budget_is_stopped",
                            "test_the_largest_valid_report_is_far_inside_the_default_limits"),
    "test_filing.py": ("test_two_renders_into_one_folder_take_turns",
                       "test_a_set_killed_at_any_rename_is_old_or_incomplete_and_then_rolled_forward"),
    "test_form.py": ("test_two_hundred_random_reports_round_trip_exactly",),
    "test_html.py": ("test_fifty_random_reports_read_back_exactly",),
    "test_review.py": ("test_region_sums_add_every_figure_of_every_unit",
                       "test_workbook_summary_checks_and_sums_with_cached_values"),
    "test_schema.py": ("test_fast_path_and_jsonschema_agree_on_every_kind_of_mistake",
                       "test_validate_never_raises_on_a_one_place_mistake_and_every_message_prints"),
    "test_templates.py": ("test_check_runs_the_template_once_under_the_limits",
                          "test_check_refuses_a_huge_part_at_once",
                          "test_check_knows_a_figure_is_printed_as_computed"),
    "test_xlsx_engine.py": ("test_damaged_templates_give_a_template_error_or_a_workbook",
                            "test_check_reports_every_problem_of_the_template",
                            "test_libreoffice_reads_what_openpyxl_reads"),
}
#: words of a skip condition's reason that name a slow program the test needs
_SLOW_NEEDS = ("libreoffice", "soffice", "chromium", "pdftotext")
#: words of a test's parameters that name a slow variant (e.g. the templates re-saved by LibreOffice)
_SLOW_PARAMS = ("libreoffice",)


def _is_slow(item) -> bool:
    module = item.module.__name__.rpartition(".")[2]
    if module in SLOW_MODULES:
        return True
    if getattr(item, "originalname", item.name) in SLOW_TESTS.get(module + ".py", ()):
        return True
    for mark in item.iter_markers("skipif"):
        reason = str(mark.kwargs.get("reason", "")).lower()
        if any(w in reason for w in _SLOW_NEEDS):
            return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and any(w in callspec.id.lower() for w in _SLOW_PARAMS)


def pytest_collection_modifyitems(config, items):
    """Mark the slow tests (LibreOffice, a browser, large batches: see :data:`SLOW_MODULES`,
    :data:`SLOW_TESTS` and :func:`_is_slow`) ``slow``, here rather than in each file: ``python -m pytest -m "not slow"``
    runs the rest in about a minute; CI runs everything."""
    slow = pytest.mark.slow
    for item in items:
        if "slow" not in item.keywords and _is_slow(item):
            item.add_marker(slow)
