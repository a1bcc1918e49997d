"""The ``reportkit`` command: a thin Typer layer over the library.

It maps options to library calls, prints what they return in Chinese (or JSON with
``--json``) and maps :class:`~reportkit.errors.ReportkitError` to exit codes:
0 ok, 1 invalid data, 2 usage.  No logic lives here.
"""

# No ``from __future__ import annotations`` here: typer reads every command's parameters at each
# start (typing.get_type_hints), and annotations kept as strings are then compiled and evaluated
# one by one, ~5 ms of a clean ``reportkit validate`` (bench/bench_validate.py).
import copy
import functools
import json
import re
import signal
import sys
from pathlib import Path
from typing import List, Optional

import typer
import typer.core
import typer.main

from ..version import __version__
from ..filing import interrupts
from ..errors import DocumentError, ReportkitError, UsageError
from ..limits import DEFAULT_LIMITS, TemplateLimits
from ..filing.options import LOCK_WAIT, RenderOptions
from ..filing.output import DEFAULT_FORMATS, FORMATS, fit_path, write_bytes, write_text
from ..contract.characters import printable
from ..filing.batch import render_many, validate_many
from ..loading import load, read_input
from ..contract.schema import schema_for


def _chinese_help() -> None:
    """Chinese help and error panels, whole at any width (:mod:`reportkit.cli.help`); imported only
    when help or an error is shown (typer.rich_utils costs ~0.15 s of start-up)."""
    try:
        from .help import install  # lazy: help panels (typer.rich_utils), only when help or an error is shown (bench_validate start-up)

        install()
    except Exception:  # pragma: no cover - help still works in English
        pass


#: click's usage errors (a mistyped option, a value out of range …), which typer prints in English,
#: as the user reads them; the first pattern that matches the whole message is used
_USAGE_MESSAGES = (
    (r"No such option: (\S+) \(Possible options: (.+)\)", r"没有这个选项：\1（是否应为 \2？）"),
    (r"No such option: (\S+)", r"没有这个选项：\1"),
    (r"No such command '(.+)'\. Did you mean '(.+)'\?", r"没有这个命令：\1（是否应为 \2？）"),
    (r"No such command '(.+)'\. Did you mean one of (.+)\?", r"没有这个命令：\1（是否应为 \2 之一？）"),
    (r"No such command '(.+)'\.", r"没有这个命令：\1"),
    (r"Missing argument '(.+)'\.", r"缺少参数 \1"),
    (r"Missing option '(.+)'\.", r"缺少选项 \1"),
    (r"Option '(.+)' requires an argument\.", r"选项 \1 需要一个值"),
    (r"Got unexpected extra arguments? \((.+)\)", r"多余的参数：\1"),
    (r"Invalid value for (.+?): (\S+) is not in the range (.+)\.", r"\1 的值 \2 超出范围（\3）"),
    (r"Invalid value for (.+?): '(.*)' is not a valid (?:int|integer|float)(?: range)?\.", r"\1 的值 “\2” 不是数字"),
    (r"Invalid value for (.+?): '(.*)' is not one of (.+)\.", r"\1 的值 “\2” 不是可选的值：\3"),
    (r"Invalid value for (.+?): (?:File|Directory|Path) '(.*)' does not exist\.", r"\1：“\2” 不存在"),
    (r"Invalid value for (.+?): (.+)", r"\1 的值无效：\2"),
)


def _chinese_usage_errors() -> None:
    """Have typer show click's usage errors in Chinese (:data:`_USAGE_MESSAGES`), under the
    Chinese panel titles, by wrapping how click's exceptions format their message; nothing is
    imported until an error is raised."""
    click = getattr(typer.core, "_click", None) or getattr(typer.core, "click", None)
    exceptions = getattr(click, "exceptions", None)
    base = getattr(exceptions, "ClickException", None)
    if base is None or getattr(base, "_reportkit_chinese", False):  # pragma: no cover - another click
        return

    def translated(format_message):
        @functools.wraps(format_message)
        def wrapper(self) -> str:
            message = format_message(self)
            for pattern, chinese in _USAGE_MESSAGES:
                m = re.fullmatch(pattern, message, flags=re.S)
                if m:
                    return m.expand(chinese)
            return message
        return wrapper

    init = base.__init__

    @functools.wraps(init)
    def __init__(self, *args, **kwargs) -> None:
        _chinese_help()  # before typer prints the usage line and the panel
        init(self, *args, **kwargs)

    base.__init__ = __init__
    base.format_message = translated(base.format_message)  # maybe inherited (typer's own base class)
    for cls in vars(exceptions).values():
        if isinstance(cls, type) and issubclass(cls, base) and cls is not base and "format_message" in vars(cls):
            cls.format_message = translated(vars(cls)["format_message"])
    base._reportkit_chinese = True

