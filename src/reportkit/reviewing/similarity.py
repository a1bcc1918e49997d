"""内容雷同 between units, as **groups**: the sections that are alike, found without comparing
every pair, reported once per group ("these 37 units share 一（二） with each other") rather
than once per pair.

A section is compared by the ratio the single-report rule uses (:data:`reportkit.validation.rules.
SIMILARITY_THRESHOLD`, :func:`difflib.SequenceMatcher` on the text without white space).  Two
sections of different units ≥ the threshold alike are in one group; a group is everything joined
so (the connected parts of the "alike" relation, so a member may be joined through another).

1. identical texts are joined by their digest (linear);
2. the other texts are taken one after another against an index of *exemplars*: character
   shingles of :data:`SHINGLE` characters → the exemplars holding them.  A text sharing at least
   :data:`MIN_SHARED` of its shingles with an exemplar of another unit is compared with it
   (lengths first: a ratio ≥ 0.8 needs the shorter text to be ≥ 2/3 of the longer; then difflib's
   cheap upper bounds, then the ratio); alike, it joins that exemplar's group, and exemplars of
   two groups it is alike both join those groups.  A text alike no exemplar is compared with a
   few of the members of the nearest groups (:data:`CHAIN_TRIES`; a member can be alike a text
   its exemplar is not), and failing those becomes an exemplar itself; so does a text that
   joined at the edge of its group (a bridge to texts its exemplar is not alike), while the group
   has few exemplars.  A shingle names at most :func:`common_cap` exemplars: phrases everybody
   writes ("认真贯彻落实《条例》") cannot make every text a candidate of every other.

When 1,000 units filled in one draft, the draft's text is one or a few exemplars and each unit's
text is compared with those, not with 999 others: the work grows with the total text times the
number of groups, not with the square of the number of units, and the memory with the exemplars'
text only.  The price: the groups are the connected parts *as this search finds them*.  Two texts
alike each other, but each joined to a different group whose exemplars and sampled members are
not alike the other, can stay in two groups; the tests compare the groups with every pair worked
out on batches small enough for that.
"""

from __future__ import annotations

import difflib
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from typing import Callable

# the single-report rule's text normalisation and threshold (normalise is this module's too, for callers)
from ..validation.rules import SIMILARITY_THRESHOLD, normalise  # noqa: F401

SHINGLE = 5
#: sections shorter than this (without white space) are not compared between units: short stock
#: sentences ("本年度无其他需要报告的事项。") are the same everywhere
MIN_CHARS = 50
#: a candidate shares at least this share of the smaller text's shingles (common phrases left out)
MIN_SHARED = 0.3
#: a text alike no exemplar is compared with at most this many members of each of the two nearest groups
CHAIN_TRIES = 8
#: exemplars a text is compared with at most: those sharing the most shingles with it, and at most
#: TRIES_PER_GROUP of one group
MAX_CANDIDATES = 24
TRIES_PER_GROUP = 6
#: a text that joined a group with a share below threshold + EDGE becomes an exemplar too, while
#: its group has fewer than GROUP_EXEMPLARS
EDGE = 0.05
GROUP_EXEMPLARS = 12
#: difflib matchers kept with their index of the exemplar's text (an exemplar is compared many times)
MATCHERS = 512


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


@dataclass
class Group:
    """Sections of two or more units alike each other, in the order they were given."""

    sections: list[Section]
    #: how they were found alike: each section but one joined to another by one link (a tree)
    links: list[Match] = field(default_factory=list)
    _nearest: dict | None = field(default=None, repr=False, compare=False)

    @property
    def units(self) -> list[int]:
        """The units in the group, each once, in order."""
        return sorted({s.unit for s in self.sections})

    def nearest(self, section: Section) -> Match:
        """The link of ``section`` to the member it was found most alike (its best link)."""
        if self._nearest is None:
            best: dict[Section, Match] = {}
            for m in self.links:
                for s in (m.a, m.b):
                    if s not in best or m.share > best[s].share:
                        best[s] = m
            self._nearest = best
        return self._nearest[section]


