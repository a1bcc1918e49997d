"""The report's state machine through the live server, on SQLite and PostgreSQL: every transition
is allowed to the right role only, every illegal one is refused (a clerk approving, editing an
approved report, publishing a returned one …), and each is an audit event with its reason.

Each test uses its own years, two apart: a report carries over from the year before, and
submitting checks the carry-over against it."""

from __future__ import annotations

import pytest

from .helpers import as_post, yunxi
from .wfhelpers import JSON, act, events, filled, panel_text, state, versions

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def other_reviewer(server):
    """A reviewer of 云岭县 (not of 云溪县, where clerk_a's unit is)."""
    server.shell("from django.contrib.auth import get_user_model; from reportkit.platform.models import Membership, Region\n"
                 f"u = get_user_model().objects.create_user('rev_ling', password='{server.password}')\n"
                 "Membership.objects.create(user=u, role='reviewer', region=Region.objects.get(name='云岭县'))")
    return server.client("rev_ling")


def test_submit_return_resubmit_approve_by_the_right_roles(server, other_reviewer):
    clerk, rid = filled(server, "clerk_a", "zrzyj", 2051)
    rev = server.client("reviewer")
    # only the unit's clerk submits; a reviewer cannot submit for the unit
    r = act(rev, rid, "submit", version="2")
    assert r.status_code == 403 and "填报人" in r.json()["message"]
    assert act(clerk, rid, "submit", version="2").json()["state"] == "submitted"
    # a clerk cannot approve or return (their own report), another region's reviewer cannot see it
    for action in ("approve", "return"):
        r = act(clerk, rid, action, reason="自己通过")
        assert r.status_code == 403 and "审核人" in r.json()["message"], action
        assert act(other_reviewer, rid, action, reason="x").status_code == 404
    assert state(server, rid) == "submitted"
    # returning needs a reason
    r = act(rev, rid, "return")
    assert r.status_code == 400 and "理由" in r.json()["message"]
    assert act(rev, rid, "return", reason="表三数字请核对").json()["state"] == "returned"
    # returned: editable again, resubmitted
    r = clerk.post(f"/reports/{rid}/", {**as_post(yunxi() | {"year": 2051, "published": "2052-01-21"}, "2021"),
                                        "base": "2"})
    assert r.status_code == 200 and versions(server, rid) == 3
    assert act(clerk, rid, "submit", version="2").status_code == 409  # not the version now current
    assert act(clerk, rid, "submit", version="3").json()["state"] == "submitted"
    assert act(rev, rid, "approve", version="3").json()["state"] == "approved"
    history = [(u, a, d.get("reason", "")) for u, a, d, _ in events(server, rid) if a.startswith("report.")]
    assert [a for _, a, _ in history if a in ("report.submit", "report.return", "report.approve")] == [
        "report.submit", "report.return", "report.submit", "report.approve"]
    assert ("reviewer", "report.return", "表三数字请核对") in history
    # the page shows the history with the reason, and no actions to the clerk of an approved report
    text = panel_text(clerk.get(f"/reports/{rid}/").text)
    assert "已通过" in text and "表三数字请核对" in text and "退回修改" in text
    assert "提交审核" not in text


def test_an_approved_report_is_locked(server):
    clerk, rid = filled(server, "clerk_a", "zrzyj", 2053)
    rev = server.client("reviewer")
    assert act(clerk, rid, "submit", version="2").json()["state"] == "submitted"
    assert act(rev, rid, "approve", version="2").json()["state"] == "approved"
    fields = {**as_post(yunxi() | {"year": 2053, "published": "2054-01-25"}, "2021"), "base": "2"}
    r = clerk.post(f"/reports/{rid}/", fields, headers={"X-Requested-With": "fetch", **JSON})
    assert r.status_code == 403 and "已通过" in r.json()["message"]
    r = clerk.post(f"/reports/{rid}/", fields)  # without JavaScript: back to the page with the reason
    assert r.status_code == 302
    assert "不能修改" in clerk.get(f"/reports/{rid}/").text
    assert versions(server, rid) == 2
    # an approved report cannot be withdrawn by the unit, nor returned, nor approved twice
    assert act(clerk, rid, "withdraw", version="2").status_code == 409
    assert act(rev, rid, "return", reason="再看看").status_code == 409
    assert act(rev, rid, "approve", version="2").status_code == 409
    # the clerk cannot reopen it; the reviewer can, with a reason, and the approval is recorded as cleared
    assert act(clerk, rid, "reopen", reason="想改").status_code == 403
    assert act(rev, rid, "reopen").status_code == 400
    assert act(rev, rid, "reopen", reason="发现表四有误").json()["state"] == "returned"
    reopen = [d for _, a, d, _ in events(server, rid) if a == "report.reopen"][0]
    assert reopen["cleared"]["by"] == "reviewer" and reopen["cleared"]["version"] == 2
    assert reopen["reason"] == "发现表四有误"
    assert "清除的通过记录" in panel_text(clerk.get(f"/reports/{rid}/").text)