app = typer.Typer(
    name="reportkit",
    help="政府信息公开工作年度报告：填报、校验，按官方格式生成申报材料，审查各单位的报告。\n\n"
         "填报人员：reportkit init -y 2021 -a 单位全称 -o 2021.xlsx 生成 Excel/WPS 填报表单，"
         "填写后 reportkit render 2021.xlsx 校验并生成 Word 报告、Excel 表格、PDF 和清单（也可用 JSON 数据）。\n"
         "已发布的报告：reportkit import 读出其中的数字和文字。\n"
         "审核单位：reportkit review 审查多个单位的报告；reportkit serve 启动网页平台，各单位在线填报、提交，"
         "审核人员在线审查。\n"
         "PDF 所用字体：reportkit fonts。",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
)
templates_app = typer.Typer(help="导出、检查自定义模板（Word、Excel、网页）。", no_args_is_help=True)
app.add_typer(templates_app, name="templates")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reportkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                       help="显示版本号并退出。")) -> None:
    """政府信息公开工作年度报告工具。"""


def _fail(exc: ReportkitError, as_json: bool = False) -> None:
    if as_json:
        typer.echo(_json_text({"ok": False, "error": _error_dict(exc)}))
    else:
        typer.echo(f"错误：{exc}", err=True)
    raise typer.Exit(exc.exit_code)


def _error_dict(exc: ReportkitError) -> dict:
    d = {"code": exc.code, "message": exc.message, "file": exc.file}
    for k in ("path", "line", "column", "field"):
        if getattr(exc, k, None) is not None:
            d[k] = getattr(exc, k)
    return d


def _shown(text) -> str:
    """``text`` as it can be printed: a character no output encoding has (a lone surrogate from a
    JSON escape, a surrogate-escaped byte of a file name) as ``<U+XXXX>``."""
    return printable(str(text))


def _json_text(obj) -> str:
    """JSON for ``--json``: characters as they are, but lone surrogates as ``\\uXXXX`` escapes
    (valid JSON that reads back as the same string, and printable)."""
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    return re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)


def _finding_lines(findings) -> list[str]:
    return [f"  {'✗ 错误' if f.is_error else '! 警告'}  {f.text()}" for f in findings]


def _verdict(findings) -> str:
    e = sum(f.is_error for f in findings)
    w = len(findings) - e
    return f"不通过：{e} 个错误，{w} 个警告" if e else f"通过（{w} 个警告）" if w else "通过"


# ------------------------------------------------------------------ validate

