"""The form in a real browser (Debian's chromium and chromedriver, headless): a clerk logs in,
fills the 2021 form of examples/yunxi-zrzyj-2021.json by typing and by pasting a table-三 row,
sees a planted imbalance flagged at its cell, fixes it, renders and downloads — the .docx and
.xlsx byte-identical to ``reportkit render`` of the same JSON."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

import reportkit
from reportkit.contract import tables as layout

from .conftest import _pg_database, start_server, stop_server
from .helpers import YUNXI, yunxi

pytestmark = pytest.mark.slow
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fresh(request, tmp_path_factory):
    database = _pg_database(request) if request.param == "postgresql" else ""
    srv = start_server(tmp_path_factory.mktemp(f"browser-{request.param}"), database, request.param)
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def browser():
    if not (shutil.which(CHROMEDRIVER) and shutil.which(CHROMIUM)):
        pytest.skip("需要 Debian 的 chromium 和 chromium-driver（apt-get install chromium chromium-driver）")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def _type(el, value: str) -> None:
    el.clear()
    el.send_keys(value)


def _paste(driver, el, text: str) -> None:
    """What the browser does on Ctrl-V with ``text`` on the clipboard: a paste event carrying it."""
    driver.execute_script(
        "var dt = new DataTransfer(); dt.setData('text/plain', arguments[1]);"
        "arguments[0].focus();"
        "arguments[0].dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));",
        el, text)


def _checked(driver) -> None:
    """Wait until the live check of the latest change has answered."""
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "report-form").get_attribute("data-checked"))


def _at(driver, name: str) -> list[str]:
    return [li.text for li in driver.find_element(By.ID, "fx-" + name).find_elements(By.TAG_NAME, "li")]


def test_a_clerk_fills_the_form_in_the_browser_and_downloads_the_filing_set(fresh, browser, tmp_path):
    d = browser
    data = yunxi()
    d.get(fresh.url + "/")
    _type(d.find_element(By.ID, "id_username"), "clerk_a")
    _type(d.find_element(By.ID, "id_password"), fresh.password)
    d.find_element(By.ID, "login-submit").click()
    WebDriverWait(d, 30).until(lambda d: d.find_elements(By.ID, "units"))
    year = d.find_element(By.CSS_SELECTOR, "#units input[name=year]")
    _type(year, "2021")
    d.find_element(By.CSS_SELECTOR, f"#units button[data-unit='{fresh.ids['units']['zrzyj']}']").click()
    WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#report-form[data-ready]"))

    def field(name):
        return d.find_element(By.ID, "f-" + name)

    # 基本信息 and the prose, typed
    assert field("agency").get_attribute("value") == data["agency"]
    assert field("agency_id").get_attribute("value") == data["agency_id"]
    _type(field("published"), data["published"])
    _type(field("overview.summary"), data["overview"]["summary"])
    for i, section in enumerate(data["overview"]["sections"], 1):
        _type(field(f"overview.sections.{i}.title"), section["title"])
        _type(field(f"overview.sections.{i}.text"), section["text"])
    _type(field("level"), data["level"])
    # 五 and 六 as the example writes them: its own headings, 上年问题整改, 六's 2021 sub-items
    for key in ("rectification", "rectification_heading", "problems", "problems_heading", "improvements",
                "improvements_heading", "other_matters", "work_points", "proposals", "innovation"):
        if key in data:
            _type(field(key), data[key])
    for key in ("notices", "notice_amount", "collected_amount"):
        _type(field(f"fees.{key}"), str(data["fees"][key]))

    # the figures: 一、本年新收 of table 三 pasted as a row copied from a spreadsheet (label, 件, total
    # included), every other figure typed
    received = data["requests"]["received"]
    row = "一、本年新收政府信息公开申请数量\t" + "\t".join(f"{received[k]}件" for k in
                                                  ("natural", "business", "research", "nonprofit", "legal", "other"))
    _paste(d, field("requests.received.natural"), row + f"\t{sum(received.values())}\r\n")
    for fig in layout.figures("2021"):
        if fig.computed or fig.path.startswith("requests.received."):
            continue
        _type(field(fig.path), str(_get(data, fig.path)))
    _checked(d)
    # typing all this took longer than the autosave interval: a draft version was saved on its own
    WebDriverWait(d, 60).until(lambda d: d.find_element(By.ID, "report-form").get_attribute("data-saved"))
    for k, v in received.items():
        assert field(f"requests.received.{k}").get_attribute("value") == str(v)
    assert field("requests.received.total").text == str(sum(received.values()))  # summed as typed
    assert field("requests.results.total.total").text == str(
        sum(sum(r.values()) for r in _result_rows(data)))
    assert d.find_element(By.ID, "count-errors").text == "0", d.find_element(By.ID, "findings").text

    # a planted imbalance: one more 上年结转 by 自然人 than the results account for
    _type(field("requests.carried_over.natural"), str(data["requests"]["carried_over"]["natural"] + 1))
    _checked(d)
    flagged = _at(d, "requests.received.natural")
    assert flagged and any("勾稽" in t for t in flagged), flagged
    assert field("requests.received.natural").get_attribute("aria-invalid") == "true"
    assert int(d.find_element(By.ID, "count-errors").text) >= 1
    assert "勾稽" in d.find_element(By.ID, "findings").text
    link = d.find_element(By.CSS_SELECTOR, "#findings a[href='#f-requests.received.natural']")
    assert "勾稽" in link.text  # the list links to the cell

    # leaving now would lose an edit: the page asks first
    assert d.execute_script("var e = new Event('beforeunload', {cancelable: true});"
                            "window.dispatchEvent(e); return e.defaultPrevented;")

    # fixed
    _type(field("requests.carried_over.natural"), str(data["requests"]["carried_over"]["natural"]))
    _checked(d)
    assert _at(d, "requests.received.natural") == []
    assert d.find_element(By.ID, "count-errors").text == "0"

    d.find_element(By.ID, "save").click()
    WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#report-form[data-ready]")
                               and d.find_element(By.ID, "save-status").text == "")
    assert d.find_element(By.ID, "count-errors").text == "0"
    assert not d.execute_script("var e = new Event('beforeunload', {cancelable: true});"
                                "window.dispatchEvent(e); return e.defaultPrevented;")  # saved: leave freely
    d.find_element(By.ID, "render").click()
    WebDriverWait(d, 300).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#job-files a"))
    assert d.find_element(By.ID, "job-state").text == "已完成"
    links = {a.get_attribute("data-format"): a.get_attribute("href")
             for a in d.find_elements(By.CSS_SELECTOR, "#job-files a")}

    # download with the browser's session; compare with `reportkit render` of the example itself
    import requests

    s = requests.Session()
    for c in d.get_cookies():
        s.cookies.set(c["name"], c["value"])
    cli = subprocess.run([sys.executable, "-m", "reportkit", "render", str(YUNXI), "-o", str(tmp_path / "cli"),
                          "--formats", "docx,xlsx"], env=fresh.env, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    for fmt in ("docx", "xlsx"):
        (path,) = (tmp_path / "cli").glob(f"*.{fmt}")
        got = s.get(links[fmt], timeout=60)
        assert got.status_code == 200
        assert got.content == path.read_bytes(), fmt


def _get(data, dotted):
    node = data
    for p in dotted.split("."):
        node = node[p]
    return node


def _result_rows(data):
    from reportkit.contract import official as contract

    return [_get(data["requests"]["results"], ".".join(p)) for p, _ in contract.applicant_rows("2021")]


def _login(d, server, username):
    d.delete_all_cookies()
    d.get(server.url + "/login/")
    _type(d.find_element(By.ID, "id_username"), username)
    _type(d.find_element(By.ID, "id_password"), server.password)
    d.find_element(By.ID, "login-submit").click()
    WebDriverWait(d, 30).until(lambda d: d.find_elements(By.ID, "units"))


def _open_report(d, server, unit_key, year):
    _type(d.find_element(By.CSS_SELECTOR, f"#units button[data-unit='{server.ids['units'][unit_key]}']")
          .find_element(By.XPATH, "..").find_element(By.NAME, "year"), str(year))
    d.find_element(By.CSS_SELECTOR, f"#units button[data-unit='{server.ids['units'][unit_key]}']").click()
    WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#report-form[data-ready]"))


def _upload(d, path):
    d.find_element(By.ID, "upload-link").click()
    d.find_element(By.ID, "upload-file").send_keys(str(path))
    d.find_element(By.ID, "upload-submit").click()


def test_a_clerk_imports_a_published_report_and_a_form_in_the_browser(fresh, browser, tmp_path):
    from reportkit.form import form_bytes

    d = browser
    data = yunxi()
    published = reportkit.render(data, tmp_path / "published", formats=["docx", "html"])
    docx = next(p for p in published.paths if p.suffix == ".docx")
    _login(d, fresh, "clerk_b")

    # last year's published report (a Word file) starts this year's report: carried over
    _open_report(d, fresh, "jyj", 2022)
    _upload(d, docx)
    WebDriverWait(d, 120).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".messages li.success"))
    assert "沿用" in d.find_element(By.CSS_SELECTOR, ".messages").text
    carried = data["requests"]["carried_forward"]
    for key, value in carried.items():
        if key != "total":
            assert d.find_element(By.ID, f"f-requests.carried_over.{key}").get_attribute("value") == str(value)
    assert d.find_element(By.ID, "f-overview.sections.1.text").get_attribute("value") == ""

    # this year's form (.xlsx) becomes the next version, figures and prose as filled
    form = tmp_path / "2022.xlsx"
    form.write_bytes(form_bytes(data | {"year": 2022, "published": "2023-01-20", "agency": "云溪县教育局",
                                        "agency_id": "11339901MB1F27999X"}))
    _upload(d, form)
    WebDriverWait(d, 120).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".messages li.success"))
    assert "上传填报表单" in d.find_element(By.CSS_SELECTOR, ".messages").text
    assert d.find_element(By.ID, "f-requests.received.natural").get_attribute("value") == str(
        data["requests"]["received"]["natural"])
    assert d.find_element(By.ID, "f-problems").get_attribute("value") == data["problems"]

    # a file the importer cannot read completely: its reasons on the page, nothing imported
    broken = tmp_path / "残缺.docx"
    broken.write_bytes(docx.read_bytes()[:4000])
    number = d.find_element(By.ID, "version-number").text
    _upload(d, broken)
    WebDriverWait(d, 60).until(lambda d: d.find_elements(By.ID, "refusal"))
    assert "残缺.docx" in d.find_element(By.ID, "refusal").text
    d.find_element(By.LINK_TEXT, "← 返回 云溪县教育局 2022 年度").click()
    WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#report-form[data-ready]"))
    assert d.find_element(By.ID, "version-number").text == number

    # pasting into table 三: a column (one number a line, "-" and "/" as empty) fills downwards,
    # a row separated by commas fills to the right, units and full-width digits taken off
    _paste(d, d.find_element(By.ID, "f-requests.received.natural"), "1\n-\n／\n")
    assert [d.find_element(By.ID, f"f-requests.{p}.natural").get_attribute("value")
            for p in ("received", "carried_over", "results.granted")] == ["1", "0", "0"]
    _paste(d, d.find_element(By.ID, "f-requests.carried_forward.business"), "５，6件, 7")
    assert [d.find_element(By.ID, f"f-requests.carried_forward.{k}").get_attribute("value")
            for k in ("business", "research", "nonprofit")] == ["5", "6", "7"]
    _checked(d)
    assert d.find_element(By.ID, "f-requests.carried_forward.total").text == str(
        sum(int(d.find_element(By.ID, f"f-requests.carried_forward.{k}").get_attribute("value"))
            for k in ("natural", "business", "research", "nonprofit", "legal", "other")))
