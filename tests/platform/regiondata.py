"""A generated region for the workflow tests and bench/bench_workflow.py: ``n`` units over two
years, every unit's prose its own (random text from a seeded generator, so no two units and no
two years of a unit are alike), tables from examples/yunxi-zrzyj-2021.json with last year's
结转下年度继续办理 carried into this year's 上年结转 and the 现行有效 chain kept.

Planted problems (``PLANTED``), each at one unit, named by its index:

* ``late``      — this year's report dated after 31 January of the next year (发布时限);
* ``copy``      — two units share the prose of 五 (内容雷同), both named;
* ``carry``     — this year's 上年结转 not last year's 结转下年度继续办理 (年度衔接), balance kept;
* ``imbalance`` — a 办理结果 figure one more than the applications allow (勾稽关系, an error).
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
YUNXI = ROOT / "examples" / "yunxi-zrzyj-2021.json"

#: index of the unit each problem is planted at (``copy`` at two units)
PLANTED = {"late": 3, "copy": (5, 6), "carry": 8, "imbalance": 10}
COLUMNS = ("natural", "business", "research", "nonprofit", "legal", "other")
_POOL = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
         "方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开"
         "它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变"
         "条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资"
         "边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府研")


def _text(rng: random.Random, length: int) -> str:
    out, n = [], 0
    while n < length:
        k = rng.randint(8, 20)
        out.append("".join(rng.choice(_POOL) for _ in range(k)) + rng.choice("，。；"))
        n += k + 1
    return "".join(out)[:length - 1] + "。"


def _prose(data: dict, rng: random.Random) -> None:
    ov = data["overview"]
    ov["summary"] = _text(rng, len(ov["summary"]))
    for s in ov["sections"]:
        s["text"] = "\n".join(_text(rng, len(p)) for p in s["text"].split("\n"))
    for key in ("problems", "improvements", "other_matters", "rectification", "work_points", "proposals", "innovation"):
        if key in data:  # each unit's own prose: the example's words are not copied between units
            data[key] = "\n".join(_text(rng, len(p)) for p in data[key].split("\n"))


def _unit(base: dict, i: int, year: int, rng: random.Random) -> dict:
    d = copy.deepcopy(base)
    d.pop("$schema", None)
    d["year"] = year
    d["agency"] = f"测试县第{i + 1:04d}号单位"
    d["agency_id"] = f"T{i + 1:05d}"
    d["region"] = "测试县"
    d["published"] = f"{year + 1}-01-{10 + i % 15:02d}"
    _prose(d, rng)
    return d


def region(n: int, year: int = 2025, *, seed: int = 17, planted: bool = True) -> tuple[list[dict], list[dict]]:
    """(this year's, last year's) reports of ``n`` units; problems planted when ``planted``."""
    base = json.loads(YUNXI.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    last = [_unit(base, i, year - 1, rng) for i in range(n)]
    this = []
    for i in range(n):
        d = _unit(base, i, year, rng)
        req = d["requests"]
        prev_fwd = last[i]["requests"]["carried_forward"]
        for col in COLUMNS:  # 上年结转 = last year's 结转下年度继续办理; 本年新收 keeps the balance
            diff = prev_fwd[col] - req["carried_over"][col]
            req["carried_over"][col] += diff
            req["received"][col] -= diff
        nd = d["proactive"]["normative_documents"]
        nd["in_force"] = last[i]["proactive"]["normative_documents"]["in_force"] + nd["issued"] - nd["repealed"]
        this.append(d)
    if planted and n > max(PLANTED["imbalance"], PLANTED["carry"], *PLANTED["copy"]):
        this[PLANTED["late"]]["published"] = f"{year + 1}-03-02"
        a, b = PLANTED["copy"]
        this[b]["problems"] = this[a]["problems"]
        req = this[PLANTED["carry"]]["requests"]
        req["carried_over"]["natural"] += 7
        req["received"]["natural"] -= 7
        this[PLANTED["imbalance"]]["requests"]["results"]["granted"]["natural"] += 1
    return this, last
