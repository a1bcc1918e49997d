"""Validation: the checks a report must pass (``checks``), the official rules between cells
(``rules``), the findings they give (``findings``) and their Chinese text (``messages``).

``validate`` is loaded on first use: ``findings`` is imported by the loader, which the checks
import in turn."""

from __future__ import annotations

__all__ = ["iter_findings", "validate"]


def __getattr__(name: str):
    if name in __all__:
        from . import checks  # lazy (PEP 562): the loader imports findings, and checks imports the loader

        return getattr(checks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
