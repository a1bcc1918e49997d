"""The typesetting of the Word report as the PDF prints it (LibreOffice), checked by the text
and the coordinates of the PDF (``pdftotext -bbox-layout``): every character of the prose is
there (issue 7.5), the title breaks where the meaning allows (7.7), the 落款 never stands alone
on a page (7.8), the 署名 and the date sit where GB/T 9704 §7.3.5.2 puts them, in metric-
compatible fonts (7.9), and 表三 starts on the current page, breaking only between groups of
rows (7.10).

The reports are rendered to .docx with ``reportkit.render`` and converted in one LibreOffice
run (a few seconds for the whole set), with reportkit's font substitutes
(``writing/fonts.conf``), as the PDF step does.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

import reportkit
from reportkit.writing import titles
from reportkit.writing.context import build_context
from reportkit.writing import pdf as pdf_engine
from reportkit.filing.guard import expected_paragraphs

from .conftest import XINYI, YUNXI, example, needs_libreoffice
from .corpus import corpus

PT_PER_ZI = 16  # 3号
RIGHT_EDGE = (210 - 26) / 25.4 * 72  # the right edge of the text block, pt from the left (A4, 26 mm)
LEFT_EDGE = 28 / 25.4 * 72
TEXT_BLOCK = 225 / 25.4 * 72
TOP_EDGE = 37 / 25.4 * 72
PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")

# ----------------------------------------------------------------------------- the rule (no PDF)

TITLE_CASES = {
    "新义街道办事处": ["新义街道办事处"],
    "某局": [],  # fits one line with the year's title
    "新疆维吾尔自治区伊犁哈萨克自治州奎屯市市场监督管理局": ["新疆维吾尔自治区伊犁哈萨克自治州", "奎屯市市场监督管理局"],
    "内蒙古自治区鄂尔多斯市伊金霍洛旗人民政府办公室": ["内蒙古自治区鄂尔多斯市", "伊金霍洛旗人民政府办公室"],
    "黑龙江省哈尔滨市道里区人民政府新阳路街道办事处": ["黑龙江省哈尔滨市", "道里区人民政府新阳路街道办事处"],
    "中国共产党某某省委员会办公厅（某某省人民政府办公厅）": ["中国共产党某某省委员会", "办公厅（某某省人民政府办公厅）"],
    "国家税务总局北京市海淀区税务局第一税务所（办税服务厅）": ["国家税务总局北京市海淀区", "税务局第一税务所（办税服务厅）"],
}


@pytest.mark.parametrize("agency", list(TITLE_CASES))
def test_title_breaks_at_word_boundaries(agency):
    lines = titles.title_lines(agency, 2024)
    want = TITLE_CASES[agency]
    if want:
        assert lines == want + ["2024年政府信息公开工作年度报告"]
    else:
        assert lines == [agency + "2024年政府信息公开工作年度报告"]
    assert "".join(lines) == agency + "2024年政府信息公开工作年度报告"
    assert all(titles.width(line) <= titles.LINE_CHARS for line in lines)


def test_title_never_breaks_inside_brackets_latin_or_digits():
    name = "某某市（ABC123456789国际合作示范区）管理委员会第二十三办公室综合科"
    lines = titles.split_name(name)
    assert len(lines) > 1 and "".join(lines) == name
    cuts = [sum(len(x) for x in lines[:i]) for i in range(1, len(lines))]
    atoms = [m.span() for m in re.finditer(r"（[^）]*）|[0-9A-Za-z]+", name)]
    assert not [c for c in cuts for a, b in atoms if a < c < b], lines


@pytest.mark.parametrize("name, want", [
    ("云溪县人民政府（云溪县自然资源和规划局、云溪县林业局、云溪县地震局合署办公）",
     ["云溪县人民政府（云溪县自然资源和规划局、", "云溪县林业局、云溪县地震局合署办公）"]),
    ("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ中心", None),
])
def test_a_bracket_or_latin_run_wider_than_a_line_is_broken_inside_it(name, want, tmp_path):
    """No boundary of the name's words fits: the bracket (after a 、 where it can) or the run is
    broken, never before a pause or a closing mark — and the report renders (it once stopped with
    an internal error after validation had passed it)."""
    lines = titles.split_name(name)
    assert "".join(lines) == name and all(titles.width(line) <= titles.LINE_CHARS for line in lines), lines
    assert not [line for line in lines if line[0] in "、，。；：）)"], lines
    if want is not None:
        assert lines == want
    d = example(YUNXI)
    d["agency"] = name
    assert reportkit.validate(d) == []
    res = reportkit.render(d, tmp_path, formats=["docx"])
    assert [p.suffix for p in res.paths] == [".docx", ".json"]


def test_title_breaks_after_a_division_not_inside_a_word():
    """市场, 杭州市, 区域 are words: no break after their 市, 州 or 区."""
    name = "某某省杭州市西湖区市场监督管理局区域协调发展办公室综合处"
    lines = titles.split_name(name, 14)
    assert "".join(lines) == name and len(lines) == 3
    cuts = [sum(len(x) for x in lines[:i]) for i in range(1, len(lines))]
    assert not [name[c - 1:c + 1] for c in cuts if name[c - 1:c + 1] in ("市场", "州市", "区域")], lines


# ----------------------------------------------------------------------------- rendering


def with_other_matters(data: dict, extra: int) -> dict:
    """``data`` with ``extra`` one-line paragraphs added to 六 (a 2021 report)."""
    lines = [f"第{i + 1}项其他事项已按要求办理完毕并公开结果。" for i in range(extra)]
    data["other_matters"] = "\n".join([data.get("other_matters", "")] + lines).strip()
    return data


def punctuation_at_line_ends(data: dict) -> dict:
    """Paragraphs in which every mark that may not start a line falls where a line is full: the
    first line of a paragraph holds 26 字 (2 字 indent), the others 28."""
    marks = "，、。；：？！）》”"
    filler = "政府信息公开工作依法有序推进"
    paras = []
    for shift in (0, 1, 2):
        for mark in marks:
            head = (filler * 3)[:26 - shift]
            paras.append(head + mark + (filler * 3)[:27 - shift] + mark + (filler * 3)[:20] + "。")
    data["problems"] = "\n".join(paras)
    return data


def long_agency(data: dict, name: str) -> dict:
    data["agency"] = name
    return data


def table_three_shifted(lines: int) -> dict:
    """The 2021 example with the overview shortened so that 表三 comes ``lines`` lines later."""
    d = example(YUNXI)
    for s in d["overview"]["sections"]:
        s["text"] = s["text"].split("\n")[0]
    d["overview"]["summary"] = "\n".join(["本年度政府信息公开工作有序开展。"] * lines)
    return d


CASES: dict[str, dict] = {
    "xinyi-2020": example(XINYI),
    "yunxi-2021": example(YUNXI),
    "yunxi-2021-one-more-sentence": with_other_matters(example(YUNXI), 1),
    "punctuation-2021": punctuation_at_line_ends(example(YUNXI)),
    "punctuation-2019": punctuation_at_line_ends(example(XINYI)),
    **{f"long-name-{i}": long_agency(example(YUNXI), name)
       for i, name in enumerate(n for n in TITLE_CASES if len(n) > 20)},
    **{f"corpus-{i}": d for i, d in enumerate(corpus(8, start=700))},
    **{f"other-matters+{k}": with_other_matters(example(YUNXI), k) for k in range(2, 24, 3)},
    **{f"table-three+{k}": table_three_shifted(k) for k in range(1, 23, 3)},
    "xinyi-2019-dated": {**example(XINYI), "published": "2021-01-15"},          # a date longer than the 署名
    "long-date": {**example(YUNXI), "agency": "某局", "published": "2022-12-20"},  # much longer
    # a 署名 longer than a line (it wraps): the date still on one line
    "signature-wraps": long_agency(example(YUNXI), "云溪县人民政府（云溪县自然资源和规划局、云溪县林业局、云溪县地震局合署办公）"),
}


@dataclass
class Line:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    words: list  # (x0, x1, text)


@dataclass
class Typeset:
    name: str
    data: dict
    context: dict
    pdf: Path
    pages: list[list[Line]]

    def text(self) -> str:
        """The whole text, page numbers removed, whitespace removed."""
        return "".join(ln.text for page in self.pages for ln in page if not PAGE_NUMBER.fullmatch(ln.text))

    def body(self, page: int) -> list[Line]:
        return [ln for ln in self.pages[page] if not PAGE_NUMBER.fullmatch(ln.text)]


def read_pdf(pdf: Path) -> list[list[Line]]:
    out = subprocess.run(["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         check=True, timeout=60).stdout.decode("utf-8")
    out = re.sub(r"<!DOCTYPE[^>]*>", "", out).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    pages = []
    for p in ET.fromstring(out).iter("page"):
        lines = []
        for ln in p.iter("line"):
            words = [(float(w.get("xMin")), float(w.get("xMax")), w.text or "") for w in ln.iter("word")]
            lines.append(Line(len(pages), float(ln.get("xMin")), float(ln.get("yMin")), float(ln.get("xMax")),
                              float(ln.get("yMax")), "".join(t for _, _, t in words), words))
        pages.append(lines)
    return pages


@pytest.fixture(scope="module")
def typeset(tmp_path_factory) -> dict[str, Typeset]:
    """Every case of CASES rendered to .docx and converted to PDF in one LibreOffice run."""
    if os.environ.get("REPORTKIT_SOFFICE") is None and pdf_engine.find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    work = tmp_path_factory.mktemp("typeset")
    docs = {}
    for name, data in CASES.items():
        result = reportkit.render(data, work / name, formats=["docx"])
        (docx,) = [p for p in result.paths if p.suffix == ".docx"]
        docs[name] = docx.rename(work / f"{name}.docx")
    env = dict(os.environ, FONTCONFIG_FILE=str(pdf_engine.FONTS_CONF))
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([pdf_engine.find_soffice(), "--headless", "--norestore", "--nolockcheck",
                        f"-env:UserInstallation={Path(profile).as_uri()}", "--convert-to", "pdf",
                        "--outdir", str(work), *map(str, docs.values())],
                       env=env, check=True, capture_output=True, timeout=600, stdin=subprocess.DEVNULL)
    out = {}
    for name, docx in docs.items():
        pdf = docx.with_suffix(".pdf")
        data = CASES[name]
        out[name] = Typeset(name, data, build_context(data), pdf, read_pdf(pdf))
    return out


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ----------------------------------------------------------------------------- 7.5 every character


@needs_libreoffice
@pytest.mark.parametrize("name", list(CASES))
def test_every_character_of_every_paragraph_is_in_the_pdf(typeset, name):
    """No full-width ，、。 (or any other character) lost at the end of a justified line."""
    t = typeset[name]
    flat = t.text()
    pos = 0
    for para in expected_paragraphs(t.context):
        want = squash(para)
        at = flat.find(want, pos)
        if at < 0:
            near = flat.find(want[:10], pos)
            got = flat[near:near + len(want) + 2] if near >= 0 else "(not found)"
            pytest.fail(f"{name}: paragraph not printed as written:\n  want {want}\n  got  {got}")
        pos = at + len(want)


@needs_libreoffice
def test_constructed_texts_do_put_punctuation_at_line_ends(typeset):
    """The constructed paragraphs really test what they claim: marks fall at line ends."""
    t = typeset["punctuation-2021"]
    ends = [ln.text[-1] for page in t.pages for ln in page if ln.text]
    assert sum(1 for ch in ends if ch in "，、。；：？！）》”") >= 20

# ----------------------------------------------------------------------------- 7.7 title


def title_lines_printed(t: Typeset) -> list[str]:
    first = t.pages[0]
    return [ln.text for ln in first if ln.y1 - ln.y0 > 25]  # 2号 lines are ~28 pt high, 3号 ~21


@needs_libreoffice
@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith(("other-matters", "table-three"))])
def test_title_lines_are_printed_as_broken(typeset, name):
    t = typeset[name]
    assert title_lines_printed(t) == t.context["doc"]["title_lines"], "the PDF wrapped a title line again"
    lines = t.pages[0][:len(t.context["doc"]["title_lines"])]
    for ln in lines:  # centred on the text block
        assert abs((ln.x0 + ln.x1) / 2 - (LEFT_EDGE + RIGHT_EDGE) / 2) < 4, ln.text


@needs_libreoffice
def test_examples_title_agency_then_year(typeset):
    assert title_lines_printed(typeset["xinyi-2020"]) == ["新义街道办事处", "2020年政府信息公开工作年度报告"]
    assert title_lines_printed(typeset["yunxi-2021"]) == ["云溪县自然资源局", "2021年政府信息公开工作年度报告"]

# ----------------------------------------------------------------------------- 7.8 落款


@needs_libreoffice
@pytest.mark.parametrize("name", list(CASES))
def test_no_page_holds_only_the_signature(typeset, name):
    t = typeset[name]
    doc = t.context["doc"]
    closing = squash(doc["signature"]) + squash(doc["date"])
    pages = ["".join(ln.text for ln in t.body(page)) for page in range(len(t.pages))]
    assert pages[-1].endswith(closing)
    assert all(pages), f"{name}: an empty page"
    assert len(pages[-1]) > len(closing), f"{name}: the last page holds only the 落款"


@needs_libreoffice
def test_signature_follows_the_body_in_the_issue_case(typeset):
    """Issue 7.8: one sentence more in 六 of the 2021 example; the last body line moves with the 落款."""
    t = typeset["yunxi-2021-one-more-sentence"]
    last = [ln.text for ln in t.body(len(t.pages) - 1)]
    assert last[-2:] == ["云溪县自然资源局", "2022年1月20日"]
    assert squash(t.data["other_matters"].splitlines()[-1]).endswith(last[-3][-5:])

# ----------------------------------------------------------------------------- 7.9 date, fonts


def closing_lines(t: Typeset) -> tuple[Line, Line]:
    page = t.body(len(t.pages) - 1)
    return page[-2], page[-1]


@needs_libreoffice
@pytest.mark.parametrize("name", ["yunxi-2021", "xinyi-2019-dated", "long-date"]
                         + [n for n in CASES if n.startswith("corpus") and CASES[n].get("published")][:3])
def test_signature_two_zi_from_the_right_edge(typeset, name):
    t = typeset[name]
    sig, date = closing_lines(t)
    assert sig.text == squash(t.context["doc"]["signature"]) and date.text == squash(t.context["doc"]["date"])
    # the longer of the two ends 2 字 from the right edge (the 署名, unless the date is longer)
    longer = sig if titles.width(sig.text) >= titles.width(date.text) else date
    right_gap = (RIGHT_EDGE - longer.x1) / PT_PER_ZI
    assert right_gap == pytest.approx(2, abs=0.15), f"{name}: 落款 ends {right_gap:.2f} 字 from the right edge"


@needs_libreoffice
@pytest.mark.parametrize("case", ["yunxi-2021", "xinyi-2019-dated", "long-date"]
                         + [n for n in CASES if n.startswith("corpus") and CASES[n].get("published")][:3])
def test_date_starts_two_zi_right_of_the_signature(typeset, case):
    # LibreOffice puts 1/5 字 between a 汉字 and a digit (it ignores w:autoSpaceDN): counted by
    # typesetting.text_width, so the date lands where §7.3.5.2 wants it
    sig, date = closing_lines(typeset[case])
    offset = (date.x0 - sig.x0) / PT_PER_ZI
    assert offset == pytest.approx(2, abs=0.15), f"the date starts {offset:.2f} 字 right of the 署名"


@needs_libreoffice
def test_a_signature_longer_than_a_line_wraps_and_the_date_stays_on_one_line(typeset):
    """A 署名 wider than a line wraps (its lines end 2 字 from the right); the date, on one line,
    starts 2 字 from the left margin, right of where the 署名 starts (once every character of the
    date stood on a line of its own: its indent was wider than the line)."""
    t = typeset["signature-wraps"]
    page = t.body(len(t.pages) - 1)
    first, rest, date = page[-3], page[-2], page[-1]
    assert first.text + rest.text == squash(t.context["doc"]["signature"])
    assert date.text == squash(t.context["doc"]["date"])
    left = min(ln.x0 for page in t.pages for ln in page if not PAGE_NUMBER.fullmatch(ln.text))
    assert (date.x0 - left) / PT_PER_ZI == pytest.approx(2, abs=0.15)
    assert date.x0 > first.x0
    for ln in (first, rest):
        assert (RIGHT_EDGE - ln.x1) / PT_PER_ZI == pytest.approx(2, abs=0.15)


@needs_libreoffice
def test_date_digits_are_half_a_zi(typeset):
    """Times New Roman comes out as the metric-compatible Liberation Serif: a digit is ½ 字 wide
    (DejaVu Serif, fontconfig's default, makes it 0.64 字 and pushes the date about 1 字 left)."""
    sig, date = closing_lines(typeset["yunxi-2021"])
    digits = [(x0, x1) for x0, x1, text in date.words if text.isdigit()]
    assert digits
    for x0, x1 in digits:
        n = [text for a, _, text in date.words if a == x0][0]
        assert (x1 - x0) / len(n) == pytest.approx(PT_PER_ZI / 2, abs=0.3)


def pdffonts(pdf: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, timeout=60).stdout.decode()
    return [line.split()[0].split("+")[-1] for line in out.splitlines()[2:] if line.strip()]


@needs_libreoffice
def test_fonts_are_the_gb_substitutes(typeset):
    fonts = pdffonts(typeset["yunxi-2021"].pdf)
    assert "LiberationSerif" in fonts, fonts
    assert not [f for f in fonts if "DejaVu" in f], fonts
    assert not [f for f in fonts if "UKai" in f], f"楷体 printed in the Taiwan-style UKai: {fonts}"
    assert [f for f in fonts if "Kai" in f and "GB" in f.replace("gb", "GB")] or \
        [f for f in fonts if f.lower().startswith(("gkai", "arplkaitim"))], fonts

# ----------------------------------------------------------------------------- 7.10 表三


HEADING_3 = "三、收到和处理政府信息公开申请情况"
#: docs/templates.md: the heading, header rows and rows 一 and 二 of 表三, "about 4 cm"
BLOCK_MM = 40


def find(t: Typeset, text: str) -> list[Line]:
    return [ln for page in t.pages for ln in page if ln.text.startswith(text)]


@needs_libreoffice
@pytest.mark.parametrize("name", [n for n in CASES if n.startswith(("table-three", "yunxi", "xinyi", "corpus"))])
def test_table_three_starts_on_the_current_page(typeset, name):
    t = typeset[name]
    (heading,) = find(t, HEADING_3)
    first_row = find(t, "一、本年新收政府信息公开申请数量")[0]
    assert first_row.page == heading.page, f"{name}: the heading of 表三 is left alone at a page end"
    # the block that moves to the next page when it does not fit: the heading, the header rows and
    # the rows 一 and 二 (issue 21.8: the old block, said to be 7 cm, measured 88.7 mm)
    second = find(t, "二、上年结转")[0]
    assert second.page == heading.page, f"{name}: the table breaks before its row 二"
    block = (second.y1 - heading.y0) / 72 * 25.4
    assert block < BLOCK_MM, f"{name}: the block that starts 表三 is {block:.1f} mm"
    if heading.page:  # the blank left at the end of the page before is under the block's height
        before = [ln for ln in t.body(heading.page - 1)]
        blank = (TOP_EDGE + TEXT_BLOCK - max(ln.y1 for ln in before)) / 72 * 25.4
        top_of_page = heading.y0 - TOP_EDGE < 10
        assert not top_of_page or blank < BLOCK_MM, f"{name}: {blank:.1f} mm of page {heading.page} left empty"
    # header rows repeated on every page the table covers; no row printed twice (none split)
    pages = {ln.page for ln in find(t, "二、上年结转") + find(t, "四、结转下年度继续办理")}
    table_pages = range(heading.page, max(pages) + 1)
    for page in table_pages:
        assert [ln for ln in t.pages[page] if "申请人情况" in ln.text], f"{name}: no header row on page {page + 1}"
    for label in ("（三）不予公开", "（四）无法提供", "（五）不予处理", "（七）总计"):
        assert len([ln for ln in find(t, label)]) <= 1


@needs_libreoffice
def test_table_three_breaks_across_pages_in_some_case(typeset):
    """The shifted cases do exercise a break inside 表三."""
    split = [n for n, t in typeset.items() if n.startswith("table-three")
             and len({ln.page for ln in find(t, "申请人情况")}) > 1]
    assert split, "no case breaks 表三 across pages"

# ----------------------------------------------------------------------------- 21.8 page number


def gray_page(pdf: Path, page: int, dpi: int) -> tuple[int, int, bytes]:
    """Page ``page`` (1-based) of ``pdf`` as 8-bit grey pixels: (width, height, rows)."""
    out = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-gray", str(pdf)],
                         capture_output=True, check=True, timeout=60).stdout
    head = out.split(maxsplit=4)  # P5 width height maxval data
    assert head[0] == b"P5" and head[3] == b"255"
    width, height = int(head[1]), int(head[2])
    return width, height, out[len(out) - width * height:]


