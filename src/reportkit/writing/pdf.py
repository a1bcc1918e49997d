"""PDF through LibreOffice headless: many documents per start, sandboxed, always reaped.

* **One start for many documents.** :func:`convert_many` passes a whole list of .docx files
  to one ``soffice --convert-to pdf`` call (a cold start costs about a second, each further
  document about a tenth of that).  A call that crashes or stalls is killed; every document
  it left without a valid PDF is converted again on its own, so one bad document fails
  alone.  The timeout is per document: a call is killed when no new PDF has appeared for
  ``timeout`` seconds.
* **Checked output.** Every PDF is opened with :func:`reportkit.reading.pdf_inspect.inspect_pdf`
  (pages, fonts, PDF/A claim); a file that is not a PDF with pages is an error, never
  accepted.
* **No external links.** Every conversion starts with a fresh profile that tells LibreOffice
  not to load linked images and other links (``BlockUntrustedRefererLinks``) and never to
  run macros — on every platform.
* **Sandboxed where the OS allows it.** With bubblewrap (``bwrap``, Debian package
  ``bubblewrap``) LibreOffice runs with no network (its own empty network namespace) and
  sees only the system's program and font folders, reportkit's font configuration, the
  user's font folders and the conversion's own work folder: a document that links
  ``http://…`` or ``file:///…`` cannot fetch or embed either.  Without a working bwrap the
  conversion runs unsandboxed and :func:`sandbox_note` says so (it goes into the notes and
  the manifest).
* **Reaped.** LibreOffice runs in its own process group (under bwrap: its own PID namespace
  with ``--die-with-parent``, so the kernel ends every process of it when reportkit dies,
  even by SIGKILL); the group is killed on timeout, on an exception and on SIGTERM (the CLI's
  and the batch workers' signal handlers kill it first: :func:`reportkit.filing.interrupts.clean_up`).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from ..errors import ConverterMissing, RenderError
from .fontconfig import FONTS_CONF  # noqa: F401  (writing.pdf.FONTS_CONF: the config the converter runs with)
from .fontconfig import environment as _environment

TIMEOUT = 180  # seconds a document may take
PDF_FILTER = "pdf:writer_pdf_Export"
PDFA_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'  # PDF/A-2b
PDFA_LEVEL = "PDF/A-2B"
INSTALL_HINT = ("未找到 LibreOffice，未生成 PDF（其余文件已生成）。安装方法：Debian/Ubuntu 运行 "
                "sudo apt-get install libreoffice-writer-nogui fonts-noto-cjk；Windows/macOS 从 libreoffice.org 安装；"
                "或用环境变量 REPORTKIT_SOFFICE 指向 soffice 程序")
NO_SANDBOX = ("PDF 转换未隔离：未找到可用的 bubblewrap（bwrap），LibreOffice 能访问网络和本机文件"
              "（它已设置为不加载文档链接的外部内容）；Debian/Ubuntu 可运行 sudo apt-get install bubblewrap")


def find_soffice() -> str | None:
    """The LibreOffice program to run, or None when there is none (or REPORTKIT_SOFFICE names
    something that is not an executable program)."""
    try:
        return soffice()
    except ConverterMissing:
        return None


def soffice() -> str:
    """The LibreOffice program; :class:`ConverterMissing` saying why when there is none."""
    env = os.environ.get("REPORTKIT_SOFFICE")
    if env:
        p = Path(env)
        if not p.exists():
            why = "不存在"
        elif not p.is_file():
            why = "不是文件"
        elif not os.access(p, os.X_OK):
            why = "不是可执行的程序（没有执行权限）"
        else:
            return env
        raise ConverterMissing(f"环境变量 REPORTKIT_SOFFICE 指向的 {env} {why}，请把它设为 LibreOffice 的 soffice "
                               f"程序或取消这个环境变量。{INSTALL_HINT}")
    for name in ("soffice", "libreoffice"):
        exe = shutil.which(name)
        if exe:
            return exe
    for guess in ("/usr/bin/soffice", "/opt/libreoffice/program/soffice",
                  "/Applications/LibreOffice.app/Contents/MacOS/soffice",
                  r"C:\Program Files\LibreOffice\program\soffice.exe"):
        if Path(guess).is_file():
            return guess
    raise ConverterMissing(INSTALL_HINT)


# ------------------------------------------------------------------ sandbox

@lru_cache(maxsize=1)
def _bwrap() -> str | None:
    """bwrap's path when it exists and can make a sandbox here (user namespaces allowed)."""
    exe = shutil.which("bwrap")
    if exe is None or not Path("/usr/bin/true").exists():
        return None
    try:
        ok = subprocess.run([exe, *_system_binds(), "--unshare-all", "--die-with-parent", "/usr/bin/true"],
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return exe if ok else None


def sandbox_note() -> str | None:
    """None when conversions are sandboxed; otherwise the note saying they are not."""
    return None if _bwrap() else NO_SANDBOX


def sandbox_name() -> str:
    return "bubblewrap" if _bwrap() else "none"


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        p = Path(top)
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), top]
        elif p.is_dir():
            args += ["--ro-bind", top, top]
    return args


