"""Reading a report: from a path, a JSON string or a dict.

Every problem with the input becomes a :class:`~reportkit.errors.ReportkitError`
whose message says, in Chinese, what is wrong and where (file, line, column or
JSON path) — never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from pathlib import Path
from typing import Any, Mapping

from .contract.characters import printable
from .errors import DataError, InputFileError
from .validation.findings import json_path
from .contract.report import Report  # noqa: F401  (its home is reportkit.contract.report)
from .files import FileProblem, read_regular

MAX_BYTES = 20 * 1024 * 1024
#: an integer literal longer than this is refused while reading.  Every figure of the contract
#: has at most 15 digits, so the schema still speaks for anything out of range below this; and
#: CPython cannot even convert integers of more than 4300 digits (never fewer than 640, whatever
#: sys.set_int_max_str_digits says), so neither reading nor printing one can fail.
NUMBER_DIGITS_MAX = 100
#: objects and lists nested deeper than this are refused, before anything recursive sees them: a
#: report is 6 deep, and Python's json (reading or writing) gives out a little under 1000 levels
#: with RecursionError; validation walks what is below without recursion
MAX_DEPTH = 950


def load(source: "Report | Mapping | str | os.PathLike | bytes", *, name: str | None = None) -> Report:
    """Load a report.

    ``source`` is a :class:`Report` (returned as is), a mapping (the data itself), a path
    (``str`` or ``os.PathLike``), JSON text (a ``str`` whose first non-blank character is
    ``{``) or the bytes of a file.  ``name`` names the source in messages.  A file that is a
    workbook (``.xlsx``) is read as the clerk's form (:mod:`reportkit.form`).
    """
    if isinstance(source, Report):
        return source
    if isinstance(source, Mapping):
        return Report(_from_mapping(source, name or "<dict>"), name or "<dict>", None)
    if isinstance(source, bytes):
        return _from_bytes(source, name or "<bytes>")
    if isinstance(source, str) and source.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
        name = name or "<string>"  # a str may hold what UTF-8 cannot (a lone surrogate): parsed as is
        digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
        return Report(_parse(source.removeprefix("\ufeff"), name), name, digest)
    return _from_bytes(read_input(Path(source)), name or str(source))


def read_input(path: Path, *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of an input file (report data, a form, a published report) — a regular file
    of at most ``limit`` bytes (:data:`MAX_BYTES`: 20 MB) — or an :class:`InputFileError`
    saying in Chinese why it cannot be read (missing, a folder, a FIFO, a device, a socket, too
    large, no permission).  A FIFO or a device is refused at once, never read."""
    try:
        return read_regular(path, limit)
    except FileProblem as exc:
        message = exc.message
        if "上限" in message and "不像" not in message:
            message += "，不像一份年度报告"
        raise InputFileError(message, file=str(path)) from None


def _guess_encoding(raw: bytes) -> str | None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4]:
        return "UTF-16"
    try:
        raw.decode("gb18030")
        return "GBK（GB18030）"
    except UnicodeDecodeError:
        return None


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(raw):
            # valid UTF-8 up to a character cut at the very end: converting from GB18030 would garble it
            raise DataError(f"文件在第 {exc.start} 字节处被截断（最后一个字符不完整）：文件没有完整保存或复制，"
                            "请找回完整的文件（不要转换编码）", file=name) from None
        enc = _guess_encoding(raw)
        how = ("请用记事本“另存为”并选择编码 UTF-8，或运行："
               f"iconv -f {'UTF-16' if enc == 'UTF-16' else 'GB18030'} -t UTF-8 原文件 > 新文件")
        what = f"文件看起来是 {enc} 编码" if enc else f"第 {exc.start} 字节处不是有效的 UTF-8"
        raise DataError(f"不是 UTF-8 编码：{what}。{how}", file=name) from None


