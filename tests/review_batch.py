"""A supervising office's batch over two years for the review tests and benchmark:
``batch(n)`` → (this year's reports, last year's reports), every unit clean — valid, published in
time, its own prose, carry-over and 现行有效件数 chains intact, no jump — and the ``plant_*``
functions (``plant_late``, ``plant_copy`` …) put the issue's planted problems into chosen units."""

from __future__ import annotations

import copy
import random

from reportkit.contract import official as c
from reportkit.contract.totals import results_total

from .corpus import random_report

YEAR = 2022
DEPARTMENTS = ("自然资源局", "教育局", "卫生健康委员会", "交通运输局", "市场监督管理局", "生态环境局", "民政局",
               "人力资源和社会保障局", "住房和城乡建设局", "农业农村局", "文化和旅游局", "应急管理局", "审计局",
               "统计局", "司法局", "财政局", "水利局", "林业局", "商务局", "退役军人事务局")
COUNTIES = ("云溪县", "青山县", "临江县", "南岭县", "长宁县", "东湖区", "北塘区", "石门县", "河西区", "江北县")


def _unit_name(n: int) -> str:
    county = COUNTIES[n // len(DEPARTMENTS) % len(COUNTIES)]
    rest = n // (len(DEPARTMENTS) * len(COUNTIES))
    return f"{county}{DEPARTMENTS[n % len(DEPARTMENTS)]}" + (f"第{rest + 1}分局" if rest else "")


#: common characters: prose drawn from them is as unalike between units as real prose is (the
#: corpus's sentences come from two dozen stock phrases, so its long texts resemble each other)
CHARS = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方"
         "后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开"
         "它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此"
         "变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老"
         "头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门"
         "即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花"
         "带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段"
         "研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳"
         "便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京"
         "识适属圆包火住调满县局照参红细引听该铁价严龙飞")


def prose(rng: random.Random, paragraphs: tuple[int, int] = (1, 3)) -> str:
    def sentence() -> str:
        words = ["".join(rng.choice(CHARS) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(5, 12))]
        return "，".join("".join(words[i:i + 3]) for i in range(0, len(words), 3)) + rng.choice("。；")
    return "\n".join("".join(sentence() for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(*paragraphs)))


def _texts(data: dict, rng: random.Random) -> None:
    """Prose of its own in every text field."""
    if "preface" in data:
        data["preface"] = prose(rng, (1, 2))
    if "summary" in data["overview"]:
        data["overview"]["summary"] = prose(rng, (1, 2))
    for s in data["overview"]["sections"]:
        s["text"] = prose(rng)
    data["problems"] = prose(rng)
    for key in ("improvements", "other_matters"):
        if key in data:
            data[key] = prose(rng, (1, 2))


