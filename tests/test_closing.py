"""The 落款 stays whole in the PDF (issue 21 item 3; GB/T 9704 §7.3.5): the 署名 and the date never
split across pages and never stand alone on a page, however long 六 is.

A sweep of 六 lengths from 0 to 40 sentences, both editions, a short and a long agency name (the
2019-edition example has no date: its 落款 is the 署名 alone), 六 grown two ways: sentences
added to its last paragraph (a paragraph longer than a page once: LibreOffice will not split a
keep-with-next paragraph, and left the date alone on the last page — the issue's case is the
2021 example with 12 sentences more) and sentences as paragraphs of their own.  Every report
goes through the library's own steps — rendered, converted in one LibreOffice run for all of
them as a batch does, checked, committed — and each committed PDF's last page is read back with
its coordinates (``pdftotext -bbox-layout``).
"""

from __future__ import annotations

from contextlib import ExitStack

import docx
import pytest

from reportkit.filing import StagedSet, convert_pdfs, plan
from reportkit.options import RenderOptions

from .conftest import XINYI, YUNXI, example, needs_libreoffice
from .test_typesetting import PAGE_NUMBER, read_pdf, squash

SENTENCE = "本机关围绕年度重点工作持续推进政务公开标准化规范化建设，第{i}项任务已按期完成。"
NAMES = {"short": None, "long": "内蒙古自治区鄂尔多斯市伊金霍洛旗人民政府办公室"}


def grown(source, name: str, n: int, how: str) -> dict:
    d = example(source)
    if NAMES[name]:
        d["agency"] = NAMES[name]
    sentences = [SENTENCE.format(i=i + 1) for i in range(n)]
    if how == "sentences":  # added to the last paragraph
        d["other_matters"] = ((d.get("other_matters") or "") + "".join(sentences)).strip()
    else:
        d["other_matters"] = "\n".join([d.get("other_matters") or ""] + sentences).strip()
    return d


CASES = {
    **{f"{ed}-{name}-{how}-{n}": grown(src, name, n, how)
       for ed, src in (("2019", XINYI), ("2021", YUNXI)) for name in NAMES
       for how, step in (("sentences", 5), ("paragraphs", 10)) for n in range(0, 41, step)},
    "issue-yunxi+12": grown(YUNXI, "short", 12, "sentences"),
}


@pytest.fixture(scope="module")
def committed(tmp_path_factory) -> dict:
    """Every case rendered to .docx and PDF through the library's batch steps."""
    from reportkit.engines import pdf as pdf_engine

    if pdf_engine.find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    work = tmp_path_factory.mktemp("closing")
    out = {}
    with ExitStack() as stack:
        sets = {name: stack.enter_context(StagedSet(plan(data, work / name, RenderOptions(formats=("docx", "pdf")))))
                for name, data in CASES.items()}
        convert_pdfs(list(sets.values()))
        for name, s in sets.items():
            out[name] = {p.suffix: p for p in s.commit().paths}
    return out


def closing_on_last_page(pdf, data: dict) -> tuple[list[str], list[str]]:
    """(the body lines of the last page before the 落款, the 落款's lines); fails when the 落款 is
    not whole at the end of the last page."""
    from reportkit.context import build_context

    doc = build_context(data)["doc"]
    closing = squash(doc["signature"]) + squash(doc["date"])
    pages = read_pdf(pdf)
    last = [ln.text for ln in pages[-1] if not PAGE_NUMBER.fullmatch(ln.text)]
    joined, at = "", len(last)
    while at > 0 and len(joined) < len(closing):
        at -= 1
        joined = last[at] + joined
    assert joined == closing, f"the last page ends with {last[at:]}, not the whole 落款 {closing}"
    return last[:at], last[at:]


@needs_libreoffice
@pytest.mark.parametrize("name", list(CASES))
def test_the_closing_is_whole_and_never_alone(committed, name):
    body, closing = closing_on_last_page(committed[name][".pdf"], CASES[name])
    assert body, f"{name}: the last page holds only the 落款 {closing}"


@needs_libreoffice
def test_the_issue_case_takes_lines_of_six_with_it(committed):
    """Issue 21.3: the 2021 example with 12 sentences more in 六 — the date stood alone on the
    last page.  Now the paragraph's last lines go with the 落款, and they print as lines of the
    same paragraph: the paragraph reads whole, in order, every character there."""
    data = CASES["issue-yunxi+12"]
    body, closing = closing_on_last_page(committed["issue-yunxi+12"][".pdf"], data)
    assert len(body) >= 2 and closing == ["云溪县自然资源局", "2022年1月20日"]
    pages = read_pdf(committed["issue-yunxi+12"][".pdf"])
    flat = "".join(ln.text for page in pages for ln in page if not PAGE_NUMBER.fullmatch(ln.text))
    assert squash(data["other_matters"].split("\n")[-1]) in flat


@needs_libreoffice
@pytest.mark.parametrize("name", ["issue-yunxi+12", "2021-long-sentences-40"])
def test_the_word_report_keeps_the_paragraph_as_written(committed, name):
    """Only the PDF is made from a split copy: the .docx the office edits has 六 as written."""
    document = docx.Document(str(committed[name][".docx"]))
    texts = [p.text for p in document.paragraphs]
    last = CASES[name]["other_matters"].split("\n")[-1]
    assert last in texts
    sig = [i for i, p in enumerate(document.paragraphs) if p.style.name == "落款署名"][0]
    assert [t for t in texts[:sig] if t.strip()][-1] == last