def _from_mapping(source: Mapping, name: str) -> dict:
    """A private, JSON-clean copy of ``source``, read by the same rules as a file."""
    _check_depth(source, name)
    try:
        text = json.dumps(source, ensure_ascii=False)
    except (TypeError, ValueError) as exc:  # a set, a date, a cycle, an integer of 5000 digits
        raise DataError(f"不是 JSON 数据：{printable(str(exc))}", file=name) from None
    except RecursionError:   # within MAX_DEPTH, but called from deep inside a caller's own recursion
        raise DataError(f"JSON 嵌套层数过深（上限 {MAX_DEPTH} 层）", file=name) from None
    return _parse(text, name)


def is_form(raw: bytes) -> bool:
    """Whether input bytes are read as the clerk's form: a zip package (an .xlsx workbook), not JSON."""
    return raw.startswith(b"PK\x03\x04")


def _from_bytes(raw: bytes, name: str) -> Report:
    if is_form(raw):
        from .form.read import read_form  # lazy: the form reader, not needed for JSON (bench_validate start-up)

        return read_form(raw, name)
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        from .ooxml.package import not_a_zip  # lazy: the Office layer, only to name a bad file (bench_validate start-up)

        raise DataError(f"{not_a_zip(raw)}；填报表单请用 .xlsx 格式（reportkit init … -o 年度.xlsx 生成）", file=name)
    if name.lower().endswith((".xlsx", ".xlsm", ".xltx")) and not raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        from .ooxml.package import not_a_zip  # lazy: the Office layer, only to name a bad file (bench_validate start-up)

        raise DataError(f"不是 Excel 工作簿（.xlsx）：{not_a_zip(raw)}；CSV 等文本请在 Excel/WPS 中打开后"
                        "“另存为” .xlsx，或用 reportkit init 生成填报表单", file=name)
    digest = hashlib.sha256(raw).hexdigest()
    return Report(_parse(_decode(raw, name), name), name, digest)


