"""内容雷同 between units: every narrative section compared with every other unit's, without
comparing every pair.

A section is compared by the ratio the single-report rule uses (:data:`reportkit.rules.
SIMILARITY_THRESHOLD`, :func:`difflib.SequenceMatcher` on the text without white space), but
only for *candidate* pairs:

1. identical texts are grouped by their digest (linear);
2. every other section is cut into character shingles of :data:`SHINGLE` characters; an inverted
   index maps each shingle to the sections holding it.  Shingles held by more than
   :func:`common_cap` sections are phrases everybody writes ("认真贯彻落实《条例》") and say nothing
   about copying: they do not make pairs.  Two sections of different units sharing at least
   :data:`MIN_SHARED` of the rarer shingles of the smaller one become a candidate;
3. candidates of compatible length (a ratio ≥ 0.8 needs the shorter text to be ≥ 2/3 of the
   longer) get difflib's cheap upper bounds, then the exact ratio.

The work grows with the total text and the number of candidate pairs, not with the square of
the number of sections.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

# the single-report rule's text normalisation and ratio (normalise is this module's too, for callers)
from ..rules import SIMILARITY_THRESHOLD, normalise  # noqa: F401
from ..rules import similarity_ratio as _ratio

SHINGLE = 5
#: sections shorter than this (without white space) are not compared between units: short stock
#: sentences ("本年度无其他需要报告的事项。") are the same everywhere
MIN_CHARS = 50
#: a candidate pair shares at least this share of the smaller section's rare shingles
MIN_SHARED = 0.3


@dataclass(frozen=True)
class Section:
    unit: int          # index of the unit
    path: tuple        # contract path of the text (("problems",), ("overview", "sections", 2, "text"))
    text: str          # without white space


@dataclass(frozen=True)
class Match:
    a: Section
    b: Section
    share: float       # difflib ratio, 0 … 1


def common_cap(n_sections: int) -> int:
    """Shingles in more sections than this are common phrases."""
    return max(40, n_sections // 50)


def similar_sections(sections: list[Section], threshold: float = SIMILARITY_THRESHOLD) -> list[Match]:
    """Every pair of sections of different units whose texts are ≥ ``threshold`` alike, in the
    order of the sections."""
    sections = [s for s in sections if len(s.text) >= MIN_CHARS]
    matches: dict[tuple[int, int], float] = {}

    # 1. identical texts
    by_digest: dict[bytes, list[int]] = defaultdict(list)
    for i, s in enumerate(sections):
        by_digest[hashlib.blake2b(s.text.encode("utf-8"), digest_size=16).digest()].append(i)
    first_of: dict[int, int] = {}
    for ids in by_digest.values():
        for x in ids:
            first_of[x] = ids[0]
        for n, i in enumerate(ids):
            for j in ids[n + 1:]:
                if sections[i].unit != sections[j].unit:
                    matches[(i, j)] = 1.0

    # 2. rare shingles → candidate pairs (one representative per group of identical texts)
    reps = [i for i in range(len(sections)) if first_of[i] == i]
    postings: dict[str, list[int]] = defaultdict(list)
    shingles: dict[int, set[str]] = {}
    for i in reps:
        text = sections[i].text
        own = {text[k:k + SHINGLE] for k in range(len(text) - SHINGLE + 1)}
        shingles[i] = own
        for sh in own:
            postings[sh].append(i)
    cap = common_cap(len(reps))
    rare_count: dict[int, int] = defaultdict(int)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for ids in postings.values():
        if len(ids) > cap:
            continue
        for i in ids:
            rare_count[i] += 1
        if len(ids) == 1:
            continue
        for n, i in enumerate(ids):
            for j in ids[n + 1:]:
                shared[(i, j)] += 1

    # 3. exact ratio on candidates, then spread over the groups of identical texts
    groups: dict[int, list[int]] = defaultdict(list)
    for x, rep in first_of.items():
        groups[rep].append(x)
    for (i, j), count in shared.items():
        a, b = sections[i].text, sections[j].text
        if count < MIN_SHARED * min(rare_count[i], rare_count[j]):
            continue
        if min(len(a), len(b)) * 3 < 2 * max(len(a), len(b)):
            continue
        share = _ratio(a, b, threshold)
        if share < threshold:
            continue
        for x in groups[i]:
            for y in groups[j]:
                if sections[x].unit != sections[y].unit:
                    matches[(min(x, y), max(x, y))] = share
    return [Match(sections[i], sections[j], share) for (i, j), share in sorted(matches.items())]
