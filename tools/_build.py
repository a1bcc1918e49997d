"""What the template builders share: write both editions' templates, or ``--check`` them.

Each builder (``build_docx_templates.py``, ``build_xlsx_templates.py``, ``build_html_templates.py``)
makes the bytes of one edition's template; :func:`main` writes them into the default folder under
``templates/`` (or ``--outdir``), each through a temporary file and a rename, or with ``--check``
writes nothing and exits 1 naming every committed file that is not what the builder makes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
EDITIONS = ("2019", "2021")


def main(argv, *, doc: str, kind: str, make: Callable[[str], bytes], script: str) -> int:
    """``make(edition)`` → the template's bytes; ``kind`` is its suffix (``docx``, ``xlsx``, ``html``)."""
    parser = argparse.ArgumentParser(description=doc.strip().split("\n\n")[0])
    parser.add_argument("--outdir", "--out", type=Path, default=ROOT / "templates" / kind,
                        help=f"where to write report-2019.{kind} and report-2021.{kind}")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file in OUTDIR is not up to date")
    args = parser.parse_args(argv)
    stale = []
    for edition in EDITIONS:
        data = make(edition)
        path = args.outdir / f"report-{edition}.{kind}"
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        print(f"wrote {path}")
    for path in stale:
        print(f"out of date: {path} (run python tools/{script})", file=sys.stderr)
    return 1 if stale else 0
