"""The web page on a phone, on a desktop and on paper (issue 21 item 5), in headless Chromium.

* On a 390 px screen the page keeps the screen's width: tables 三 and 四 scroll sideways inside
  their own box (the page was 884 px wide, the tables spilling off the screen).
* On a 1280 px screen every table stays inside the text column (四 stuck out of it), and a column
  head breaks only between its words (商业/企业, never 商业企/业 or 结果维/持).
* Printed, every 总计 and every figure is inside the page, with the table's right border drawn
  beside the last 总计 (四 lost its right border and part of its last column); the same for the
  paste fragment printed as a CMS page would print it, with inline styles only.

Layout is measured in the browser itself: a copy of the page with a measuring script (the page's
own Content-Security-Policy forbids scripts) is loaded in an ``<iframe>`` of the screen's width
(headless Chromium's window is never narrower than 500 px) and ``--dump-dom`` returns the figures.
Paper is read back from the printed PDF with ``pdftotext -bbox`` and from its page image.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import reportkit

from .conftest import ROOT, XINYI, YUNXI, example

sys.path.insert(0, str(ROOT / "tools"))
from build_html_templates import HEAD_WORDS  # noqa: E402  (the words of each head, as the builder has them)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists() or not shutil.which("pdftotext"),
                                    reason="chromium (Debian package) or pdftotext is not installed")

MEASURE = """
function measure(doc, win) {
  var out = {width: doc.documentElement.scrollWidth, view: win.innerWidth, tables: [], heads: []};
  var article = doc.body.firstElementChild.getBoundingClientRect();
  out.column = [article.left, article.right];
  doc.querySelectorAll('table').forEach(function (t) {
    var r = t.getBoundingClientRect(), box = t.parentElement, b = box.getBoundingClientRect();
    out.tables.push({left: r.left, right: r.right, box: [b.left, b.right], scroll: box.scrollWidth,
                     client: box.clientWidth, overflow: win.getComputedStyle(box).overflowX});
  });
  doc.querySelectorAll('th').forEach(function (th) {
    var lines = {}, walker = doc.createTreeWalker(th, NodeFilter.SHOW_TEXT), node;
    while ((node = walker.nextNode())) {
      for (var i = 0; i < node.length; i++) {
        var range = doc.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
        var top = Math.round(range.getBoundingClientRect().top);
        lines[top] = (lines[top] || '') + node.data[i];
      }
    }
    var tops = Object.keys(lines).map(Number).sort(function (a, b) { return a - b; });
    out.heads.push(tops.map(function (k) { return lines[k]; }));
  });
  return out;
}"""


def _chromium(*args, timeout=90):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--no-first-run", "--disable-extensions", "--hide-scrollbars", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)


def measure(page: str, width: int, work: Path) -> dict:
    """The page laid out on a screen ``width`` px wide, measured by Chromium."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "page.html").write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page),
                                    encoding="utf-8")
    (work / "harness.html").write_text(
        f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="page.html" '
        f'style="width:{width}px;height:1500px;border:0"></iframe><script>{MEASURE}\n'
        "document.getElementById('f').addEventListener('load', function () {"
        " var w = this.contentWindow, pre = document.createElement('pre'); pre.id = 'measure';"
        " pre.textContent = JSON.stringify(measure(w.document, w)); document.body.appendChild(pre); });"
        "</script></body></html>", encoding="utf-8")
    r = _chromium("--allow-file-access-from-files", "--window-size=1400,900", "--virtual-time-budget=5000",
                  "--dump-dom", (work / "harness.html").as_uri())
    found = re.search(r'<pre id="measure">(.*?)</pre>', r.stdout.decode("utf-8"), re.S)
    assert found, r.stderr.decode(errors="replace")[-500:]
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, dict[str, str]]:
    """Each example's page and paste fragment, as render writes them."""
    out = {}
    for edition, source in (("2019", XINYI), ("2021", YUNXI)):
        result = reportkit.render(example(source), tmp_path_factory.mktemp(edition), formats=["html"])
        (page,) = [p for p in result.paths if p.suffix == ".html" and not p.stem.endswith("粘贴用")]
        (fragment,) = [p for p in result.paths if p.stem.endswith("粘贴用")]
        out[edition] = {"page": page.read_text(encoding="utf-8"), "fragment": fragment.read_text(encoding="utf-8")}
    return out


def head_breaks_between_words(lines: list[str]) -> bool:
    text = "".join(lines)
    words = HEAD_WORDS.get(text)
    if words is None or len(lines) == 1:
        return True
    ends = {sum(len(w) for w in words[:i]) for i in range(1, len(words))}
    cuts = [sum(len(x) for x in lines[:i]) for i in range(1, len(lines))]
    return all(c in ends for c in cuts)


