"""PDF through LibreOffice headless, out of process, with its own profile and a timeout."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import ConverterMissing, RenderError

TIMEOUT = 180
INSTALL_HINT = ("未找到 LibreOffice，未生成 PDF（其余文件已生成）。安装方法：Debian/Ubuntu 运行 "
                "sudo apt-get install libreoffice-writer-nogui fonts-noto-cjk；Windows/macOS 从 libreoffice.org 安装；"
                "或用环境变量 REPORTKIT_SOFFICE 指向 soffice 程序")


def find_soffice() -> str | None:
    env = os.environ.get("REPORTKIT_SOFFICE")
    if env:
        return env if Path(env).exists() else None
    for name in ("soffice", "libreoffice"):
        exe = shutil.which(name)
        if exe:
            return exe
    for guess in ("/usr/bin/soffice", "/opt/libreoffice/program/soffice",
                  "/Applications/LibreOffice.app/Contents/MacOS/soffice",
                  r"C:\Program Files\LibreOffice\program\soffice.exe"):
        if Path(guess).exists():
            return guess
    return None


FONTS_CONF = Path(__file__).with_name("fonts.conf")


def _environment() -> dict:
    """The converter's environment: on fontconfig systems, reportkit's font substitutes
    (fonts.conf: 仿宋_GB2312 → a serif CJK face, 黑体 → a sans one …) on top of the system's."""
    env = dict(os.environ)
    if os.name == "posix" and "FONTCONFIG_FILE" not in env and FONTS_CONF.exists():
        env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    return env


def convert_to_pdf(docx: Path, out_dir: Path, *, timeout: int = TIMEOUT) -> Path:
    """Convert ``docx`` into ``out_dir/<stem>.pdf`` and return its path."""
    exe = find_soffice()
    if exe is None:
        raise ConverterMissing(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="reportkit-lo-") as profile:
        cmd = [exe, "--headless", "--invisible", "--norestore", "--nolockcheck", "--nodefault",
               f"-env:UserInstallation={Path(profile).as_uri()}",
               "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out_dir), str(docx)]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, env=_environment())
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise RenderError(f"LibreOffice 转换 PDF 超过 {timeout} 秒未完成，已终止") from None
    pdf = out_dir / (docx.stem + ".pdf")
    if proc.returncode != 0 or not pdf.exists():
        detail = (err or out).decode("utf-8", "replace").strip()[-300:]
        raise RenderError(f"LibreOffice 转换 PDF 失败（退出码 {proc.returncode}）：{detail}")
    return pdf
