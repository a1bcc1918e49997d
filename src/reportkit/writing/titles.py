"""The report title, broken into lines as GB/T 9704-2012 §7.3.3 wants: "标题可分一行或多行居中
排布；回行时，要做到词意完整，排列对称".

A title that fits one line stays on one line.  Otherwise the agency name comes first and
``2024年政府信息公开工作年度报告`` is a line of its own; an agency name too long for one line is
broken at a boundary of its own words — after an administrative division (``…省``, ``…市``,
``…县``, ``…区``, ``…乡``, ``…镇``, ``…街道``, ``…自治州`` …) unless its organ follows
(``…县人民政府``), after a whole organ (``…人民政府``, ``…总局``), before an office (``办公室``,
``办公厅``) — choosing, among the fewest lines that fit, the best boundaries and then the most
balanced lines.  Nothing here knows about Word: a line holds :data:`LINE_CHARS` 字.
"""

from __future__ import annotations

import re

from .typesetting import text_width as width

__all__ = ["LINE_CHARS", "title_lines", "split_name", "width"]

#: 字 per title line: 2号 (22 pt) characters on the 156 mm (442 pt) line of the Word template
LINE_CHARS = 20

#: a name may break after an administrative division …
_DIVISIONS = ("自治区", "自治州", "自治县", "自治旗", "特别行政区", "新区", "街道", "省", "市", "县", "区",
              "州", "盟", "旗", "乡", "镇")
#: … unless the character starts a longer word (市场监督管理局, 杭州市, 区域, 街道办事处 …)
_NOT_AFTER = {"市": "场政民容辖级", "区": "域划级", "县": "级域", "州": "市区县", "省": "级委", "乡": "村镇",
              "镇": "村级", "旗": "县", "道": "办"}
#: … or the organ of that division follows: 某县人民政府, 某省委员会 are one name
_ORGANS = ("人民政府", "人民代表大会", "委员会", "党委", "人大", "政协")
#: a name may break after a whole government organ (某县人民政府 / 办公室, 国家税务总局 / 北京市…)
_ORGAN_ENDS = ("人民政府", "总局", "委员会")
#: a name may break before the office of an organ
_OFFICES = ("办公室", "办公厅")
#: marks a line never starts with (GB/T 15834 line-breaking rules) …
_NO_LINE_START = set("、，。；：？！）)》」』”’·")
#: … and, inside a bracket, the pauses after which it breaks if it must
_PAUSES = ("、", "，", "；")
#: never inside a bracket or a run of Latin letters and digits
_ATOM = re.compile(r"（[^）]*）|\([^)]*\)|[0-9A-Za-z]+")


def _protected(name: str) -> set[int]:
    """Positions (break before index i) that fall inside a bracket or a Latin/digit run."""
    inside: set[int] = set()
    for m in _ATOM.finditer(name):
        inside.update(range(m.start() + 1, m.end()))
    return inside


def _boundaries(name: str, *, inside: bool = False) -> dict[int, int]:
    """Break positions (a break before ``name[i]``) → cost: 0 after a division or an organ and
    before an office, 1 at a bracket, 3 anywhere else between two characters; never before a
    closing mark or a pause (、，）…), never inside a bracket or a run of Latin letters and digits —
    unless ``inside``, and then at cost 6 after a pause, 9 elsewhere (for a bracket or a run wider
    than a line)."""
    protected = _protected(name)
    out = {i: 9 if i in protected else 3 for i in range(1, len(name))
           if (inside or i not in protected) and name[i] not in _NO_LINE_START}
    for i in list(out):
        before, after = name[:i], name[i:]
        if i in protected:
            if before.endswith(_PAUSES):  # inside a bracket: after its 、 or ， at least
                out[i] = 6
            continue
        division = (any(before.endswith(w) for w in _DIVISIONS)
                    and after[:1] not in _NOT_AFTER.get(before[-1], "")
                    and not after.startswith(_ORGANS))
        if division or before.endswith(_ORGAN_ENDS) or after.startswith(_OFFICES):
            out[i] = 0
        elif before.endswith(("）", ")")) or after.startswith(("（", "(")):
            out[i] = 1
    return out


def split_name(name: str, line_chars: int = LINE_CHARS) -> list[str]:
    """``name`` in lines of at most ``line_chars`` 字, broken at the best boundaries
    (:func:`_boundaries`: lowest total cost — 词意完整 first), then in as few lines as possible
    (one more than the fewest at most), then into the most even lines (lowest sum of squared
    widths: 排列对称).  A bracket or a Latin run wider than a line is broken inside, as little as
    it must be."""
    if width(name) <= line_chars:
        return [name]
    return (_best_lines(name, _boundaries(name), line_chars)
            or _best_lines(name, _boundaries(name, inside=True), line_chars))


def _best_lines(name: str, cuts: dict[int, int], line_chars: int) -> list[str] | None:
    """The best lines of ``name`` broken only at ``cuts`` (see :func:`split_name`), or None when
    no such lines fit."""
    stops = sorted(cuts) + [len(name)]
    found: list[tuple] = []
    best: list[dict[int, tuple]] = [{0: (0, 0.0, [])}]  # best[j][end]: name[:end] in j lines
    while len(best) <= len(name) and (not found or len(best) <= found[0][1] + 1):
        row: dict[int, tuple] = {}
        for start, (cost, squares, lines) in best[-1].items():
            for end in stops:
                w = width(name[start:end])
                if end <= start or w > line_chars:
                    continue
                cand = (cost + cuts.get(end, 0), squares + w * w, lines + [name[start:end]])
                if end not in row or cand[:2] < row[end][:2]:
                    row[end] = cand
        best.append(row)
        if len(name) in row:
            cost, squares, lines = row[len(name)]
            found.append((cost, len(lines), squares, lines))
    return min(found)[3] if found else None


def title_lines(agency: str, year: int, line_chars: int = LINE_CHARS) -> list[str]:
    """The lines of the title of ``agency``'s report for ``year``."""
    rest = f"{year}年政府信息公开工作年度报告"
    if width(agency + rest) <= line_chars:
        return [agency + rest]
    return split_name(agency, line_chars) + [rest]