@needs_chromium
@pytest.mark.parametrize("edition", ["2019", "2021"])
@pytest.mark.parametrize("kind", ["page", "fragment"])
def test_on_a_phone_the_page_keeps_the_screen_width_and_tables_scroll_in_their_box(pages, edition, kind, tmp_path):
    m = measure(pages[edition][kind], 390, tmp_path)
    assert m["view"] == 390
    assert m["width"] <= 390, f"the page is {m['width']} px wide on a 390 px screen"
    for t in m["tables"]:
        assert 0 <= t["box"][0] and t["box"][1] <= 390, t
        assert t["overflow"] == "auto"
    three, four = m["tables"][1], m["tables"][2]
    assert four["scroll"] > four["client"], "表四 is wider than a phone: it scrolls inside its box"
    assert [h for h in m["heads"] if not head_breaks_between_words(h)] == []
    del three


@needs_chromium
@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_on_a_desktop_tables_stay_in_the_text_column_and_heads_break_between_words(pages, edition, tmp_path):
    m = measure(pages[edition]["page"], 1280, tmp_path)
    left, right = m["column"]
    for t in m["tables"]:
        assert left - 0.5 <= t["left"] and t["right"] <= right + 0.5, f"a table sticks out of the column: {t}"
        assert t["scroll"] <= t["client"], "no table scrolls on a desktop"
    broken = [lines for lines in m["heads"] if not head_breaks_between_words(lines)]
    assert broken == [], broken
    # the cases, by name
    heads = {"".join(lines): lines for lines in m["heads"]}
    for head in ("商业企业", "结果维持", "社会公益组织"):
        if head in heads:
            assert heads[head] in ([head], HEAD_WORDS[head][:1] + HEAD_WORDS[head][1:2], list(HEAD_WORDS[head]),
                                   ["".join(HEAD_WORDS[head][:2]), *HEAD_WORDS[head][2:]],
                                   [HEAD_WORDS[head][0], "".join(HEAD_WORDS[head][1:])]), heads[head]


def printed_words(pdf: Path) -> list[tuple[int, float, float, float, float, str, float]]:
    out = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True,
                         timeout=60).stdout.decode("utf-8")
    out = re.sub(r"<!DOCTYPE[^>]*>", "", out).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    words = []
    for n, page in enumerate(ET.fromstring(out).iter("page")):
        width = float(page.get("width"))
        for w in page.iter("word"):
            words.append((n, float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")),
                          w.text or "", width))
    return words


def gray_page(pdf: Path, page: int, dpi: int) -> tuple[int, int, bytes]:
    out = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page + 1), "-l", str(page + 1), "-gray", str(pdf)],
                         capture_output=True, check=True, timeout=60).stdout
    head = out.split(maxsplit=4)
    width, height = int(head[1]), int(head[2])
    return width, height, out[len(out) - width * height:]


@needs_chromium
@pytest.mark.parametrize("edition", ["2019", "2021"])
@pytest.mark.parametrize("kind", ["page", "fragment"])
def test_printed_every_total_is_inside_the_page_with_the_right_border_drawn(pages, edition, kind, tmp_path):
    """The page printed with its own print rules (A4, 20 mm right margin); the fragment as a CMS
    page prints it: inline styles only, the browser's default paper and margins."""
    src = tmp_path / f"{kind}.html"
    text = pages[edition][kind]
    src.write_text(text if kind == "page" else f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
                   f"</head><body>{text}</body></html>", encoding="utf-8")
    pdf = tmp_path / f"{kind}.pdf"
    _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", src.as_uri())
    words = printed_words(pdf)
    totals = [w for w in words if w[5] in ("总计", "（七）总计")]
    assert len(totals) >= 5  # 三's head and （七）, 四's three 总计
    right_margin = 20 / 25.4 * 72 if kind == "page" else 0.4 * 72 - 1  # @page; Chromium's default
    for n, x0, y0, x1, y1, t, width in words:
        if re.fullmatch(r"[0-9.,-]+|总计|（七）总计", t):
            assert x1 <= width - right_margin, f"“{t}” runs off the printed page (x {x1:.1f} of {width:.1f})"
    # 四's last 总计 (the rightmost): the table's right border is printed beside it, inside the page
    n, x0, y0, x1, y1, t, width = max(totals, key=lambda w: (w[3], w[2]))
    dpi = 150
    w, h, px = gray_page(pdf, n, dpi)
    scale = dpi / 72
    row = range(int(y0 * scale), int(y1 * scale))
    limit = int((width - right_margin) * scale)
    border = [x for x in range(int(x1 * scale) + 1, min(limit + 2, w))
              if sum(1 for y in row if px[y * w + x] < 128) > len(row) * 0.8]
    assert border, f"no right border beside the last 总计 on page {n + 1}"
