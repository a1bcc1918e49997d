"""Benchmark: ``reportkit serve`` under N clerks editing and validating at once (issue 16).

Run from the repository root (needs the platform extra: ``pip install -e '.[test]'``)::

    python bench/bench_platform.py                      # 50 clerks, 60 s, SQLite
    python bench/bench_platform.py --clerks 20 --seconds 20
    python bench/bench_platform.py --database postgresql:///postgres?host=/var/run/postgresql
    python bench/bench_platform.py --json

One ``reportkit serve`` is started on a free loopback port with a fresh data folder (and, with
``--database``, a fresh PostgreSQL database that is dropped afterwards); N units and N clerks are
seeded.  Each clerk (a thread with its own session) logs in, opens its unit's 2021 report, and
then, until the time is up, changes one figure of table 三 (keeping the report balanced) or a
sentence of 五, and posts the page (as JSON, as its script does) to the live check (``/reports/<id>/check``), as the page does
after each change; every ``--save-every``-th change is an autosave (a new version, based on the
last one it saved).  Between changes a clerk pauses ``--think`` seconds on average (randomised
±50 %: people type; 0 hammers the server).  Everything stops by itself after ``--seconds``.

Before the others start, one clerk posts 40 live checks with the server to itself: the request's
own cost, without the queueing.  The server process's CPU time over the run, per request, is the
figure other load on a shared machine does not change.  Reported: requests per second, p50/p95/max of the live check and of the save, errors (any answer
other than 200), and **lost edits**: at the end every save the server acknowledged is looked
up in the database (its version number and the marker it carried), a missing or different one
counts as lost.  Baseline in the same run: ``reportkit.validate`` of the same data in-process
(median of 200 calls) — the live check is that plus reading the post, HTTP and the session.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import run_and_report  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "yunxi-zrzyj-2021.json"

SEED = r"""
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportkit.platform.settings")
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from reportkit.platform.models import Membership, Region, Unit
n, password = int(sys.argv[1]), sys.argv[2]
User = get_user_model()
region = Region.objects.create(name="基准县")
hashed = make_password(password)  # hashed once: N clerks share it (seeding, not what is measured)
units = Unit.objects.bulk_create([Unit(name=f"基准县第{i}局", agency_id=f"BENCH{i:05d}", region=region) for i in range(n)])
users = User.objects.bulk_create([User(username=f"clerk{i}", password=hashed) for i in range(n)])
Membership.objects.bulk_create([Membership(user=u, role="clerk", unit=x) for u, x in zip(users, units)])
print(json.dumps([x.pk for x in Unit.objects.filter(region=region).order_by("agency_id")]))
"""

VERIFY = r"""
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportkit.platform.settings")
import django
django.setup()
from reportkit.platform.models import ReportVersion
acks = json.load(open(sys.argv[1]))
lost = []
for rid, number, marker in acks:
    v = ReportVersion.objects.filter(report_id=rid, number=number).first()
    if v is None or not v.data.get("problems", "").endswith(marker):
        lost.append([rid, number, marker])
