"""Crawler text and OCR: a report whose tables were flattened into runs of text, the digits of a row
run together (``一、本年新收政府信息公开申请数量640020470`` is 64, 0, 0, 2, 0, 4 → 70).

The rows are found by their official labels, in the table's order; the run of digits after each
label is split into the row's cells using only what the table itself guarantees:

* a number is never printed with a leading zero (``07``), and a space is never inside a number;
* 表三: each row's 总计 is the sum of its six applicant columns; per column, the 办理结果 rows add up
  to （七）总计, and 一 + 二 = 三（七）+ 四 (the 勾稽关系 printed above the table);
* 表四: each block's 总计 is the sum of its four results.

A split is accepted only when exactly one assignment of every row satisfies all of them; a row
that could still be read more than one way is listed as ambiguous with its candidates, never
guessed (表二 has no arithmetic: its rows are read only when the digits leave one way).  The rows
read become ordinary grids in the official layout, so the rest of the import (labels, notes,
the schema) is the same as for any other document.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from ..contract import tables as layout
from ..reading.docx import WordContent
from ..reading.grid import expand
from ..reading.runs import MAX_SPLITS, NUMBER as _NUMBER, UNIT as _UNIT, splits
from ..reading.pdf import PAGE_NUMBER

#: the most steps the search over a table's rows may take
MAX_STEPS = 200_000
_BODY = re.compile(r"^=+\s*正文\s*=+$")
_META_DATE = re.compile(r"^(发布时间|发布日期|成文日期)\s*[:：]\s*(.+)$")
_HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
             "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")
#: a unit printed after a figure: money (``984361元``) or a count (``2笔``, ``3件``)
_RUN = re.compile(rf"^[\d\s.,，+\-－]*(?:(?<=\d)(?:{_UNIT})[\d\s.,，+\-－]*)*")
_UNIT_END = re.compile(rf"(?:{_UNIT})$")


def looks_flat(text: str) -> bool:
    """A text whose table 三 is run into a line (no tabs or pipes around its rows)."""
    i = text.find("本年新收政府信息公开申请数量")
    if i < 0:
        return False
    after = text[i + len("本年新收政府信息公开申请数量"):i + len("本年新收政府信息公开申请数量") + 40]
    return bool(re.match(r"\s*\d[\d ]{5,}", after)) and "\t" not in after and "|" not in after


def read_flat(text: str, name: str = "") -> WordContent:
    lines = text.splitlines()
    head: list[str] = []
    if any(_BODY.match(ln.strip()) for ln in lines):
        cut = next(i for i, ln in enumerate(lines) if _BODY.match(ln.strip()))
        head, lines = lines[:cut], lines[cut + 1:]
    body = "\n".join(lines)
    out = WordContent()
    for ln in head:  # the crawler's header: the page's title and the date it was published
        m = _META_DATE.match(ln.strip())
        if m:
            out.paragraphs.append(f"发布日期：{m.group(2).strip()}")
        m = re.match(r"^标题\s*[:：]\s*(.+报告)\s*$", ln.strip())
        if m:
            out.paragraphs.insert(0, m.group(1))
    edition = "2019" if "本年新制作数量" in body or "本年新公开数量" in body else "2021"
    spans = _sections(body)
    out.paragraphs += _prose(body, spans)
    notes: list = []
    for key, span in (("proactive", spans.get(1)), ("requests", spans.get(2)), ("appeals", spans.get(3))):
        if span is None:  # the section's heading is not there: its figures are missing
            continue
        segment = body[span[0]:span[1]]
        table = next(t for t in layout.tables(edition) if t.key == key)
        values = _solve(edition, key, segment, notes)
        out.grids.append(_grid(table, values, f"表{'二三四'['proactive requests appeals'.split().index(key)]}（文本）"))
    out.flat_notes = notes  # type: ignore[attr-defined]
    return out


#: the headings as printed, a character dropped or added by a typist (``行政法复议``) allowed
#: 、 between two items of a heading may be printed 与, 及 or 和 (``行政复议与行政诉讼情况``)
_AND = "[、与及和]"
_HEADING_RX = [re.compile("".join((_AND if ch == "、" and n >= 3 else re.escape(ch)) + ("" if n < 3 else ".?")
                                  for n, ch in enumerate(h)))
               for h in _HEADINGS]
#: the headings numbered otherwise (a department's report puts its tables under 一、二、三)
_RENUMBERED_RX = [re.compile(r"[一二三四五六七八九十]{1,2}\s*[、.．]\s*(?:政府信息公开工作)?"
                              + re.escape(h[2:]).replace("、", _AND))
                  for h in _HEADINGS]


_LAYOUT_ROW = re.compile(r"本年新收政府信息公开申请数量[ \u3000]{2,}\d+[ \u3000]{2,}\d+")


def looks_layout(text: str) -> bool:
    """``pdftotext -layout`` output (or a text laid out with spaces): 三's rows end in columns of figures."""
    return bool(_LAYOUT_ROW.search(text))


