"""Rewrite code written against reportkit's old flat layout to its packages (issue 19 item 6).

For a branch begun before the modules moved (``reportkit.layout`` → ``reportkit.contract.tables``,
``reportkit.engines.docx`` → ``reportkit.writing.docx`` …, the map is :data:`MAP`): every
``import``/``from … import`` of a moved module, relative or absolute, and every dotted name in
the text (``monkeypatch.setattr("reportkit.filing.render", …)``) is given its new name; a moved
module imported by its old name keeps that name (``from reportkit import layout`` →
``from reportkit.contract import tables as layout``).  Run it once, on files written against
the old layout only: ``reportkit.filing``, ``.validation``, ``.contract`` and ``.cli`` were
modules and are now packages, so a second run would move them again.

    python tools/rewrite_imports.py src/reportkit/platform tests/test_platform.py
    python tools/rewrite_imports.py --check FILES…   # list what would change, exit 1 if any
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: where a file's own module name (for its relative imports) is read from (``--src``)
ROOT_SRC = ROOT / "src"

_MOVES = {
    "contract": "contract.official", "layout": "contract.tables", "schema": "contract.schema",
    "schema_compiled_2019": "contract.schema_compiled_2019", "schema_compiled_2021": "contract.schema_compiled_2021",
    "characters": "contract.characters", "totals": "contract.totals", "skeleton": "contract.skeleton",
    "report": "contract.report",
    "validation": "validation.checks", "rules": "validation.rules", "messages": "validation.messages",
    "findings": "validation.findings",
    "engines.jinja": "templating.jinja", "template_files": "templating.files", "template_set": "templating.sets",
    "template_lint": "templating.check", "template_analysis": "templating.analysis",
    "engines": "writing", "engines.docx": "writing.docx", "engines.xlsx": "writing.xlsx",
    "engines.html": "writing.html", "engines.pdf": "writing.pdf", "engines.disk_cache": "writing.disk_cache",
    "context": "writing.context", "typesetting": "writing.typesetting", "titles": "writing.titles",
    "xlsx_tables": "writing.sheet_tables", "package": "writing.stamps", "fonts": "writing.fonts",
    "filing": "filing.set", "staging": "filing.staging", "batch": "filing.batch", "workers": "filing.workers",
    "interrupts": "filing.interrupts", "output": "filing.output", "options": "filing.options",
    "readback": "filing.guard",
    "pdf_inspect": "reading.pdf_inspect",
    "cli": "cli.app", "cli_help": "cli.help",
}
#: old module → new module
MAP = {f"reportkit.{k}": f"reportkit.{v}" for k, v in _MOVES.items()}
_OLDS = sorted(MAP, key=len, reverse=True)
DOTTED = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(o) for o in _OLDS) + r")(?![\w])(?:\.[A-Za-z_]\w*)*")


def _modules() -> set[str]:
    """The modules of the package as it is now."""
    out = set()
    for p in (ROOT / "src" / "reportkit").rglob("*.py"):
        parts = list(p.relative_to(ROOT / "src").with_suffix("").parts)
        out.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


MODS = _modules()


def new(name: str) -> str:
    """The new name of an old module, or of a dotted name inside one (its longest old prefix)."""
    for old in _OLDS:
        if name == old or name.startswith(old + "."):
            return MAP[old] + name[len(old):]
    return name


def module_of_file(p):
    parts = list(p.relative_to(ROOT_SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts), parts[-1] == "__init__"

def rel(from_pkg, target):
    """relative import text from package from_pkg to module/package target"""
    a, b = from_pkg.split("."), target.split(".")
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    level = len(a) - i + 1
    return "." * level + ".".join(b[i:])

def fmt_from(base, relative, from_pkg):
    return rel(from_pkg, base) if relative else base

def rewrite(path: Path) -> str | None:
    """``path``'s text with old module names replaced (None: not Python that parses)."""
    text = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    lines = text.splitlines(keepends=True)
    in_src = ROOT_SRC in path.parents
    if in_src:
        old_mod, is_init = module_of_file(path)
        old_pkg = old_mod if is_init else old_mod.rpartition(".")[0]
        nm = new(old_mod)
        new_pkg = nm if is_init else nm.rpartition(".")[0]
    edits = []  # (lineno, col, end_lineno, end_col, newtext)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                if not in_src:
                    continue  # tests' relative imports (.conftest)
                base_parts = old_pkg.split(".")[:len(old_pkg.split(".")) - node.level + 1]
                base = ".".join(base_parts + ([node.module] if node.module else []))
                relative = True
            else:
                base = node.module or ""
                relative = False
            if base.split(".")[0] != "reportkit":
                continue
            frompkg = new_pkg if relative else None
            groups = {}  # module text -> [names]
            changed = False
            for a in node.names:
                sub = f"{base}.{a.name}"
                if sub in MODS or sub in MAP:
                    target = new(sub)
                    parent, _, last = target.rpartition(".")
                    asname = a.asname or (a.name if last != a.name else None)
                    if target != sub or (relative and rel(frompkg, parent) != "." * node.level + (node.module or "")):
                        changed = True
                    groups.setdefault(parent, []).append(last + (f" as {asname}" if asname else ""))
                else:
                    target = new(base)
                    if target != base:
                        changed = True
                    groups.setdefault(target, []).append(a.name + (f" as {a.asname}" if a.asname else ""))
            if relative and new_pkg != old_pkg:
                changed = True  # the file itself moves: its relative imports start elsewhere
            if not changed:
                continue
            seg = ast.get_source_segment(text, node)
            indent = " " * node.col_offset
            if len(groups) == 1:
                (g,) = groups
                m = re.match(r"from\s+[.\w]+\s+import", seg)
                newseg = f"from {fmt_from(g, relative, frompkg)} import" + seg[m.end():]
                # keep names text when names unchanged
                if [a.name + (f" as {a.asname}" if a.asname else "") for a in node.names] != groups[g]:
                    newseg = f"from {fmt_from(g, relative, frompkg)} import {', '.join(groups[g])}"
                    tail = _trailing_comment(lines[node.end_lineno - 1], node.end_col_offset)
                    newseg += tail
                    edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset + len(tail), newseg))
                    continue
            else:
                tail = _trailing_comment(lines[node.end_lineno - 1], node.end_col_offset)
                newseg = ("\n" + indent).join(f"from {fmt_from(g, relative, frompkg)} import {', '.join(ns)}" + tail
                                              for g, ns in groups.items())
                edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset + len(tail), newseg))
                continue
            edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, newseg))
    # apply edits bottom-up
    def offset(row, c):
        return sum(len(x) for x in lines[:row - 1]) + len(lines[row - 1].encode("utf-8")[:c].decode("utf-8"))
    out, pos = [], 0
    for row, c, el, ec, s in sorted(edits):
        a, b = offset(row, c), offset(el, ec)
        out.append(DOTTED.sub(lambda m: new(m.group(0)), text[pos:a]))
        out.append(s)
        pos = b
    out.append(DOTTED.sub(lambda m: new(m.group(0)), text[pos:]))
    out = "".join(out)
    return out

def _trailing_comment(line, col):
    rest = line.encode("utf-8")[col:].decode("utf-8").rstrip("\n")
    return rest if rest.strip().startswith("#") else ""


def main(argv=None) -> int:
    global ROOT_SRC
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", type=Path, help="files or folders (their .py files)")
    ap.add_argument("--check", action="store_true", help="only list the files that would change; exit 1 if any")
    ap.add_argument("--src", type=Path, default=ROOT_SRC,
                    help="the folder holding reportkit/ that the files' relative imports start from (default: src)")
    args = ap.parse_args(argv)
    ROOT_SRC = args.src.resolve()
    files = [f for p in args.paths for f in ([p] if p.is_file() else sorted(p.rglob("*.py")))]
    changed = []
    for f in files:
        text = f.read_text(encoding="utf-8")
        out = rewrite(f.resolve())
        if out is not None and out != text:
            changed.append(f)
            if not args.check:
                f.write_text(out, encoding="utf-8")
    for f in changed:
        print(f)
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
