"""The report data contract as a tree of fields, one per edition.

This module is the single source of the official labels and key names: the JSON
Schema in ``schema/`` is generated from it (``tools/build_schema.py``), error
messages take their Chinese labels from it, and the renderers walk its tables.
It imports nothing but the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

EDITIONS = ("2019", "2021")

#: edition → the years it is meant for (another year is a warning, see rules.edition_year)
EDITION_YEARS = {"2019": (2019, 2020), "2021": (2021, 2100)}


def edition_for(year: int) -> str:
    """The edition meant for reports of ``year`` (2019 before its range, 2021 after)."""
    return "2019" if year <= EDITION_YEARS["2019"][1] else "2021"

#: the largest figure a single cell of a table may hold.  Real reports go beyond ten million (a
#: city's 行政许可 处理决定数量 of 11,398,889 has been published); a billion is above any real
#: figure, and the printed totals it allows (at most 21 cells summed) stay within the 15 digits a
#: workbook stores exactly.
MAX_COUNT = 1_000_000_000
YEAR_MIN, YEAR_MAX = 2019, 2100
TEXT_MAX = 50_000

#: 成文日期: from the first reportable year to two years after the last one.  The 条例 asks for
#: publication by 31 January of the following year, so a real date falls inside; the bound keeps
#: every date that reaches a file valid there (zip entry times hold 1980-2107, core.xml wants a
#: four-digit year).
PUBLISHED_YEAR_MIN, PUBLISHED_YEAR_MAX = YEAR_MIN, YEAR_MAX + 2

#: amounts: at most this many digits in all (Excel keeps 15 significant digits; more would be
#: rounded silently in the workbook), of which at most AMOUNT_DECIMALS after the point
AMOUNT_DIGITS, AMOUNT_DECIMALS = 15, 8
AMOUNT_MAX = 10 ** AMOUNT_DIGITS - 1

# kinds of leaves
COUNT, SIGNED, AMOUNT, TEXT, NAME, STRING, BOOL, YEAR, DATE, EDITION, UNIT, LEVEL = (
    "count", "signed", "amount", "text", "name", "string", "bool", "year", "date", "edition", "unit", "level")

#: 单位层级 (``level``): where the reporting body sits.  Only 省级政府, 设区的市政府 (and 自治州) and
#: 国务院部门 make 规章 (《立法法》第九十一条、第九十三条); a 规章 figure from another level is a warning.
LEVELS = ("乡镇（街道）", "县级部门", "县级政府", "设区的市部门", "设区的市政府", "省级部门", "省级政府",
          "国务院部门", "其他")
RULE_MAKING_LEVELS = ("设区的市政府", "省级政府", "国务院部门")

#: 五、存在的主要问题及改进情况: its parts in the order printed, with the sub-heading each gets by
#: default (the data may name its own, or print none); numbering （一）（二）… is generated
FIVE_PARTS = (("rectification", "上年度问题整改情况"), ("problems", "存在的主要问题"), ("improvements", "改进情况"))
#: 六 of the 2021 format as sub-items (in practice, in this order, after 信息处理费)
SIX_FEES_TITLE = "信息处理费"
SIX_ITEMS = (("work_points", "落实上级年度政务公开工作要点情况"),
             ("proposals", "人大代表建议和政协提案办理结果公开情况"),
             ("innovation", "政务公开工作创新情况"))
SIX_OTHER_TITLE = "其他事项"
OBJECT, LIST = "object", "list"


@dataclass(frozen=True)
class Field:
    key: str
    title: str
    description: str
    kind: str
    children: tuple["Field", ...] = ()
    required: bool = True
    item: "Field | None" = None  # for LIST
    #: the label used in messages when it differs from ``title`` (e.g. 法人或其他组织·商业企业)
    label: str | None = None
    #: the upper bound of a count (MAX_COUNT unless it is a total of several counts)
    maximum: int | None = None

    @property
    def message_label(self) -> str:
        return self.label or self.title

    def child(self, key: str) -> "Field | None":
        for c in self.children:
            if c.key == key:
                return c
        return None


def _f(key, title, kind, description="", *, required=True, children=(), item=None, label=None,
       maximum=None) -> Field:
    return Field(key, title, description or title, kind, tuple(children), required, item, label, maximum)


# ---------------------------------------------------------------- section 三

#: the six applicant columns of table 三, in official order: key, header, label in messages
APPLICANT_COLUMNS = (
    ("natural", "自然人", "自然人"),
    ("business", "商业企业", "法人或其他组织·商业企业"),
    ("research", "科研机构", "法人或其他组织·科研机构"),
    ("nonprofit", "社会公益组织", "法人或其他组织·社会公益组织"),
    ("legal", "法律服务机构", "法人或其他组织·法律服务机构"),
    ("other", "其他", "法人或其他组织·其他"),
)
COLUMN_KEYS = tuple(k for k, _, _ in APPLICANT_COLUMNS)
#: the 勾稽 note printed in the top-left cell of table 三
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
TOTAL_TITLE = "总计"


def applicant_row(key: str, title: str, description: str = "", required: bool = True,
                  column_max: int = MAX_COUNT) -> Field:
    """A row of table 三: six columns of at most ``column_max`` each, and its printed 总计 (at most
    the sum of six such columns, so that a correct printed total is never out of range)."""
    cols = [_f(k, t, COUNT, f"申请人情况：{lab}", label=lab, maximum=column_max) for k, t, lab in APPLICANT_COLUMNS]
    cols.append(_f("total", TOTAL_TITLE, COUNT,
                   "本行总计（可不填，由 reportkit 计算；填写时须等于六列之和）", required=False,
                   maximum=len(APPLICANT_COLUMNS) * column_max))
    return _f(key, title, OBJECT, description or title, children=cols, required=required)


DENIED = (
    ("state_secret", "1.属于国家秘密"),
    ("prohibited", "2.其他法律行政法规禁止公开"),
    ("security_stability", "3.危及“三安全一稳定”"),
    ("third_party", "4.保护第三方合法权益"),
    ("internal_affairs", "5.属于三类内部事务信息"),
    ("process_info", "6.属于四类过程性信息"),
    ("enforcement_files", "7.属于行政执法案卷"),
    ("inquiry", "8.属于行政查询事项"),
)
UNAVAILABLE = (
    ("not_held", "1.本机关不掌握相关政府信息"),
    ("needs_creation", "2.没有现成信息需要另行制作"),
    ("unclear", "3.补正后申请内容仍不明确"),
)
NOT_PROCESSED = (
    ("complaint", "1.信访举报投诉类申请"),
    ("repeated", "2.重复申请"),
    ("publication", "3.要求提供公开出版物"),
    ("excessive", "4.无正当理由大量反复申请"),
    ("confirmation", "5.要求行政机关确认或重新出具已获取信息"),
)
OTHER_2021 = (
    ("no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other", "3.其他"),
)


def _group(key: str, title: str, items) -> Field:
    return _f(key, title, OBJECT, children=[applicant_row(k, t) for k, t in items])


def _requests(edition: str) -> Field:
    other = (applicant_row("other", "（六）其他处理") if edition == "2019"
             else _group("other", "（六）其他处理", OTHER_2021))
    rows = [
        applicant_row("granted", "（一）予以公开"),
        applicant_row("partly_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
        _group("denied", "（三）不予公开", DENIED),
        _group("unavailable", "（四）无法提供", UNAVAILABLE),
        _group("not_processed", "（五）不予处理", NOT_PROCESSED),
        other,
    ]
    #: the figure rows that （七）总计 adds up: a row, or each row of a group
    summed = sum(1 if r.child("natural") is not None else len(r.children) for r in rows)
    results = _f("results", "三、本年度办理结果", OBJECT, children=rows + [
        applicant_row("total", "（七）总计",
                      "印发的（七）总计行（可不填，由 reportkit 计算；填写时每列须等于各办理结果之和）",
                      required=False, column_max=summed * MAX_COUNT),
    ])
    return _f("requests", "三、收到和处理政府信息公开申请情况", OBJECT, children=[
        applicant_row("received", "一、本年新收政府信息公开申请数量"),
        applicant_row("carried_over", "二、上年结转政府信息公开申请数量"),
        results,
        applicant_row("carried_forward", "四、结转下年度继续办理"),
    ])


# ---------------------------------------------------------------- section 四

APPEAL_COLUMNS = (("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"))
APPEAL_BLOCKS = (
    ("reconsideration", "行政复议"),
    ("litigation", "行政诉讼·未经复议直接起诉"),
    ("litigation_after_reconsideration", "行政诉讼·复议后起诉"),
)


def _appeals() -> Field:
    blocks = []
    for key, title in APPEAL_BLOCKS:
        cols = [_f(k, t, COUNT) for k, t in APPEAL_COLUMNS]
        cols.append(_f("total", TOTAL_TITLE, COUNT, "总计（可不填，由 reportkit 计算；填写时须等于四项之和）",
                       required=False, maximum=len(APPEAL_COLUMNS) * MAX_COUNT))
        blocks.append(_f(key, title, OBJECT, children=cols))
    return _f("appeals", "四、政府信息公开行政复议、行政诉讼情况", OBJECT, children=blocks)


# ---------------------------------------------------------------- section 二

def _proactive(edition: str) -> Field:
    def row(key, title, cols):
        return _f(key, title, OBJECT, children=[_f(k, t, kind, d) for k, t, kind, d in cols])

    if edition == "2019":
        doc_cols = [("made", "本年新制作数量", COUNT, ""), ("published", "本年新公开数量", COUNT, ""),
                    ("published_total", "对外公开总数量", COUNT, "")]
        item_cols = [("previous", "上一年项目数量", COUNT, ""),
                     ("change", "本年增/减", SIGNED, "本年增/减（减少用负数表示，如 -8）"),
                     ("decisions", "处理决定数量", COUNT, "")]
        rows = [
            row("regulations", "规章", doc_cols),
            row("normative_documents", "规范性文件", doc_cols),
            row("licensing", "行政许可", item_cols),
            row("other_services", "其他对外管理服务事项", item_cols),
            row("penalties", "行政处罚", item_cols),
            row("coercion", "行政强制", item_cols),
            row("fees", "行政事业性收费", item_cols[:2]),
            _f("procurement", "政府集中采购", OBJECT, children=[
                _f("projects", "采购项目数量", COUNT),
                _f("amount", "采购总金额", AMOUNT, "采购总金额：数字，或数字字符串（如 \"73802895.90\"）以保留写法"),
                _f("amount_unit", "金额单位", UNIT, "采购总金额的单位：\"元\" 或 \"万元\"；显示在表头，不填则不显示单位",
                   required=False),
            ]),
        ]
    else:
        doc_cols = [("issued", "本年制发件数", COUNT, ""), ("repealed", "本年废止件数", COUNT, ""),
                    ("in_force", "现行有效件数", COUNT, "")]
        dec = [("decisions", "本年处理决定数量", COUNT, "")]
        rows = [
            row("regulations", "规章", doc_cols),
            row("normative_documents", "行政规范性文件", doc_cols),
            row("licensing", "行政许可", dec),
            row("penalties", "行政处罚", dec),
            row("coercion", "行政强制", dec),
            _f("fees", "行政事业性收费", OBJECT, children=[
                _f("amount", "本年收费金额（单位：万元）", AMOUNT,
                   "本年收费金额，单位万元：数字，或数字字符串（如 \"1523.4560\"）以保留写法")]),
        ]
    return _f("proactive", "二、主动公开政府信息情况", OBJECT, children=rows)


# ---------------------------------------------------------------- the report

def _report(edition: str) -> Field:
    section = _f("", "分节", OBJECT, children=[
        _f("title", "小标题", NAME, "小标题（不含编号，编号（一）（二）…自动生成），如：主动公开情况"),
        _f("text", "正文", TEXT, "本节正文；每行一段"),
    ])
    children = [
        _f("$schema", "JSON Schema", STRING, "编辑器提示，reportkit 忽略此项", required=False),
        _f("format", "格式版本", EDITION, "官方格式版本：\"2019\"（用于 2019、2020 年度报告）或 \"2021\"（国办公开办函〔2021〕30号，2021 年度起）"),
        _f("year", "报告年度", YEAR, "报告所述年度，如 2020"),
        _f("agency", "单位名称", NAME, "报告单位全称，如：新义街道办事处"),
        _f("agency_id", "单位标识", STRING, "单位的稳定标识（如统一社会信用代码），用于跨年度配对", required=False),
        _f("region", "所在地区", STRING, "所在地区，如：孝义市", required=False),
        _f("level", "单位层级", LEVEL, "单位的层级（可不填）：" + "、".join(LEVELS)
           + "；填写后，不能制定规章的层级填报了规章数字时给出警告", required=False),
        _f("rollup", "汇总报告", BOOL, "数据覆盖整个地区（县、市汇总报告）时为 true", required=False),
        _f("published", "发布日期", DATE, "落款日期，格式 YYYY-MM-DD，如 2021-01-20", required=False),
        _f("preface", "前言", TEXT, "一之前的开篇段落；不填则生成标准前言", required=False),
        _f("overview", "一、总体情况", OBJECT, children=[
            _f("summary", "概述", TEXT, "总体情况概述：本年度贯彻落实《条例》的总体情况", required=False),
            _f("sections", "分节情况", LIST,
               "总体情况的各个方面（主动公开、依申请公开、政府信息管理、平台建设、监督保障），每项一节",
               required=False, item=section),
        ]),
        _proactive(edition),
        _requests(edition),
        _appeals(),
        _f("problems", "五、存在的主要问题及改进情况", TEXT,
           "存在的主要问题：写明本年度工作中存在的具体问题（五有两部分以上时各有小标题（一）（二）…，"
           "见 problems_heading、five_headings）"),
        _f("improvements", "五（二）改进情况", TEXT, "改进情况：针对问题已采取或拟采取的措施", required=False),
        _f("rectification", "五·上年度问题整改情况", TEXT,
           "上一年度报告所列问题的整改情况（可不填）；填写时印在五的最前面", required=False),
        _f("problems_heading", "五·存在问题的小标题", STRING,
           "五中“存在的主要问题”部分的小标题，不含编号（可不填，默认“存在的主要问题”）", required=False),
        _f("improvements_heading", "五·改进情况的小标题", STRING,
           "五中“改进情况”部分的小标题，不含编号（可不填，默认“改进情况”）", required=False),
        _f("rectification_heading", "五·上年度问题整改情况的小标题", STRING,
           "五中“上年度问题整改情况”部分的小标题，不含编号（可不填，默认“上年度问题整改情况”）", required=False),
        _f("five_headings", "五·印小标题", BOOL,
           "五有两部分以上时是否印（一）（二）…小标题（可不填，默认印）；false 时各部分依次成段", required=False),
        _f("other_matters", "六、其他需要报告的事项", TEXT, "其他需要报告的事项；不填则印“无”", required=False),
    ]
    if edition == "2021":
        children.append(_f("fees", "六·信息处理费", OBJECT, "政府信息公开信息处理费（在六中报告）", required=False,
                           children=[
                               _f("notices", "发出收费通知件数", COUNT, required=False),
                               _f("notice_amount", "收费通知总金额（元）", AMOUNT, required=False),
                               _f("collected_amount", "实际收取金额（元）", AMOUNT, required=False),
                           ]))
        for key, title in SIX_ITEMS:
            children.append(_f(key, f"六·{title}", TEXT,
                               f"{title}（可不填）；填写任一项时，六按（一）信息处理费（二）…分项印出", required=False))
    return _f("", f"政府信息公开工作年度报告（{edition} 格式）", OBJECT, children=children)


@lru_cache(maxsize=None)
def report_field(edition: str) -> Field:
    """The root field of an edition's report."""
    if edition not in EDITIONS:
        raise KeyError(edition)
    return _report(edition)


