"""The Jinja2 environment for Word templates: sandboxed, autoescaping, strict.

Built fresh for every render (docxtpl mutates the environment it is given).  A template
that reaches for Python internals (``''.__class__.__mro__``) raises ``SecurityError``;
an unknown field raises ``UndefinedError`` instead of printing nothing.
"""

from __future__ import annotations

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment


def environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=False)