@needs_libreoffice
@pytest.mark.parametrize("page", [1, 2])
def test_page_number_dashes_seven_mm_below_the_text_block(typeset, page):
    """GB/T 9704 §7.5: the 一字线 of “— N —” 7 mm below the text block (it was 10.2 mm): read
    from the page image, the rows where the dashes' horizontal strokes print."""
    dpi = 300
    width, height, px = gray_page(typeset["yunxi-2021"].pdf, page, dpi)
    mm = dpi / 25.4
    top, bottom = round((37 + 225) * mm), round(290 * mm)
    left, right = (round(width * 0.6), width) if page % 2 else (0, round(width * 0.4))  # odd right, even left
    dark = {y: sum(1 for x in range(left, right) if px[y * width + x] < 128) for y in range(top, bottom)}
    widest = max(dark.values())
    stroke = [y for y, n in dark.items() if n > widest / 2]  # the two dashes' strokes, not the digits
    below = ((stroke[0] + stroke[-1]) / 2) / mm - (37 + 225)
    assert below == pytest.approx(7, abs=0.5), f"page {page}: the dashes print {below:.1f} mm below the text block"


@needs_libreoffice
@pytest.mark.parametrize("name", ["xinyi-2020", "yunxi-2021"])
def test_table_three_heads_break_between_words(typeset, name):
    """Issue 21.8: in 12 mm columns 社会公益组织 printed 社会公/益组织 and 法律服务机构 法律服/务机构;
    the four heads under 法人或其他组织 now break between words or not at all."""
    words = [w[2] for page in typeset[name].pages for ln in page for w in ln.words]
    for head, lines in (("商业企业", ["商业企业"]), ("科研机构", ["科研机构"]),
                        ("社会公益组织", ["社会公益", "组织"]), ("法律服务机构", ["法律服务", "机构"])):
        assert all(line in words for line in lines), (head, [w for w in words if w and w in head])
    assert not [w for w in words if w in ("社会公", "益组织", "法律服", "务机构", "商业企", "科研机")]
