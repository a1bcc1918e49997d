"""The fast tier (`python -m pytest -m "not slow"`): the marker is registered, and every test
that tests/conftest.py names as slow exists (a renamed test must not slip into the fast tier)."""

import re

from .conftest import ROOT, SLOW_MODULES, SLOW_TESTS


def test_the_slow_marker_is_registered(pytestconfig):
    assert any(m.startswith("slow:") for m in pytestconfig.getini("markers"))


def test_every_test_named_slow_exists():
    for module in SLOW_MODULES:
        assert (ROOT / "tests" / f"{module}.py").exists(), module
    for module, names in SLOW_TESTS.items():
        text = (ROOT / "tests" / module).read_text(encoding="utf-8")
        for name in names:
            assert re.search(rf"^def {name}\(", text, re.M), f"{module}::{name}"