def read_layout(text: str, name: str = "") -> WordContent:
    """A report as ``pdftotext -layout`` writes it: labels wrapped over lines and cut by page
    breaks, figures in columns.  The tables are read as flat runs (white space kept only between
    two figures), the prose line by line."""
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not PAGE_NUMBER.match(ln)]
    joined = "\n".join(lines)
    flat = re.sub(r"\s+", lambda m: " " if (m.start() and m.string[m.start() - 1].isdigit() and m.end() < len(m.string)
                                            and (m.string[m.end()].isdigit() or m.string[m.end()] in "+-")) else "",
                  joined)
    spans = _sections(flat)
    edition = "2019" if "本年新制作数量" in flat or "本年新公开数量" in flat else "2021"
    out = WordContent()
    notes: list = []
    for key, span in (("proactive", spans.get(1)), ("requests", spans.get(2)), ("appeals", spans.get(3))):
        if span is None:
            continue
        table = next(t for t in layout.tables(edition) if t.key == key)
        values = _solve(edition, key, flat[span[0]:span[1]], notes)
        out.grids.append(_grid(table, values, f"表{'二三四'['proactive requests appeals'.split().index(key)]}（文本）"))
    out.flat_notes = notes  # type: ignore[attr-defined]
    # prose: every line outside the tables, the headings on their own lines
    inside = False
    for ln in lines:
        compact = re.sub(r"\s", "", ln)
        heading = next((i for i, h in enumerate(_HEADINGS) if compact.startswith(h[:6]) and
                        compact.startswith(h[:2])), None)
        if heading is not None and len(compact) <= 40:
            inside = heading in (1, 2, 3)
            out.paragraphs.append(compact)
            continue
        if not inside:
            out.paragraphs.append(ln)
    return out


def _sections(body: str) -> dict[int, tuple[int, int]]:
    """Section index → (start, end) of its text after the heading."""
    found = []
    pos = 0
    for i, h in enumerate(_HEADINGS):
        j = body.find(h, pos)
        end = j + len(h)
        if j < 0:
            m = _HEADING_RX[i].search(body, pos) or _RENUMBERED_RX[i].search(body, pos)
            if m is None:
                continue
            j, end = m.start(), m.end()
        found.append((i, j, end))
        pos = end
    out = {}
    for n, (i, _, after) in enumerate(found):
        end = found[n + 1][1] if n + 1 < len(found) else len(body)
        out[i] = (after, end)
    return out


def _prose(body: str, spans: dict) -> list[str]:
    """Paragraphs: the title, the preface, each heading on its own line and its text; the tables'
    text left out."""
    out: list[str] = []
    first = min((s for s, _ in spans.values()), default=len(body))
    first_heading = first - len(_HEADINGS[min(spans)]) if spans else len(body)
    lead = body[:first_heading].strip()
    # the page around the title: breadcrumbs, 来源/时间, share buttons — short pieces between spaces
    pieces = [p for p in re.split(r"\s+", lead) if p]
    title = next((i for i, p in enumerate(pieces) if p.endswith("报告") and "政府信息公开" in p), None)
    if title is not None:
        text = next((i for i in range(title + 1, len(pieces)) if len(pieces[i]) >= 20 or "。" in pieces[i]),
                    len(pieces))
        out.append(pieces[title])
        rest = " ".join(pieces[text:])
        if rest:
            out.append(rest)
    elif lead:
        out += [p.strip() for p in lead.splitlines() if p.strip()]
    for i, (start, end) in sorted(spans.items()):
        out.append(_HEADINGS[i])
        if i in (1, 2, 3):
            continue
        out += [p.strip() for p in body[start:end].splitlines() if p.strip()]
    return out


# ------------------------------------------------------------------ rows

