"""The text of a report, paragraph by paragraph → the narrative fields of the contract.

A published report reads: the title (agency and year), a preface, the six numbered sections
一、总体情况 … 六、其他需要报告的事项, then the 落款 (the agency's name and the date).  Sections
一 and 五 may carry （一）（二）… sub-sections, as a heading on its own line or run into the first
sentence (``（一）主动公开情况。2024 年，……``).  The text around the tables of 二–四 is not part of
the contract and is ignored.  Everything that had to be interpreted is reported as a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..writing.context import cn_number, fee_sentence, standard_preface
from ..reading.labels import fold
from ..reading.pdf import PAGE_NUMBER


#: the six sections: (numeral, words one of which its title must contain, official title)
SECTIONS = (
    ("一", ("总体情况",), "一、总体情况"),
    ("二", ("主动公开",), "二、主动公开政府信息情况"),
    ("三", ("收到和处理", "依申请"), "三、收到和处理政府信息公开申请情况"),
    ("四", ("行政复议", "行政诉讼"), "四、政府信息公开行政复议、行政诉讼情况"),
    ("五", ("问题",), "五、存在的主要问题及改进情况"),
    ("六", ("其他需要报告", "其他事项"), "六、其他需要报告的事项"),
)
_HEADING = re.compile(r"^([一二三四五六])[、.．,，]\s*(.{2,40})$")
_SUB = re.compile(r"^[（(]([一二三四五六七八九十]{1,3})[）)]\s*(.*)$", re.S)
_DATE = re.compile(r"^(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$|^(20\d{2})[-./](\d{1,2})[-./](\d{1,2})$")
_TITLE = re.compile(r"^(?:关于)?(?P<before>.*?)(?:关于)?(?P<year>20\d{2})年度?(?P<after>.*?)政府信息公开(?:工作)?(?:年度)?报告$")
_YEAR = re.compile(r"20\d{2}\s*年")
_PERIOD = re.compile(r"(20\d{2})\s*年\s*1\s*月\s*1\s*日")
_META = re.compile(r"^(发布日期|发布时间|日期|时间|来源|信息来源|索引号|发文机关|浏览次数|点击数|字号|【|打印|关闭|分享)")
_PUBLISHED = re.compile(r"(?:(?:发布|成文|印发)(?:日期|时间)|^(?:时间|日期))[:：]?(20\d{2})[-./年](\d{1,2})[-./月](\d{1,2})")
#: the four items the 2021 edition asks for in 六
SIX_ITEMS = ("信息处理费", "落实上级年度政务公开工作要点情况", "人大代表建议和政协提案办理结果公开情况", "政务公开工作创新情况")
_SIX_ITEM = re.compile(r"^(?:[（(][一二三四五六七八九十]{1,2}[）)]|[一二三四五六七八九十\d]{1,2}[、.．])\s*(.{2,40}?)[。：:]?$")
_IMPROVE = re.compile(r"改进|整改|措施|打算|计划|下一步|举措")
_FEE = re.compile(r"^本年度政府信息公开信息处理费情况：(.+)。$")
_FEE_PARTS = (("notices", re.compile(r"^发出收费通知(\d+)件$")),
              ("notice_amount", re.compile(r"^收费通知总金额(\d+(?:\.\d+)?)元$")),
              ("collected_amount", re.compile(r"^实际收取信息处理费(\d+(?:\.\d+)?)元$")))


@dataclass
class Prose:
    fields: dict = field(default_factory=dict)       # agency, year, published, preface, overview, …
    found: set = field(default_factory=set)          # the numerals of the sections found
    notes: list = field(default_factory=list)        # (kind, message, contract path or None)


def _clean(paragraphs: list[str]) -> list[str]:
    out = []
    for p in paragraphs:
        p = p.replace("\u3000", " ").replace("\xa0", " ").strip()
        if p and not PAGE_NUMBER.match(p):
            out.append(p)
    return out


def _heading(p: str, want: int) -> int | None:
    """Index of the section that paragraph ``p`` heads, looking at sections from ``want`` on."""
    m = _HEADING.match(fold(p))
    if not m:
        return None
    for i in range(want, len(SECTIONS)):
        numeral, words, _ = SECTIONS[i]
        if m.group(1) == numeral and any(w in m.group(2) for w in words):
            return i
    return None


def _split_title(rest: str) -> tuple[str, str, bool]:
    """A sub-heading's text → (title, text run into it, guessed)."""
    rest = rest.strip()
    if len(rest) <= 40 and not re.search(r"[。；;！!？?]", rest[:-1] if rest.endswith("。") else rest):
        return rest.rstrip("。：:"), "", False
    m = re.search(r"[。：:]", rest)
    if m and m.start() <= 40:
        return rest[:m.start()], rest[m.end():].strip(), False
    m = re.search(r"[，,；;]", rest)
    cut = m.start() if m and m.start() <= 40 else min(len(rest), 20)
    return rest[:cut], rest, True


