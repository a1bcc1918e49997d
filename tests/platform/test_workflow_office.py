"""The office's dashboard on a generated region of 300 units over two years (tests/platform/
regiondata.py) with planted problems — late, copied text between two units, broken carry-over,
imbalance: each shows at its unit after the region's review, nothing shows at the clean ones;
units not started are listed; filters, bulk approve and return, the review's workbook and page,
the export of every unit's JSON and form, the audit log as CSV.  On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
import time
import zipfile

import pytest

from .conftest import HERE
from .regiondata import PLANTED
from .wfhelpers import JSON

pytestmark = pytest.mark.slow

N = 300
#: this year: its deadline (31 January next year) is still ahead, so no unit is overdue by the calendar
YEAR = dt.date.today().year


@pytest.fixture(scope="module")
def region(server):
    out = subprocess.run([sys.executable, str(HERE / "seed_region.py"), server.password, str(N), str(YEAR)],
                         env=server.env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    seeded = json.loads(out.stdout.strip().splitlines()[-1])
    c = server.client("rev_test")
    r = c.post("/office/review", {"region": str(seeded["region"]), "year": str(YEAR)})
    assert r.status_code == 302, r.text[:300]
    run_url = r.headers["Location"]
    deadline = time.monotonic() + 600
    while True:
        run = c.get(run_url, headers=JSON).json()
        if run["state"] in ("done", "failed"):
            break
        assert time.monotonic() < deadline, run
        time.sleep(1)
    assert run["state"] == "done", run["message"]
    return {**seeded, "client": c, "run_url": run_url, "run": run}


def _dashboard(region, **query) -> list[dict]:
    q = "&".join(f"{k}={v}" for k, v in {"region": region["region"], "year": YEAR, **query}.items())
    r = region["client"].get(f"/office/?{q}", headers=JSON)
    assert r.status_code == 200
    return r.json()["units"]


def _index(row) -> int:
    return int(row["unit"].removeprefix("测试县第").removesuffix("号单位")) - 1


def test_each_planted_problem_shows_at_its_unit_and_nothing_at_the_clean_ones(server, region):
    rows = _dashboard(region)
    assert len(rows) == N  # every unit, also those not started
    by_index = {_index(r): r for r in rows}
    problems = {i: " ".join(r["problems"]) for i, r in by_index.items() if r["problems"]}
    a, b = PLANTED["copy"]
    assert set(problems) == {PLANTED["late"], a, b, PLANTED["carry"], PLANTED["imbalance"]}, problems
    assert "发布时限" in problems[PLANTED["late"]] and "逾期" in problems[PLANTED["late"]]
    assert "内容雷同" in problems[a] and "测试县第0007号单位" in problems[a]
    assert "内容雷同" in problems[b] and "测试县第0006号单位" in problems[b]
    assert "年度衔接" in problems[PLANTED["carry"]] and "上一年度" in problems[PLANTED["carry"]]
    assert by_index[PLANTED["imbalance"]]["errors"] == 2 and "个错误" in problems[PLANTED["imbalance"]]
    clean = [r for i, r in by_index.items() if i not in problems]
    assert all(r["errors"] in (0, None) and r["warnings"] in (0, None) and r["days_left"] > 0 for r in clean)
    not_started = [r for r in rows if r["state"] == "not_started"]
    assert len(not_started) == N // 10 and all(r["report"] is None for r in not_started)
    assert all(_index(r) % 10 == 9 for r in not_started)


def test_the_page_shows_the_same_at_the_unit_rows_and_links_back(server, region):
    import html5lib

    html = region["client"].get(f"/office/?region={region['region']}&year={YEAR}").text
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    rows = doc.findall(".//table[@id='office-units']/tbody/tr")
    assert len(rows) == N
    late = next(r for r in rows if "测试县第0004号单位" in "".join(r.itertext()))
    assert "发布时限" in "".join(late.find(".//td[@class='problems']").itertext())
    assert late.find(".//a").get("href") == f"/reports/{region['reports'][str(region['units'][PLANTED['late']])]}/"
    clean = next(r for r in rows if "测试县第0001号单位" in "".join(r.itertext()))
    assert "".join(clean.find(".//td[@class='problems']").itertext()).strip() == ""
    fresh = next(r for r in rows if "测试县第0010号单位" in "".join(r.itertext()))
    assert "未开始" in "".join(fresh.itertext()) and fresh.find(".//input") is None
    # the review page links each unit to its report too
    review = region["client"].get(region["run_url"]).text
    assert f"/reports/{region['reports'][str(region['units'][PLANTED['carry']])]}/" in review


def test_filters(server, region):
    a, b = PLANTED["copy"]
    assert {_index(r) for r in _dashboard(region, problem="problems")} == {
        PLANTED["late"], a, b, PLANTED["carry"], PLANTED["imbalance"]}
    assert {_index(r) for r in _dashboard(region, problem="errors")} == {PLANTED["imbalance"]}
    assert len(_dashboard(region, state="not_started")) == N // 10
    assert len(_dashboard(region, problem="waiting")) == N - N // 10


def test_the_review_workbook_and_page_download(server, region):
    import openpyxl

    run = region["run_url"].rstrip("/")
    r = region["client"].get(run + "/xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    cells = {str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v}
    assert "测试县第0004号单位" in cells and "测试县第0300号单位" not in cells  # not started: not reviewed
    r = region["client"].get(run + "/html")
    assert r.status_code == 200 and "测试县第0011号单位" in r.content.decode("utf-8")
    assert server.client("reviewer").get(run + "/html").status_code == 404  # another region's reviewer


def test_bulk_approve_and_bulk_return_with_one_reason(server, region):
    c = region["client"]
    ids = [region["reports"][str(region["units"][i])] for i in (0, 1, 2, 11, 12)]
    r = c.post("/office/bulk", {"action": "approve", "report": [str(i) for i in ids[:3]]}, headers=JSON)
    assert r.json() == {"ok": True, "done": ["测试县第0001号单位", "测试县第0002号单位", "测试县第0003号单位"],
                        "refused": []}
    r = c.post("/office/bulk", {"action": "return", "report": [str(i) for i in ids[3:]]}, headers=JSON)
    assert not r.json()["ok"] and all("理由" in x for x in r.json()["refused"])
    r = c.post("/office/bulk", {"action": "return", "reason": "请按县政务公开办通知补充第六部分",
                                "report": [str(i) for i in ids[2:]]}, headers=JSON)
    assert r.json()["done"] == ["测试县第0012号单位", "测试县第0013号单位"]
    assert r.json()["refused"] == ["测试县第0003号单位：报告当前状态为“已通过”，不能“退回修改”（只有“已提交”的报告可以）"]
    states = {_index(x): x["state"] for x in _dashboard(region)}
    assert [states[i] for i in (0, 1, 2, 11, 12)] == ["approved"] * 3 + ["returned"] * 2
    # a clerk of another region cannot bulk-approve these reports: they are not theirs to see
    r = server.client("clerk_a").post("/office/bulk", {"action": "approve", "report": [str(ids[4])]}, headers=JSON)
    assert r.json()["done"] == [] and states[12] == "returned"
    # the audit log, as CSV, holds each with the one reason
    r = c.get("/office/audit.csv")
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["时间", "账号", "操作", "对象类型", "对象", "来源地址", "详情"]
    returned = [row for row in rows if row[2] == "report.return" and row[1] == "rev_test"]
    assert {row[4] for row in returned} == {str(i) for i in ids[3:]}
    assert all(json.loads(row[6])["reason"] == "请按县政务公开办通知补充第六部分" for row in returned)


def test_export_every_units_current_json_and_form(server, region):
    import reportkit

    c = region["client"]
    r = c.post("/office/export", {"region": str(region["region"]), "year": str(YEAR)})
    assert r.status_code == 302
    run = r.headers["Location"]
    deadline = time.monotonic() + 600
    while (job := c.get(run, headers=JSON).json())["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(1)
    assert job["state"] == "done" and job["reports"] == N - N // 10, job
    r = c.get(run + "zip")
    assert r.status_code == 200
    z = zipfile.ZipFile(io.BytesIO(r.content))
    names = z.namelist()
    assert sum(n.endswith(".json") for n in names) == N - N // 10
    assert sum(n.endswith("-填报表单.xlsx") for n in names) == N - N // 10
    stem = f"测试县第0004号单位-{YEAR}"
    data = json.loads(z.read(f"{stem}/{stem}.json"))
    assert data["agency"] == "测试县第0004号单位" and data["published"] == f"{YEAR + 1}-03-02"
    form = reportkit.load(z.read(f"{stem}/{stem}-填报表单.xlsx"), name=f"{stem}-填报表单.xlsx")
    assert form.data["requests"] == data["requests"] and form.data["problems"] == data["problems"]
    assert "清单.txt" in names
    other = server.client("reviewer")  # the reviewer of another county
    assert other.get(run + "zip").status_code == 404
    assert other.post("/office/export", {"region": str(region["region"]), "year": str(YEAR)}).status_code == 404


def test_a_running_review_or_export_page_follows_its_run_in_place(server, region):
    """While a review or an export runs, its page follows the run by polling and never navigates by
    itself when JavaScript runs (a refresh racing a click on 返回工作台 would bring the user back;
    the same cause as the render page's); without JavaScript a <noscript> refresh does.  The poll
    says the state in words; when the run is done the page offers the result as a link."""
    from .helpers import page

    made = server.shell(
        "from django.contrib.auth import get_user_model\n"
        "from reportkit.platform.workflow.models import ExportRun, ReviewRun\n"
        "u = get_user_model().objects.get(username='rev_test')\n"
        f"kw = dict(region_id={region['region']}, year={YEAR}, requested_by=u, state='running')\n"
        "print(ReviewRun.objects.create(**kw).pk, ExportRun.objects.create(**kw).pk)"
    ).strip().splitlines()[-1].split()
    c = region["client"]
    for url in (f"/office/reviews/{made[0]}/", f"/office/exports/{made[1]}/"):
        doc = page(c.get(url).text)
        in_noscript = [m for n in doc.iter("noscript") for m in n.iter("meta")
                       if (m.get("http-equiv") or "").lower() == "refresh"]
        metas = [m for m in doc.iter("meta") if (m.get("http-equiv") or "").lower() == "refresh"]
        assert metas and len(metas) == len(in_noscript), url
        assert any((s.get("src") or "").endswith("platform/follow.js") for s in doc.iter("script"))
        run = doc.find(".//*[@id='run']")
        assert run.get("data-state") == "running" and run.get("data-status-url") == url + "?format=json"
        done = doc.find(".//a[@id='run-done']")
        assert "hidden" in done.get("class").split()  # offered once the poll says done
        poll = c.get(run.get("data-status-url")).json()
        assert poll["state"] == "running" and poll["state_label"] == doc.find(".//*[@id='run-state']").text, poll
        assert poll["state_label"] in ("审查中", "生成中")
    # done: no refresh, no script, the results themselves
    server.shell("from reportkit.platform.workflow.models import ExportRun\n"
                 f"ExportRun.objects.filter(pk={made[1]}).update(state='done')")
    doc = page(c.get(f"/office/exports/{made[1]}/").text)
    assert not [m for m in doc.iter("meta") if (m.get("http-equiv") or "").lower() == "refresh"]
    assert doc.find(".//a[@id='export-download']") is not None and doc.find(".//a[@id='run-done']") is None
