"""Reading a user's file: a regular file of bounded size, or a clear reason why not.

A path given by a user may name a FIFO (reading it waits for a writer forever), a device
(``/dev/zero`` never ends), a socket or a folder.  :func:`read_regular` opens without blocking,
looks at what it opened (``fstat`` of the open descriptor: a symlink to a device is a device)
and reads at most ``limit`` bytes, whatever the size the file claims.  Every reader states its
limit in the message it gives."""

from __future__ import annotations

import os
import stat

MiB = 1024 * 1024


class FileProblem(Exception):
    """Why a file cannot be read, in Chinese (the caller names the file)."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.message, self.missing = message, missing


def _what(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "文件夹"
    if stat.S_ISFIFO(mode):
        return "管道（FIFO）"
    if stat.S_ISSOCK(mode):
        return "套接字"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备"
    return "特殊文件"


def size_text(n: int) -> str:
    return f"{n / MiB:.0f} MB" if n >= MiB else f"{n} 字节"


def read_regular(path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them; :class:`FileProblem`
    for a missing file, a folder, a FIFO, a device, a socket, a file over ``limit`` bytes, or one
    that cannot be read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)   # O_NONBLOCK: opening a FIFO must not wait for a writer
    except FileNotFoundError:
        raise FileProblem("文件不存在", missing=True) from None
    except IsADirectoryError:
        raise FileProblem("这是一个文件夹，不是文件") from None
    except PermissionError:
        raise FileProblem("没有读取权限") from None
    except OSError as exc:
        raise FileProblem(f"无法读取：{exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = _what(st.st_mode)
            raise FileProblem("这是一个文件夹，不是文件" if kind == "文件夹" else f"不是普通文件（是{kind}），拒绝读取")
        if st.st_size > limit:
            raise FileProblem(f"文件过大（{size_text(st.st_size)}，上限 {size_text(limit)}）")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise FileProblem(f"无法读取：{exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise FileProblem(f"文件过大（上限 {size_text(limit)}）")
    return data
