"""Random valid reports, for round trips and batches: ``random_report(seed)``.

Every report passes ``reportkit.validate`` without errors: the 勾稽关系 balances, the figures
are within the contract's bounds, the texts are Chinese prose with the punctuation real reports
use (，、。；：“”《》（）), line breaks between paragraphs, digits and Latin letters inside
sentences.  Long agency names, zeros, negative 本年增/减, amounts with trailing zeros and
printed totals all occur.  The same seed always gives the same report.
"""

from __future__ import annotations

import random

from reportkit.contract import official as c
from reportkit.contract.totals import results_total

AGENCIES = ("新义街道办事处", "云溪县自然资源局", "青山镇人民政府", "东湖区教育局", "临江市生态环境局",
            "北塘乡人民政府", "南岭县卫生健康委员会", "西城区市场监督管理局", "石门县交通运输局",
            "河西街道办事处", "长宁县住房和城乡建设局", "江北新区管理委员会办公室")
LONG_PARTS = ("中共", "某某省", "某某市", "某某县", "人民政府", "办公室", "政务服务和大数据管理局",
              "综合行政执法局", "发展和改革委员会", "经济技术开发区", "管理委员会", "社会事业局")
REGIONS = ("孝义市", "云溪县", "临江市", "东湖区", "南岭县", "长宁县")
TOPICS = ("主动公开情况", "依申请公开情况", "政府信息管理情况", "政府信息公开平台建设情况", "监督保障情况",
          "政务公开专区建设情况", "政策解读情况", "回应关切情况")
PHRASES = ("认真贯彻落实《中华人民共和国政府信息公开条例》", "坚持以公开为常态、不公开为例外",
           "围绕中心工作", "进一步完善工作机制", "明确分管领导和工作人员", "及时更新政府信息公开专栏",
           "通过门户网站、政务新媒体等渠道", "主动公开各类信息{n}条", "办理依申请公开{n}件",
           "开展业务培训{n}次", "加强保密审查", "规范依申请公开办理流程", "做好政策解读工作",
           "回应社会关切", "推进“互联网+政务服务”", "落实“三审三校”制度", "提升公开质量和实效",
           "公开内容不够全面", "解读形式较为单一", "工作人员业务水平有待提高", "在2{n}年内完成整改",
           "按照“谁公开、谁审查、谁负责”的原则", "对照年度工作要点（第{n}项）逐项落实", "APP、微信公众号同步发布")
ENDINGS = ("。", "；", "。", "！", "。")
JOINERS = ("，", "，", "、", "：", "，")


def sentence(rng: random.Random) -> str:
    parts = [rng.choice(PHRASES).format(n=rng.randint(1, 999)) for _ in range(rng.randint(2, 5))]
    out = parts[0]
    for p in parts[1:]:
        out += rng.choice(JOINERS) + p
    return out + rng.choice(ENDINGS)


def text(rng: random.Random, paragraphs: tuple[int, int] = (1, 3), sentences: tuple[int, int] = (1, 4)) -> str:
    return "\n".join("".join(sentence(rng) for _ in range(rng.randint(*sentences)))
                     for _ in range(rng.randint(*paragraphs)))


