"""The CLI's help in Chinese at any terminal width.

typer draws help with rich, whose line breaker breaks only at spaces: a run of Chinese without a
space is one "word", and in a table cell (the option and command descriptions) rich cuts a word
longer than the cell with "…". Here Chinese text may break between any two characters (never
before a closing mark such as ，。）” nor after an opening one such as （“), as Chinese is set; and
click's and typer's own strings (``Usage:``, ``[OPTIONS]``, ``Show this message and exit.``,
``[required]``, ``[default: …]``, ``<path>`` …) are said in Chinese.

Imported by the CLI only when help or a usage error is shown (typer.rich_utils costs ~0.15 s of
start-up); nothing here is used by the library.
"""

from __future__ import annotations

import copy
import functools
import re

import rich._wrap
import rich.text
import typer._click.formatting as formatting
import typer.rich_utils as ru
from rich.cells import cell_len

#: click's and typer's own words in help, in Chinese
USAGE_PREFIX = "用法："
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."
HELP_OPTION_HELP = "显示本帮助并退出。"
#: the value placeholders of the option types (click's type names)
TYPE_NAMES = {"path": "路径", "file": "文件", "filename": "文件", "directory": "文件夹", "str": "文字", "text": "文字",
              "int": "整数", "integer": "整数", "int range": "整数", "integer range": "整数", "float": "数字",
              "float range": "数字", "uuid": "UUID", "datetime": "日期时间"}

#: a character after which a line may not break (opening brackets and quotes)
_OPENING = "（(［[｛{〔【《〈「『“‘"
#: a character before which a line may not break (closing marks and sentence punctuation)
_CLOSING = "）)］]｝}〕】》〉」』”’，,。.、；;：:？?！!…—～·%％"

_WIDE = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\U00020000-\U0003ffff]")


_WORD = re.compile(r"\s*\S+\s*")  # rich's word: the spaces after it go with it


def breaks(text: str) -> list[tuple[int, int, str]]:
    """``text`` cut where a line may break, as rich's ``words`` gives it: ``(start, end, word)``,
    each word with the spaces after it. A line may break after spaces, and between two characters
    when either is Chinese (a wide character), except before a closing mark or after an opening
    one; Latin words, numbers and option names stay whole."""
    pieces: list[tuple[int, int, str]] = []
    for m in _WORD.finditer(text):
        cuts = [m.start()]
        for i in range(m.start() + 1, m.end()):
            before, after = text[i - 1], text[i]
            if before.isspace() or after.isspace():
                continue
            if (_WIDE.match(before) or _WIDE.match(after)) and after not in _CLOSING and before not in _OPENING:
                cuts.append(i)
        cuts.append(m.end())
        pieces.extend((a, b, text[a:b]) for a, b in zip(cuts, cuts[1:]))
    return pieces


def _chinese_type(param):
    """A copy of ``param.type`` named in Chinese (only the help's placeholder changes: the copy
    belongs to this run's command objects, and help exits once shown)."""
    t = param.type
    name = TYPE_NAMES.get(getattr(t, "name", ""))
    if name is None:
        return t
    t = copy.copy(t)
    t.name = name
    return t


#: a line of a docstring that ends a sentence (or a list item) keeps its line break
_SENTENCE_END = "。；！？：.!?"


def reflow(help_text: str) -> str:
    """A help text whose lines were wrapped in the source, rejoined: rich keeps single line
    breaks, and a Chinese sentence wrapped in the source must not break where the source did. A
    line ending a sentence keeps its break; two Latin words rejoined keep a space between."""
    def join(m: re.Match) -> str:
        before, after = m.group(1), m.group(2)
        if before in _SENTENCE_END:
            return f"{before}\n{after}"
        latin = (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum())
        punctuation = any(_WIDE.match(c) and not c.isalnum() for c in (before, after))
        space = " " if latin and not punctuation else ""
        return f"{before}{space}{after}"

    return re.sub(r"(\S)[ \t]*\n[ \t]*(?=(\S))", lambda m: join(m)[:-1], help_text)


def _in_chinese(obj, ctx) -> None:
    """The command being helped, with click's own strings in Chinese."""
    if obj.help:
        obj.help = "\n\n".join(reflow(p) for p in obj.help.split("\n\n"))
    if getattr(obj, "options_metavar", None) == "[OPTIONS]":
        obj.options_metavar = OPTIONS_METAVAR
    if getattr(obj, "subcommand_metavar", None) == "COMMAND [ARGS]...":
        obj.subcommand_metavar = SUBCOMMAND_METAVAR
    help_option = obj.get_help_option(ctx)
    if help_option is not None:
        help_option.help = HELP_OPTION_HELP
    for param in obj.get_params(ctx):
        if getattr(param, "is_flag", False):
            continue
        param.type = _chinese_type(param)


def _rstrip_in_cells() -> None:
    """rich drops the spaces after a wrapped line's last word only when the line is longer than
    the cell in *characters*, not in columns: a Chinese line of 46 columns and a space is kept at
    47 and then cut with "…" in a 46-column cell. Counted in columns here."""
    if getattr(rich.text.Text.rstrip_end, "_reportkit_cells", False):
        return

    def rstrip_end(self, size: int) -> None:
        excess = cell_len(self.plain) - size
        if excess > 0:
            spaces = len(self.plain) - len(self.plain.rstrip())
            if spaces:
                self.right_crop(min(spaces, excess))

    rstrip_end._reportkit_cells = True
    rich.text.Text.rstrip_end = rstrip_end


def install() -> None:
    """Chinese help and error panels for typer's rich output; safe to call more than once."""
    ru.OPTIONS_PANEL_TITLE, ru.ARGUMENTS_PANEL_TITLE, ru.COMMANDS_PANEL_TITLE = "选项", "参数", "命令"
    ru.ERRORS_PANEL_TITLE, ru.ABORTED_TEXT = "错误", "已中止。"
    ru.RICH_HELP = "用 [blue]'{command_path} {help_option}'[/] 查看帮助。"
    ru.DEFAULT_STRING, ru.REQUIRED_LONG_STRING = "[默认：{}]", "[必填]"
    ru.ENVVAR_STRING, ru.DEPRECATED_STRING = "[环境变量：{}]", "（已停用）"
    rich._wrap.words = breaks  # rich.text's divide_line looks it up on each call
    _rstrip_in_cells()

    if getattr(ru.rich_format_help, "_reportkit_chinese", False):
        return
    format_help = ru.rich_format_help

    @functools.wraps(format_help)
    def rich_format_help(*, obj, ctx, markup_mode):
        _in_chinese(obj, ctx)
        return format_help(obj=obj, ctx=ctx, markup_mode=markup_mode)

    rich_format_help._reportkit_chinese = True
    ru.rich_format_help = rich_format_help


    write_usage = formatting.HelpFormatter.write_usage

    @functools.wraps(write_usage)
    def chinese_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        return write_usage(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = chinese_usage
