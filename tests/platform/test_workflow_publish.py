"""Publishing at a stable address, reopening a published report (both versions stay visible),
comments (who may write, answer and close them), the comparison of versions, and the region's
roll-up as a starting point.  On SQLite and PostgreSQL, through HTTP."""

from __future__ import annotations

import pytest

from .conftest import new_report
from .helpers import as_post, page, wait_render, yunxi
from .wfhelpers import JSON, act, events, filled, panel_text, versions

pytestmark = pytest.mark.slow


def _approved(server, clerk, unit, year, **changes):
    c, rid = filled(server, clerk, unit, year, **changes)
    assert act(c, rid, "submit", version="2").json()["state"] == "submitted"
    assert act(server.client("reviewer"), rid, "approve", version="2").json()["state"] == "approved"
    return c, rid


def _render(c, rid) -> dict:
    r = c.post(f"/reports/{rid}/render")
    job = wait_render(c, r.headers["Location"])
    assert job["state"] == "done", job
    return job


def test_published_at_a_stable_address_and_reopening_keeps_both_versions(server):
    c, rid = _approved(server, "clerk_b", "jyj", 2081)
    job = _render(c, rid)
    assert act(c, rid, "publish").json()["state"] == "published"
    links = page(c.get(f"/reports/{rid}/").text).findall(".//ul[@id='wf-publications']//a")
    stable = links[0].get("href").rsplit("/v2/", 1)[0] + "/"
    anonymous = server.client()
    first = anonymous.get(stable)
    assert first.status_code == 200
    manifest = next(o for o in job["outputs"] if o["name"] == "manifest.json")
    assert manifest["sha256"] in first.text and "第 2 版" in first.text
    html = next(o for o in job["outputs"] if o["format"] == "html" and "粘贴用" not in o["name"])
    shown = anonymous.get(stable + "files/" + html["name"])
    assert shown.status_code == 200 and shown.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in shown.headers["Content-Security-Policy"]  # its own page, nothing runs
    # a published report is locked; a change needs 重新打开 by the reviewer
    assert act(c, rid, "reopen", reason="改一处").status_code == 403
    r = c.post(f"/reports/{rid}/", {**as_post(yunxi() | {"year": 2081, "published": "2082-01-22"}, "2021"),
                                    "base": "2"}, headers={"X-Requested-With": "fetch", **JSON})
    assert r.status_code == 403
    assert act(server.client("reviewer"), rid, "reopen", reason="第六部分漏报收费情况").json()["state"] == "returned"
    assert anonymous.get(stable).status_code == 404  # nothing published now …
    old = anonymous.get(stable + "v2/")
    assert old.status_code == 200 and "因重新打开而撤下" in old.text  # … but the old version stays visible
    # changed, approved and published again: both versions in the history
    r = c.post(f"/reports/{rid}/", {**as_post(yunxi() | {"year": 2081, "published": "2082-01-22"}, "2021"),
                                    "base": "2"})
    assert r.status_code == 200 and versions(server, rid) == 3
    assert act(c, rid, "submit", version="3").json()["state"] == "submitted"
    assert act(server.client("reviewer"), rid, "approve", version="3").json()["state"] == "approved"
    _render(c, rid)
    assert act(c, rid, "publish").json()["state"] == "published"
    now = anonymous.get(stable)
    assert now.status_code == 200 and "第 3 版" in now.text
    history = "".join(page(now.text).find(".//ol[@id='pub-history']").itertext())
    assert "第 2 版" in history and "撤下" in history and "第 3 版" in history
    assert [a for _, a, _, _ in events(server, rid)].count("report.publish") == 2