def pair(n: int, seed: int = 0) -> tuple[dict, dict]:
    """Unit ``n``: (this year's report, last year's), consistent with each other."""
    rng = random.Random(seed * 100_003 + n)
    cur = random_report(seed * 100_003 + n, year=YEAR, printed_totals=False)
    cur["agency"] = _unit_name(n)
    cur["agency_id"] = f"11{n:016d}"
    cur["region"] = COUNTIES[n // len(DEPARTMENTS) % len(COUNTIES)]
    cur["rollup"] = False
    cur["published"] = f"{YEAR + 1}-01-{rng.randint(5, 31):02d}"
    _texts(cur, rng)
    prev = copy.deepcopy(cur)
    prev["year"] = YEAR - 1
    prev["published"] = f"{YEAR}-01-{rng.randint(5, 31):02d}"
    _texts(prev, rng)
    # carry-over chain: last year's 结转下年度 is this year's 上年结转; last year balances
    req = prev["requests"]
    req["carried_forward"] = dict(cur["requests"]["carried_over"])
    total = results_total(req["results"], "2021")
    for k in c.COLUMN_KEYS:
        req["carried_over"][k] = min(req["carried_over"][k], total[k] + req["carried_forward"][k])
        req["received"][k] = total[k] + req["carried_forward"][k] - req["carried_over"][k]
    # 现行有效件数 chain
    for row in ("regulations", "normative_documents"):
        now = cur["proactive"][row]
        last = prev["proactive"][row]
        last["in_force"] = now["in_force"] - now["issued"] + now["repealed"]
        if last["in_force"] < 0:
            now["in_force"] -= last["in_force"]
            last["in_force"] = 0
    return cur, prev


def batch(n: int, seed: int = 0) -> tuple[list[dict], list[dict]]:
    pairs = [pair(i, seed) for i in range(n)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


# ------------------------------------------------------------------ planted problems

def plant_late(data: dict) -> None:
    data["published"] = f"{data['year'] + 1}-02-15"          # 15 days after 1月31日


def plant_missing_date(data: dict) -> None:
    data.pop("published", None)


def plant_copy(source: dict, target: dict) -> None:
    """``target``'s 五 is ``source``'s with a character in 25 changed (names, figures, as a copier
    would); ``source``'s is made long enough to be compared."""
    long = "".join(s["text"] for s in source["overview"]["sections"]) + source["problems"]
    source["problems"] = long
    target["problems"] = "".join("某" if i % 25 == 24 else ch for i, ch in enumerate(long))


def plant_broken_carry_over(data: dict) -> None:
    """上年结转 no longer what last year carried forward (the year still balances)."""
    req = data["requests"]
    req["carried_over"]["natural"] += 2
    req["carried_forward"]["natural"] += 2


def plant_jump(data: dict) -> None:
    """Applications received × 4 and more (the year still balances)."""
    req = data["requests"]
    extra = 3 * sum(req["received"][k] for k in c.COLUMN_KEYS) + 40
    req["received"]["natural"] += extra
    req["results"]["granted"]["natural"] += extra


def plant_imbalance(data: dict) -> None:
    data["requests"]["received"]["business"] += 1


# ------------------------------------------------------------------ one template's prose

def fill_in(template: str, rng: random.Random, name: str, rate: float) -> str:
    """``template`` as a unit fills in a shared draft: its own name at the start, about ``rate``
    of the characters changed (its figures, names, a word here and there), one clause of its own."""
    chars = [rng.choice(CHARS) if ch not in "，。；\n" and rng.random() < rate else ch for ch in template]
    own = "".join(rng.choice(CHARS) for _ in range(rng.randint(6, 14)))
    cut = rng.randrange(len(chars) + 1)
    return f"{name}" + "".join(chars[:cut]) + own + "。" + "".join(chars[cut:])


def template_batch(n: int, seed: int = 0, rate: float = 0.04) -> tuple[list[dict], list[dict]]:
    """``batch(n)`` whose prose this year all came from one draft (a county's departments
    sharing it): every text field is the draft's, filled in by each unit (:func:`fill_in`), so
    each long field (the draft's 一's sections and 五) is ≥ 80 % the same as the other units'; units
    with more of 一's sections than the draft wrote the others themselves."""
    cur, prev = batch(n, seed)
    rng = random.Random(seed * 7 + 1)
    draft = copy.deepcopy(cur[0])
    _texts(draft, random.Random(seed * 7 + 2))
    for s in draft["overview"]["sections"]:
        s["text"] = prose(rng, (3, 3))
    draft["problems"] = prose(rng, (3, 3))
    for d in cur:
        for key in ("preface", "improvements", "other_matters"):
            if key in d and key in draft:
                d[key] = fill_in(draft[key], rng, d["agency"], rate)
        if "summary" in d["overview"] and "summary" in draft["overview"]:
            d["overview"]["summary"] = fill_in(draft["overview"]["summary"], rng, d["agency"], rate)
        for s, t in zip(d["overview"]["sections"], draft["overview"]["sections"]):
            s["text"] = fill_in(t["text"], rng, d["agency"], rate)
        d["problems"] = fill_in(draft["problems"], rng, d["agency"], rate)
    return cur, prev
