"""What one Word template may cost in one render before it is stopped.

Templates are untrusted input (a customised set comes from anyone), so rendering runs under a
budget: a wall-clock time and a memory allowance.  The defaults are far above what a real
report needs (the largest report the data contract allows renders in well under a second and
produces a few megabytes), and far below what would hurt the machine.  A template that exceeds
either is stopped with a :class:`~reportkit.errors.TemplateError` naming the template and the part.

How the budget is enforced is described in ``reportkit.templating.jinja``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TemplateLimits:
    #: wall-clock seconds for rendering one report with one template (all its parts)
    seconds: float = 10.0
    #: bytes a template may produce in one render: every value its code computes (strings,
    #: lists, numbers) and every piece of output it writes, added up; what it only reads from
    #: the report data is free
    memory: int = 128 * 1024 * 1024

    def __post_init__(self) -> None:
        if not (self.seconds > 0 and self.memory > 0):
            raise ValueError("TemplateLimits: seconds and memory must be positive")


DEFAULT_LIMITS = TemplateLimits()
