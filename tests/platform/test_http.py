"""The platform over HTTP against a live ``reportkit serve`` (SQLite and PostgreSQL): the form
page, the live check, versions and conflicts, uploads, background rendering, the audit log."""

from __future__ import annotations

import hashlib
import json

import pytest

from reportkit.contract import tables as layout

from .conftest import new_report
from .helpers import as_post, at_cell, page, wait_render, yunxi

pytestmark = pytest.mark.slow

BALANCE = "requests.received.natural"


def _save(client, rid, fields, base, **headers):
    return client.post(f"/reports/{rid}/", {**fields, "base": str(base)}, headers=headers or None)


def test_the_form_has_the_official_tables_with_their_merged_heads(server):
    c, rid = new_report(server, "clerk_a", "zrzyj", 2021)
    r = c.get(f"/reports/{rid}/")
    assert r.status_code == 200
    doc = page(r.text)
    for t in layout.tables("2021"):
        shown = doc.find(f".//table[@data-table='{t.key}']")
        assert shown is not None, t.key
        trs = shown.findall(".//tr")
        assert len(trs) == len(t.rows)
        for tr, row in zip(trs, t.rows):
            cells = [el for el in tr if el.tag in ("th", "td")]
            assert len(cells) == len(row)
            for el, cell in zip(cells, row):
                assert int(el.get("rowspan", 1)) == cell.rowspan and int(el.get("colspan", 1)) == cell.colspan
                if cell.is_figure:
                    inner = el.find(".//output") if cell.computed else el.find(".//input")
                    assert inner is not None and inner.get("id") == f"f-{cell.path}"
                else:
                    assert "".join(el.itertext()).strip() == cell.text  # labels character-exact
    # a content security policy without inline scripts: every script is a file of the server
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    scripts = doc.findall(".//script")
    assert scripts and all(s.get("src", "").startswith("/static/") and not (s.text or "").strip() for s in scripts)
    js = c.get(scripts[0].get("src"))
    assert js.status_code == 200 and "recompute" in js.text


def test_typing_the_example_saves_a_version_and_findings_show_at_their_cell(server):
    c, rid = new_report(server, "clerk_a", "zrzyj", 2023)
    # a 2023 report (2021 edition) filled with the example's data, year aside
    data = yunxi()
    data["year"] = 2023
    data["published"] = "2024-01-20"
    fields = as_post(data, "2021")
    planted = dict(fields, **{BALANCE: str(int(fields[BALANCE]) + 1)})
    r = _save(c, rid, planted, 1)
    assert r.status_code == 200
    shown = at_cell(r.text, BALANCE)
    assert shown and any("勾稽" in s or "不等" in s or "不平衡" in s for s in shown), shown
    doc = page(r.text)
    assert doc.find(".//input[@id='f-requests.received.natural']").get("aria-invalid") == "true"
    assert doc.find(".//span[@id='count-errors']").text != "0"
    links = [a.get("href") for a in doc.findall(".//ul[@id='findings']/li/a")]
    assert f"#f-{BALANCE}" in links  # the list links to the cell
    # the totals are computed on the server too (the page works without JavaScript)
    assert doc.find(".//output[@id='f-requests.received.total']").text.strip() == str(
        sum(data["requests"]["received"].values()) + 1)
    base = int(doc.find(".//input[@id='base']").get("value"))
    assert base == 2
    r = _save(c, rid, fields, base)
    assert r.status_code == 200 and at_cell(r.text, BALANCE) == []
    assert page(r.text).find(".//span[@id='count-errors']").text == "0"
    # the version holds exactly what was typed
    v = c.get(f"/reports/{rid}/versions/3.json")
    saved = json.loads(v.content)
    assert saved["requests"]["received"] == data["requests"]["received"]
    assert saved["overview"]["sections"] == data["overview"]["sections"]