def common_cap(n_sections: int) -> int:
    """The exemplars a shingle names at most (later ones holding it are not indexed under it)."""
    return max(40, n_sections // 50)


def _shingles(text: str) -> set[str]:
    return {text[k:k + SHINGLE] for k in range(len(text) - SHINGLE + 1)}


def _ratio(a: str, b: str, threshold: float) -> float:
    """The single-report rule's ratio (:func:`reportkit.validation.rules.similarity_ratio`: 0.0 when its
    quick upper bounds fall below ``threshold``) with ``b`` an exemplar: difflib indexes ``b``
    once and keeps it for the next text compared with it."""
    total = len(a) + len(b)
    if 2 * min(len(a), len(b)) < threshold * total:
        return 0.0
    sm, chars = _matcher(b)
    if 2 * sum((_characters(a) & chars).values()) < threshold * total:
        return 0.0
    sm.set_seq1(a)
    return sm.ratio()


@lru_cache(maxsize=64)
def _characters(a: str) -> Counter:
    """The characters of a text being placed, counted once for the exemplars it is compared with."""
    return Counter(a)


@lru_cache(maxsize=MATCHERS)
def _matcher(b: str) -> tuple[difflib.SequenceMatcher, Counter]:
    sm = difflib.SequenceMatcher(None, autojunk=False)
    sm.set_seq2(b)
    return sm, Counter(b)


def similar_groups(sections: list[Section], threshold: float = SIMILARITY_THRESHOLD,
                   owner: Callable[[Section], object] | None = None) -> list[Group]:
    """The groups of sections of different units ≥ ``threshold`` alike, in the order of their
    first section.  ``owner`` says whose a section is (default: its unit; two copies of one
    unit's report are one owner and are not compared)."""
    owner = owner or (lambda s: s.unit)
    grouping = _Grouping([s for s in sections if len(s.text) >= MIN_CHARS], threshold, owner)
    for i in grouping.identical():   # 1. identical texts
        grouping.place(i)            # 2. each text against the exemplars
    return grouping.groups()         # 3. the groups of two or more owners


class _Grouping:
    """The state of one :func:`similar_groups`: a union-find over the sections with the links that
    joined them, and the index of exemplars' shingles texts are compared through."""

    def __init__(self, sections: list[Section], threshold: float, owner: Callable[[Section], object]):
        self.sections, self.threshold, self.owner = sections, threshold, owner
        self.parent = list(range(len(sections)))
        self.links: list[tuple[int, int, float]] = []
        self.owners: dict[int, set] = {}          # representative → the owners of its identical texts
        self.postings: dict[str, list[int]] = defaultdict(list)
        self.size: dict[int, int] = {}            # exemplar → its number of shingles
        self.followers: dict[int, list[int]] = defaultdict(list)   # exemplar → texts that joined it
        self.exemplars: dict[int, int] = defaultdict(int)          # group root → its exemplars (roughly: roots move)
        self.cap = 0

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(self, i: int, j: int, share: float) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)
            self.links.append((i, j, share))

    def identical(self) -> list[int]:
        """Joins identical texts (by digest); their representatives, in order."""
        by_digest: dict[bytes, list[int]] = defaultdict(list)
        for i, s in enumerate(self.sections):
            by_digest[hashlib.blake2b(s.text.encode("utf-8"), digest_size=16).digest()].append(i)
        reps: list[int] = []
        for ids in by_digest.values():
            self.owners[ids[0]] = {self.owner(self.sections[x]) for x in ids}
            reps.append(ids[0])
            for x in ids[1:]:
                self.join(ids[0], x, 1.0)
        reps.sort()
        self.cap = common_cap(len(reps))
        return reps

    def alike(self, i: int, e: int) -> float:
        if len(self.owners[i] | self.owners[e]) == 1:
            return 0.0
        a, b = self.sections[i].text, self.sections[e].text
        if min(len(a), len(b)) * 3 < 2 * max(len(a), len(b)):
            return 0.0
        return _ratio(a, b, self.threshold)

    def place(self, i: int) -> None:
        """Text ``i`` joined to the groups it is alike, and made an exemplar when it is needed as one."""
        own = _shingles(self.sections[i].text)
        candidates = self.candidates(own)
        joined, best = self.join_exemplars(i, candidates)
        if not joined:
            joined, best = self.join_members(i, candidates)
        # a text alike no exemplar is one; so is one at the edge of its group (a bridge to texts
        # its exemplar is not alike), while the group has few exemplars
        root = self.find(i)
        if not joined or (best < self.threshold + EDGE and self.exemplars[root] < GROUP_EXEMPLARS):
            self.exemplars[root] += 1
            self.index(i, own)

    def candidates(self, own: set[str]) -> list[int]:
        """The exemplars sharing at least :data:`MIN_SHARED` of the smaller one's shingles, most shared first."""
        get, size = self.postings.get, self.size
        shared = Counter(chain.from_iterable(get(sh, ()) for sh in own))   # counted in C
        return sorted((e for e, n in shared.items() if n >= MIN_SHARED * min(len(own), size[e])),
                      key=lambda e: (-shared[e], e))

    def join_exemplars(self, i: int, candidates: list[int]) -> tuple[bool, float]:
        """Text ``i`` compared with its best candidates (a few of each group): whether it is in a
        group with one, and the best share it was joined by."""
        joined, best, tried = False, 0.0, defaultdict(int)
        for e in candidates[:MAX_CANDIDATES]:
            root = self.find(e)
            if root == self.find(i):
                joined = True
                continue
            if tried[root] >= TRIES_PER_GROUP:
                continue
            tried[root] += 1
            share = self.alike(i, e)
            if share >= self.threshold:
                self.join(e, i, share)
                self.followers[e].append(i)
                joined, best = True, max(best, share)
        return joined, best

    def join_members(self, i: int, candidates: list[int]) -> tuple[bool, float]:
        """Text ``i``, alike no exemplar, compared with a few members of the two nearest groups
        (:data:`CHAIN_TRIES`): whether it joined one, and the share."""
        for e in candidates[:2]:
            members = self.followers[e]
            step = max(1, len(members) // CHAIN_TRIES)
            for m in members[::step][:CHAIN_TRIES]:
                share = self.alike(i, m) if self.find(m) != self.find(i) else 0.0
                if share >= self.threshold:
                    self.join(m, i, share)
                    self.followers[e].append(i)
                    return True, share
        return False, 0.0

    def index(self, i: int, own: set[str]) -> None:
        """Text ``i`` made an exemplar: listed under its shingles (each names at most ``cap``)."""
        self.size[i] = len(own)
        for sh in own:
            held = self.postings[sh]
            if len(held) < self.cap:
                held.append(i)

    def groups(self) -> list[Group]:
        """The groups of two or more owners, each with the links that joined it."""
        sections, find = self.sections, self.find
        members: dict[int, list[int]] = defaultdict(list)
        for i in range(len(sections)):
            members[find(i)].append(i)
        edges: dict[int, list[Match]] = defaultdict(list)
        for i, j, share in self.links:
            a, b = min(i, j), max(i, j)
            edges[find(a)].append(Match(sections[a], sections[b], share))
        return [Group([sections[x] for x in ids], sorted(edges[root], key=lambda m: (m.b.unit, m.a.unit)))
                for root, ids in sorted(members.items())
                if len({self.owner(sections[x]) for x in ids}) > 1]