class _Refused:
    """Stands in, while parsing, for a number that no report can hold (NaN, Infinity, 1e400, an
    integer of more digits than NUMBER_DIGITS_MAX); reported with its path once parsing is done."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _refused_reason(token: str) -> str | None:
    """Why the number literal ``token`` cannot be read into a report, or None."""
    if token in ("NaN", "Infinity", "-Infinity"):
        return f"JSON 不允许 {token}，请填写数字"
    if re.fullmatch(r"-?[0-9]+", token):
        digits = len(token.lstrip("-"))
        return f"数字位数过多（{digits} 位），不是报告中可能出现的数字" if digits > NUMBER_DIGITS_MAX else None
    return None if math.isfinite(float(token)) else f"数字超出范围（{_short(token)}），请填写实际的数字"


def _short(token: str) -> str:
    return token if len(token) <= 24 else token[:21] + "…"


def _parse(text: str, name: str) -> dict:
    dups: list[tuple[dict, str]] = []
    refused: list[_Refused] = []

    def pairs(items):
        obj: dict = {}
        for k, v in items:
            if k in obj:
                dups.append((obj, k))
            obj[k] = v
        return obj

    def number(token, convert):
        reason = _refused_reason(token)
        if reason is None:
            return convert(token)
        refused.append(_Refused(reason))
        return refused[-1]

    try:
        data = json.loads(text, object_pairs_hook=pairs,
                          parse_int=lambda t: int(t) if len(t) <= NUMBER_DIGITS_MAX else number(t, int),
                          parse_float=lambda t: number(t, float), parse_constant=lambda t: number(t, None))
    except json.JSONDecodeError as exc:
        lines = text.splitlines()
        snippet = lines[exc.lineno - 1].strip()[:80] if 0 < exc.lineno <= len(lines) else "（文件末尾）"
        raise DataError(f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{_json_reason(exc.msg)}；"
                        f"该行内容：{printable(snippet)}", file=name, line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise DataError(f"JSON 嵌套层数过深（上限 {MAX_DEPTH} 层）", file=name) from None
    _check_depth(data, name)
    if refused:
        first = refused[0]
        where = json_path(_path_of(data, first))
        line, col = _locate_number(text)
        raise DataError(f"{first.reason}（{printable(where)}，第 {line} 行第 {col} 列）", file=name,
                        path=printable(where), line=line, column=col)
    if dups:
        obj, key = dups[0]
        where = json_path(_path_of(data, obj) + (key,))
        line, col = _locate_key(text, key, nth=2)
        raise DataError(f"键 “{printable(key)}” 在同一对象中出现了两次（{printable(where)}，第二次在第 {line} 行），"
                        "请删除其中一个", file=name, path=printable(where), line=line, column=col)
    if not isinstance(data, dict):
        raise DataError(f"顶层应为 JSON 对象 {{…}}，实为{_kind(data)}", file=name)
    return data


#: a JSON string, or a number literal (NaN and Infinity included) outside strings
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|(-?(?:Infinity|[0-9][0-9.eE+-]*)|NaN)')


def _locate_number(text: str) -> tuple[int, int]:
    """Line and column of the first number literal that :func:`_refused_reason` refuses."""
    for m in _TOKEN.finditer(text):
        if m.group(1) and _refused_reason(m.group(1)):
            return _line_col(text, m.start())
    return 0, 0


def _json_reason(msg: str) -> str:
    table = {
        "Expecting value": "此处缺少值（多余的逗号或缺少引号？）",
        "Expecting property name enclosed in double quotes": "键名须用英文双引号括起（或有多余的逗号）",
        "Expecting ',' delimiter": "缺少逗号",
        "Expecting ':' delimiter": "缺少冒号",
        "Extra data": "JSON 结束后还有多余内容",
        "Unterminated string starting at": "字符串缺少结束引号",
        "Invalid control character at": "字符串中有控制字符（换行请写成 \\n）",
        "Invalid \\escape": "无效的转义符",
    }
    for k, v in table.items():
        if msg.startswith(k):
            return v
    return msg


def _check_depth(data: Any, name: str) -> None:
    """Refuse objects and lists nested deeper than :data:`MAX_DEPTH` (walked without recursion;
    a cycle is left to ``json.dumps`` to name)."""
    stack = [(data, 1)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Mapping):
            children = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        if depth > MAX_DEPTH:
            raise DataError(f"JSON 嵌套层数过深（超过 {MAX_DEPTH} 层），不是一份年度报告的数据", file=name)
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend((child, depth + 1) for child in children)


def _kind(value: Any) -> str:
    return {list: "列表 […]", str: "字符串", int: "数字", float: "数字", bool: "布尔值", type(None): "null"}.get(
        type(value), type(value).__name__)


def _locate(text: str, token: str, nth: int = 1) -> tuple[int, int]:
    pos = -1
    for _ in range(nth):
        pos = text.find(token, pos + 1)
        if pos < 0:
            return 0, 0
    return _line_col(text, pos)


_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_COLON = re.compile(r"\s*:")


def _locate_key(text: str, key: str, nth: int = 2) -> tuple[int, int]:
    """Line and column of the ``nth`` place ``key`` is written as an object key, however it is
    spelled (``"\u0061gency"`` is ``"agency"``); (0, 0) when it is not found.  Strings are
    matched one after another from the start, so a quote inside a string never starts one."""
    seen = 0
    for m in _STRING.finditer(text):
        if not _COLON.match(text, m.end()):
            continue
        raw = m.group(1)
        try:
            name = json.loads(f'"{raw}"') if "\\" in raw else raw
        except ValueError:
            continue
        if name == key:
            seen += 1
            if seen == nth:
                return _line_col(text, m.start())
    return 0, 0


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _path_of(data: Any, target: object) -> tuple:
    """The path of the object ``target`` inside ``data`` (``()`` when not found)."""
    try:
        return _find_path(data, target) or ()
    except RecursionError:  # nested almost as deep as the parser allows
        return ()


def _find_path(node: Any, target: object, path: tuple = ()) -> tuple | None:
    if node is target:
        return path
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return None
    for k, v in items:
        found = _find_path(v, target, path + (k,))
        if found is not None:
            return found
    return None
