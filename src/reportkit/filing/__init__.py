"""The filing set: planning and writing a report's files together (``set``), staged and
published whole (``staging``, ``output``), many reports at once (``batch``, ``workers``,
``interrupts``), the render options (``options``) and the read-back guard (``guard``).

``render``, ``plan``, ``Plan`` and ``RenderResult`` are loaded on first use, so that importing
the options does not load the engines."""

from __future__ import annotations

__all__ = ["Plan", "RenderResult", "plan", "render"]


def __getattr__(name: str):
    if name in __all__:
        from . import set as _set  # lazy (PEP 562): importing the options must not load the engines

        return getattr(_set, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
