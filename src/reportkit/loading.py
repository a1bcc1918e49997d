"""Reading a report: from a path, a JSON string or a dict.

Every problem with the input becomes a :class:`~reportkit.errors.ReportkitError`
whose message says, in Chinese, what is wrong and where (file, line, column or
JSON path) — never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .errors import DataError, InputFileError
from .findings import json_path

MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Report:
    """A loaded report: the data, where it came from and the digest of its bytes."""

    data: dict
    source: str = "<dict>"
    sha256: str | None = None
    #: a form (.xlsx): JSON path → the cell it was read from (``三、依申请公开!D12``)
    cells: dict[str, str] = field(default_factory=dict)
    #: a form: what reading its cells found (text typed for numbers, blank cells, bad cells)
    reading: list = field(default_factory=list)

    @property
    def edition(self) -> str | None:
        f = self.data.get("format")
        return f if isinstance(f, str) else None

    @property
    def path(self) -> Path | None:
        return None if self.source.startswith("<") else Path(self.source)


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
        data = json.loads(json.dumps(source, ensure_ascii=False))  # a private, JSON-clean copy
        return Report(data, name or "<dict>", None)
    if isinstance(source, bytes):
        return _from_bytes(source, name or "<bytes>")
    if isinstance(source, str) and source.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
        return _from_bytes(source.encode("utf-8"), name or "<string>")
    return _from_bytes(_read(Path(source)), name or str(source))


def _read(path: Path) -> bytes:
    shown = str(path)
    try:
        if path.is_dir():
            raise InputFileError("这是一个文件夹，不是 JSON 文件", file=shown)
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputFileError(f"文件过大（{size} 字节，上限 {MAX_BYTES}），不像一份年度报告数据", file=shown)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputFileError("文件不存在", file=shown) from None
    except PermissionError:
        raise InputFileError("没有读取权限", file=shown) from None
    except OSError as exc:
        raise InputFileError(f"无法读取：{exc.strerror or exc}", file=shown) from None


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
        enc = _guess_encoding(raw)
        how = ("请用记事本“另存为”并选择编码 UTF-8，或运行："
               f"iconv -f {'UTF-16' if enc == 'UTF-16' else 'GB18030'} -t UTF-8 原文件 > 新文件")
        what = f"文件看起来是 {enc} 编码" if enc else f"第 {exc.start} 字节处不是有效的 UTF-8"
        raise DataError(f"不是 UTF-8 编码：{what}。{how}", file=name) from None


class _Dup(Exception):
    pass


def _from_bytes(raw: bytes, name: str) -> Report:
    if raw.startswith(b"PK\x03\x04"):
        from .form.read import read_form

        return read_form(raw, name)
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError("这是旧版 Excel（.xls）或其他 Office 二进制文件：填报表单请用 .xlsx 格式"
                        "（reportkit init … -o 年度.xlsx 生成）", file=name)
    digest = hashlib.sha256(raw).hexdigest()
    text = _decode(raw, name)
    dups: list[tuple[dict, str]] = []

    def pairs(items):
        obj: dict = {}
        for k, v in items:
            if k in obj:
                dups.append((obj, k))
            obj[k] = v
        return obj

    def constant(token):
        line, col = _locate(text, token)
        raise DataError(f"JSON 不允许 {token}（第 {line} 行第 {col} 列），请填写数字", file=name,
                        line=line, column=col)

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        lines = text.splitlines()
        snippet = lines[exc.lineno - 1].strip()[:80] if 0 < exc.lineno <= len(lines) else "（文件末尾）"
        raise DataError(f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{_json_reason(exc.msg)}；"
                        f"该行内容：{snippet!s}", file=name, line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise DataError("JSON 嵌套层数过深", file=name) from None
    if dups:
        obj, key = dups[0]
        where = _find_path(data, obj) or ()
        line, col = _locate(text, f'"{key}"', nth=2)
        raise DataError(f"键 “{key}” 在同一对象中出现了两次（{json_path(where + (key,))}，第二次在第 {line} 行），"
                        "请删除其中一个", file=name, path=json_path(where + (key,)), line=line, column=col)
    if not isinstance(data, dict):
        raise DataError(f"顶层应为 JSON 对象 {{…}}，实为{_kind(data)}", file=name)
    return Report(data, name, digest)


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


def _kind(value: Any) -> str:
    return {list: "列表 […]", str: "字符串", int: "数字", float: "数字", bool: "布尔值", type(None): "null"}.get(
        type(value), type(value).__name__)


def _locate(text: str, token: str, nth: int = 1) -> tuple[int, int]:
    pos = -1
    for _ in range(nth):
        pos = text.find(token, pos + 1)
        if pos < 0:
            return 0, 0
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _find_path(node: Any, target: dict, path: tuple = ()) -> tuple | None:
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


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def control_characters(text: str) -> list[tuple[int, str]]:
    """Positions (1-based) and characters that XML 1.0 forbids in ``text``."""
    return [(m.start() + 1, m.group()) for m in _CONTROL.finditer(text)]


def strip_control(text: str) -> str:
    return _CONTROL.sub("", text)