def lookup(edition: str | None, path: tuple) -> list[Field]:
    """Fields along ``path`` (keys and list indexes); stops where the contract ends.

    With ``edition`` None or unknown, the 2021 tree is tried, then 2019.
    """
    trees = [edition] if edition in EDITIONS else ["2021", "2019"]
    best: list[Field] = []
    for ed in trees:
        node, chain = report_field(ed), []
        for part in path:
            if node.kind == LIST and isinstance(part, int) and node.item is not None:
                node = node.item
                chain.append(Field(str(part), f"第{part + 1}节", "", OBJECT))
                continue
            nxt = node.child(part) if isinstance(part, str) else None
            if nxt is None:
                break
            chain.append(nxt)
            node = nxt
        if len(chain) > len(best):
            best = chain
        if len(chain) == len(path):
            return chain
    return best


def label(edition: str | None, path: tuple) -> str:
    """The official label chain of a JSON path, e.g.
    ``三、收到和处理政府信息公开申请情况 / 三、本年度办理结果 / （三）不予公开 / 4.保护第三方合法权益 / 自然人``."""
    chain = lookup(edition, path)
    return " / ".join(f.message_label for f in chain) if chain else "报告"


def iter_leaves(node: Field, prefix: tuple = ()) -> Iterator[tuple[tuple, Field]]:
    """Every leaf field under ``node`` with its path (lists are not expanded)."""
    for c in node.children:
        p = prefix + (c.key,)
        if c.kind == OBJECT:
            yield from iter_leaves(c, p)
        else:
            yield p, c


def applicant_rows(edition: str) -> list[tuple[tuple, Field]]:
    """The result rows of table 三 that hold figures, in official order (（七）总计 excluded),
    as paths relative to ``requests.results``."""
    results = report_field(edition).child("requests").child("results")
    rows: list[tuple[tuple, Field]] = []
    for c in results.children:
        if c.key == "total":
            continue
        if c.child("natural") is not None:
            rows.append(((c.key,), c))
        else:
            rows.extend(((c.key, g.key), g) for g in c.children)
    return rows


#: the narrative fields compared for 内容雷同 (the overview sections are compared item by item)
TEXT_PATHS = (("preface",), ("overview", "summary"), ("problems",), ("improvements",), ("rectification",),
              ("other_matters",)) + tuple((k,) for k, _ in SIX_ITEMS)
