"""The PDF of the Word report (LibreOffice): the text a reader sees and the fonts it carries.

``reportkit.render(..., formats=["docx", "pdf"])`` for both examples, then ``pdftotext -layout``
and ``pdffonts`` (poppler-utils).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import reportkit

from .conftest import XINYI, YUNXI, example, needs_libreoffice

pytestmark = needs_libreoffice

EXAMPLES = {"xinyi-2020": XINYI, "yunxi-2021": YUNXI}

# labels that fit on one line of their cell (narrow columns wrap e.g. 法律服务机构 and 结果维持,
# and pdftotext -layout then interleaves the halves with the neighbouring columns)
TABLE_LABELS = {
    "both": ("申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "总计", "行政复议", "行政诉讼",
             "未经复议直接起诉", "复议后起诉", "信访举报投诉类申请",
             "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
             "一、本年新收政府信息公开申请数量", "四、结转下年度继续办理", "第二十条第（一）项", "信息内容"),
    "2019": ("规范性文件", "本年新制作数量", "采购总金额"),
    "2021": ("行政规范性文件", "本年制发件数", "本年收费金额（单位：万元）", "3.其他"),
}
SECTION_HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")

CJK_FONT = re.compile(r"CJK|Song|Hei|Fang|Kai|Ming|GB2312|WenQuanYi|Droid\s*Sans\s*Fallback|SourceHan|Source\s*Han"
                      r"|UKai|UMing|SimSun|SimHei|Noto\w*SC|AR\s*PL", re.I)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    cache: dict[str, tuple[dict, Path]] = {}

    def get(name: str):
        if name not in cache:
            data = example(EXAMPLES[name])
            result = reportkit.render(data, tmp_path_factory.mktemp(name) / "out", formats=["docx", "pdf"])
            pdf = [p for p in result.paths if p.suffix == ".pdf"]
            assert pdf, f"no PDF made: {result.notes}"
            cache[name] = (data, pdf[0])
        return cache[name]
    return get


@pytest.fixture(params=list(EXAMPLES))
def report(request, pdfs):
    return pdfs(request.param)


def pdftotext(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         check=True, timeout=60)
    return out.stdout.decode("utf-8")


def pdffonts(pdf: Path) -> list[dict]:
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, timeout=60).stdout.decode()
    lines = out.splitlines()
    sep = next(i for i, line in enumerate(lines) if line.startswith("---"))
    fonts = []
    for line in lines[sep + 1:]:
        if not line.strip():
            continue
        tokens = line.split()
        # name type… encoding emb sub uni object-number generation
        fonts.append({"name": tokens[0], "emb": tokens[-5], "line": line})
    return fonts


def test_pdf_is_made_next_to_the_docx(report):
    data, pdf = report
    assert pdf.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert pdf.with_suffix(".docx").exists()


def test_pdf_text_has_title_headings_and_table_labels(report):
    data, pdf = report
    text = pdftotext(pdf)
    flat = squash(text)
    title = f"{data['agency']}{data['year']}年政府信息公开工作年度报告"
    # LibreOffice may break the title over two lines
    assert squash(title) in flat
    assert flat.index(squash(title)) < flat.index("一、总体情况")
    positions = [flat.find(h) for h in SECTION_HEADINGS]
    assert -1 not in positions, [h for h, p in zip(SECTION_HEADINGS, positions) if p == -1]
    assert positions == sorted(positions), "section headings out of order"
    for label in TABLE_LABELS["both"] + TABLE_LABELS[data["format"]]:
        assert squash(label) in flat, f"{label} not in the PDF text"
    assert "其他法律法规禁止公开" not in flat
    assert data["agency"] in flat


def test_pdf_page_numbers(report):
    _, pdf = report
    text = pdftotext(pdf)
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert re.search(rf"—\s*{n}\s*—", page), f"page {n} has no page number '— {n} —'"


def test_pdf_fonts_embedded_and_cjk(report):
    _, pdf = report
    fonts = pdffonts(pdf)
    assert fonts, "the PDF lists no fonts"
    not_embedded = [f["line"] for f in fonts if f["emb"] != "yes"]
    assert not not_embedded, "fonts not embedded:\n" + "\n".join(not_embedded)
    assert any(CJK_FONT.search(f["name"]) for f in fonts), "no CJK font: " + ", ".join(f["name"] for f in fonts)