def _subsections(paras: list[str]) -> tuple[list[str], list[tuple[str, list[str], bool]]]:
    """Leading paragraphs and the （一）（二）… sub-sections (title, paragraphs, title guessed)."""
    lead: list[str] = []
    subs: list[tuple[str, list[str], bool]] = []
    for p in paras:
        m = _SUB.match(p)
        if m and m.group(1) == cn_number(len(subs) + 1):
            title, text, guessed = _split_title(m.group(2))
            subs.append((title, [text] if text else [], guessed))
        elif subs:
            subs[-1][1].append(p)
        else:
            lead.append(p)
    return lead, subs


def _is_agency(p: str, agency: str | None) -> bool:
    return bool(agency) and fold(p) == fold(agency)


def _looks_like_name(p: str) -> bool:
    return len(p) <= 40 and not re.search(r"[。，,；;：:•·|>»]", p)


def parse_title(text: str) -> tuple[str | None, int | None]:
    """(agency, year) from a title such as ``新义街道办事处2020年政府信息公开工作年度报告``
    (navigation run into the line before the name — ``首页>年报>`` ``•年报`` — is dropped)."""
    m = _TITLE.match(fold(text))
    if not m:
        return None, None
    agency = re.split(r"[•·|>»]", m.group("before") or m.group("after"))[-1].strip("关于的")
    return agency or None, int(m.group("year"))


def read_prose(paragraphs: list[str], edition: str | None) -> Prose:
    out = Prose()
    paras = _clean(paragraphs)
    starts = _section_starts(paras, out.notes)
    if 4 not in starts and _supply_five(paras, starts, out.notes):
        starts = _section_starts(paras, [])
    out.found = {SECTIONS[s][0] for s in starts}
    first = min(starts.values()) if starts else len(paras)

    # ---- title and preface
    head = paras[:first]
    agency, year, t_end = _title(head)
    preface = [p for p in head[(t_end + 1 if t_end is not None else 0):]
               if not _META.match(p) and not (len(p) <= 80 and parse_title(p)[1])]  # the title printed twice
    if agency:
        out.fields["agency"] = agency
    if year:
        out.fields["year"] = year

    # ---- the body of each section
    order = sorted(starts, key=starts.get)
    body = _bodies(paras, starts, order)

    # ---- 落款: the date, and the agency's name above it, end the last section
    last = order[-1] if order else None
    tail = body.get(last, []) if last is not None else preface
    published, signature = _signature(tail, agency, out.notes)
    if not published:  # 发布日期：2020-01-31 printed near the title or at the end (a web page's line)
        published = _published_line(head[:8] + tail[-4:] + paras[-4:], out.notes)
    if published:
        out.fields["published"] = published
    else:
        out.notes.append(("absent", "没有找到落款日期，published 留空", "published"))
    _title_from_elsewhere(out, agency, year, signature, preface, body)
    _preface(out, preface)

    out.fields["overview"] = _overview(body[0], out.notes) if 0 in body else {}  # ---- 一
    if 4 in body:  # ---- 五
        _problems(body[4], out)
    if 5 in body:  # ---- 六
        _other_matters(body[5], edition, out)
    return out


def _section_starts(paras: list[str], notes: list) -> dict[int, int]:
    """Section index → the paragraph that heads it (the six in their order, any missing); a heading
    printed with the official title under another numeral is taken by its title (noted)."""
    starts: dict[int, int] = {}
    want = 0
    for i, p in enumerate(paras):
        s = _heading(p, want)
        if s is None:
            s = _misnumbered(p, want)
            if s is not None:
                notes.append(("guess", f"“{p.strip()[:40]}”的编号与官方不同，按标题读作“{SECTIONS[s][2]}”", None))
        if s is not None:
            starts[s] = i
            want = s + 1
    return starts


def _misnumbered(p: str, want: int) -> int | None:
    """The section, from ``want`` on, whose official title ``p`` prints word for word under another
    numeral (a report that numbered its tables' headings 一、二、三), or None."""
    m = _HEADING.match(fold(p))
    if not m:
        return None
    title = fold(m.group(2)).rstrip("。：:")
    found = [i for i in range(want, len(SECTIONS)) if fold(SECTIONS[i][2].split("、", 1)[1]) == title]
    return found[0] if len(found) == 1 else None