@app.command()
def validate(
    files: List[Path] = typer.Argument(..., help="一个或多个报告数据文件（JSON 或 .xlsx 填报表单）。", show_default=False,
                                       metavar="文件..."),
    previous: Optional[Path] = typer.Option(None, "--previous", "-p",
                                            help="上一年度的报告数据（JSON 或填报表单），用于跨年度核对（结转、现行有效件数、内容雷同）。"),
    formats: str = typer.Option(",".join(DEFAULT_FORMATS), "--formats",
                                help="之后要生成的文件，逗号分隔（同 render）；含 pdf 时，PDF 无法显示的字符"
                                     "（emoji、报告所用字体都没有的字）也是错误。"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出校验结果，供其他程序读取。"),
) -> None:
    """校验报告数据：JSON Schema 与官方勾稽关系，逐条列出错误和警告。

    退出码：0 通过（可有警告）；1 有报告不通过或无法读取；2 命令本身用错（参数不对，唯一的输入文件不存在或无法读取）。
    批量时，无法读取的文件是它那一行的失败，退出码为 1。
    """
    fmts = [f.strip().lower() for f in formats.split(",") if f.strip()]
    if [f for f in fmts if f not in FORMATS] or not fmts:
        _usage(f"--formats 只能包含 {'、'.join(FORMATS)}，实为 {formats}", as_json)
    try:
        outcomes = validate_many(files, previous=previous, pdf="pdf" in fmts)
    except ReportkitError as exc:  # --previous unusable: the command's own input
        _fail(exc, as_json)
    if as_json:
        typer.echo(_json_text({"ok": all(o.ok for o in outcomes), "files": [o.to_dict() for o in outcomes]}))
    else:
        for o in outcomes:
            typer.echo(_shown(o.file))
            if o.error is not None:
                typer.echo(f"  ✗ {_shown(o.error.message)}")
                typer.echo("  结论：无法校验")
                continue
            for line in _finding_lines(o.findings):
                typer.echo(line)
            typer.echo(f"  结论：{_verdict(o.findings)}")
        if len(outcomes) > 1:
            _summary_table(outcomes, "校验汇总")
    raise typer.Exit(_exit_code(outcomes))


def _exit_code(outcomes) -> int:
    """2 only when the command itself is wrong: its single input unusable (missing, unreadable,
    the output exists without --force); in a batch every failure is that report's row: 1."""
    if len(outcomes) == 1 and isinstance(outcomes[0].error, UsageError):
        return 2
    return 0 if all(o.ok for o in outcomes) else 1


def _summary_table(outcomes, title: str) -> None:
    from rich.console import Console  # lazy: rich, only for a batch's summary (bench_validate start-up)
    from rich.table import Table  # lazy: rich, only for a batch's summary (bench_validate start-up)

    table = Table(title=title)
    for col in ("文件", "单位", "年度", "状态", "首个错误"):
        table.add_column(col, overflow="fold")
    for o in outcomes:
        table.add_row(*(_shown(x) for x in (o.file, o.agency or "", o.year or "", o.status, o.first_error or "")))
    Console(width=None if sys.stdout.isatty() else 120).print(table)


# ------------------------------------------------------------------ init

@app.command()
def init(
    year: int = typer.Option(..., "--year", "-y", help="报告年度，如 2020。", show_default=False),
    agency: Optional[str] = typer.Option(None, "--agency", "-a", help="单位全称，如 新义街道办事处（有 --from 时可省略）。"),
    edition: Optional[str] = typer.Option(None, "--format", "-f",
                                          help="官方格式版本 2019 或 2021；默认按年度选择（2020 年及以前 2019，之后 2021）。"),
    region: Optional[str] = typer.Option(None, "--region", "-r", help="所在地区，如 孝义市。"),
    from_: Optional[Path] = typer.Option(None, "--from",
                                         help="上一年度的报告：JSON 数据、填报表单，或已发布的 .docx/.html/.pdf/.txt 报告；"
                                              "沿用单位信息、结转数字和起始数量（不复制文字）。"),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="写入的文件；以 .xlsx 结尾时生成 Excel/WPS 填报表单，否则为 JSON；默认为 <年度>.json。"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的文件。"),
) -> None:
    """生成一份完整的报告数据骨架：所有行列齐全、数字为 0、文字待填写。

    -o 2021.xlsx 生成填报表单（官方表格样式，在 Excel/WPS 中填写）。
    未填写的骨架不会通过校验：每个空白的文字项都会提示应写什么。
    """
    from ..contract.skeleton import skeleton  # lazy: init only (bench_validate start-up)

    if edition is not None and edition not in ("2019", "2021"):
        _usage(f"--format 应为 2019 或 2021，实为 {edition}")
    if not 2019 <= year <= 2100:
        _usage(f"--year 应在 2019 至 2100 之间，实为 {year}")
    prev = None
    if from_ is not None:
        try:
            prev = _previous_data(from_)
        except ReportkitError as exc:
            _fail(exc)
    agency = agency or (prev or {}).get("agency")
    if not agency:
        _usage("请用 --agency 给出单位全称")
    data = skeleton(year, agency, edition=edition, region=region, previous=prev)
    out = output or Path(f"{year}.json")
    try:
        out = _write_report(data, out, force=force)
    except ReportkitError as exc:
        _fail(exc)
    what = "填报表单" if _is_form(out) else "数据文件"
    typer.echo(f"已生成{what} {out}（{data['format']} 格式，{year} 年度）。填写其中的文字和数字后运行："
               f"reportkit validate {out}，然后 reportkit render {out}")


def _is_form(path: Path) -> bool:
    return path.suffix.lower() == ".xlsx"


def _write_report(data: dict, out: Path, *, force: bool) -> Path:
    """A report written as the form (``.xlsx``) or as JSON; the path written (a name too long shortened)."""
    if _is_form(out):
        from ..form import form_bytes  # lazy: the form writer (xlsxwriter), init/convert -o .xlsx only (bench_validate start-up)

        return write_bytes(out, form_bytes(data, name=str(out)), force=force)
    return write_text(out, json.dumps(data, ensure_ascii=False, indent=2) + "\n", force=force)


# ------------------------------------------------------------------ convert

@app.command()
def convert(
    source: Path = typer.Argument(..., help="要转换的文件：JSON 数据或 .xlsx 填报表单。", show_default=False,
                                  metavar="源文件"),
    target: Path = typer.Argument(..., help="写入的文件：.xlsx（填报表单）或 .json。", show_default=False,
                                  metavar="目标文件"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的文件。"),
) -> None:
    """在 JSON 数据和 Excel/WPS 填报表单之间转换（两个方向）。

    表单中无法读取的单元格（如把数字写成“十二”）会逐个列出，且不写任何文件（退出码 1）；
    数据本身的问题（勾稽不平衡、文字未填）不妨碍转换，请用 reportkit validate 检查。
    """
    if _is_form(source) == _is_form(target):
        _usage("请给出一个 JSON 文件和一个 .xlsx 填报表单，例如：reportkit convert 2021.json 2021.xlsx")
    try:
        report = load(source)
        errors = [f for f in report.reading if f.is_error]
        if errors:
            for line in _finding_lines(errors):
                typer.echo(line, err=True)
            typer.echo(f"错误：{source}：表单中有 {len(errors)} 个单元格无法读取，未写入 {target}", err=True)
            raise typer.Exit(1)
        target = _write_report(report.data, target, force=force)
    except ReportkitError as exc:
        _fail(exc)
    typer.echo(f"已写入 {target}")


def _previous_data(path: Path) -> dict:
    """Last year's data for ``init --from``: a JSON data file, or a published report to import."""
    from ..importing import KINDS, import_report  # lazy: the document readers, init --from a published report only (bench_validate start-up)

    if path.suffix.lower() not in KINDS:
        return load(path).data
    result = import_report(path)
    if not result.complete:
        missing = [n.message for n in result.notes if n.kind in ("missing", "unreadable", "schema")]
        raise DocumentError(f"报告不完整，无法作为上一年度的数据（共 {len(missing)} 处）：{'；'.join(missing[:3])}"
                            f"{'；……' if len(missing) > 3 else ''}。可先运行 reportkit import 查看读取报告", file=str(path))
    return result.data


def _usage(message: str, as_json: bool = False) -> None:
    if as_json:
        typer.echo(_json_text({"ok": False, "error": {"code": "usage", "message": message}}))
    else:
        typer.echo(f"用法错误：{message}", err=True)
    raise typer.Exit(2)


# ------------------------------------------------------------------ schema

@app.command()
def schema(
    edition: Optional[str] = typer.Option(None, "--format", "-f", help="只输出某一格式版本（2019 或 2021）的 Schema。"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="写入文件而不是打印。"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的文件。"),
) -> None:
    """输出报告数据的 JSON Schema（draft 2020-12），供编辑器补全和提示。"""
    if edition is not None and edition not in ("2019", "2021"):
        _usage(f"--format 应为 2019 或 2021，实为 {edition}")
    text = json.dumps(schema_for(edition), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output = write_text(output, text, force=force)
    except ReportkitError as exc:
        _fail(exc)
    typer.echo(f"已写入 {output}")


# ------------------------------------------------------------------ render

@app.command()
def render(
    files: List[Path] = typer.Argument(..., help="一个或多个报告数据文件（JSON 或 .xlsx 填报表单）。", show_default=False,
                                       metavar="文件..."),
    output: Optional[str] = typer.Option(  # str: an empty -o '' must not become "." (the current folder)
        None, "--output", "-o",
        help="输出文件夹。单个文件时默认为数据文件旁同名的文件夹（如 2020.json、2020.xlsx → 2020/）；"
             "多个文件时必须给出，每份报告写入其中的一个子文件夹。"),
    templates: Optional[Path] = typer.Option(None, "--templates", "-t",
                                             help="自定义模板文件夹（reportkit templates export 导出的结构）；缺少的模板使用默认模板。"),
    formats: str = typer.Option(",".join(DEFAULT_FORMATS), "--formats",
                                help=f"要生成的文件，逗号分隔：{'、'.join(FORMATS)}（html：网页，另附网站编辑器粘贴用的正文片段）。"),
    previous: Optional[Path] = typer.Option(None, "--previous", "-p", help="上一年度的报告数据，用于跨年度核对。"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的输出文件（整套替换：旧材料中新材料没有的文件也删除，"
                                                      "但只删除上次生成、未被修改过的文件）。"),
    pdfa: bool = typer.Option(False, "--pdfa", help="PDF 按 PDF/A-2b（长期保存格式）导出；清单记录 PDF 声明的符合级别。"),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, max=64, help="并行生成的进程数（批量时）。"),
    wait: float = typer.Option(LOCK_WAIT, "--wait", min=0, help="输出文件夹正被另一个 reportkit 进程使用时，最多等待的秒数。"),
    template_seconds: float = typer.Option(DEFAULT_LIMITS.seconds, "--template-seconds", min=0.001,
                                           help="一个模板生成一份报告最多可用的秒数（自定义模板失控时停止）。"),
    template_memory: int = typer.Option(DEFAULT_LIMITS.memory // 2**20, "--template-memory", min=1,
                                        help="一个模板生成一份报告最多可产生的数据量（MB）。"),
    fonts: str = typer.Option("substitute", "--fonts",
                              help="substitute：本机没有官方字体时用替代字体并说明（默认）；strict：有替代字体时不写任何文件。"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出结果，供其他程序读取。"),
) -> None:
    """校验并生成申报材料：Word 报告、Excel 表格、PDF 和 manifest.json。

    数据有错误时只列出错误，不写任何文件；已有文件不会被覆盖，除非给出 --force。

    退出码：0 全部生成；1 有报告未生成（数据有错误、无法读取、模板或转换失败）；2 命令本身用错\
（参数不对、唯一的输入文件不存在、已存在且未加 --force）。批量时某个文件不存在或无法读取只是\
它那一行的失败，退出码为 1。
    """
    output, fmts = _render_arguments(files, output, formats, fonts, as_json)
    try:
        options = RenderOptions(formats=tuple(fmts), templates=templates, previous=previous, force=force, pdfa=pdfa,
                                wait=wait, limits=TemplateLimits(template_seconds, template_memory * 2**20),
                                fonts=fonts)
        outcomes = render_many(files, output, options, jobs=jobs, progress=not as_json and len(files) > 1)
    except ReportkitError as exc:  # e.g. --previous unreadable: the command itself cannot run
        _fail(exc, as_json)
    if as_json:
        typer.echo(_json_text({"ok": all(o.ok for o in outcomes), "files": [o.to_dict() for o in outcomes]}))
    else:
        _print_render(outcomes)
    raise typer.Exit(_exit_code(outcomes))


def _render_arguments(files: list[Path], output: str | None, formats: str, fonts: str,
                      as_json: bool) -> tuple[Path | None, list[str]]:
    """render's output folder (shortened as file names are) and formats, once the arguments are
    seen to make sense together; a usage error (exit 2) when they do not."""
    if output is not None and not output.strip():
        _usage("-o 给出的输出文件夹是空的；请给出文件夹路径（当前文件夹请写 -o .）", as_json)

    output = fit_path(Path(output)) if output is not None else None   # a name too long: shortened as file names are
    fmts = [f.strip().lower() for f in formats.split(",") if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        _usage(f"--formats 只能包含 {'、'.join(FORMATS)}，实为 {formats}", as_json)
    if fonts not in ("substitute", "strict"):
        _usage(f"--fonts 应为 substitute 或 strict，实为 {fonts}", as_json)
    if len(files) > 1 and output is None:
        _usage("批量生成时请用 -o 指定输出文件夹", as_json)
    if output is not None and output.exists() and not output.is_dir():
        _usage(f"输出位置 {output} 是一个文件，不是文件夹；请用 -o 指定一个文件夹", as_json)
    if len(files) == 1 and output is None:
        _single_input_beside(files[0], as_json)
    return output, fmts


def _single_input_beside(file: Path, as_json: bool) -> None:
    """One input rendered beside itself: it must be a file (say what it is, not "no extension")
    with an extension (else the output folder would take its name)."""
    if not file.is_file():
        try:
            read_input(file, limit=0)
        except ReportkitError as exc:
            _fail(exc, as_json)
    if file.with_suffix("") == file:
        _usage(f"输入文件 {file} 没有扩展名，默认的输出文件夹会与它同名；请用 -o 指定输出文件夹"
               f"（或把文件改名为 {file.name}.json）", as_json)


def _print_render(outcomes) -> None:
    """render's outcomes in words: one report in full; of a batch, the failures and a summary
    table; the fonts note once."""
    for o in outcomes:
        if len(outcomes) == 1 or not o.ok:
            typer.echo(_shown(o.file))
            for line in _finding_lines(o.findings):
                typer.echo(_shown(line))
        if o.error is not None:
            typer.echo(f"  ✗ {_shown(o.first_error)}")
        for note in o.notes:
            typer.echo(f"  ! {_shown(note)}")
        if o.ok and len(outcomes) == 1:
            for p in o.outputs:
                typer.echo(f"  已写入 {p}")
    if len(outcomes) > 1:
        _summary_table(outcomes, "生成汇总")
    for note in dict.fromkeys(o.fonts_note for o in outcomes if o.fonts_note):  # said once, every time
        typer.echo(_shown(note))




# ------------------------------------------------------------------ import

_KIND_NAMES = {"docx": "Word", "html": "网页", "pdf": "PDF", "text": "文本"}
_NOTE_HEADS = {"missing": "✗ 缺少", "unreadable": "✗ 无法读取", "schema": "✗ 不符合数据规范", "conflict": "! 两处不同",
               "variant": "! 标签变体", "blank": "! 空白读作 0", "unit": "! 单位", "guess": "? 推断",
               "absent": "· 未找到", "ambiguous": "✗ 无法确定", "split": "· 拆分",
               "extra": "· 多出的行"}


@app.command("import", short_help="导入已发布的年度报告（Word、网页、PDF、文本），生成报告数据。")
def import_(
    files: List[Path] = typer.Argument(..., help="一个或多个已发布的年度报告：.docx、.html、.htm、.pdf、.txt、.md。",
                                       show_default=False, metavar="报告..."),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o",
        help="写入的 JSON 文件（单个文件时），或文件夹（每份报告一个 <文件名>.json）；默认写在原文件旁。"),
    figures: bool = typer.Option(False, "--figures", help="逐个列出每个数字读自哪个表格、哪一行、哪一列。"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的 JSON 文件。"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出读取报告（数据、每个数字的来源、所有提示），供其他程序读取。"),
    partial: bool = typer.Option(False, "--partial",
                                 help="数据不完整时，把已读出的内容写入填报表（<文件名>.xlsx），缺少的单元格标红、推断的标蓝并加批注，"
                                      "补全后用 validate/render 使用；JSON 仍只在完整时写出。"),
) -> None:
    """导入已发布的年度报告（Word、网页、PDF、文本），按表格的行列标签读出全部数字和各部分文字，生成报告数据。

    读取报告列出：每个数字的来源、只靠常见变体才认出的标签、读作 0 的空白格、单元格中的单位、推断和找不到的内容。
    数据不完整时不写文件（退出码 1）；文件无法读取时退出码 1；只给一个文件而它不存在或类型不支持时退出码 2（多个文件时记在该文件名下，退出码 1）。
    """
    from ..importing import import_files  # lazy: the importer, import only (bench_validate start-up)

    try:
        outcomes = import_files(files, output if output is None else fit_path(output), force=force, partial=partial)
    except ReportkitError as exc:
        _fail(exc, as_json)
    if as_json:
        typer.echo(_json_text({"ok": all(o.ok for o in outcomes), "files": [o.to_dict() for o in outcomes]}))
    else:
        for o in outcomes:
            _print_import(o, figures)
    raise typer.Exit(_exit_code(outcomes))


def _print_import(o, figures: bool) -> None:
    r = o.result
    if r is None:
        typer.echo(str(o.file))
        typer.echo(f"  ✗ {o.error.message}")
        return
    d = r.data
    typer.echo(f"{o.file}（{_KIND_NAMES[r.kind]}，{r.edition} 格式）")
    typer.echo(f"  单位：{d.get('agency', '？')}　年度：{d.get('year', '？')}　发布日期：{d.get('published', '—')}"
               f"　读出数字 {len(r.figures)} 个")
    if figures:
        for f in r.figures:
            typer.echo(f"    {f.label} = {f.value}　← {f.where}（{f.row_label} / {f.col_label}）")
    for n in r.notes:
        if n.kind != "not-printed":
            typer.echo(f"  {_NOTE_HEADS.get(n.kind, n.kind)}  {n.message}" + (f"（{n.where}）" if n.where else ""))
    computed = len(r.of_kind("not-printed"))
    if computed:
        typer.echo(f"  · {computed} 个总计未印出，由 reportkit 计算")
    if o.error is not None:
        typer.echo(f"  ✗ {o.error}")
    elif o.output is not None:
        typer.echo(f"  已写入 {o.output}")
    elif o.form is not None:
        todo = {m.path for m in o.marks if m.kind == "missing"}
        check = {m.path for m in o.marks} - todo
        typer.echo(f"  数据不完整，已把读出的内容写入填报表 {o.form}：待补 {len(todo)} 处（标红），请核对 {len(check)} 处（标蓝）")
    else:
        problems = [n for n in r.notes if n.kind in ("missing", "unreadable", "schema")]
        typer.echo(f"  未写入：数据不完整（{len(problems)} 处），请核对原文件")


# ------------------------------------------------------------------ review

@app.command(short_help="审查多个单位的报告：校验、发布时限、雷同、年度衔接、地区合计。")
def review(
    inputs: List[Path] = typer.Argument(..., show_default=False, metavar="报告...",
                                        help="各单位的报告：JSON、填报表（.xlsx）、已发布的文件（.docx/.html/.pdf/.txt），"
                                             "或包含它们的文件夹。"),
    previous: Optional[List[Path]] = typer.Option(None, "--previous", "-p",
                                                  help="上一年度的报告（文件或文件夹，可重复），按单位标识、其次按名称配对。"),
    output: Optional[List[Path]] = typer.Option(None, "--output", "-o",
                                                help="写入审查结果：.xlsx（工作簿）、.html（网页）或 .json；可重复。"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的输出文件。"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出审查结果，供其他程序读取。"),
) -> None:
    """审查多个单位的年度报告：校验、发布时限、内容雷同、年度衔接、地区合计。

    每个单位一行结论和首个问题；-o 审查结果.xlsx 写出汇总表、各项检查表和带公式的地区合计，
    -o 审查结果.html 写出可排序的网页和图表。退出码：0 全部通过（可有警告），1 有单位不通过或无法读取，2 用法错误。
    """
    from ..reviewing import OUTPUT_SUFFIXES  # lazy: the review, review only (bench_validate start-up)
    from ..reviewing import review as run_review  # lazy: the review, review only (bench_validate start-up)

    outputs = [fit_path(o) for o in output or []]
    bad = [str(o) for o in outputs if o.suffix.lower() not in OUTPUT_SUFFIXES]
    if bad:
        _usage(f"-o 只能是 {'、'.join(OUTPUT_SUFFIXES)} 文件，实为 {'、'.join(bad)}")
    if not force:
        existing = [str(o) for o in outputs if o.exists()]
        if existing:
            _usage(f"已存在：{'、'.join(existing)}；如要覆盖请加 --force")
    written = {o.resolve() for o in outputs}
    try:
        result = run_review([i for i in inputs if i.resolve() not in written], previous=previous or None)
        outputs = [result.write(o, force=force) for o in outputs]
    except ReportkitError as exc:
        _fail(exc, as_json)
    if as_json:
        typer.echo(_json_text(result.to_dict()))
    else:
        _review_table(result)
        for o in outputs:
            typer.echo(f"已写入 {o}")
    raise typer.Exit(0 if result.ok else 1)


def _review_table(result) -> None:
    from rich.console import Console  # lazy: rich, only for the review's table (bench_validate start-up)
    from rich.table import Table  # lazy: rich, only for the review's table (bench_validate start-up)

    counts = result.counts()
    verdicts = "，".join(f"{k} {v}" for k, v in counts.items())
    table = Table(title=f"审查汇总：{len(result.units)} 个单位（{verdicts}）")
    for col in ("单位", "年度", "结论", "错误", "警告", "首个问题"):
        table.add_column(col, overflow="fold")
    for u in result.units:
        table.add_row(u.name, str(u.year or ""), u.verdict, str(len(u.errors)), str(len(u.warnings)), u.first_problem)
    Console(width=None if sys.stdout.isatty() else 160).print(table)
    for g in result.copy_groups:
        typer.echo(f"内容雷同 雷同组 {g.number}：{len(g.units)} 个单位的“{g.label}”彼此雷同（{g.names(result.units, 10)}）")
    for p in result.previous_unreadable:
        typer.echo(f"上一年度的报告无法读取：{_shown(p.source)}：{_shown(p.error.message)}")


# ------------------------------------------------------------------ serve

@app.command()
def serve(
    data: Path = typer.Option(Path("reportkit-data"), "--data", "-d",
                              help="数据文件夹：SQLite 数据库、密钥、生成的申报材料都在这里（不存在时创建）。"),
    database: Optional[str] = typer.Option(None, "--database",
                                           help="PostgreSQL 数据库地址，如 postgresql://用户:密码@主机:5432/数据库；"
                                                "不写则使用数据文件夹中的 SQLite。也可写在环境变量 REPORTKIT_DATABASE 中"
                                                "（密码不出现在进程列表里），或把密码放在 ~/.pgpass。"),
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址；供内网其他电脑访问时写 0.0.0.0。"),
    port: int = typer.Option(8000, "--port", "-p", min=1, max=65535, help="监听端口。"),
    admin_user: Optional[str] = typer.Option(None, "--admin-user", help="首次启动时创建的管理员账号（不写则在终端中询问）。"),
    admin_password_file: Optional[Path] = typer.Option(None, "--admin-password-file",
                                                       help="首次启动时管理员的密码所在的文件（密码不写在命令行上）。"),
    threads: int = typer.Option(8, "--threads", min=1, max=64, help="同时处理的请求数。"),
    secure_cookies: bool = typer.Option(False, "--secure-cookies",
                                        help="经 HTTPS 反向代理访问时打开：登录凭据只经 HTTPS 发送。"),
) -> None:
    """启动填报平台（浏览器中填报、检查、生成申报材料）：各单位填报人在线填写，审核人查看本地区的报告。

    首次启动时建立数据库并创建管理员账号；之后在“管理”页面中添加地区、单位和账号。
    需要安装平台组件：pip install 'reportkit\\[platform]'。
    """
    try:
        from ..platform.serve import ServeError, run  # lazy: the platform, serve only; the core never imports it (bench_validate start-up)
    except ImportError as exc:
        _usage(f"填报平台需要安装平台组件（缺少 {exc.name}）：pip install 'reportkit[platform]'")
        return
    try:
        run(data=data, database=database, host=host, port=port, admin_user=admin_user,
            admin_password_file=admin_password_file, threads=threads, secure_cookies=secure_cookies)
    except ServeError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(2)


# ------------------------------------------------------------------ templates

@templates_app.command("export", short_help="导出默认模板，供修改措辞、字体、版头。")
def templates_export(
    directory: Path = typer.Argument(..., help="导出到的文件夹。", show_default=False, metavar="文件夹"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的模板文件。"),
) -> None:
    """导出默认模板（两个格式版本的 Word、Excel 和网页），供修改措辞、字体、版头后用 --templates 使用。"""
    from ..templating.sets import export  # lazy: the template sets, templates export only (bench_validate start-up)

    try:
        written = export(directory, force=force)
    except ReportkitError as exc:
        _fail(exc)
    for p in written:
        typer.echo(f"已导出 {p}")


@templates_app.command("check", short_help="检查模板：语法、字段、官方数字、外部资源，并试生成。")
def templates_check(
    directory: Path = typer.Argument(..., help="模板文件夹。", show_default=False, metavar="文件夹"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出检查结果。"),
) -> None:
    """检查模板：Jinja 语法、不在数据规范中的字段、缺少或未原样输出的官方数字、外部资源，并用示例数据在限额内试生成。"""
    from ..templating.check import check_set  # lazy: the engines, templates check only (bench_validate start-up)

    try:
        problems = check_set(directory)
    except ReportkitError as exc:
        _fail(exc, as_json)
    errors = [p for p in problems if p.severity == "error"]
    if as_json:
        typer.echo(_json_text({"ok": not errors, "problems": [p.to_dict() for p in problems]}))
    else:
        for p in problems:
            typer.echo(f"{'✗ 错误' if p.severity == 'error' else '! 提示'}  {p.text()}")
        typer.echo(f"结论：{'不通过，' + str(len(errors)) + ' 个错误' if errors else '通过'}")
    raise typer.Exit(1 if errors else 0)


# ------------------------------------------------------------------ fonts

fonts_app = typer.Typer(help="PDF 所用的官方字体：列出本机为每种字体使用的文件，安装本单位的字体文件。",
                        short_help="查看 PDF 所用的官方字体，安装本单位的字体文件。", invoke_without_command=True)
app.add_typer(fonts_app, name="fonts")


@fonts_app.callback()
def fonts_list(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出，供其他程序读取。"),
) -> None:
    """列出每种官方字体（仿宋_GB2312、方正小标宋简体、黑体、楷体_GB2312、宋体、Times New Roman）本机
    PDF 转换所用的字体文件，以及是否为替代字体。

    安装本单位的字体文件：reportkit fonts install <字体文件夹>。
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..writing.fonts import faces  # lazy: fonts only (bench_validate start-up)

    found = faces()
    if as_json:
        typer.echo(_json_text({"ok": found is not None, "faces": None if found is None else [f.to_dict() for f in found]}))
        raise typer.Exit(0 if found is not None else 1)
    if found is None:
        typer.echo("本机没有 fontconfig（fc-match），无法查看 PDF 转换所用的字体（Windows、macOS 上由 LibreOffice 自行选择）。",
                   err=True)
        raise typer.Exit(1)
    _print_faces(found)


def _print_faces(found) -> None:
    from ..writing.fonts import INSTALL_HINT, WINDOWS_FILES  # lazy: fonts only (bench_validate start-up)

    for f in found:
        state = "替代字体" if f.substitute else "官方字体"
        typer.echo(f"{f.family}（{f.role}）：{state} {f.used or '无'}  {f.file or ''}")
    missing = [f for f in found if f.substitute]
    if missing:
        typer.echo(f"{len(missing)} 种为替代字体。安装本单位的字体文件（Windows 电脑 C:\\Windows\\Fonts 中的 "
                   f"{'、'.join(WINDOWS_FILES[f.family] for f in missing)}）：{INSTALL_HINT}")
    else:
        typer.echo("全部为官方字体。")


@fonts_app.command("install")
def fonts_install(
    paths: List[Path] = typer.Argument(..., help="字体文件（.ttf、.ttc、.otf），或它们所在的文件夹。", show_default=False,
                                       metavar="字体..."),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出，供其他程序读取。"),
) -> None:
    """为本用户安装字体文件，供 PDF 转换使用（不需要管理员权限），并核对每种官方字体是否已找到。

    例如把 Windows 电脑 C:\\Windows\\Fonts 中的 SIMFANG.TTF、FZXBSJW.TTF、SIMKAI.TTF、SIMHEI.TTF
    复制到一个文件夹，再运行 reportkit fonts install 这个文件夹。不是字体的文件会被拒绝，且不安装任何文件。
    """
    from ..writing.fonts import install  # lazy: fonts only (bench_validate start-up)

    try:
        result = install(paths)
    except ReportkitError as exc:
        _fail(exc, as_json)
    sample_ok = not result.sample or all(result.sample.values())
    if as_json:
        typer.echo(_json_text({"ok": sample_ok, **result.to_dict()}))
        raise typer.Exit(0 if sample_ok else 1)
    for i in result.installed:
        what = f"官方字体 {'、'.join(i.official)}" if i.official else "非官方字体"
        typer.echo(f"已安装 {i.path}（{'、'.join(i.families[:2])}；{what}）")
    for s in result.skipped:
        typer.echo(f"未安装 {s}：不是字体文件")
    if result.sample is None:
        typer.echo("未试印 PDF：本机没有 LibreOffice")
    for face, embedded in (result.sample or {}).items():
        typer.echo(f"试印 PDF：{face} {'已嵌入新安装的字体' if embedded else '未用到新安装的字体（仍是替代字体），请检查字体文件'}")
    if result.faces is not None:
        _print_faces(result.faces)
    if not sample_ok:
        raise typer.Exit(1)


class _Terminated(SystemExit):
    """SIGTERM or Ctrl-C (SIGINT), raised once the handler has cleaned up (staging folders and
    LibreOffice's process group, in :func:`reportkit.filing.interrupts.clean_up`): unwinding then stops
    a batch's workers; exit status 128 + the signal (143, 130)."""


def _on_signal(signum, frame) -> None:
    # clean up first, here (interrupts.clean_up), then unwind, which stops a batch's workers
    signal.signal(signum, signal.SIG_IGN)
    interrupts.clean_up()
    raise _Terminated(128 + signum)


def _app_for(args: list[str]) -> typer.Typer:
    """The app that runs ``args``: when they start with a command's name (``reportkit validate
    …``), a copy of :data:`app` holding only that command (or sub-app), so that typer builds the
    one click command that runs rather than all of them (~5 ms of a clean ``reportkit validate``,
    bench/bench_validate.py).  Anything else -- no command, an option first, a misspelt
    command -- gets the whole app, so the help, ``--version`` and the suggestions are the same."""
    if not args or args[0].startswith("-"):
        return app
    commands = [c for c in app.registered_commands
                if (c.name or typer.main.get_command_name(c.callback.__name__)) == args[0]]
    groups = [g for g in app.registered_groups if g.name == args[0]]
    if not commands and not groups:
        return app
    one = copy.copy(app)
    one.registered_commands, one.registered_groups = commands, groups
    return one


def main() -> None:
    """Console-script entry point."""

    if len(sys.argv) < 3 or {"-h", "--help"} & set(sys.argv):
        _chinese_help()
    _chinese_usage_errors()
    for name in ("SIGTERM", "SIGINT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _on_signal)
    try:
        _app_for(sys.argv[1:])()
    except _Terminated as exc:
        typer.echo("已中止。" if exc.code == 128 + signal.SIGINT else "已中止（收到终止信号）。", err=True)
        sys.exit(exc.code)
    except ReportkitError as exc:  # a library error that a command did not catch
        typer.echo(f"错误：{exc}", err=True)
        sys.exit(exc.exit_code)
