"""The random corpus the round-trip tests use is valid, varied and reproducible."""

import reportkit

from .corpus import corpus, random_report


def test_random_reports_are_valid_and_varied():
    reports = corpus(200)
    for seed, r in enumerate(reports):
        errors = [f.text() for f in reportkit.validate(r) if f.is_error]
        assert not errors, (seed, errors[:3])
    assert {r["format"] for r in reports} == {"2019", "2021"}
    assert any(len(r["agency"]) > 30 for r in reports)
    assert any("published" not in r for r in reports) and any("improvements" not in r for r in reports)
    assert any("total" in r["requests"]["received"] for r in reports)
    assert any(r["format"] == "2019" and r["proactive"]["licensing"]["change"] < 0 for r in reports)


def test_same_seed_same_report():
    assert random_report(42) == random_report(42)
    assert random_report(42) != random_report(43)
