"""Authorization: every URL that takes an id, tried by a clerk of another unit, by a reviewer of
another region and anonymously, is refused (404 / redirect to the login) — downloads included;
login throttling; the audit log of every write."""

from __future__ import annotations

import pytest

from .conftest import new_report
from .helpers import as_post, wait_render, yunxi

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def owned(server):
    """A report of 云溪县自然资源局 with a version, a finished render and its files."""
    c, rid = new_report(server, "clerk_a", "zrzyj", 2025)
    data = yunxi() | {"year": 2025, "published": "2026-01-20"}
    r = c.post(f"/reports/{rid}/", {**as_post(data, "2021"), "base": "1"})
    assert r.status_code == 200
    r = c.post(f"/reports/{rid}/render")
    job_url = r.headers["Location"]
    job = wait_render(c, job_url)
    assert job["state"] == "done", job
    gets = [f"/reports/{rid}/", f"/reports/{rid}/versions/", f"/reports/{rid}/versions/1.json",
            f"/reports/{rid}/upload", job_url, job_url + "?format=json"] + [o["url"] for o in job["outputs"]]
    posts = [f"/reports/{rid}/", f"/reports/{rid}/check", f"/reports/{rid}/upload", f"/reports/{rid}/render",
             f"/units/{server.ids['units']['zrzyj']}/reports/new"]
    return {"client": c, "rid": rid, "gets": gets, "posts": posts, "fields": as_post(data, "2021")}


def _versions(server, rid) -> int:
    return int(server.shell(f"from reportkit.platform.models import ReportVersion as V; "
                            f"print(V.objects.filter(report_id={rid}).count())").strip())


def test_the_owner_reaches_every_url(server, owned):
    c = owned["client"]
    for url in owned["gets"]:
        assert c.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["clerk_b", "clerk_c", None])
def test_others_are_refused_everywhere(server, owned, who):
    c = server.client(who)
    before = _versions(server, owned["rid"])
    for url in owned["gets"]:
        r = c.get(url)
        if who is None:
            assert r.status_code == 302 and r.headers["Location"].startswith("/login/"), url
        else:
            assert r.status_code == 404, (url, r.status_code)
            assert "云溪县自然资源局" not in r.text
    for url in owned["posts"]:
        r = c.post(url, {**owned["fields"], "base": "2", "year": "2026"})
        if who is None:
            assert r.status_code in (302, 403) and r.headers.get("Location", "/login/").startswith("/login/"), url
        else:
            assert r.status_code == 404, (url, r.status_code)
    assert _versions(server, owned["rid"]) == before


def test_a_reviewer_sees_the_region_but_changes_nothing(server, owned):
    c = server.client("reviewer")
    assert c.get(f"/reports/{owned['rid']}/").status_code == 200
    assert c.get(owned["gets"][-1]).status_code == 200  # a download of the region's report
    r = c.post(f"/reports/{owned['rid']}/", {**owned["fields"], "base": "2"})
    assert r.status_code == 404
    home = c.get("/").text
    assert "云溪县自然资源局" in home and "云岭县民政局" not in home


def test_a_reviewer_of_the_city_sees_the_counties_below(server, owned):
    c = server.client("city_reviewer")
    assert c.get(f"/reports/{owned['rid']}/").status_code == 200
    assert c.get(owned["gets"][-1]).status_code == 200
    assert c.post(f"/reports/{owned['rid']}/render").status_code == 302  # a reviewer may have the set made
    assert c.post(f"/reports/{owned['rid']}/", {**owned["fields"], "base": "2"}).status_code == 404


def test_post_without_csrf_token_is_refused(server, owned):
    c = owned["client"]
    r = c.s.post(server.url + f"/reports/{owned['rid']}/", data={**owned["fields"], "base": "2"},
                 allow_redirects=False, timeout=30)
    assert r.status_code == 403


def test_login_is_throttled_per_user_and_address(server):
    c = server.client()
    for _ in range(5):
        r = c.post("/login/", {"username": "locked", "password": "wrong"})
        assert r.status_code == 200 and "正确" in r.text  # Django's own message: 请输入一个正确的用户名和密码
    r = c.post("/login/", {"username": "locked", "password": server.password})
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    assert "sessionid" not in c.s.cookies
    server.client("clerk_c")  # another user from the same address still logs in


def test_every_write_is_in_the_audit_log(server, owned):
    out = server.shell(
        "import json; from reportkit.platform.models import AuditEvent as A; "
        "print(json.dumps([[e.username, e.action, e.ip, e.details.get('number')] for e in "
        "A.objects.filter(object_type__in=['Report','ReportVersion','RenderJob']).order_by('id')]))")
    import json

    events = json.loads(out.strip().splitlines()[-1])
    actions = [(u, a) for u, a, ip, _ in events]
    assert ("clerk_a", "report.create") in actions and ("clerk_a", "report.save") in actions
    assert ("clerk_a", "render.request") in actions
    assert all(ip == "127.0.0.1" for _, _, ip, _ in events)
    # the log is append-only: the model refuses changes and deletions
    refused = server.shell(
        "from reportkit.platform.models import AuditEvent as A, ReportVersion as V\n"
        "e = A.objects.first(); v = V.objects.first()\n"
        "for f in (e.save, e.delete, v.save, v.delete):\n"
        "    try:\n        f()\n    except ValueError as exc:\n        print('refused', exc)\n")
    assert refused.count("refused") == 4