def test_live_check_answers_findings_with_their_anchor_and_saves_nothing(server):
    c, rid = new_report(server, "clerk_b", "jyj", 2021)
    data = yunxi()
    data["agency"], data["agency_id"] = "云溪县教育局", "11339901MB1F27999X"
    fields = as_post(data, "2021")
    fields["requests.results.denied.third_party.natural"] = "12件"
    # as the page's script posts it: the inputs as one JSON object, the CSRF token in its header
    r = c.s.post(server.url + f"/reports/{rid}/check", json=fields, timeout=60,
                 headers={"X-Requested-With": "fetch", "X-CSRFToken": c._csrf(), "Referer": server.url + "/"})
    assert r.status_code == 200
    payload = r.json()
    anchors = {f["anchor"] for f in payload["findings"] if f["severity"] == "error"}
    assert "requests.results.denied.third_party.natural" in anchors
    assert len(c.get(f"/reports/{rid}/versions/").text.split("第 2 版")) == 1  # nothing saved
    # a plain form post reads the same
    plain = c.post(f"/reports/{rid}/check", fields, headers={"X-Requested-With": "fetch"}).json()
    assert plain["findings"] == payload["findings"]
    bad = c.s.post(server.url + f"/reports/{rid}/check", data=b"[1]", timeout=60, headers={
        "Content-Type": "application/json", "X-CSRFToken": c._csrf(), "Referer": server.url + "/"})
    assert bad.status_code == 400 and "JSON" in bad.json()["message"]


def test_a_stale_save_is_a_conflict_never_an_overwrite(server):
    c, rid = new_report(server, "clerk_a", "zrzyj", 2024)
    other = server.client("clerk_a")
    fields = as_post(yunxi() | {"year": 2024}, "2021")
    first = _save(c, rid, dict(fields, problems="甲的修改"), 1, **{"X-Requested-With": "fetch"})
    assert first.status_code == 200 and first.json()["version"] == 2
    second = _save(other, rid, dict(fields, problems="乙的修改"), 1, **{"X-Requested-With": "fetch"})
    assert second.status_code == 409
    assert "冲突" in second.json()["message"] and second.json()["current"] == 2
    plain = _save(other, rid, dict(fields, problems="乙的修改"), 1)
    assert plain.status_code == 409 and "保存冲突" in "".join(page(plain.text).find(".//div[@id='conflict']").itertext())
    saved = json.loads(c.get(f"/reports/{rid}/versions/2.json").content)
    assert saved["problems"] == "甲的修改"
    assert c.get(f"/reports/{rid}/versions/3.json").status_code == 404


def test_render_in_the_background_gives_the_bytes_of_reportkit_render(server, tmp_path):
    import reportkit

    c, rid = new_report(server, "clerk_a", "zrzyj", 2021)
    data = yunxi()
    r = _save(c, rid, as_post(data, "2021"), 1)
    assert page(r.text).find(".//span[@id='count-errors']").text == "0"
    r = c.post(f"/reports/{rid}/render")
    assert r.status_code == 302
    job_url = r.headers["Location"]
    job = wait_render(c, job_url)
    assert job["state"] == "done", job
    names = {o["format"]: o for o in job["outputs"]}
    assert {"docx", "xlsx", "html", "json"} <= set(names)
    saved = c.get(f"/reports/{rid}/versions/2.json").content
    (tmp_path / "2021.json").write_bytes(saved)
    expected = reportkit.render(tmp_path / "2021.json", tmp_path / "out", formats=["docx", "xlsx", "html"])
    for path in expected.paths:
        fmt = path.suffix[1:]
        if fmt not in ("docx", "xlsx"):
            continue
        got = c.get(names[fmt]["url"])
        assert got.status_code == 200
        assert hashlib.sha256(got.content).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest() \
            == names[fmt]["sha256"], fmt
    # and the same as the example file itself renders
    direct = reportkit.render(data, tmp_path / "direct", formats=["docx", "xlsx"])
    for path in direct.paths[:-1]:
        assert path.read_bytes() == (tmp_path / "out" / path.name).read_bytes()