def test_withdraw_only_before_review_and_publish_only_when_approved(server):
    clerk, rid = filled(server, "clerk_b", "jyj", 2055)
    rev = server.client("reviewer")
    assert act(clerk, rid, "publish").status_code in (403, 409)  # a draft is not published
    act(clerk, rid, "submit", version="2")
    assert act(clerk, rid, "withdraw", version="2", reason="漏填一处").json()["state"] == "draft"
    act(clerk, rid, "submit", version="2")
    act(rev, rid, "return", reason="请补充说明")
    for who in (clerk, rev):  # a returned report is not published, by anyone
        r = act(who, rid, "publish")
        assert r.status_code == 409 and "退回修改" in r.json()["message"]
    assert act(clerk, rid, "withdraw").status_code == 409  # nothing submitted to take back
    act(clerk, rid, "submit", version="2")
    act(rev, rid, "approve", version="2")
    r = act(clerk, rid, "publish")  # approved, but no filing set rendered yet
    assert r.status_code == 400 and "生成" in r.json()["message"]
    assert state(server, rid) == "approved"
    assert ["report.refused" in a for _, a, _, _ in events(server, rid)].count(True) >= 4


def test_errors_block_a_submission_and_each_warning_needs_an_explanation(server):
    bad = yunxi()
    bad["requests"]["results"]["granted"]["natural"] += 1  # 办理结果 one more than the applications
    clerk, rid = filled(server, "clerk_a", "zrzyj", 2057, requests=bad["requests"])
    r = act(clerk, rid, "submit", version="2")
    assert r.status_code == 400 and "错误" in r.json()["message"]
    assert any(f["severity"] == "error" for f in r.json()["findings"])
    # without JavaScript: the refusal page names the findings with their official labels
    r = clerk.post(f"/reports/{rid}/act", {"action": "submit", "version": "2"})
    assert r.status_code == 400 and "✗ 错误" in r.text and "三、收到和处理政府信息公开申请情况" in r.text
    assert state(server, rid) == "draft"

    clerk, rid = filled(server, "clerk_b", "jyj", 2059, published="2059-12-30")  # before the year ended
    page = clerk.get(f"/reports/{rid}/").text
    assert "提交前须逐条说明以下警告" in panel_text(page)
    r = act(clerk, rid, "submit", version="2")
    assert r.status_code == 400 and "说明" in r.json()["message"]
    key = "explain:" + next(f["code"] + "|" + f["path"] for f in r.json()["findings"])
    r = act(clerk, rid, "submit", version="2", **{key: "  "})
    assert r.status_code == 400
    r = act(clerk, rid, "submit", version="2", **{key: "本机关于年底前完成审定，按县政府要求提前发布"})
    assert r.json()["state"] == "submitted"
    submit = [d for _, a, d, _ in events(server, rid) if a == "report.submit"][0]
    assert submit["warnings"][0]["explanation"] == "本机关于年底前完成审定，按县政府要求提前发布"
    assert submit["warnings"][0]["code"] == "published-early"
    # the reviewer sees the explanation on the report page
    text = panel_text(server.client("reviewer").get(f"/reports/{rid}/").text)
    assert "本机关于年底前完成审定" in text


def test_anonymous_and_other_units_are_refused(server):
    clerk, rid = filled(server, "clerk_a", "zrzyj", 2061)
    r = server.client().post(f"/reports/{rid}/act", {"action": "submit", "version": "2"})
    assert r.status_code in (302, 403)
    r = act(server.client("clerk_b"), rid, "submit", version="2")
    assert r.status_code == 404
    assert state(server, rid) == "draft"
