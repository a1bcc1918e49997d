"""Benchmark: ``reportkit.import_report`` on Word files, web pages and PDFs.

Run from the repository root (or anywhere; paths are resolved from this file)::

    python bench/bench_import.py            # human-readable table, ~1 min on 2 cores (LibreOffice makes the PDFs)
    python bench/bench_import.py --rounds 9 # more rounds
    python bench/bench_import.py --json     # one JSON object instead
    python bench/bench_import.py --real-only --rounds 3   # only the real published reports (tests/data/real)

The documents are built in the run from random reports of both editions (``tests/corpus.py``):
the Word report reportkit renders, a Word file typed the way offices type it and a GBK web page
(``tests/import_docs.py``), and PDFs LibreOffice makes from the rendered Word files.  Each
document is imported ``--rounds`` times after a warm-up and the median is reported, next to a
baseline measured in the same run on the same bytes, so that the ratio means something on any
machine:

* .docx — opening the file with python-docx (``docx.Document``), the first step of any reader
  built on it; reportkit reads the XML with lxml instead and then locates every figure.
* .html — parsing the page with ``lxml.html.document_fromstring``, which reportkit also does.
* .pdf — ``pdfplumber`` extracting the text of every page (no tables), the least a PDF
  reader does; reportkit also finds the ruled tables and their cells.

Targets of the issue: a docx or HTML report ≤ 100 ms, a PDF ≤ 1 s.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import run_and_report  # noqa: E402

SEEDS = (3, 6)  # a 2019 and a 2021 report


def _median_ms(fn, rounds: int) -> float:
    fn()
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def _real() -> list[tuple[str, str, bytes]]:
    """The real published reports of tests/data/real (PDFs and crawler text copies)."""
    kinds = {".pdf": "pdf", ".txt": "text", ".html": "html", ".md": "text", ".docx": "docx"}
    out = []
    import json

    for spec in sorted((ROOT / "tests" / "data" / "real").glob("*.expected.json")):
        p = spec.parent / json.loads(spec.read_text(encoding="utf-8"))["file"]
        out.append((f"real {p.name}", kinds[p.suffix], p.read_bytes()))
    return out


def _documents(tmp: Path, real_only: bool = False) -> list[tuple[str, str, bytes]]:
    import reportkit
    from tests.corpus import random_report
    from tests.import_docs import office_docx, website_html

    docs = _real()
    if real_only:
        return docs
    rendered = []
    for seed in SEEDS:
        data = random_report(seed)
        res = reportkit.render(data, tmp / f"r{seed}", formats=["docx"])
        path = next(p for p in res.paths if p.suffix == ".docx")
        rendered.append(path)
        ed = data["format"]
        docs.append((f"rendered {ed}", "docx", path.read_bytes()))
        docs.append((f"office-typed {ed}", "docx", office_docx(data)[0]))
        docs.append((f"web page {ed}", "html", website_html(data)[0]))
    out = tmp / "pdf"
    try:
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp}/profile", "--convert-to", "pdf",
                        "--outdir", str(out), *map(str, rendered)], check=True, capture_output=True, timeout=300)
        for p, seed in zip(rendered, SEEDS):
            pdf = out / (p.stem + ".pdf")
            docs.append((f"rendered {random_report(seed)['format']} → PDF", "pdf", pdf.read_bytes()))
    except (OSError, subprocess.SubprocessError):
        pass  # no LibreOffice: no PDFs
    return docs


def _baseline(kind: str, raw: bytes):
    if kind == "text":  # decoding the text and cutting it into lines
        return lambda: raw.decode("utf-8").splitlines()
    if kind == "docx":
        import docx

        return lambda: docx.Document(io.BytesIO(raw))
    if kind == "html":
        import lxml.html

        return lambda: lxml.html.document_fromstring(raw)

    def pdf_text():
        import pdfplumber

        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            return [page.extract_text() for page in pdf.pages]
    return pdf_text


def measure(rounds: int, real_only: bool = False) -> dict:
    from reportkit.importing import import_report

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, kind, raw in _documents(Path(tmp), real_only):
            result = import_report(raw, name=f"doc.{kind}", kind=kind)
            ours = _median_ms(lambda: import_report(raw, name=f"doc.{kind}", kind=kind), rounds)
            base = _median_ms(_baseline(kind, raw), rounds)
            rows.append({"document": name, "kind": kind, "bytes": len(raw), "complete": result.complete,
                         "figures": len(result.figures), "import_ms": round(ours, 1), "baseline_ms": round(base, 1),
                         "ratio": round(ours / base, 2) if base else None,
                         "target_ms": 1000 if kind == "pdf" else 100})
    return {"rounds": rounds, "documents": rows}


def print_table(res: dict) -> None:
    print(f"reportkit import — median of {res['rounds']} rounds, {res['cpus']} CPUs, Python {res['python']}")
    print(f"{'document':<32} {'kind':<5} {'KiB':>6} {'figures':>7} {'import ms':>10} {'baseline ms':>12} "
          f"{'ratio':>6} {'target':>7}")
    for r in res["documents"]:
        ok = "ok" if r["import_ms"] <= r["target_ms"] else "SLOW"
        print(f"{r['document']:<32} {r['kind']:<5} {r['bytes'] / 1024:>6.0f} {r['figures']:>7} {r['import_ms']:>10.1f} "
              f"{r['baseline_ms']:>12.1f} {r['ratio']:>6} {('≤' + str(r['target_ms'])):>7} {ok}")
    print("baselines: docx = python-docx opening the file; html = lxml parsing the page; "
          "pdf = pdfplumber extracting the text of every page; text = decoding it into lines")
    real = [r for r in res["documents"] if r["document"].startswith("real ")]
    if real:
        print(f"real reports: {sum(r['complete'] for r in real)}/{len(real)} complete, "
              f"mean {statistics.mean(r['import_ms'] for r in real):.0f} ms a file")
    print(f"load average (1 min): {res['loadavg_1min']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--real-only", action="store_true", help="only the real reports of tests/data/real (no LibreOffice)")
    args = ap.parse_args()
    return run_and_report("import", lambda: measure(args.rounds, args.real_only), print_table, args.json)


if __name__ == "__main__":
    sys.exit(main())