print(json.dumps({"checked": len(acks), "lost": lost}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_fields(data: dict) -> dict[str, str]:
    from reportkit.platform import formpage

    out = {}
    for name in formpage.page_names("2021", data):
        v = formpage._value(data, name)
        if v is not None and not isinstance(v, (dict, list)):
            out[name] = "on" if v is True else str(v)
    return out


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


class Clerk(threading.Thread):
    def __init__(self, i, url, password, unit_id, fields, args, deadline, start_gate):
        super().__init__(daemon=True)
        self.i, self.url, self.password, self.unit_id = i, url, password, unit_id
        self.fields, self.args, self.deadline, self.gate = dict(fields), args, deadline, start_gate
        self.checks: list[float] = []
        self.saves: list[float] = []
        self.errors: list[str] = []
        self.acks: list[list] = []
        self.rng = random.Random(i)

    def run(self) -> None:
        import requests

        s = requests.Session()
        try:
            s.get(self.url + "/login/", timeout=60)
            token = s.cookies["csrftoken"]
            r = s.post(self.url + "/login/", data={"username": f"clerk{self.i}", "password": self.password,
                                                   "csrfmiddlewaretoken": token}, allow_redirects=False, timeout=120)
            assert r.status_code == 302, r.status_code
            token = s.cookies["csrftoken"]
            r = s.post(f"{self.url}/units/{self.unit_id}/reports/new", data={"year": "2021", "csrfmiddlewaretoken": token},
                       allow_redirects=False, timeout=120)
            rid = int(re.search(r"/reports/(\d+)/", r.headers["Location"]).group(1))
        except Exception as exc:  # noqa: BLE001 - counted, shown
            self.errors.append(f"setup: {exc!r}")
            self.gate.wait()  # the others still start
            return
        headers = {"X-CSRFToken": token, "X-Requested-With": "fetch", "Referer": self.url + "/"}
        self.gate.wait()
        base, n = 1, 0
        while time.monotonic() < self.deadline:
            n += 1
            # an edit: move k applications from 予以公开 to 部分公开 for one column (stays balanced),
            # and mark the prose with the edit's number
            col = self.rng.choice(["natural", "business", "legal"])
            g, p = f"requests.results.granted.{col}", f"requests.results.partly_granted.{col}"
            k = 1 if int(self.fields[g]) > 0 else -1
            self.fields[g] = str(int(self.fields[g]) - k)
            self.fields[p] = str(int(self.fields[p]) + k)
            marker = f"【编辑 {self.i}-{n}】"
            self.fields["problems"] = re.sub(r"【编辑 [0-9-]+】$", "", self.fields["problems"]) + marker
            save = n % self.args.save_every == 0
            body = {**self.fields, "base": str(base)}
            url = f"{self.url}/reports/{rid}/" if save else f"{self.url}/reports/{rid}/check"
            t0 = time.perf_counter()
            try:
                r = s.post(url, json=body, headers=headers, timeout=60)  # as the page's script posts
                took = time.perf_counter() - t0
                if r.status_code != 200:
                    self.errors.append(f"{r.status_code} {url}")
                else:
                    payload = r.json()
                    (self.saves if save else self.checks).append(took)
                    if save:
                        base = payload["version"]
                        self.acks.append([rid, base, marker])
            except Exception as exc:  # noqa: BLE001
                self.errors.append(f"{type(exc).__name__} {url}")
            if self.args.think > 0:
                time.sleep(self.rng.uniform(0.5, 1.5) * self.args.think)


def alone(url: str, password: str, unit_id: int, fields: dict, n: int = 40) -> list[float]:
    """The live check of one clerk with the server to itself (clerk0, before the others start)."""
    import requests

    s = requests.Session()
    s.get(url + "/login/", timeout=60)
    s.post(url + "/login/", data={"username": "clerk0", "password": password,
                                  "csrfmiddlewaretoken": s.cookies["csrftoken"]}, allow_redirects=False, timeout=120)
    token = s.cookies["csrftoken"]
    r = s.post(f"{url}/units/{unit_id}/reports/new", data={"year": "2021", "csrfmiddlewaretoken": token},
               allow_redirects=False, timeout=120)
    rid = int(re.search(r"/reports/(\d+)/", r.headers["Location"]).group(1))
    headers = {"X-CSRFToken": token, "X-Requested-With": "fetch", "Referer": url + "/"}
    times = []
    for i in range(n + 5):
        t0 = time.perf_counter()
        r = s.post(f"{url}/reports/{rid}/check", json={**fields, "base": "1"}, headers=headers, timeout=60)
        assert r.status_code == 200, r.status_code
        if i >= 5:
            times.append(time.perf_counter() - t0)
    return times


def measure(args) -> dict:
    import requests

    import reportkit

    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    # the baseline: reportkit.validate in-process, same data
    for _ in range(20):
        reportkit.validate(data)
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        reportkit.validate(data)
        times.append(time.perf_counter() - t0)
    baseline = statistics.median(times)

    tmp = Path(tempfile.mkdtemp(prefix="bench-platform-"))
    password = "bench-" + secrets.token_hex(8)
    (tmp / "pw").write_text(password + "\n", encoding="utf-8")
    database, drop = args.database or "", None
    if database:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        name = "reportkit_bench_" + secrets.token_hex(4)
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        admin_url = database
        database = make_conninfo(**{**conninfo_to_dict(database), "dbname": name})

        def drop():
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    port = free_port()
    env = {**os.environ, "REPORTKIT_DATA": str(tmp / "data"), "REPORTKIT_DATABASE": database,
           "DJANGO_SETTINGS_MODULE": "reportkit.platform.settings"}
    cmd = [sys.executable, "-m", "reportkit", "serve", "--data", str(tmp / "data"), "--port", str(port),
           "--admin-user", "admin", "--admin-password-file", str(tmp / "pw"), "--threads", str(args.threads)]
    if database:
        cmd += ["--database", database]
    log = open(tmp / "serve.log", "w")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if requests.get(url + "/login/", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        seeded = subprocess.run([sys.executable, "-c", SEED, str(args.clerks), password], env=env,
                                capture_output=True, text=True, check=True)
        unit_ids = json.loads(seeded.stdout.strip().splitlines()[-1])
        fields = page_fields(data)
        solo = alone(url, password, unit_ids[0], fields)
        clerks: list[Clerk] = []
        began = []

        def go():  # run once, when every clerk has logged in and opened its report
            began.append(time.monotonic())
            for c in clerks:
                c.deadline = began[0] + args.seconds

        gate = threading.Barrier(args.clerks + 1, action=go)
        clerks.extend(Clerk(i, url, password, unit_ids[i], fields, args, 0.0, gate) for i in range(args.clerks))
        for c in clerks:
            c.start()
        gate.wait(timeout=900)
        start = began[0]
        cpu_before = cpu_seconds(server.pid)
        for c in clerks:
            c.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - start
        cpu_after = cpu_seconds(server.pid)
        acks = [a for c in clerks for a in c.acks]
        (tmp / "acks.json").write_text(json.dumps(acks), encoding="utf-8")
        verified = subprocess.run([sys.executable, "-c", VERIFY, str(tmp / "acks.json")], env=env,
                                  capture_output=True, text=True, check=True)
        verdict = json.loads(verified.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        if drop:
            drop()
    checks = [t for c in clerks for t in c.checks]
    saves = [t for c in clerks for t in c.saves]
    errors = [e for c in clerks for e in c.errors]
    ms = lambda v: round(v * 1000, 1)  # noqa: E731
    return {
        "database": "postgresql" if args.database else "sqlite", "clerks": args.clerks, "seconds": round(elapsed, 1),
        "think_s": args.think, "server_threads": args.threads,
        "requests": len(checks) + len(saves), "requests_per_s": round((len(checks) + len(saves)) / elapsed, 1),
        "check_ms": {"n": len(checks), "p50": ms(pct(checks, 50)), "p95": ms(pct(checks, 95)), "max": ms(max(checks or [0]))},
        "save_ms": {"n": len(saves), "p50": ms(pct(saves, 50)), "p95": ms(pct(saves, 95)), "max": ms(max(saves or [0]))},
        "server_cpu_ms_per_request": (round((cpu_after - cpu_before) * 1000 / max(1, len(checks) + len(saves)), 1)
                                      if cpu_before is not None and cpu_after is not None else None),
        "errors": len(errors), "error_samples": errors[:5],
        "acknowledged_saves": verdict["checked"], "lost_edits": len(verdict["lost"]),
        "baseline_validate_ms": round(baseline * 1000, 2),
        "check_alone_ms": {"n": len(solo), "p50": ms(pct(solo, 50)), "p95": ms(pct(solo, 95))},
        "check_p50_over_validate": round(pct(checks, 50) / baseline, 1) if checks else None,
    }


def print_table(res: dict) -> None:
    print(f"reportkit serve · {res['database']} · {res['clerks']} clerks · {res['seconds']} s · think {res['think_s']} s "
          f"· {res['server_threads']} threads · {res['cpus']} CPUs")
    print(f"  requests           {res['requests']} ({res['requests_per_s']}/s)")
    c, s = res["check_ms"], res["save_ms"]
    print(f"  live check (ms)    n={c['n']}  p50={c['p50']}  p95={c['p95']}  max={c['max']}")
    print(f"  autosave (ms)      n={s['n']}  p50={s['p50']}  p95={s['p95']}  max={s['max']}")
    print(f"  server CPU         {res['server_cpu_ms_per_request']} ms per request (the waitress process, "
          "whatever else the machine runs)")
    print(f"  errors             {res['errors']} {res['error_samples'] or ''}")
    print(f"  lost edits         {res['lost_edits']} of {res['acknowledged_saves']} acknowledged saves")
    a = res["check_alone_ms"]
    print(f"  one clerk alone    live check p50={a['p50']} ms  p95={a['p95']} ms (same server, before the others)")
    print(f"  baseline           reportkit.validate in-process {res['baseline_validate_ms']} ms "
          f"(live check p50 under load = {res['check_p50_over_validate']}x)")
    print(f"  load average       {res['loadavg_1min']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clerks", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--think", type=float, default=1.0, help="mean pause between a clerk's changes (s)")
    ap.add_argument("--save-every", type=int, default=5, help="every n-th change is an autosave")
    ap.add_argument("--threads", type=int, default=8, help="reportkit serve --threads")
    ap.add_argument("--database", default=None, help="a PostgreSQL URL able to CREATE DATABASE (default SQLite)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.clerks < 1 or args.seconds <= 0 or args.save_every < 1:
        ap.error("--clerks, --seconds and --save-every must be positive")
    return run_and_report("platform", lambda: measure(args), print_table, args.json)


if __name__ == "__main__":
    sys.exit(main())