def test_comments_belong_to_the_reviewer_and_answers_to_the_unit(server):
    c, rid = filled(server, "clerk_a", "zrzyj", 2083)
    rev = server.client("reviewer")
    r = c.post(f"/reports/{rid}/comments/", {"path": "problems", "text": "自己批注"}, headers=JSON)
    assert r.status_code == 403
    r = rev.post(f"/reports/{rid}/comments/", {"path": "no.such.place", "text": "x"}, headers=JSON)
    assert r.status_code == 400 and "no.such.place" in r.json()["message"]
    r = rev.post(f"/reports/{rid}/comments/", {"path": "problems", "text": "问题写得太笼统"}, headers=JSON)
    cid = r.json()["comment"]
    assert server.client("clerk_b").post(f"/reports/{rid}/comments/{cid}/reply", {"text": "x"}).status_code == 404
    assert rev.post(f"/reports/{rid}/comments/{cid}/reply", {"text": "x"}, headers=JSON).status_code == 403
    assert c.post(f"/reports/{rid}/comments/{cid}/close", headers=JSON).status_code == 403
    # the comment shows at the paragraph of 五 on the clerk's form, with its official label in the list
    html = c.get(f"/reports/{rid}/").text
    at = page(html).find(".//div[@data-box='problems']/ul[@class='comments']")
    assert at is not None and "问题写得太笼统" in "".join(at.itertext())
    assert "五、存在的主要问题及改进情况" in panel_text(html)
    # the clerk changes the paragraph, answers; the answer names the version with the fix
    data = yunxi() | {"year": 2083, "published": "2084-01-20", "problems": "一是专栏更新不及时。二是解读材料偏少。"}
    assert c.post(f"/reports/{rid}/", {**as_post(data, "2021"), "base": "2"}).status_code == 200
    assert c.post(f"/reports/{rid}/comments/{cid}/reply", {"text": "已具体列明两个问题"}).status_code == 302
    text = panel_text(rev.get(f"/reports/{rid}/").text)
    assert "已具体列明两个问题" in text and "第 2 版 → 第 3 版的修改" in text
    cmp = rev.get(f"/reports/{rid}/compare?a=2&b=3", headers=JSON).json()
    assert cmp["figures"] == [] and [p["path"] for p in cmp["prose"]] == ["problems"]
    cell = page(rev.get(f"/reports/{rid}/compare?a=2&b=3").text).find(".//td[@class='diff']")
    assert cell.find("ins") is not None and cell.find("del") is not None

    def without(el, tag):
        """The text of ``el`` leaving out the ``tag`` elements (and keeping what follows them)."""
        out = [el.text or ""]
        for child in el:
            if child.tag != tag:
                out.append(without(child, tag))
            out.append(child.tail or "")
        return "".join(out)

    assert without(cell, "del") == data["problems"].replace("\n", "")  # the new text
    assert without(cell, "ins") == yunxi()["problems"].replace("\n", "")  # the old text
    assert rev.post(f"/reports/{rid}/comments/{cid}/close").status_code == 302
    assert rev.post(f"/reports/{rid}/comments/{cid}/close", headers=JSON).status_code == 409
    actions = [a for _, a, _, _ in events(server, rid)]
    assert actions.index("comment.add") < actions.index("comment.reply") < actions.index("comment.close")


def test_rollup_starts_from_the_sums_of_approved_reports(server):
    server.shell("from django.contrib.auth import get_user_model; from reportkit.platform.models import *\n"
                 "gov = Unit.objects.create(name='云溪县人民政府', region=Region.objects.get(name='云溪县'), rollup=True)\n"
                 f"u = get_user_model().objects.create_user('clerk_gov', password='{server.password}')\n"
                 "Membership.objects.create(user=u, role='clerk', unit=gov)")
    server.ids["units"]["gov"] = int(server.shell(
        "from reportkit.platform.models import Unit; print(Unit.objects.get(name='云溪县人民政府').pk)").strip())
    gc, grid = new_report(server, "clerk_gov", "gov", 2085)
    r = gc.post(f"/reports/{grid}/rollup", headers=JSON)
    assert r.status_code == 400 and "已通过" in r.json()["message"]  # nothing approved yet
    _approved(server, "clerk_a", "zrzyj", 2085)
    bc, brid = filled(server, "clerk_b", "jyj", 2085)  # a draft: not counted
    r = gc.post(f"/reports/{grid}/rollup")
    assert r.status_code == 302
    v = gc.get(f"/reports/{grid}/versions/2.json").json()
    one = yunxi()
    assert v["requests"]["received"] == one["requests"]["received"]  # one approved unit: its figures
    assert v["rollup"] is True and not v.get("problems")  # tables only: the prose is not touched
    html = gc.get(f"/reports/{grid}/").text
    assert "只是起点" in panel_text(html) and "汇总起点：1 个单位已通过报告的表格合计" in panel_text(html)
    act(bc, brid, "submit", version="2")
    act(server.client("reviewer"), brid, "approve", version="2")  # now both units are approved
    assert gc.post(f"/reports/{grid}/rollup").status_code == 302
    v3 = gc.get(f"/reports/{grid}/versions/3.json").json()
    assert v3["requests"]["received"] == {k: 2 * n for k, n in one["requests"]["received"].items()}
    assert v3["proactive"]["licensing"]["decisions"] == 2 * one["proactive"]["licensing"]["decisions"]
    # a unit's own (not rollup) report cannot be started this way
    c, rid = filled(server, "clerk_a", "zrzyj", 2089)
    r = c.post(f"/reports/{rid}/rollup", headers=JSON)
    assert r.status_code == 400 and "本级政府" in r.json()["message"]