def _sandboxed(exe: str, work: Path, env: dict) -> tuple[list[str], dict]:
    """The bwrap command line that runs ``exe`` with no network, seeing only what it needs."""
    args = [_bwrap(), *_system_binds()]
    system = ("/etc/fonts", "/etc/libreoffice", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
              "/etc/localtime", "/var/cache/fontconfig")
    for p in system:
        args += ["--ro-bind-try", p, p]
    program = Path(exe).resolve().parent
    if program.name == "program":  # a LibreOffice installation outside /usr (e.g. /opt/libreoffice7.6)
        program = program.parent
    readable = [program]
    conf = env.get("FONTCONFIG_FILE")
    if conf:
        readable.append(Path(conf).resolve().parent)
    home = Path(env.get("HOME") or Path.home())
    data = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    cache = Path(env.get("XDG_CACHE_HOME") or home / ".cache")
    readable += [home / ".fonts", data / "fonts", cache / "fontconfig"]  # fonts a user installed for themselves
    readable += _font_dirs(conf)  # folders the font configuration names (e.g. /opt/fonts in local.conf)
    args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for p in dict.fromkeys(str(p) for p in readable):
        if not p.startswith("/usr/") and p not in system:
            args += ["--ro-bind-try", p, p]
    args += ["--bind", str(work), str(work), "--chdir", str(work),
             "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv"]
    keep = {k: v for k, v in env.items()
            if k in ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "FONTCONFIG_FILE", "XDG_DATA_HOME", "XDG_CACHE_HOME")
            or k.startswith("LC_")}
    keep.setdefault("PATH", "/usr/bin:/bin")
    keep["TMPDIR"] = "/tmp"
    for k, v in keep.items():
        args += ["--setenv", k, v]
    return args + ["--", exe], keep


@lru_cache(maxsize=4)
def _font_dirs(conf: str | None) -> list[Path]:
    """The absolute font and cache folders that fontconfig's configuration files name."""
    files = [Path(conf)] if conf else []
    files += [Path("/etc/fonts/fonts.conf"), Path("/etc/fonts/local.conf"),
              *sorted(Path("/etc/fonts/conf.d").glob("*.conf"))]
    dirs: list[Path] = []
    for f in files:
        try:
            text = f.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for m in re.finditer(r"<(dir|cachedir)(?:\s[^>]*)?>\s*(/[^<]*?)\s*</\1>", text):
            if Path(m.group(2)) not in dirs:
                dirs.append(Path(m.group(2)))
    return dirs


def font_resolution(families: Sequence[str]) -> dict[str, str | None] | None:
    """For each family a document asks for, the family fontconfig gives LibreOffice (with
    reportkit's fonts.conf): the family itself when it is installed, else its substitute;
    None for a family with no match.  None altogether where there is no ``fc-match``
    (Windows, macOS), i.e. unknown."""
    env = _environment()
    return _resolve_fonts(tuple(families), env.get("FONTCONFIG_FILE"))


