"""The whole year in a real browser (Debian's chromium and chromedriver), on SQLite and PostgreSQL:
two units fill and submit; the reviewer writes a comment on a cell of table 三 and returns one
report; its clerk sees the comment at that cell, fixes the figure, replies and resubmits; the
reviewer compares the versions, closes the comment and approves both from the dashboard; the unit
renders and publishes; the published page and its downloads are byte-identical to `reportkit
render` of the same data; the audit log holds every step with user and time."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from zoneinfo import ZoneInfo

import pytest

from .wfhelpers import events, filled, state

pytestmark = pytest.mark.slow

YEAR = 2071
CELL = "requests.received.natural"
FIX = "requests.results.granted.natural"


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("chromium 或 chromedriver 未安装")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(options=opts, service=Service(driver_path))
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


class Page:
    def __init__(self, driver, url):
        self.d, self.url = driver, url

    def wait(self, css, timeout=60):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.d, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def by_id(self, id_):
        from selenium.webdriver.common.by import By

        return self.d.find_element(By.ID, id_)

    def click_and_load(self, element, timeout=120):
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        old = self.d.find_element("tag name", "html")
        element.click()

        def gone(_):  # the old page's root is stale (chromedriver says so in one of two ways)
            try:
                old.tag_name
            except WebDriverException:
                return True
            return False

        WebDriverWait(self.d, timeout).until(gone)
        self.wait("body")

    def login(self, username, password):
        self.d.delete_all_cookies()
        self.d.get(self.url + "/login/")
        self.by_id("id_username").send_keys(username)
        self.by_id("id_password").send_keys(password)
        self.click_and_load(self.by_id("login-submit"))
        assert "/login/" not in self.d.current_url

    def open(self, path):
        self.d.get(self.url + path)
        self.wait("body")

    def type_into(self, id_, text):
        el = self.by_id(id_)
        el.clear()
        el.send_keys(text)

    def text(self, css="body") -> str:
        return self.d.find_element("css selector", css).text


def test_the_year_in_a_browser(server, browser, tmp_path):
    import reportkit
    from selenium.webdriver.support.ui import Select

    p = Page(browser, server.url)
    reports = {}
    for clerk, unit in (("clerk_a", "zrzyj"), ("clerk_b", "jyj")):
        c, rid = filled(server, clerk, unit, YEAR)
        reports[clerk] = (c, rid)
        # the clerk fills a figure in the browser, saves, and submits
        p.login(clerk, server.password)
        p.open(f"/reports/{rid}/")
        p.type_into(f"f-{CELL}", "325")
        p.type_into("f-published", f"{YEAR + 1}-01-18")
        p.click_and_load(p.by_id("save"))
        assert p.by_id("count-errors").text == "0"
        p.click_and_load(p.by_id("wf-do-submit"))
        assert p.by_id("wf-state").text == "已提交"
    _, rid = reports["clerk_a"]

    # the reviewer comments on the cell and returns the report
    p.login("reviewer", server.password)
    p.open(f"/reports/{rid}/")
    Select(p.by_id("wf-comment-path")).select_by_value(CELL)
    p.type_into("wf-comment-text", "本年新收自然人申请数与登记台账不符，请核对")
    p.click_and_load(p.by_id("wf-do-comment"))
    p.type_into("wf-return-reason", "表三数字与台账不符")
    p.click_and_load(p.by_id("wf-do-return"))
    assert p.by_id("wf-state").text == "退回修改"

    # the clerk sees the comment at the cell itself, fixes the figure, replies, resubmits
    p.login("clerk_a", server.password)
    p.open(f"/reports/{rid}/")
    cell = browser.find_element("css selector", f'td[data-box="{CELL}"]')
    comment = cell.find_element("css selector", "ul.comments li.comment")
    assert comment.is_displayed() and "本年新收自然人申请数与登记台账不符" in comment.text
    assert "表三数字与台账不符" in p.text("#workflow")
    p.type_into(f"f-{CELL}", "324")
    p.type_into(f"f-{FIX}", str(int(p.by_id(f"f-{FIX}").get_attribute("value")) - 1))
    p.click_and_load(p.by_id("save"))
    assert p.by_id("count-errors").text == "0" and p.by_id("version-number").text == "4"
    reply = browser.find_element("css selector", "#wf-comments li.open form.reply-form")
    reply.find_element("name", "text").send_keys("已按台账核对，改为324件")
    p.click_and_load(reply.find_element("css selector", "button"))
    p.click_and_load(p.by_id("wf-do-submit"))
    assert p.by_id("wf-state").text == "已提交"

    # the reviewer compares the versions, closes the comment, approves both from the dashboard
    p.login("reviewer", server.password)
    p.open(f"/reports/{rid}/")
    assert "已按台账核对，改为324件" in p.text(f'td[data-box="{CELL}"]')
    p.click_and_load(browser.find_element("link text", "第 3 版 → 第 4 版的修改"))
    figures = p.text("#cmp-figures")
    assert "自然人" in figures and "325" in figures and "324" in figures
    p.open(f"/reports/{rid}/")
    p.click_and_load(browser.find_element("css selector", "#wf-comments li.open form.inline button"))
    assert "已关闭" in p.text("#wf-comments")
    p.click_and_load(p.by_id("office-link"))
    Select(browser.find_element("name", "region")).select_by_visible_text("云溪县")
    year = browser.find_element("css selector", "#office-filter input[name=year]")
    year.clear()
    year.send_keys(str(YEAR))
    p.click_and_load(browser.find_element("css selector", "#office-filter button"))
    for _, r in reports.values():
        browser.find_element("css selector", f'input[name=report][value="{r}"]').click()
    p.click_and_load(p.by_id("bulk-approve"))
    assert "已通过 2 份报告" in p.text(".messages")
    assert [state(server, r) for _, r in reports.values()] == ["approved", "approved"]

    # the unit renders the approved version and publishes it
    c, _ = reports["clerk_a"]
    p.login("clerk_a", server.password)
    p.open(f"/reports/{rid}/")
    p.click_and_load(p.by_id("render"))
    # the render page follows the job in place: when its poll says done the publish button is shown,
    # on the same page (it never reloads itself, so nothing races the clerk's next click)
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    here = browser.find_element("tag name", "html")
    WebDriverWait(browser, 300).until(EC.visibility_of_element_located(("id", "wf-do-publish")))
    assert here.tag_name == "html"  # still the page the click opened: not reloaded
    assert p.by_id("job-state").text == "已完成" and browser.find_elements("css selector", "#job-files a")
    p.click_and_load(p.by_id("wf-do-publish"))
    assert p.by_id("wf-state").text == "已发布"
    p.click_and_load(browser.find_element("css selector", "#wf-publications a"))
    published_url = browser.current_url
    sha = p.by_id("pub-sha256").text
    when = dt.datetime.strptime(p.by_id("pub-time").text, "%Y-%m-%d %H:%M:%S")
    assert len(sha) == 64 and abs(when - dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)) < dt.timedelta(hours=1)

    # the published page and downloads: the bytes `reportkit render` writes for the same data
    saved = c.get(f"/reports/{rid}/versions/4.json").content
    (tmp_path / "v4.json").write_bytes(saved)
    expected = reportkit.render(tmp_path / "v4.json", tmp_path / "out", formats=["docx", "xlsx", "html"])
    anonymous = server.client()
    links = {a.text: a.get_attribute("href") for a in browser.find_elements("css selector", "#pub-files a")}
    for path in expected.paths:
        if path.suffix not in (".docx", ".xlsx", ".html"):
            continue
        got = anonymous.get(links[path.name].removeprefix(server.url))
        assert got.status_code == 200, path.name
        assert got.content == path.read_bytes(), path.name
    manifest = anonymous.get(links["manifest.json"].removeprefix(server.url)).content
    assert hashlib.sha256(manifest).hexdigest() == sha
    page = anonymous.get(published_url.removeprefix(server.url))
    assert page.status_code == 200 and sha in page.text

    # the audit log holds every step, with user and time
    steps = [(u, a) for u, a, _, at in events(server, rid) if at]
    want = [("clerk_a", "report.save"), ("clerk_a", "report.submit"), ("reviewer", "comment.add"),
            ("reviewer", "report.return"), ("clerk_a", "report.save"), ("clerk_a", "comment.reply"),
            ("clerk_a", "report.submit"), ("reviewer", "comment.close"), ("reviewer", "report.approve"),
            ("clerk_a", "render.request"), ("clerk_a", "report.publish")]
    it = iter(steps)
    assert all(step in it for step in want), steps  # in this order


def test_the_offices_review_and_export_in_a_browser(server, browser):
    """The reviewer runs the region's review and the export from the dashboard: each page follows its
    background run in place (never reloading itself) and offers the result when done — the review's
    results by unit, the export's zip."""
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    year = YEAR + 1
    filled(server, "clerk_a", "zrzyj", year)
    p = Page(browser, server.url)
    p.login("reviewer", server.password)
    p.open("/office/")
    Select(browser.find_element("name", "region")).select_by_visible_text("云溪县")
    box = browser.find_element("css selector", "#office-filter input[name=year]")
    box.clear()
    box.send_keys(str(year))
    p.click_and_load(browser.find_element("css selector", "#office-filter button"))
    for button, result in (("run-review", "#review-units"), ("export-zip", None)):
        p.click_and_load(p.by_id(button))
        here = browser.find_element("tag name", "html")
        done = WebDriverWait(browser, 300).until(EC.visibility_of_element_located(("id", "run-done")))
        assert here.tag_name == "html"  # the page the click opened: not reloaded
        assert p.by_id("run-state").text == "已完成"
        if result is None:  # the export: the link is the zip
            assert done.get_attribute("href").endswith("/zip")
            got = server.client("reviewer").get(done.get_attribute("href").removeprefix(server.url))
            assert got.status_code == 200 and got.content[:2] == b"PK"
        else:
            p.click_and_load(done)
            assert "自然资源局" in p.text(result)
        p.open("/office/")  # back to the dashboard
        Select(browser.find_element("name", "region")).select_by_visible_text("云溪县")
        box = browser.find_element("css selector", "#office-filter input[name=year]")
        box.clear()
        box.send_keys(str(year))
        p.click_and_load(browser.find_element("css selector", "#office-filter button"))
