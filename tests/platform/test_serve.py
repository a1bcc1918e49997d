"""``reportkit serve`` itself: what the office is told when something is missing or wrong, what
the data folder holds, the Django admin for administrators only, and a server killed with
SIGKILL leaving the last complete version."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time

import pytest
import requests

from .conftest import PASSWORD, Client, free_port, start_server, stop_server
from .helpers import as_post, yunxi

pytestmark = pytest.mark.slow


def _serve(tmp_path, *args, stdin=subprocess.DEVNULL):
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTKIT_D")}
    return subprocess.run([sys.executable, "-m", "reportkit", "serve", "--data", str(tmp_path / "data"),
                           "--port", str(free_port()), *args], capture_output=True, text=True, env=env,
                          stdin=stdin, timeout=120)


def test_first_start_without_an_administrator_says_how_to_give_one(tmp_path):
    out = _serve(tmp_path)
    assert out.returncode == 2
    assert "首次启动需要创建管理员账号" in out.stderr and "--admin-password-file" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_weak_administrator_password_is_refused(tmp_path):
    (tmp_path / "pw").write_text("123\n", encoding="utf-8")
    out = _serve(tmp_path, "--admin-user", "admin", "--admin-password-file", str(tmp_path / "pw"))
    assert out.returncode == 2 and "管理员密码不符合要求" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("url, said", [
    ("mysql://u@h/db", "不支持的数据库地址"),
    ("postgresql://nobody@127.0.0.1:1/none?connect_timeout=3", "无法连接或更新数据库"),
])
def test_a_database_that_cannot_be_used_is_named(tmp_path, url, said):
    out = _serve(tmp_path, "--database", url)
    assert out.returncode == 2 and said in out.stderr and "Traceback" not in out.stderr, out.stderr


def test_the_data_folder_holds_a_private_key_and_a_wal_database(server):
    if server.backend != "sqlite":
        pytest.skip("SQLite only")
    key = server.data / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) >= 50
    with sqlite3.connect(server.data / "reportkit.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_admin_is_for_administrators_only(server):
    admin = server.client("admin")
    for url in ("/admin/", "/admin/platform/unit/", "/admin/platform/auditevent/", "/admin/platform/reportversion/"):
        r = admin.get(url)
        assert r.status_code == 200, url
    assert "云溪县自然资源局" in admin.get("/admin/platform/unit/").text
    # a clerk's role given a region instead of a unit: the constraint's own message, nothing saved
    user_id = server.ids["users"]["clerk_b"]
    r = admin.post("/admin/platform/membership/add/", {"user": str(user_id), "role": "clerk", "unit": "",
                                                      "region": "1", "_save": "保存"})
    assert r.status_code == 200 and "填报人须选择单位" in r.text
    # a change in the admin is in the audit log, with who and from where
    r = admin.post("/admin/platform/region/add/", {"name": "云峰县", "code": "", "parent": "1", "_save": "保存"})
    assert r.status_code == 302
    events = server.shell("from reportkit.platform.models import AuditEvent as A\n"
                          "for e in A.objects.filter(action='admin.add', object_type='Region'):\n"
                          "    print(e.username, e.ip, e.details['shown'])")
    assert "admin 127.0.0.1 云峰县" in events
    clerk = server.client("clerk_a")
    r = clerk.get("/admin/platform/unit/")
    assert r.status_code == 302 and "/admin/login/" in r.headers["Location"]


def test_a_killed_server_keeps_the_last_complete_version(tmp_path):
    srv = start_server(tmp_path, "", "sqlite")
    try:
        c = srv.client("clerk_a")
        r = c.post(f"/units/{srv.ids['units']['zrzyj']}/reports/new", {"year": "2021"})
        rid = int(r.headers["Location"].strip("/").split("/")[-1])
        fields = as_post(yunxi(), "2021")
        assert c.post(f"/reports/{rid}/", {**fields, "base": "1"}).status_code == 200
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait()
    finally:
        if srv.proc.poll() is None:
            stop_server(srv)
    env = {**srv.env}
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "reportkit", "serve", "--data", str(srv.data), "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                requests.get(url + "/login/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        c = Client(url)
        c.login("clerk_a", PASSWORD)
        saved = json.loads(c.get(f"/reports/{rid}/versions/2.json").content)
        assert saved["requests"] == yunxi()["requests"]  # the version as acknowledged
        assert c.post(f"/reports/{rid}/", {**fields, "problems": "重启后继续", "base": "2"}).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
