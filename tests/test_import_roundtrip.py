"""Round trip: render a random report, import the rendered file, get the data back exactly.

"Exactly" means: equal, as dicts, to :func:`printed_form` of the original — the data as the
rendered document shows it:

* every total the document prints is in the data (``totals.completed``: the 总计 column, the
  （七）总计 row, each appeals block's 总计 — the document prints computed totals, and an import
  keeps printed totals);
* what the Word report does not print is dropped: ``agency_id``, ``region``, ``rollup``,
  ``$schema``;
* text is compared paragraph by paragraph as printed: each line stripped, empty lines dropped
  (``context.paragraphs``); a preface equal to the standard preface reportkit prints when there is
  none counts as none, and so does ``other_matters`` "无" (it is what 六 prints when empty);
  empty ``fees``, ``overview.summary`` and ``overview.sections`` count as absent;
* amounts are decimal strings as written (``amount_text``: 68051987 → "68051987").

Everything else — every figure, every overview section title and text, agency, year, published,
the edition, 五 with and without （一）（二）, the 2021 fee sentence, the procurement unit — must
come back identical — from the Word report and from the web page alike.
"""

from __future__ import annotations

import copy

import pytest

import reportkit
from reportkit.writing.context import paragraphs, standard_preface
from reportkit.filing.set import FRAGMENT_SUFFIX
from reportkit.importing import import_report
from reportkit.contract.totals import amount_text, completed

from .corpus import random_report

N = 120  # ≥ 100 random reports; both editions occur (years 2019–2025)
FORMATS = ["docx", "html", "fragment"]  # the Word report, the web page, its paste-ready body


def _text(value) -> str | None:
    out = "\n".join(paragraphs(value))
    return out or None


def printed_form(data: dict) -> dict:
    """``data`` as its rendered document shows it (see the module docstring)."""
    d = completed(copy.deepcopy(data), data["format"])
    for k in ("agency_id", "region", "rollup", "$schema"):
        d.pop(k, None)
    for k in ("preface", "problems", "improvements", "other_matters"):
        if k in d:
            d[k] = _text(d[k])
            if d[k] is None:
                del d[k]
    if d.get("preface") == standard_preface(d["agency"], d["year"]):
        del d["preface"]
    if d.get("other_matters") == "无":
        del d["other_matters"]
    ov = d["overview"]
    if "summary" in ov:
        ov["summary"] = _text(ov["summary"])
        if ov["summary"] is None:
            del ov["summary"]
    ov["sections"] = [{"title": s["title"].strip(), "text": _text(s["text"])} for s in ov.get("sections", [])]
    if not ov["sections"]:
        del ov["sections"]
    for row in d["proactive"].values():
        if "amount" in row:
            row["amount"] = amount_text(row["amount"])
    if "fees" in d:
        d["fees"] = {k: amount_text(v) if k != "notices" else v for k, v in d["fees"].items()}
        if not d["fees"]:
            del d["fees"]
    return d


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """seed → {format: path of the rendered file}."""
    out = {}
    for seed in range(N):
        res = reportkit.render(random_report(seed), tmp_path_factory.mktemp(f"r{seed}"), formats=["docx", "html"])
        out[seed] = {("fragment" if p.name.endswith(FRAGMENT_SUFFIX) else p.suffix.lstrip(".")): p for p in res.paths}
    return out


def test_the_corpus_covers_what_the_round_trip_must_carry():
    reports = [random_report(seed) for seed in range(N)]
    assert {r["format"] for r in reports} == {"2019", "2021"}
    assert any("improvements" in r for r in reports) and any("improvements" not in r for r in reports)
    assert any(r.get("fees") for r in reports) and any("preface" not in r for r in reports)
    assert any("amount_unit" in r["proactive"].get("procurement", {}) for r in reports)
    assert any("total" in r["requests"]["received"] for r in reports)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_gives_the_data_back_exactly(rendered, fmt):
    failures = []
    for seed in range(N):
        result = import_report(rendered[seed][fmt])
        want = printed_form(random_report(seed))
        got = dict(result.data)
        if got.get("other_matters", "").rstrip("。") == "无":  # 六 read as printed: “无” is none
            del got["other_matters"]
        if not result.complete or got != want:
            failures.append((seed, [n.message for n in result.notes if n.kind != "not-printed"],
                             _diff(want, got)))
    assert not failures, failures[:3]


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_data_validates_and_needs_no_interpretation(rendered, fmt):
    for seed in range(0, N, 7):
        result = import_report(rendered[seed][fmt])
        assert not [f for f in reportkit.validate(result.data) if f.is_error], seed
        # a rendered document is read without variants, blanks, guesses or missing parts
        assert not result.of_kind("variant", "blank", "unit", "guess", "missing", "unreadable", "conflict")
        assert len(result.figures) == len({f.path for f in result.figures})


def _diff(want, got, path=""):
    if isinstance(want, dict) and isinstance(got, dict):
        out = []
        for k in sorted(set(want) | set(got), key=str):
            if want.get(k) != got.get(k):
                out += _diff(want.get(k), got.get(k), f"{path}.{k}")
        return out
    return [(path, want, got)]