def _supply_five(paras: list[str], starts: dict[int, int], notes: list) -> bool:
    """五 printed without its heading: its first sub-heading ``（一）…问题…`` after 四 (and before 六)
    is taken as its start — the official heading is put above it (noted). True when done."""
    after = starts.get(3, starts.get(2))
    if after is None:
        return False
    end = starts.get(5, len(paras))
    for i in range(after + 1, end):
        m = _SUB.match(paras[i])
        if m and m.group(1) == "一" and "问题" in m.group(2)[:20]:
            paras.insert(i, SECTIONS[4][2])
            notes.append(("guess", f"没有“{SECTIONS[4][2]}”的标题，取“{paras[i + 1].strip()[:20]}”起为这一节", "problems"))
            return True
    return False


def _title(head: list[str]) -> tuple[str | None, int | None, int | None]:
    """(agency, year, index of the title) from the paragraphs before the first section: the first line
    that is a title; the lines above may hold the agency."""
    agency = year = None
    for j in range(min(8, len(head))):  # the first line that is a title; the line above may hold the agency
        agency, year, end = _title_at(head, j)
        if year:
            # the agency on the lines above: a long name is printed over several lines (GB/T 9704
            # §7.3.3 breaks a title where the words allow)
            k = j
            while not agency and k > 0 and j - k < 10 and _looks_like_name(head[k - 1]) and not _META.match(head[k - 1]):
                k -= 1
            if k < j:
                agency = parse_title("".join(head[k:end + 1]))[0]
            return agency, year, end
    return agency, year, None


def _title_at(head: list[str], j: int) -> tuple[str | None, int | None, int]:
    """(agency, year, index of its last line) of a title on ``head[j]``, or on it and the next line when
    the title is broken after its year (``平潭综合实验区2019年`` / ``政府信息公开工作年度报告``)."""
    agency, year = parse_title(head[j]) if len(head[j]) <= 80 else (None, None)
    if (not year and j + 1 < len(head) and _YEAR.search(head[j]) and _looks_like_name(head[j])
            and len(head[j] + head[j + 1]) <= 80):
        return (*parse_title(head[j] + head[j + 1]), j + 1)
    return agency, year, j


def _bodies(paras: list[str], starts: dict[int, int], order: list[int]) -> dict[int, list[str]]:
    """Section index → its paragraphs after the heading, up to the next section's."""
    body: dict[int, list[str]] = {}
    for n, s in enumerate(order):
        end = starts[order[n + 1]] if n + 1 < len(order) else len(paras)
        body[s] = paras[starts[s] + 1:end]
    return body


