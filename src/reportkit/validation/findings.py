"""A finding: one thing validation has to say about a report."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..contract.characters import XML_INVALID, printable


def json_path(path: tuple) -> str:
    """``("requests", "received", "natural")`` → ``$.requests.received.natural``."""
    out = "$"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


@dataclass(frozen=True)
class Finding:
    severity: str            # "error" or "warning"
    code: str                # stable identifier, e.g. "schema.type", "balance", "similar-text"
    path: str                # JSON path, e.g. $.requests.results.denied.third_party.natural
    label: str               # official labels along the path, in Chinese
    message: str             # plain Chinese
    printed: Any = None      # the figure in the data, where arithmetic is concerned
    computed: Any = None     # the figure reportkit computed
    file: str | None = None  # the input file
    where: str | None = None  # the cell of a form (``三、依申请公开!D12``), when the report came from one

    def __post_init__(self) -> None:
        # a finding quotes the data; a character XML forbids (a lone surrogate cannot even be
        # printed) is shown as <U+XXXX>, so that every message can be printed and written anywhere
        for name in ("path", "label", "message", "printed", "computed", "file"):
            value = getattr(self, name)
            if isinstance(value, str) and XML_INVALID.search(value):
                object.__setattr__(self, name, printable(value))

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def text(self) -> str:
        """One line for people: ``label：message（path）``, or ``（sheet!cell，path）`` for a form."""
        return f"{self.label}：{self.message}（{self.where + '，' if self.where else ''}{self.path}）"

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("printed", "computed"):
            if d[k] is not None and not isinstance(d[k], (int, float, str)):
                d[k] = str(d[k])
        return d


def has_errors(findings) -> bool:
    return any(f.is_error for f in findings)