@lru_cache(maxsize=16)
def _resolve_fonts(families: tuple[str, ...], conf: str | None) -> dict[str, str | None] | None:
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    env = _environment()
    out: dict[str, str | None] = {}
    for family in families:
        try:
            text = subprocess.run([exe, "-f", "%{family}\n%{style[0]}", family], capture_output=True, env=env,
                                  timeout=30, stdin=subprocess.DEVNULL).stdout.decode("utf-8", "replace")
        except (OSError, subprocess.SubprocessError):
            return None
        names, _, style = text.partition("\n")
        names = [n.strip() for n in names.split(",") if n.strip()]
        style = style.strip()
        used = family if family in names else (names[0] if names else None)
        if used and used != family and style not in ("", "Regular", "Book", "Normal") and not used.endswith(style):
            used = f"{used} {style}"  # the weight tells a stand-in apart: Noto Serif CJK SC Black
        out[family] = used
    return out


# ------------------------------------------------------------------ conversion

@dataclass
class Converted:
    """A PDF made and checked: where it is and what :func:`inspect_pdf` read from it."""

    path: Path
    info: object  # reportkit.reading.pdf_inspect.PdfInfo


def convert_many(docs: Sequence[Path], work: Path, *, timeout: float = TIMEOUT,
                 pdfa: bool = False) -> list[Converted | RenderError]:
    """Convert every .docx of ``docs`` to PDF inside the folder ``work`` (made if needed; the
    caller removes it).  One result per document, in order: a :class:`Converted` or the
    :class:`RenderError` saying why that document has no PDF.  Raises
    :class:`ConverterMissing` when there is no LibreOffice."""
    exe = soffice()
    work = Path(work).resolve()
    inputs, outdir = work / "in", work / "out"
    inputs.mkdir(parents=True, exist_ok=True)
    outdir.mkdir(exist_ok=True)
    staged = []
    for i, doc in enumerate(docs):
        dst = inputs / f"{i:05d}.docx"  # unique names: two reports may share a file name
        try:
            os.link(doc, dst)
        except OSError:
            shutil.copyfile(doc, dst)
        staged.append(dst)
    results: list[Converted | RenderError | None] = [None] * len(staged)
    pending = list(range(len(staged)))
    calls = 0
    while pending:
        alone = len(pending) == 1
        failure = _run(exe, [staged[i] for i in pending], outdir, work, calls, timeout, pdfa)
        calls += 1
        left = []
        for i in pending:
            result = _result(staged[i], outdir, failure, work, calls - 1, docs[i])
            if isinstance(result, RenderError) and not alone:
                left.append(i)
            else:
                results[i] = result
        if left and not alone:  # the first one left is the likely culprit: alone, then the rest together
            first = left.pop(0)
            failure = _run(exe, [staged[first]], outdir, work, calls, timeout, pdfa)
            calls += 1
            results[first] = _result(staged[first], outdir, failure, work, calls - 1, docs[first])
        pending = left
    return results  # type: ignore[return-value]


def _result(staged: Path, outdir: Path, failure: RenderError | None, work: Path, call: int,
            doc: Path) -> "Converted | RenderError":
    """The checked PDF of one document after a call, or why there is none (a partial or
    garbage file is removed, so that a retry starts clean)."""
    from ..reading.pdf_inspect import inspect_pdf  # lazy: pdfminer, only after a conversion; find_soffice and fonts need none

    pdf = outdir / (staged.stem + ".pdf")
    try:
        if pdf.exists():
            return Converted(pdf, inspect_pdf(pdf))
        error = failure
    except RenderError as exc:
        error = failure or exc
    pdf.unlink(missing_ok=True)
    full = _disk_full(outdir)
    if full:
        return RenderError(full, file=str(doc))
    if error is None:
        error = RenderError(f"LibreOffice 没有生成 PDF：{_log_detail(work / f'soffice-{call}.log')}")
    return RenderError(error.message, file=str(doc))


def convert_to_pdf(docx: Path, out_dir: Path, *, timeout: float = TIMEOUT, pdfa: bool = False) -> Path:
    """Convert one ``docx`` into ``out_dir/<stem>.pdf`` and return its path."""
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix=".reportkit-pdf-", dir=out_dir) as work:
        (result,) = convert_many([Path(docx)], Path(work), timeout=timeout, pdfa=pdfa)
        if isinstance(result, RenderError):
            raise result
        target = out_dir / (Path(docx).stem + ".pdf")
        os.replace(result.path, target)
    return target