def test_a_comment_on_a_finding_is_shown_at_the_input_it_concerns(server):
    c, rid = filled(server, "clerk_b", "jyj", 2099, published="2099-12-30")  # a warning: dated before the year ended
    rev = server.client("reviewer")
    options = page(rev.get(f"/reports/{rid}/").text).findall(".//select[@id='wf-comment-path']/optgroup[1]/option")
    assert [o.get("value") for o in options] == ["finding:published-early|$.published"]
    r = rev.post(f"/reports/{rid}/comments/", {"path": options[0].get("value"), "text": "落款日期请与印发日期一致"},
                 headers=JSON)
    assert r.status_code == 200
    at = page(c.get(f"/reports/{rid}/").text).find(".//div[@data-box='published']/ul[@class='comments']")
    assert at is not None and "落款日期请与印发日期一致" in "".join(at.itertext())
    r = rev.post(f"/reports/{rid}/comments/", {"path": "finding:balance|$.requests", "text": "x"}, headers=JSON)
    assert r.status_code == 409  # not a finding of the current version
    added = [d for _, a, d, _ in events(server, rid) if a == "comment.add"]
    assert added[0]["finding"] == "published-early" and added[0]["path"] == "published"


def _render_page(html: str) -> tuple[dict, object]:
    """What the render page does by itself and offers: whether it refreshes itself in a browser
    running JavaScript (a refresh outside <noscript>), and its publish form, shown or not."""
    doc = page(html)

    def refreshes(el) -> int:
        return sum((m.get("http-equiv") or "").lower() == "refresh" for m in el.iter("meta"))

    form = doc.find(".//form[@id='wf-publish']")
    return {"refreshes with JavaScript": refreshes(doc) > sum(refreshes(n) for n in doc.iter("noscript")),
            "publish shown": form is not None and "hidden" not in (form.get("class") or "").split()}, form


def test_done_is_said_only_when_publishing_works(server):
    """One source of truth for "done": the render job's steps run by hand, in order, and at each
    step its poll, its page, the report's page and the publish action agree — publishing is
    offered exactly when the poll says done, and taken then."""
    c, rid = _approved(server, "clerk_a", "zrzyj", 2065)
    # the job as the render button records it, but not queued: its steps are run below, by hand
    job = int(server.shell(
        "from django.contrib.auth import get_user_model\n"
        "from reportkit.platform.models import RenderJob, Report\n"
        f"r = Report.objects.get(pk={rid})\n"
        "u = get_user_model().objects.get(username='clerk_a')\n"
        "print(RenderJob.objects.create(version=r.current(), requested_by=u, step='排队等待后台生成').pk)"
    ).strip().splitlines()[-1])

    def seen() -> dict:
        poll = c.get(f"/renders/{job}/?format=json").json()
        shown, _ = _render_page(c.get(f"/renders/{job}/").text)
        report_page = page(c.get(f"/reports/{rid}/").text)
        return {"state": poll["state"], "poll publish": poll.get("publish"), **shown,
                "report page publish": report_page.find(".//button[@id='wf-do-publish']") is not None}

    before = {"poll publish": False, "publish shown": False, "report page publish": False,
              "refreshes with JavaScript": False}
    assert seen() == {"state": "queued", **before}
    r = act(c, rid, "publish")
    assert r.status_code == 400 and "请先生成第 2 版的申报材料" in r.json()["message"]

    server.shell("from django.utils import timezone\n"
                 "from reportkit.platform.models import RenderJob\n"
                 "from reportkit.platform.tasks import _step\n"
                 f"_step(RenderJob.objects.get(pk={job}), state=RenderJob.State.RUNNING, started=timezone.now(),"
                 " step='正在生成')")
    assert seen() == {"state": "running", **before}
    assert act(c, rid, "publish").status_code == 400

    out = server.shell(f"from reportkit.platform.tasks import run\nprint(run({job}))")
    assert out.strip().splitlines()[-1] == "done"
    assert seen() == {"state": "done", "poll publish": True, "publish shown": True, "report page publish": True,
                      "refreshes with JavaScript": False}
    # the page's form is the publish action itself
    _, form = _render_page(c.get(f"/renders/{job}/").text)
    fields = {i.get("name"): i.get("value") for i in form.iter("input") if i.get("name") != "csrfmiddlewaretoken"}
    assert form.get("action") == f"/reports/{rid}/act" and fields == {"action": "publish"}
    r = c.post(form.get("action"), fields)
    assert r.status_code == 302 and r.headers["Location"] == f"/reports/{rid}/"
    assert "已发布" in panel_text(c.get(f"/reports/{rid}/").text)
    assert seen() == {"state": "done", "poll publish": False, "publish shown": False, "report page publish": False,
                      "refreshes with JavaScript": False}
