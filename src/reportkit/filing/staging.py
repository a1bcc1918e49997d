"""A filing set on disk: a locked output folder, a staging folder inside it, a journal, manifest last.

A *set* is ``manifest.json`` plus the files it lists.  A reader can always tell whether a
folder holds a complete set: **the manifest is present and every file it lists has the
SHA-256 the manifest gives ⇔ the set is complete** (read the manifest, hash the files, and
check the manifest is still the same bytes).

The protocol, for one output folder ``OUT``:

1. **Lock** ``OUT`` (``flock`` on the folder itself on POSIX, ``msvcrt.locking`` on
   ``OUT/.reportkit-lock`` on Windows).  A second render into the same folder waits up to
   ``wait`` seconds, then fails with :class:`~reportkit.errors.OutputBusyError`.
2. **Recover** what an interrupted run left, under the lock: a staging folder with a
   journal is rolled forward (its commit had begun); one without a journal is deleted.
3. **Stage**: every file of the new set is written into ``OUT/.reportkit-staging-<random>/``.
   It is inside ``OUT``, so each later rename stays on one file system (no "Invalid
   cross-device link" when ``OUT`` is a mount point) and a read-only parent does not matter.
4. **Commit**: write ``.journal.json`` into the staging folder (what moves in, which old files
   go); delete the old ``manifest.json``; rename the new files into ``OUT``; delete the files
   of the old set that the new one does not have — only those the old manifest lists whose
   bytes still match its SHA-256, never a file the set did not write; rename the new
   ``manifest.json`` in last; delete the staging folder.  SIGINT and SIGTERM are held back
   during the commit; SIGKILL is what the journal is for.

Killed at any point, ``OUT`` holds either the old complete set, or no manifest (mixed files,
incomplete, and the next run rolls forward from the journal), or the new complete set.
Nothing is fsynced (a sync per file would cost more than rendering the file): after a power
loss the files of a set may be incomplete, and the reader's rule above still says so, because
their hashes no longer match the manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from ..errors import OutputBusyError, RenderError, UsageError, os_message
from .options import LOCK_WAIT  # seconds a render waits for another one into the same folder (defined once)

MANIFEST = "manifest.json"
STAGING_PREFIX = ".reportkit-staging-"
JOURNAL = ".journal.json"
LOCK_FILE = ".reportkit-lock"  # Windows only: POSIX locks the folder itself


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def write_file(path: Path, data: bytes) -> None:
    """Write ``path`` (a file in a staging folder)."""
    with open(path, "wb") as fh:
        fh.write(data)


class OutputFolder:
    """``OUT`` locked for one render: ``with OutputFolder(out, wait=…) as folder: …``.

    On leaving, the lock is released; a folder that this render created (or that held only
    reportkit's leftovers) and that is empty again is removed, with the parents it created.
    """

    def __init__(self, path: Path, *, wait: float = LOCK_WAIT, follow_links: bool = True) -> None:
        self.path = Path(path)
        self.wait = wait
        #: False in a batch: a unit's folder that is a symbolic link (planted, not made by the
        #: batch) is refused rather than written through
        self.follow_links = follow_links
        self._created: list[Path] = []
        self._handle = None
        self._ours = False
        #: the staging folders this render made and has not committed: discarded on leaving
        self._stagings: list[Path] = []

    # -------------------------------------------------------------- lock

    def __enter__(self) -> "OutputFolder":
        if not self.follow_links and self.path.is_symlink():
            raise self._link_refused()
        if self.path.exists() and not self.path.is_dir():
            raise UsageError("输出位置是一个文件，不是文件夹；请用 -o 指定一个文件夹", file=str(self.path))
        deadline = time.monotonic() + self.wait
        while True:
            self._make()
            handle = _try_lock(self.path)
            if handle is None:
                if time.monotonic() >= deadline:
                    raise OutputBusyError(f"输出文件夹正被另一个 reportkit 进程使用，等待 {self.wait:g} 秒后仍未释放；"
                                          "请等它结束后再试", file=str(self.path))
                time.sleep(0.05)
                continue
            if _same_folder(self.path, handle):
                if not self.follow_links and not _not_a_link(self.path, handle):
                    _unlock(handle)
                    raise self._link_refused()
                break
            _unlock(handle)  # the holder removed the folder as we waited: make it again
        self._handle = handle
        _HELD.append(self)
        try:
            entries = list(self.path.iterdir())
            # made by this render, or holding nothing but reportkit's leftovers (a user's empty folder stays)
            self._ours = bool(self._created) or (bool(entries) and all(_internal(p.name) for p in entries))
            for p in entries:
                if p.name.startswith(STAGING_PREFIX) and p.is_dir():
                    recover(p, self.path)
        except OSError as exc:
            self.__exit__(None, None, None)
            raise RenderError(f"无法完成上一次中断的生成留下的替换：{os_message(exc)}", file=str(self.path)) from None
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _link_refused(self) -> RenderError:
        return RenderError("输出文件夹是一个符号链接，不是本次生成建立的文件夹；为免写到别处，拒绝经由它写入"
                           "（请删除这个链接，或换一个输出文件夹）", file=str(self.path))

    def __exit__(self, *exc) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        if self in _HELD:
            _HELD.remove(self)
        try:
            for staging in self._stagings:
                try:
                    discard(staging, self.path)
                except OSError:  # a commit that cannot be finished now stays journaled: the next run finishes it
                    pass
            self._stagings = []
            if self._ours:
                _remove_if_empty(self.path)
        finally:
            _unlock(handle)
        for p in reversed(self._created):  # the parents this render made, when they are empty again
            if p != self.path:
                _rmdir_quietly(p)

    def _make(self) -> None:
        missing = []
        p = self.path
        while not p.exists():
            missing.append(p)
            if p.parent == p:
                break
            p = p.parent
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RenderError(f"无法创建输出文件夹：{os_message(exc)}", file=str(self.path)) from None
        self._created = list(reversed(missing)) or self._created

    # -------------------------------------------------------------- staging and commit

    def new_staging(self) -> Path:
        """A new staging folder in ``OUT``, recorded before any signal can intervene, so that
        leaving the folder discards it whatever interrupts the render."""
        try:
            with _signals_deferred():
                staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.path))
                self._stagings.append(staging)
            return staging
        except OSError as exc:
            raise RenderError(f"无法在输出文件夹中写入：{os_message(exc)}", file=str(self.path)) from None

    def old_outputs(self) -> list[dict]:
        """The files the current manifest lists (name, sha256), [] when there is none or it is unreadable."""
        try:
            outputs = json.loads((self.path / MANIFEST).read_text(encoding="utf-8")).get("outputs", [])
            return [{"name": o["name"], "sha256": o["sha256"]} for o in outputs
                    if isinstance(o.get("name"), str) and isinstance(o.get("sha256"), str) and _plain_name(o["name"])]
        except (OSError, ValueError, AttributeError, TypeError, KeyError):
            return []

    def commit(self, staging: Path, names: list[str]) -> tuple[list[Path], list[str]]:
        """Move the staged ``names`` and the staged manifest into ``OUT`` (see the module's
        protocol); the paths written, manifest last, and the old files kept because their
        bytes no longer match the old manifest."""
        old = self.old_outputs()
        drop, kept = [], []
        for o in old:
            if o["name"] in names:
                continue
            p = self.path / o["name"]
            if p.exists():
                (drop if sha256_file(p) == o["sha256"] else kept).append(o)
        journal = {"version": 1, "moves": list(names), "delete": drop}
        with _signals_deferred():  # SIGINT/SIGTERM wait until the set is in place (SIGKILL: the journal)
            tmp = staging / (JOURNAL + ".tmp")
            write_file(tmp, json.dumps(journal, ensure_ascii=False).encode("utf-8"))
            os.replace(tmp, staging / JOURNAL)
            roll_forward(staging, self.path, journal)
            self._stagings.remove(staging)
        return [self.path / n for n in names] + [self.path / MANIFEST], [o["name"] for o in kept]


def discard(staging: Path, out: Path) -> None:
    """Drop a staging folder whose set is not to be committed — unless its commit has begun
    (a journal is there), which is then finished: a set is never left half replaced."""
    if (staging / JOURNAL).exists():
        recover(staging, out)
    else:
        shutil.rmtree(staging, ignore_errors=True)


#: the output folders this process holds (locked, between ``__enter__`` and ``__exit__``)
_HELD: list["OutputFolder"] = []


def release_all() -> None:
    """Leave every output folder this process holds, as ``with`` would: its staging folders
    discarded, a folder this render made and left empty removed, the lock released.  What a
    process does when it is told to end (SIGTERM in a batch worker), wherever its render was; a
    commit in progress cannot be cut (signals wait until it is done)."""
    for folder in reversed(list(_HELD)):
        folder.__exit__(None, None, None)


def recover(staging: Path, out: Path) -> None:
    """Finish or undo what an interrupted run left in ``staging``."""
    try:
        journal = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
        journal["moves"], journal["delete"]  # noqa: B018 - a journal without them is no journal
    except (OSError, ValueError, TypeError, KeyError):
        shutil.rmtree(staging, ignore_errors=True)
        return
    roll_forward(staging, out, journal)


def roll_forward(staging: Path, out: Path, journal: dict) -> None:
    """Carry out a journal; each step is idempotent, so an interrupted roll-forward is simply run again."""
    if (staging / MANIFEST).exists():  # the new manifest has not moved in yet: the old one must go first
        try:
            (out / MANIFEST).unlink()
        except FileNotFoundError:
            pass
    for name in journal["moves"]:
        if _plain_name(name) and (staging / name).exists():
            os.replace(staging / name, out / name)
    for o in journal["delete"]:
        p = out / o["name"]
        if _plain_name(o["name"]) and p.exists() and sha256_file(p) == o["sha256"]:
            p.unlink()
    if (staging / MANIFEST).exists():
        os.replace(staging / MANIFEST, out / MANIFEST)
    shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def _signals_deferred():
    """Hold SIGINT and SIGTERM back for the block (POSIX, main thread); they are delivered after it."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = mask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, old)


def _plain_name(name: str) -> bool:
    """A file name of the set itself: no folder part, not one of reportkit's hidden files."""
    return bool(name) and Path(name).name == name and name not in (".", "..") and not name.startswith(".")


def _internal(name: str) -> bool:
    return name.startswith(STAGING_PREFIX) or name == LOCK_FILE


def _remove_if_empty(path: Path) -> None:
    try:
        entries = list(path.iterdir())
    except OSError:
        return
    if all(p.name == LOCK_FILE for p in entries):
        for p in entries:
            try:
                p.unlink()
            except OSError:  # Windows: still locked; the folder then stays
                return
        _rmdir_quietly(path)


def _rmdir_quietly(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(path: Path):
        fh = open(path / LOCK_FILE, "a+b")
        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            fh.close()
            return None
        return fh

    def _unlock(fh) -> None:
        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        finally:
            fh.close()

    def _same_folder(path: Path, fh) -> bool:
        return (path / LOCK_FILE).exists()

    def _not_a_link(path: Path, fh) -> bool:
        return not path.is_symlink()
else:
    import fcntl

    def _try_lock(path: Path):
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    def _unlock(fd) -> None:
        os.close(fd)  # closing the last descriptor releases the flock

    def _same_folder(path: Path, fd) -> bool:
        try:
            a, b = os.stat(path), os.fstat(fd)
        except FileNotFoundError:
            return False
        return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)

    def _not_a_link(path: Path, fd) -> bool:
        """The locked folder is ``path`` itself, not a folder a symbolic link at ``path`` leads to."""
        try:
            a, b = os.lstat(path), os.fstat(fd)
        except FileNotFoundError:
            return False
        return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