def agency(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return "".join(rng.choice(LONG_PARTS) for _ in range(rng.randint(4, 8)))
    return rng.choice(AGENCIES)


def _count(rng: random.Random, high: int = 60) -> int:
    return 0 if rng.random() < 0.45 else rng.randint(1, high)


def _row(rng: random.Random, high: int = 30) -> dict:
    return {k: _count(rng, high) for k in c.COLUMN_KEYS}


def _amount(rng: random.Random):
    if rng.random() < 0.3:
        return "0"
    whole = rng.randint(0, 99_999_999)
    places = rng.choice((0, 1, 2, 2, 4))
    if places == 0:
        return str(whole) if rng.random() < 0.5 else whole
    frac = rng.randint(0, 10 ** places - 1)
    return f"{whole}.{frac:0{places}d}"


def _proactive(rng: random.Random, edition: str) -> dict:
    pro: dict = {}
    root = c.report_field(edition).child("proactive")
    for row in root.children:
        vals = {}
        for col in row.children:
            if col.kind == c.COUNT:
                vals[col.key] = _count(rng, 500)
            elif col.kind == c.SIGNED:
                vals[col.key] = rng.randint(-50, 50)
            elif col.kind == c.AMOUNT:
                vals[col.key] = _amount(rng)
            elif col.kind == c.UNIT and rng.random() < 0.6:
                vals[col.key] = rng.choice(("元", "万元"))
        pro[row.key] = vals
    return pro


def _results(rng: random.Random, edition: str) -> dict:
    res: dict = {"granted": _row(rng, 80), "partly_granted": _row(rng, 20)}
    for key, items in (("denied", c.DENIED), ("unavailable", c.UNAVAILABLE), ("not_processed", c.NOT_PROCESSED)):
        res[key] = {k: _row(rng, 8) for k, _ in items}
    res["other"] = _row(rng, 8) if edition == "2019" else {k: _row(rng, 8) for k, _ in c.OTHER_2021}
    return res


def random_report(seed: int, *, year: int | None = None, printed_totals: bool | None = None) -> dict:
    """A valid report: the same ``seed`` gives the same report."""
    rng = random.Random(seed)
    year = year or rng.randint(2019, 2025)
    edition = "2019" if year <= 2020 else "2021"
    data: dict = {"format": edition, "year": year, "agency": agency(rng)}
    _identity(rng, data)
    data["overview"] = _overview(rng)
    data["proactive"] = _proactive(rng, edition)
    data["requests"] = _requests(rng, edition)
    data["appeals"] = {key: {k: _count(rng, 5) for k, _ in c.APPEAL_COLUMNS} for key, _ in c.APPEAL_BLOCKS}
    if printed_totals if printed_totals is not None else rng.random() < 0.3:
        _print_totals(data)
    data["problems"] = text(rng, (1, 3))
    if rng.random() < 0.7:
        data["improvements"] = text(rng, (1, 3))
    if rng.random() < 0.5:
        data["other_matters"] = text(rng, (1, 2))
    if edition == "2021" and rng.random() < 0.5:
        data["fees"] = _fees(rng, data["requests"]["results"])
    return data


def _identity(rng: random.Random, data: dict) -> None:
    """The optional parts of the head: credit code, region, rollup, date published, preface."""
    if rng.random() < 0.7:
        data["agency_id"] = "11" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(16))
    if rng.random() < 0.7:
        data["region"] = rng.choice(REGIONS)
    if rng.random() < 0.3:
        data["rollup"] = rng.random() < 0.5
    if rng.random() < 0.85:
        data["published"] = f"{data['year'] + 1}-01-{rng.randint(1, 31):02d}"
    if rng.random() < 0.5:
        data["preface"] = text(rng, (1, 2))


def _overview(rng: random.Random) -> dict:
    """一、总体情况: a summary or sub-sections, or both."""
    overview: dict = {}
    if rng.random() < 0.8:
        overview["summary"] = text(rng, (1, 2))
    n = rng.randint(0 if "summary" in overview else 1, 8)
    overview["sections"] = [{"title": rng.choice(TOPICS), "text": text(rng)} for _ in range(n)]
    return overview


def _requests(rng: random.Random, edition: str) -> dict:
    """三, balanced: received = results + carried forward − carried over, never negative."""
    results = _results(rng, edition)
    carried_over = _row(rng, 10)
    carried_forward = _row(rng, 10)
    total = results_total(results, edition)
    for k in c.COLUMN_KEYS:
        if total[k] + carried_forward[k] < carried_over[k]:
            carried_forward[k] += carried_over[k] - total[k] - carried_forward[k]
    received = {k: total[k] + carried_forward[k] - carried_over[k] for k in c.COLUMN_KEYS}
    return {"received": received, "carried_over": carried_over, "results": results,
            "carried_forward": carried_forward}


def _print_totals(data: dict) -> None:
    """The printed totals of 三 and 四, as the tables would print them."""
    requests = data["requests"]
    for key in ("received", "carried_over", "carried_forward"):
        row = requests[key]
        row["total"] = sum(row[k] for k in c.COLUMN_KEYS)
    requests["results"]["total"] = dict(results_total(requests["results"], data["format"]))
    for block in data["appeals"].values():
        block["total"] = sum(block.values())


def _fees(rng: random.Random, results: dict) -> dict:
    """2021's 六 fees, some left out; a notice for every request dropped for an unpaid fee."""
    fees: dict = {}
    if rng.random() < 0.7:
        fees["notices"] = rng.randint(0, 20)
    if rng.random() < 0.7:
        fees["notice_amount"] = _amount(rng)
    if "notice_amount" in fees and rng.random() < 0.7:
        fees["collected_amount"] = "0"
    unpaid = sum(results["other"]["unpaid_fee"][k] for k in c.COLUMN_KEYS)
    if fees.get("notices") == 0 and unpaid:  # requests dropped for an unpaid fee had a notice (a warning otherwise)
        fees["notices"] = unpaid
    return fees


def corpus(n: int, start: int = 0, **kw) -> list[dict]:
    """``n`` random reports, seeds ``start`` … ``start + n - 1``."""
    return [random_report(seed, **kw) for seed in range(start, start + n)]
