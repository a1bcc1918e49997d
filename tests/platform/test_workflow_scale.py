"""Two app processes against one database (the scale path of the README): saves and transitions
racing on both are never lost and never doubled — every accepted save is a version, of two
reviewers deciding at once exactly one wins.  On SQLite (one data folder) and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .conftest import Client, free_port
from .helpers import as_post, yunxi
from .wfhelpers import JSON, act, filled, state, versions

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def second(server, tmp_path_factory):
    """A second `reportkit serve` on the same data folder and database, another port."""
    port = free_port()
    cmd = [sys.executable, "-m", "reportkit", "serve", "--data", str(server.data), "--port", str(port)]
    if server.env.get("REPORTKIT_DATABASE"):
        cmd += ["--database", server.env["REPORTKIT_DATABASE"]]
    log = open(tmp_path_factory.mktemp("second") / "serve.log", "w")
    proc = subprocess.Popen(cmd, env=server.env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, "the second reportkit serve exited"
        try:
            if requests.get(url + "/login/", timeout=5).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, "the second reportkit serve did not start"
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _on(url: str, client: Client) -> Client:
    """The same session (cookies in the shared database) on another process."""
    other = Client(url)
    other.s.cookies.update(client.s.cookies)
    return other


def test_saves_racing_on_two_processes_are_never_lost(server, second):
    c, rid = filled(server, "clerk_a", "zrzyj", 2091)
    clients = [c, _on(second, c)] * 4  # eight editors, half on each process
    accepted, refused = [], 0
    for rnd in range(5):
        base = versions(server, rid)
        barrier = threading.Barrier(len(clients))

        def save(i, client):
            data = yunxi() | {"year": 2091, "published": f"2092-01-{10 + i:02d}", "problems": f"第{rnd}轮第{i}人"}
            barrier.wait()
            return client.post(f"/reports/{rid}/", {**as_post(data, "2021"), "base": str(base)},
                               headers={"X-Requested-With": "fetch", **JSON})

        with ThreadPoolExecutor(len(clients)) as pool:
            answers = list(pool.map(lambda a: save(*a), enumerate(clients)))
        assert all(r.status_code in (200, 409) for r in answers), [r.status_code for r in answers]
        won = [r.json()["version"] for r in answers if r.status_code == 200]
        assert won == [base + 1], won  # exactly one of the eight saves on the same base is accepted
        accepted += won
        refused += sum(r.status_code == 409 for r in answers)
    assert versions(server, rid) == 2 + len(accepted) and refused == 5 * 7
    text = server.shell(f"from reportkit.platform.models import ReportVersion as V; "
                        f"print(V.objects.get(report_id={rid}, number={accepted[-1]}).data['problems'])").strip()
    assert text.startswith("第4轮")  # the accepted save is the data stored, not another's


def test_two_reviewers_deciding_at_once_on_two_processes(server, second):
    for year in (2093, 2095, 2097):
        c, rid = filled(server, "clerk_b", "jyj", year)
        assert act(c, rid, "submit", version="2").json()["state"] == "submitted"
        rev = server.client("reviewer")
        clients = [(rev, "approve"), (_on(second, rev), "return"), (_on(second, rev), "approve"), (rev, "return")]
        barrier = threading.Barrier(len(clients))

        def decide(client, action):
            barrier.wait()
            return action, act(client, rid, action, reason="同时审核", version="2")

        with ThreadPoolExecutor(len(clients)) as pool:
            answers = list(pool.map(lambda a: decide(*a), clients))
        winners = [(a, r.json()["state"]) for a, r in answers if r.status_code == 200]
        assert len(winners) == 1, [(a, r.status_code) for a, r in answers]
        assert all(r.status_code == 409 for a, r in answers if r.status_code != 200)
        assert state(server, rid) == winners[0][1]
        changes = int(server.shell(f"from reportkit.platform.workflow.models import StateChange as S; "
                                   f"print(S.objects.filter(report_id={rid}).exclude(action='submit').count())"))
        assert changes == 1
