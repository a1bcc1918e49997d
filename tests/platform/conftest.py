"""A live ``reportkit serve`` for the platform tests, on SQLite and on PostgreSQL.

PostgreSQL: ``REPORTKIT_TEST_POSTGRES`` is a libpq URL of a role that may CREATE DATABASE; each
session creates a fresh database and drops it afterwards.  Without the variable the PostgreSQL
runs are skipped — except under CI (``CI`` set), where they fail: CI must test both.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

requests = pytest.importorskip("requests")
pytest.importorskip("django")

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
PASSWORD = "pw-" + secrets.token_hex(8)
ADMIN = "admin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    env: dict
    data: Path
    proc: subprocess.Popen
    backend: str
    ids: dict = field(default_factory=dict)
    password: str = PASSWORD

    def client(self, username: str | None = None) -> "Client":
        c = Client(self.url)
        if username:
            c.login(username, self.password)
        return c

    def manage(self, *args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "reportkit.platform.manage", *args], env=self.env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "--no-imports", "-c", code)


class Client:
    """A browser-like HTTP client: a session with cookies, the CSRF token sent like Django's forms."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.s = requests.Session()

    def _csrf(self) -> str:
        if "csrftoken" not in self.s.cookies:
            self.s.get(self.url + "/login/")
        return self.s.cookies["csrftoken"]

    def get(self, path: str, **kw):
        kw.setdefault("allow_redirects", False)
        return self.s.get(self.url + path, timeout=60, **kw)

    def post(self, path: str, data=None, files=None, headers=None, **kw):
        kw.setdefault("allow_redirects", False)
        data = dict(data or {})
        data.setdefault("csrfmiddlewaretoken", self._csrf())
        h = {"Referer": self.url + path, **(headers or {})}
        return self.s.post(self.url + path, data=data, files=files, headers=h, timeout=120, **kw)

    def login(self, username: str, password: str):
        r = self.post("/login/", {"username": username, "password": password})
        assert r.status_code == 302, (r.status_code, r.text[:500])
        return r


def _pg_database(request):
    url = os.environ.get("REPORTKIT_TEST_POSTGRES")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI 中必须在 PostgreSQL 上运行平台测试：请设置 REPORTKIT_TEST_POSTGRES（见 .ci/run）")
        pytest.skip("REPORTKIT_TEST_POSTGRES 未设置：跳过 PostgreSQL（本地）")
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = "reportkit_test_" + secrets.token_hex(4)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    params = conninfo_to_dict(url)
    params["dbname"] = name

    def drop():
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    request.addfinalizer(drop)
    return make_conninfo(**params)


def start_server(tmp: Path, database: str, backend: str, extra_env: dict | None = None) -> Server:
    data = tmp / "data"
    pw = tmp / "admin-password"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    port = free_port()
    env = {**os.environ, "REPORTKIT_DATA": str(data), "REPORTKIT_DATABASE": database,
           "DJANGO_SETTINGS_MODULE": "reportkit.platform.settings", **(extra_env or {})}
    env.pop("SOURCE_DATE_EPOCH", None)
    cmd = [sys.executable, "-m", "reportkit", "serve", "--data", str(data), "--port", str(port),
           "--admin-user", ADMIN, "--admin-password-file", str(pw)]
    if database:
        cmd += ["--database", database]
    log = open(tmp / "serve.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise AssertionError("reportkit serve exited: " + (tmp / "serve.log").read_text())
        try:
            if requests.get(url + "/login/", timeout=5).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("reportkit serve did not start: " + (tmp / "serve.log").read_text())
        time.sleep(0.3)
    server = Server(url, env, data, proc, backend)
    out = subprocess.run([sys.executable, str(HERE / "seed.py"), PASSWORD], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    server.ids = json.loads(out.stdout.strip().splitlines()[-1])
    return server


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    database = _pg_database(request) if request.param == "postgresql" else ""
    tmp = tmp_path_factory.mktemp(f"serve-{request.param}")
    srv = start_server(tmp, database, request.param)
    yield srv
    stop_server(srv)


def new_report(server: Server, clerk: str, unit_key: str, year: int) -> tuple[Client, int]:
    """A clerk's client and the id of a new report of their unit for ``year``."""
    c = server.client(clerk)
    r = c.post(f"/units/{server.ids['units'][unit_key]}/reports/new", {"year": str(year)})
    assert r.status_code == 302, r.text[:500]
    m = re.search(r"/reports/(\d+)/", r.headers["Location"])
    return c, int(m.group(1))


def form_fields(html: str) -> dict[str, str]:
    """The named inputs and textareas of a page, with their values, as a browser would post them."""
    import html5lib

    doc = html5lib.parse(html, namespaceHTMLElements=False)
    out: dict[str, str] = {}
    form = doc.find(".//form[@id='report-form']")
    for el in form.iter():
        name = el.get("name")
        if not name:
            continue
        if el.tag == "input":
            if el.get("type") == "checkbox":
                if el.get("checked") is not None:
                    out[name] = "on"
            else:
                out[name] = el.get("value") or ""
        elif el.tag == "textarea":
            out[name] = el.text or ""
    return out