def _rows(edition: str, key: str) -> list[tuple[str, list]]:
    """(label as printed in the official table, the row's figures) in table order."""
    if key == "proactive":
        return [(label, [f"proactive.{k}.{c.key}" for c in b.columns]) for b in layout.blocks(edition)
                for k, label in b.rows]
    if key == "requests":
        rows = []
        for item in layout.row_tree(edition):
            for chain, leaf in item.leaves():
                path = "requests." + ".".join(leaf.path)
                rows.append((chain[-1], [f"{path}.{col}" for col, _ in layout.APPLICANT_HEADS]))
        return rows
    return [("总计", [f.path for f in layout.figures(edition) if f.path.startswith("appeals.")])]


def _groups(edition: str) -> dict[int, str]:
    """三's row index → the label of its group, for the rows under a group with sub-rows."""
    out, n = {}, 0
    for item in layout.row_tree(edition):
        for chain, _ in item.leaves():
            if len(chain) == 3:
                out[n] = chain[1]
            n += 1
    return out


#: full-width forms as their ASCII twins and 、 as a comma, one character for one (positions kept):
#: a label is found however its brackets and commas were typed (（一） (一), 、 ,)
_HALF = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0x3001: ord(",")}


def _spread(out: list, rows: list, guesses: list | None) -> None:
    """三: a run holding k rows' figures after one row's label, beside rows whose labels were printed
    away from their figures (a PDF converted to Markdown moves a wrapped label out of its row) or not
    found: the run is shared out in table order over k consecutive rows that include its own and whose
    others have no figures — only when exactly one such window is left (windows decided settle the
    others, in turn), one token a cell, every share adding up to its 总计."""
    width = len(rows[0][1])

    def empty(i: int) -> bool:
        return out[i] is None or out[i] == ""

    todo = {}
    for i in range(len(rows)):
        toks = (out[i] or "").split()
        if len(toks) > width and not len(toks) % width and all(_NUMBER.match(t) for t in toks):
            shares = [[int(t) for t in toks[c * width:(c + 1) * width]] for c in range(len(toks) // width)]
            if all(sum(c[:-1]) == c[-1] for c in shares):
                todo[i] = shares
    changed = True
    while todo and changed:
        changed = False
        for i, shares in list(todo.items()):
            k = len(shares)
            windows = [list(range(i - p, i - p + k)) for p in range(k)
                       if i - p >= 0 and i - p + k <= len(rows)
                       and all(r == i or (empty(r) and r not in todo) for r in range(i - p, i - p + k))]
            if len(windows) != 1:
                continue
            for r, share in zip(windows[0], shares):
                out[r] = " ".join(map(str, share))
                if guesses is not None and r != i:
                    guesses.append((r, None))
            del todo[i]
            changed = True


def _runs(segment: str, rows: list[tuple[str, list]], last: bool,
          guesses: list | None = None, groups: dict | None = None, anyorder: bool = False) -> list[str | None]:
    """The digits printed after each row's label (None: label not found).  Rows whose label is not
    found (misprinted, cut short by a line break, ``1、`` for ``1.``) are decided by the text between
    the labels found around them: when it holds exactly as many runs of figures as rows are
    missing there, and each run's label has the row's number and is spelled alike, they are read
    in order, each listed in ``guesses`` as (row index, label as printed)."""
    text = segment.translate(_HALF)
    rows = [(label.translate(_HALF), paths) for label, paths in rows]
    if last:  # 四: the one row of figures is the last run of figures in the section
        return _last_run(text, len(rows[0][1]))
    found = _labels_found(text, rows, anyorder)
    out, ends = _runs_after_labels(text, found)
    _fill_gaps(text, rows, found, ends, out, guesses, groups)
    if groups is not None:
        _spread(out, rows, guesses)
        _moved_labels(text, rows, found, out, guesses)
    return out


def _last_run(text: str, width: int) -> list[str | None]:
    """四's row: the last run of ``width`` figures, else its three blocks printed as three tables
    (复议, 直接起诉, 复议后起诉) joined, else the last run of figures."""
    runs = [r.group(0).strip() for r in _FIGURES.finditer(text)]
    whole = [r for r in runs if len(r.split()) == width]  # one token a cell: the row itself
    if whole:  # (a year in the text after the table, its next heading not found, is no row)
        return [whole[-1]]
    third = width // 3  # the three blocks printed as three tables (复议, 直接起诉, 复议后起诉)
    if len(runs) >= 3 and all(len(r.split()) == third for r in runs[-3:]):
        return [" ".join(runs[-3:])]
    return [runs[-1] if runs else None]


def _labels_found(text: str, rows: list[tuple[str, list]], anyorder: bool) -> list[tuple[int, int] | None]:
    """Each row's label in the text, in table order: (start, end) of the label its figures follow,
    or None when it is not found."""
    found: list[tuple[int, int] | None] = []
    pos = 0
    for n, (label, _) in enumerate(rows):
        bare = re.sub(r"^[(]?[一二三四五六七八九十\d]{1,3}[).,]", "", label)  # the row printed without its number
        at = _label_at(text, label, bare, pos, anyorder)
        if at is None:
            found.append(None)
            continue
        j, size = at
        nxt = text.find(rows[n + 1][0], j + size) if n + 1 < len(rows) else -1
        j, size = _past_heading(text, label, bare, j, size, nxt)
        found.append((j, j + size))
        pos = j + size
    return found


def _label_at(text: str, label: str, bare: str, pos: int, anyorder: bool) -> tuple[int, int] | None:
    """(start, length) of a row's label from ``pos`` on — as printed, or without its number — or
    anywhere when 表二's blocks may be printed in another order; None when it is not there."""
    j = text.find(label, pos)
    size = len(label)
    if j < 0 and bare != label and len(bare) >= 4:
        j, size = text.find(bare, pos), len(bare)
    if j < 0 and anyorder and text.count(label) == 1:  # 表二's blocks printed in another order
        j = text.find(label)
    if j < 0:
        return None
    return j, size


def _past_heading(text: str, label: str, bare: str, j: int, size: int, nxt: int) -> tuple[int, int]:
    """The label printed first as a heading over its row (a Markdown copy: ``### 一、本年新收…``,
    then the row): no figures after it, the same label again before the next row's — that one."""
    while not re.match(r"\s*\d", text[j + size:]):
        k = min(((i, len(t)) for t in (label, bare) if (i := text.find(t, j + size)) >= 0), default=None)
        if k is None or (nxt >= 0 and k[0] > nxt):
            break
        j, size = k
    return j, size


def _runs_after_labels(text: str, found: list) -> tuple[list[str | None], dict[int, int]]:
    """(the run of figures after each label found, None for a label not found; row → where its run
    ends)."""
    out: list[str | None] = []
    ends: dict[int, int] = {}
    for n, f in enumerate(found):
        if f is None:
            out.append(None)
            continue
        nxt = next((g[0] for g in found[n + 1:] if g is not None), len(text))
        m = _RUN.match(text[f[1]:nxt])
        run = m.group(0) if m else ""
        numbering = re.search(r"\s*\d{1,2}[.、．,]\s*$", run)  # the next row's number when its label is not found
        if numbering:
            run = run[:numbering.start()]
        out.append(run.strip())
        ends[n] = f[1] + len(run)
    return out, ends


def _fill_gaps(text: str, rows: list, found: list, ends: dict, out: list, guesses: list | None,
               groups: dict | None) -> None:
    """The rows whose labels are not found, each gap between labels found read from the runs of
    figures printed in it (:func:`_read_gap`)."""
    n = 0
    while n < len(rows):  # gaps of rows not found
        if found[n] is not None:
            n += 1
            continue
        m = n
        while m < len(rows) and found[m] is None:
            m += 1
        start = max((ends[k] for k in range(n) if k in ends), default=0)
        stop = next((found[k][0] for k in range(m, len(rows)) if found[k] is not None), len(text))
        _read_gap(_gap_pieces(text[start:stop]), n, m, rows, out, guesses, groups)
        n = m


def _gap_pieces(gap: str) -> list[tuple[str, str]]:
    """(the text before it, the run) for each run of figures in a gap."""
    pieces, at = [], 0
    for run in _FIGURES.finditer(gap):
        pieces.append((gap[at:run.start()], run.group(0).strip()))
        at = run.end()
    return pieces


def _read_gap(pieces: list[tuple[str, str]], n: int, m: int, rows: list, out: list, guesses: list | None,
              groups: dict | None) -> None:
    """Rows ``n``…``m - 1`` (labels not found) from the runs printed between their neighbours: one run
    a row when each run's label is alike the row's, or one run of 0 for a 2019 single row."""
    if len(pieces) == m - n and all(_alike(printed, rows[n + i][0]) for i, (printed, _) in enumerate(pieces)):
        for i, (printed, run) in enumerate(pieces):
            out[n + i] = run
            if guesses is not None:
                guesses.append((n + i, printed.strip()))
    elif len(pieces) == 1 and groups and re.fullmatch(r"[0\s]+", pieces[0][1]):
        _single_row_of_zeros(pieces[0], n, m, out, guesses, groups)


def _single_row_of_zeros(piece: tuple[str, str], n: int, m: int, out: list, guesses: list | None,
                         groups: dict) -> None:
    """The 2019 single row of a group the 2021 edition splits (（六）其他处理), all 0: each sub-row 0 —
    when rows ``n``…``m - 1`` are exactly that group's sub-rows and the gap names the group."""
    group = {groups.get(k) for k in range(n, m)}
    name = group.pop() if len(group) == 1 else None
    if name and re.sub(r"\s", "", name.translate(_HALF)) in re.sub(r"\s", "", piece[0]) and \
            all(groups.get(k) == name for k in range(n, m)) and m - n == sum(1 for v in groups.values() if v == name):
        for k in range(n, m):
            out[k] = piece[1]
            if guesses is not None:
                guesses.append((k, f"2019 版的单行{name}（全为 0）"))


def _moved_labels(text: str, rows: list, found: list, out: list, guesses: list | None) -> None:
    """A label with no figures after it but other rows' labels, already read, then one row of figures
    (a converter moved those labels between this one and its figures): the figures are this row's."""
    width = len(rows[0][1])
    for n, f in enumerate(found):
        if f is None or out[n]:
            continue
        stop = next((g[0] for g in found[n + 1:] if g is not None), len(text))
        seg = _past_labels_read(text[f[1]:stop], rows, n, out)
        if seg == text[f[1]:stop]:
            continue
        m = _RUN.match(seg)
        toks = (m.group(0) if m else "").split()
        if (len(toks) == width and all(_NUMBER.match(t) for t in toks)
                and sum(int(t) for t in toks[:-1]) == int(toks[-1])):
            out[n] = " ".join(toks)
            if guesses is not None:
                guesses.append((n, None))


def _past_labels_read(seg: str, rows: list, n: int, out: list) -> str:
    """``seg`` after the labels of rows other than ``n`` already read that begin it."""
    moved = True
    while moved:
        moved = False
        for r, (lab, _) in enumerate(rows):
            if r != n and out[r] and seg.lstrip().startswith(lab):
                seg, moved = seg.lstrip()[len(lab):], True
    return seg


#: a run of figures: numbers separated by white space, not a row's numbering (``1、`` ``2.``)
_FIGURES = re.compile(r"[+\-]?\d+(?:\.\d+)?(?:元|万元)?(?:\s*[+\-]?\d+(?:\.\d+)?(?:元|万元)?)*(?![.、．,\d])")
_ROW_NUMBER = re.compile(r"(?:(\d{1,2})\s*[.、．,]|[（(]([一二三四五六七八九十]{1,2})[）)])")


def _alike(printed: str, label: str) -> bool:
    """A label printed in a gap is ``label``: the same row number (``1、`` or ``1.``, ``（二）``), and
    spelled alike (a label cut short by a line break compared on what is printed)."""
    own = _ROW_NUMBER.match(label)
    marks = list(_ROW_NUMBER.finditer(printed))
    if own is None or not marks:
        return False
    m = marks[-1]
    if (m.group(1) or m.group(2)) != (own.group(1) or own.group(2)):
        return False
    tail = re.sub(r"\s", "", printed[m.end():])
    body = label[own.end():]
    if not tail:
        return False
    k = min(len(tail), len(body))  # a label cut short by the line break is compared on what is printed
    return SequenceMatcher(None, tail[:len(body)], body[:max(k, len(tail))]).ratio() >= 0.6


# ------------------------------------------------------------------ solving

def _solve(edition: str, key: str, segment: str, notes: list) -> dict[str, object]:
    """The figures of one table read from its flattened text: path → value."""
    figures = {f.path: f for f in layout.figures(edition)}
    rows = _rows(edition, key)
    guessed: list = []
    groups = _groups(edition) if key == "requests" else None
    runs = _runs(segment, rows, last=key == "appeals", guesses=guessed, groups=groups, anyorder=key == "proactive")
    _note_guessed(rows, guessed, notes)
    cands: list[list[tuple] | None] = []
    blank_total: set[int] = set()
    for n, ((label, paths), run) in enumerate(zip(rows, runs)):
        if run is None or not run:
            cands.append(None)
            continue
        found, blank = _row_splits(key, run, [figures[p].value_kind for p in paths])
        if blank:
            blank_total.add(n)
        cands.append(found if len(found) <= MAX_SPLITS else [])
    chosen = _search(edition, key, rows, cands)
    values: dict[str, object] = {}
    for i, ((label, paths), run) in enumerate(zip(rows, runs)):
        if run is not None:
            _take_row(label, paths, run, chosen[i], i in blank_total, values, notes)
    return values


def _note_guessed(rows: list, guessed: list, notes: list) -> None:
    """A guess noted for each row read although its label was not printed beside its figures or
    was printed otherwise."""
    for i, printed in guessed:
        if printed is None:
            notes.append(("guess", f"“{rows[i][0]}”的标签没有印在它的数字旁（转换时被移开），"
                                   f"按表中各行的次序和每行的总计读取", rows[i][1][0], f"文本中“{rows[i][0]}”一行"))
            continue
        notes.append(("guess", f"标签“{printed}”与官方标签不同（印错、折行截断或编号写法），按前后各行的位置和编号"
                               f"判断为“{rows[i][0]}”", rows[i][1][0], f"文本中“{printed}”之后"))


def _row_splits(key: str, run: str, kinds: list[str]) -> tuple[list[tuple], bool]:
    """(the splits of one row's run its own arithmetic allows, whether its 总计 was printed blank):
    三's six figures add up to the 总计 and 四's blocks' four results to theirs, unless the run
    has one token a cell already."""
    found = splits(run, len(kinds), kinds)
    spaced = len(re.sub(_UNIT, " ", run).split()) == len(kinds)  # one token a cell: no arithmetic needed
    if key == "requests" and not spaced:
        found = [c for c in found if sum(c[:6]) == c[6]]
    toks = run.split()
    if key == "requests" and not found and len(toks) == len(kinds) - 1 and all(_NUMBER.match(t) for t in toks):
        # six figures, one token a cell, that cannot be five and a 总计: the 总计 printed blank; kept
        # only if the columns' sums (一 + 二 = 七 + 四, the （七）总计 row) agree with them
        return [tuple(int(t) for t in toks) + (sum(int(t) for t in toks),)], True
    if key == "appeals" and not spaced:
        found = [c for c in found if all(sum(c[b:b + 4]) == c[b + 4] for b in (0, 5, 10))]
    return found, False


def _take_row(label: str, paths: list, run: str, options: list[tuple] | None, blank_total: bool,
              values: dict, notes: list) -> None:
    """One row's figures into ``values`` when the search left one split (a split of digits run
    together noted), else the row noted as ambiguous."""
    if options is not None and len(options) == 1:
        values.update(zip(paths, options[0]))
        if blank_total:
            values[paths[-1]] = ""  # printed blank: a total not printed
        _keep_units(paths, run, values)
        digits = re.sub(r"[\s+\-]", "", re.sub(_UNIT, "", run))
        if len(digits) != len(paths) and len(run.split()) != len(paths) and not blank_total:
            # not one digit or token a cell (a row of six whose 总计 is blank is noted as that)
            notes.append(("split", f"“{label}”的数字连在一起（“{run}”），按“数不以 0 开头”和表格自身的勾稽关系，只有一种拆分："
                                   + "、".join(str(v) for v in options[0]), paths[0], f"文本中“{label}”之后"))
        return
    shown = "；".join("、".join(str(v) for v in c) for c in (options or [])[:3])
    many = len(options or [])
    why = (f"可拆分为 {many} 种{'（' + shown + (' …' if many > 3 else '') + '）' if many else ''}，表格的勾稽关系不能确定"
           if many else "无法拆分为这一行的各格")
    notes.append(("ambiguous", f"“{label}”的数字“{run}”连在一起，{why}，这一行未读取", paths[0],
                  f"文本中“{label}”之后"))


def _keep_units(paths: list, run: str, values: dict) -> None:
    """A unit printed after a figure stays with it when the run has one token a cell, so the figure is
    read as any cell with a unit is (元 the 采购总金额's unit, a 收费金额 in 元 converted to 万元, 笔 taken
    off — each noted), never dropped unsaid."""
    cells = re.sub(rf"(?<=\d)({_UNIT})", r"\1 ", run).split()
    if len(cells) != len(paths):
        return
    for path, cell in zip(paths, cells):
        unit = _UNIT_END.search(cell)
        if unit and values.get(path) != "":
            values[path] = f"{values[path]}{unit.group(0)}"


def _search(edition: str, key: str, rows, cands) -> list[list[tuple] | None]:
    """For each row, the candidates that take part in some assignment of all rows satisfying the
    table's constraints (one candidate: determined).  Rows without constraints keep theirs."""
    if key != "requests":
        return cands
    search = _RowSearch(rows, cands)
    search.go(0)
    if search.complete and search.live and not any(search.possible.values()):
        # the report's own columns do not add up: split each row by its own 总计 only (validate
        # then reports the columns)
        return cands
    return _narrowed(cands, search.possible, search.complete)


class _RowSearch:
    """The search over 三's rows: every assignment of one candidate a row (rows with the fewest
    candidates first, at most :data:`MAX_STEPS` steps) in which, per column, the 办理结果 rows add
    up to （七）总计 and 一 + 二 = 三（七）+ 四; ``possible`` collects each row's candidates that
    take part in one, ``complete`` is False when the steps ran out."""

    def __init__(self, rows, cands):
        self.cands = cands
        index = {tuple(paths[0].split(".")[:-1]): i for i, (_, paths) in enumerate(rows)}
        self.results = [i for (label, paths), i in zip(rows, range(len(rows)))
                        if paths[0].startswith("requests.results.") and not paths[0].startswith("requests.results.total.")]
        self.total = total = index.get(("requests", "results", "total"))
        self.received, self.carried, self.forward = (
            index.get(("requests", k)) for k in ("received", "carried_over", "carried_forward"))
        order = sorted(range(len(rows)), key=lambda i: len(cands[i]) if cands[i] else 0)
        self.live = [i for i in order if cands[i]]
        self.possible: dict[int, set] = {i: set() for i in self.live}
        self.steps = 0
        self.complete = True
        self.assign: dict[int, tuple] = {}
        self.summed = total is not None and cands[total] and all(cands[r] for r in self.results)
        self.balance = [x for x in (self.received, self.carried, total, self.forward) if x is not None and cands[x]]
        self.balanced = len(self.balance) == 4

    def consistent(self) -> bool:
        assign, total = self.assign, self.total
        for col in range(7):
            if self.summed and total in assign and all(r in assign for r in self.results):
                if sum(assign[r][col] for r in self.results) != assign[total][col]:
                    return False
            if self.balanced and all(x in assign for x in self.balance):
                if (assign[self.received][col] + assign[self.carried][col]
                        != assign[total][col] + assign[self.forward][col]):
                    return False
        return True

    def go(self, n: int) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.complete = False
            return
        if n == len(self.live):
            for i in self.live:
                self.possible[i].add(self.assign[i])
            return
        i = self.live[n]
        for c in self.cands[i]:
            self.assign[i] = c
            if self.consistent():
                self.go(n + 1)
            del self.assign[i]
            if not self.complete:
                return


def _narrowed(cands, possible: dict[int, set], complete: bool) -> list[list[tuple] | None]:
    """Each row's candidates after the search: those in some assignment when it was complete, all of
    them when the steps ran out; rows without candidates as they were."""
    out: list[list[tuple] | None] = []
    for i in range(len(cands)):
        if not cands[i]:
            out.append(cands[i])
        elif not complete:
            out.append(cands[i] if len(cands[i]) == 1 else list(cands[i]))
        else:
            out.append(sorted(possible[i], key=str))
    return out


def _grid(table, values: dict, source: str):
    """The official table's grid with the figures read; a row with a figure not read is left out."""
    rows = []
    for r, row in enumerate(table.grid()):
        figs = [cell.path for cell, _, _ in row if cell.is_figure]
        if figs and any(p not in values for p in figs):
            continue
        cells = []
        for c, (cell, r0, c0) in enumerate(row):
            if (r0, c0) != (r, c):
                text = ""
            elif cell.is_figure:
                text = str(values[cell.path])
            else:
                text = cell.text
            cells.append((text, 1, 1))
        rows.append(cells)
    return expand(rows, source)
