"""How to render: one frozen object built at the edge (the CLI, :func:`reportkit.render`) and
passed whole to the batch, its workers and the filing set.

Before, five functions each took the same seven loose arguments and a batch carried them in a
dict; a new option (the template limits) reached one path and not the others.  Now every path
takes a :class:`RenderOptions`, and what it holds is checked once, here."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..limits import DEFAULT_LIMITS, TemplateLimits
from .output import DEFAULT_FORMATS, FORMATS
from ..loading import load

#: seconds a render waits for another reportkit process writing into the same output folder
LOCK_WAIT = 60.0

#: what ``fonts`` accepts: substitutes allowed (and said), or refused
FONT_POLICIES = ("substitute", "strict")


@dataclass(frozen=True)
class RenderOptions:
    """What a render makes and how.

    ``formats``: the files to make (``docx``, ``xlsx``, ``pdf``, ``html``; duplicates dropped);
    ``templates``: a custom template set folder (missing templates fall back to the defaults);
    ``previous``: last year's report (a path, data or a loaded :class:`~reportkit.Report`) for the
    cross-year checks; ``force``: replace an existing set; ``pdfa``: PDF/A-2b; ``wait``: seconds to
    wait for another process holding the output folder; ``limits``: what a template may cost in
    one render (:class:`~reportkit.limits.TemplateLimits`); ``fonts``: ``"substitute"`` (free faces
    stand in for missing official ones, and the result says so) or ``"strict"`` (refuse the set when
    the PDF would print an official face in a substitute)."""

    formats: tuple[str, ...] = tuple(DEFAULT_FORMATS)
    templates: Path | None = None
    previous: Any = None
    force: bool = False
    pdfa: bool = False
    wait: float = LOCK_WAIT
    limits: TemplateLimits = field(default=DEFAULT_LIMITS)
    fonts: str = "substitute"

    def __post_init__(self) -> None:
        formats = tuple(dict.fromkeys(str(f) for f in (self.formats or DEFAULT_FORMATS)))
        unknown = [f for f in formats if f not in FORMATS]
        if unknown:
            raise ValueError(f"unknown formats: {unknown} (known: {', '.join(FORMATS)})")
        object.__setattr__(self, "formats", formats)
        if self.templates is not None:
            object.__setattr__(self, "templates", Path(self.templates))
        if self.wait is None:
            object.__setattr__(self, "wait", LOCK_WAIT)
        if not self.wait >= 0:
            raise ValueError("RenderOptions.wait must be a number of seconds >= 0")
        if self.limits is None:
            object.__setattr__(self, "limits", DEFAULT_LIMITS)
        if self.fonts not in FONT_POLICIES:
            raise ValueError(f"RenderOptions.fonts must be one of {FONT_POLICIES}, not {self.fonts!r}")

    @classmethod
    def of(cls, options: "RenderOptions | None" = None, **given: Any) -> "RenderOptions":
        """``options`` with the keyword arguments that are not None laid over it (the loose
        arguments of :func:`reportkit.render` and ``render_many``)."""
        given = {k: v for k, v in given.items() if v is not None}
        if "force" in given:
            given["force"] = bool(given["force"])
        if "pdfa" in given:
            given["pdfa"] = bool(given["pdfa"])
        if options is None:
            return cls(**given)
        return replace(options, **given) if given else options

    def with_previous_loaded(self) -> "RenderOptions":
        """These options with ``previous`` loaded once (a batch shares it with every report)."""
        if self.previous is None:
            return self

        return replace(self, previous=load(self.previous))
