"""A loaded report: its data, where it came from, the digest of its bytes — and, for a form,
the cell each value was read from.  Its own module, so that what reads, validates or renders a
report need not import the loader to name it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Report:
    """A loaded report: the data, where it came from and the digest of its bytes."""

    data: dict
    source: str = "<dict>"
    sha256: str | None = None
    #: a form (.xlsx): JSON path → the cell it was read from (``三、依申请公开!D12``)
    cells: dict[str, str] = field(default_factory=dict)
    #: a form: what reading its cells found (text typed for numbers, blank cells, bad cells)
    reading: list = field(default_factory=list)

    @property
    def path(self) -> Path | None:
        return None if self.source.startswith("<") else Path(self.source)