def _signature(tail: list[str], agency: str | None, notes: list) -> tuple[str | None, str | None]:
    """(the 落款 date, the 落款 name) taken off the end of ``tail`` (the last section's paragraphs),
    page furniture printed after the date dropped (noted)."""
    published = signature = None
    dated = [k for k in range(len(tail) - 1, max(-1, len(tail) - 5), -1) if _DATE.match(fold(tail[k]))]
    if dated and dated[0] < len(tail) - 1:  # page furniture printed after the 落款 (a web page's footer)
        dropped = tail[dated[0] + 1:]
        del tail[dated[0] + 1:]
        notes.append(("guess", f"落款日期之后的 {len(dropped)} 行不是报告正文，未读入：“{dropped[0][:30]}”", None))
    if tail:
        m = _DATE.match(fold(tail[-1]))
        if m:
            y, mo, d = (int(x) for x in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
            published = f"{y:04d}-{mo:02d}-{d:02d}"
            tail.pop()
            if tail and (_is_agency(tail[-1], agency) or len(tail[-1]) <= 40 and not re.search(r"[。；;，,]", tail[-1])):
                signature = tail.pop()
        elif _is_agency(tail[-1], agency):  # a 落款 without a date
            signature = tail.pop()
    return published, signature


def _published_line(lines: list[str], notes: list) -> str | None:
    """The date of the first ``发布日期：…`` line among ``lines`` (noted as a guess), or None."""
    for p in lines:
        m = _PUBLISHED.search(fold(p))
        if m:
            y, mo, d = (int(x) for x in m.groups())
            notes.append(("guess", f"没有落款日期，取“{p.strip()[:30]}”为发布日期", "published"))
            return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def _title_from_elsewhere(out: Prose, agency, year, signature, preface: list[str], body: dict) -> None:
    """Agency and year the title does not give: the agency from the 落款's name, the year from the
    statistics period (``2020年1月1日``) — guesses — or noted missing."""
    if not agency and signature:
        out.fields["agency"] = fold(signature)
        out.notes.append(("guess", f"标题中没有单位名称，取落款署名“{signature}”", "agency"))
    if not year:
        for p in preface + body.get(0, [])[:3]:
            m = _PERIOD.search(p)
            if m:
                out.fields["year"] = int(m.group(1))
                out.notes.append(("guess", f"标题中没有年度，取统计期限中的 {m.group(1)} 年", "year"))
                break
    if "agency" not in out.fields:
        out.notes.append(("missing", "没有找到单位名称（标题应为“××单位××年政府信息公开工作年度报告”）", "agency"))
    if "year" not in out.fields:
        out.notes.append(("missing", "没有找到报告年度（标题中的“××年”）", "year"))


def _preface(out: Prose, preface: list[str]) -> None:
    """The preface, kept only when it is not the standard one."""
    if preface:
        text = "\n".join(preface)
        std = standard_preface(out.fields.get("agency", ""), out.fields.get("year", 0))
        if fold(text) != fold(std):
            out.fields["preface"] = text


def _overview(paras: list[str], notes: list) -> dict:
    """一、总体情况: its lead as the summary, its （一）（二）… sub-sections as titled sections."""
    overview: dict = {}
    lead, subs = _subsections(paras)
    if lead:
        overview["summary"] = "\n".join(lead)
    sections = []
    for title, ps, guessed in subs:
        sections.append({"title": title, "text": "\n".join(ps)})
        if guessed:
            notes.append(("guess", f"一、总体情况的小标题与正文连在一起，取“{title}”为小标题", "overview.sections"))
        if not ps:
            notes.append(("missing", f"一、总体情况 / {title}：小标题下没有正文", "overview.sections"))
    if sections:
        overview["sections"] = sections
    return overview


def _problems(paras: list[str], out: Prose) -> None:
    """五: the problems and the improvements — one text without sub-sections, else the sub-sections
    sorted into the two by their titles."""
    lead, subs = _subsections(paras)
    if not subs:
        if lead:
            out.fields["problems"] = "\n".join(lead)
        return
    problems, improvements = list(lead), []
    kinds = _problem_kinds(subs, out.notes)
    for n, ((title, ps, _), k) in enumerate(zip(subs, kinds), start=1):
        target = problems if k == "problems" else improvements
        if kinds.count(k) > 1:  # more than one sub-section lands in this field: keep the headings
            target.append(f"（{cn_number(n)}）{title}")
        target.extend(ps)
    if len(subs) > 2:
        out.notes.append(("guess", f"五有 {len(subs)} 个小标题，按标题分入存在的问题（problems）和改进情况（improvements）", "problems"))
    if problems:
        out.fields["problems"] = "\n".join(problems)
    if improvements:
        out.fields["improvements"] = "\n".join(improvements)
    # one sub-section each, headed in the unit's own words: keep the words (the contract's
    # problems_heading / improvements_heading; the defaults are not written)
    for k, default in (("problems", "存在的主要问题"), ("improvements", "改进情况")):
        titles = [t for (t, _, _), kind in zip(subs, kinds) if kind == k]
        if len(titles) == 1 and kinds.count(k) == 1 and not lead and titles[0] != default:
            out.fields[f"{k}_heading"] = titles[0]


def _problem_kinds(subs: list, notes: list) -> list[str]:
    """Each of 五's sub-sections: ``improvements`` when its title speaks of them, else ``problems``;
    of two that both read as problems the second is taken as the improvements (noted)."""
    kinds = ["improvements" if _IMPROVE.search(t) and "存在" not in t else "problems" for t, _, _ in subs]
    if len(subs) == 2 and kinds == ["problems", "problems"]:
        kinds = ["problems", "improvements"]
        notes.append(("guess", f"五的第二个小标题“{subs[1][0]}”取为改进情况（improvements）", "improvements"))
    return kinds


def _other_matters(paras: list[str], edition: str | None, out: Prose) -> None:
    """六: reportkit's 信息处理费 sentence read back (2021), the rest kept as printed; the 2021
    sub-items noted."""
    rest = list(paras)
    if edition == "2021" and rest:
        fees = _fees(rest[0])
        if fees is not None:
            out.fields["fees"] = fees
            rest.pop(0)
    items = [m.group(1) for p in rest for m in [_SIX_ITEM.match(fold(p))] if m
             and any(item in m.group(1) for item in SIX_ITEMS)]
    if items:
        out.notes.append(("variant", "六按 2021 版的子项书写（" + "、".join(items) + "），全文记入 other_matters",
                          "other_matters"))
    if rest:  # a 六 that is just “无。” is kept as printed
        out.fields["other_matters"] = "\n".join(rest)


def _fees(p: str) -> dict | None:
    """The 信息处理费 sentence reportkit prints at the top of 六, read back; None if it is another."""
    m = _FEE.match(p)
    if not m:
        return None
    fees: dict = {}
    for part in m.group(1).split("，"):
        for k, rx in _FEE_PARTS:
            pm = rx.match(part)
            if pm:
                fees[k] = int(pm.group(1)) if k == "notices" else pm.group(1)
                break
        else:
            return None
    return fees if fee_sentence(fees) == p else None
