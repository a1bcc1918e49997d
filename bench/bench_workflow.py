"""Benchmark: the office's dashboard and bulk approval (issue 17), server time in-process.

Run from the repository root (needs the platform extra: ``pip install -e '.[test]'``)::

    python bench/bench_workflow.py                   # 300 and 3,000 units, SQLite in a temp folder
    python bench/bench_workflow.py --sizes 300 --database postgresql://user:pw@localhost/postgres
    python bench/bench_workflow.py --json

A fresh platform database (SQLite in a temporary data folder, or a fresh PostgreSQL database
created and dropped) is migrated and seeded with generated regions (tests/platform/regiondata.py:
every unit's report of this year submitted and last year's published, every tenth unit not
started).  Measured through Django's test client in this process — the whole request: session,
middleware, queries, template — which is the server's time without the network:

* the dashboard of each region (median of 5 requests), and its number of SQL queries (the same
  for 300 and 3,000 units: no query per unit);
* bulk approve of 300 submitted reports in one request (each its own transition and audit event).

Baseline in the same run: ``reportkit.validate`` of one generated report in-process (median of 50
calls); every figure is also printed as a multiple of it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests" / "platform"))
from _harness import run_and_report  # noqa: E402


def _setup(data: Path, database: str) -> None:
    from reportkit.platform.serve import configure, migrate

    configure(data, database)
    migrate()


def _pg_database(url: str) -> tuple[str, callable]:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = "reportkit_bench_" + secrets.token_hex(4)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    params = conninfo_to_dict(url)
    params["dbname"] = name
    return make_conninfo(**params), drop


def measure(args) -> dict:
    import reportkit
    import regiondata

    year = dt.date.today().year
    one = regiondata.region(1, year, planted=False)[0][0]
    reportkit.validate(one)
    times = []
    for _ in range(50):
        t = time.perf_counter()
        reportkit.validate(one)
        times.append(time.perf_counter() - t)
    baseline = statistics.median(times)

    tmp = tempfile.TemporaryDirectory(prefix="bench-workflow-")
    drop = None
    database = ""
    if args.database:
        database, drop = _pg_database(args.database)
    try:
        _setup(Path(tmp.name) / "data", database)
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from seed_region import seed

        out = {"backend": "postgresql" if database else "sqlite", "validate_ms": baseline * 1000, "dashboards": []}
        seeded = {}
        for n in args.sizes:
            t = time.perf_counter()
            seeded[n] = seed(n, year, password="bench-" + secrets.token_hex(6), name=f"基准{n}县",
                             reviewer=f"rev{n}", parent=None)
            print(f"  seeded {n} units × 2 years in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        from django.contrib.auth import get_user_model

        User = get_user_model()
        for n, s in seeded.items():
            c = Client()
            c.force_login(User.objects.get(username=s["reviewer"]))
            url = f"/office/?region={s['region']}&year={year}"
            assert c.get(url).status_code == 200  # warm: templates compiled, connection open
            runs = []
            for _ in range(5):
                t = time.perf_counter()
                r = c.get(url)
                runs.append(time.perf_counter() - t)
                assert r.status_code == 200
            with CaptureQueriesContext(connection) as q:
                c.get(url)
            rows = r.content.count(b"<tr data-unit=")
            assert rows == n, rows
            out["dashboards"].append({"units": n, "median_s": statistics.median(runs), "max_s": max(runs),
                                      "queries": len(q.captured_queries), "bytes": len(r.content)})
        n = args.bulk
        s = next((v for v in seeded.values() if len(v["reports"]) >= n), None)
        if s is not None:
            c = Client()
            c.force_login(User.objects.get(username=s["reviewer"]))
            ids = list(s["reports"].values())[:n]
            t = time.perf_counter()
            r = c.post("/office/bulk", {"action": "approve", "report": [str(i) for i in ids]},
                       HTTP_ACCEPT="application/json")
            took = time.perf_counter() - t
            answer = r.json()
            assert len(answer["done"]) == len(ids) and not answer["refused"], answer["refused"][:3]
            out["bulk_approve"] = {"reports": len(ids), "seconds": took}
        return out
    finally:
        if drop:
            drop()
        tmp.cleanup()


def print_table(res: dict) -> None:
    base = res["validate_ms"] / 1000
    print(f"工作台基准（{res['backend']}，{res['cpus']} 核）：基线 reportkit.validate 单份 {res['validate_ms']:.2f} ms")
    print(f"{'单位数':>8} {'中位(秒)':>10} {'最大(秒)':>10} {'查询数':>6} {'页面字节':>10} {'为基线的倍数':>12}")
    for d in res["dashboards"]:
        print(f"{d['units']:>8} {d['median_s']:>10.3f} {d['max_s']:>10.3f} {d['queries']:>6} {d['bytes']:>10} "
              f"{d['median_s'] / base:>12.0f}")
    if "bulk_approve" in res:
        b = res["bulk_approve"]
        print(f"批量通过 {b['reports']} 份：{b['seconds']:.2f} 秒（每份 {b['seconds'] / b['reports'] * 1000:.1f} ms，"
              f"为基线的 {b['seconds'] / b['reports'] / base:.1f} 倍）")
    print(f"负载（1 分钟）：运行前 {res['loadavg_1min']['before']}，运行后 {res['loadavg_1min']['after']}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[300, 3000])
    p.add_argument("--bulk", type=int, default=300)
    p.add_argument("--database", default="", help="PostgreSQL URL of a role that may CREATE DATABASE")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    return run_and_report("workflow", lambda: measure(args), print_table, args.json)


if __name__ == "__main__":
    sys.exit(main())