def _run(exe: str, docs: list[Path], outdir: Path, work: Path, n: int, timeout: float,
         pdfa: bool) -> RenderError | None:
    """One LibreOffice call over ``docs``; None when it ended by itself with status 0, else the
    error that describes how it ended (the PDFs it made are kept either way)."""
    env = _environment()
    log = work / f"soffice-{n}.log"
    profile = _profile(work / f"profile-{n}")
    prefix, env = _sandboxed(exe, work, env) if _bwrap() else ([exe], env)
    cmd = [*prefix, "--headless", "--invisible", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
           f"-env:UserInstallation={profile.as_uri()}", "--convert-to", PDFA_FILTER if pdfa else PDF_FILTER,
           "--outdir", str(outdir), *map(str, docs)]
    expected = [outdir / (d.stem + ".pdf") for d in docs]
    with open(log, "wb") as fh:
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT,
                                    start_new_session=True, env=env, cwd=work)
            _RUNNING.add(proc)
        except OSError as exc:
            raise ConverterMissing(f"无法启动 LibreOffice（{exe}）：{exc.strerror or exc}，"
                                   "未生成 PDF（其余文件已生成）") from None
    stalled = False
    try:
        made, since = 0, time.monotonic()
        while True:
            try:
                proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            now = sum(p.exists() for p in expected)
            if now > made:
                made, since = now, time.monotonic()
            elif time.monotonic() - since > timeout:
                stalled = True
                break
    finally:
        if proc.poll() is None:
            _kill_group(proc)
        _RUNNING.discard(proc)
    if stalled:
        return RenderError(f"LibreOffice 转换 PDF 超过 {timeout:g} 秒未完成，已终止")
    if proc.returncode == 0:
        return None
    return RenderError(_failure_message(proc.returncode, log))


# LibreOffice settings of every conversion's fresh profile: linked (external) images and other
# links are not loaded — LibreOffice then fetches no http:// URL and embeds no file:/// file,
# sandbox or not — and no macro runs.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" \
oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" \
oor:op="fuse"><value>true</value></prop></item>
</oor:items>
"""


def _profile(folder: Path) -> Path:
    """A fresh LibreOffice profile in ``folder`` (inside the work folder: removed with it)."""
    (folder / "user").mkdir(parents=True, exist_ok=True)
    (folder / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
    return folder


#: the converters running in this process
_RUNNING: set = set()


def kill_running() -> None:
    """Kill every converter this process has started and not yet reaped (its whole process group)."""
    for proc in list(_RUNNING):
        if proc.poll() is None:
            _kill_group(proc)
        _RUNNING.discard(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill LibreOffice and every process it started (soffice → oosplash → soffice.bin)."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows: the process tree
            subprocess.run(["taskkill", "/T", "/F", "/PID", str(proc.pid)], capture_output=True, timeout=30)
    except (ProcessLookupError, PermissionError, OSError, subprocess.SubprocessError):
        proc.kill()
    proc.wait()


def _failure_message(code: int, log: Path) -> str:
    if code < 0:
        try:
            how = f"被信号 {signal.Signals(-code).name} 终止"
        except ValueError:
            how = f"被信号 {-code} 终止"
    else:
        how = f"退出码 {code}"
    return f"LibreOffice 转换 PDF 失败（{how}）：{_log_detail(log)}"


def _disk_full(folder: Path) -> str | None:
    """The message for a conversion that failed because the disk is (nearly) full."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    if free >= 4 << 20:
        return None
    return f"磁盘空间不足（剩余 {free // 1024} KB），无法写入 PDF；请清理磁盘后重试"


_NOISE = re.compile(r"<file://[^>]*>|\s+at \./\S+:\d+|Please verify input parameters\.\.\.\s*")


def _log_detail(log: Path) -> str:
    """The meaningful lines of LibreOffice's output: file URLs and source locations dropped,
    percent-encoding decoded, known noise left out."""
    try:
        text = log.read_bytes().decode("utf-8", "replace")
    except OSError:
        return "（无输出）"
    lines = [_NOISE.sub("", urllib.parse.unquote(line)).strip() for line in text.splitlines()]
    lines = [line for line in lines if line and "javaldx" not in line and not line.startswith("convert ")]
    return "；".join(lines)[-300:] or "（无输出）"
