"""The command line: ``reportkit`` (``app``: the commands) and its Chinese help (``help``)."""

from __future__ import annotations

from .app import main

__all__ = ["main"]
