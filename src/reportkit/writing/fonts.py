"""The official faces of the report, the file this machine uses for each, and installing an
office's own font files for the PDF conversion.

The Word report names the faces of Chinese official documents (GB/T 9704 practice); the PDF
is made by LibreOffice, which finds fonts through fontconfig with reportkit's configuration
(``writing/fonts.conf``): a face the machine has is used as it is, one it lacks is replaced by
a free face of the same kind.  Offices own the official faces (their Windows PCs carry them in
``C:\\Windows\\Fonts``): :func:`install` copies such files into the user's own font folder,
which fontconfig reads (no root), and checks that each official face is then found.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from ..errors import InputFileError, RenderError, os_message
from .fontconfig import environment as _environment  # the converter's (writing.pdf._environment)
from .pdf import _resolve_fonts, convert_many, find_soffice

#: the official faces the Word report asks for, and what each is used for
OFFICIAL_FACES = (
    ("仿宋_GB2312", "正文"),
    ("方正小标宋简体", "标题"),
    ("黑体", "一级标题"),
    ("楷体_GB2312", "二级标题"),
    ("宋体", "页码"),
    ("Times New Roman", "数字和西文"),
)
#: the files of the official faces on an office's Windows PC (C:\Windows\Fonts)
WINDOWS_FILES = {"仿宋_GB2312": "SIMFANG.TTF（仿宋）或 仿宋_GB2312.TTF", "方正小标宋简体": "FZXBSJW.TTF",
                 "黑体": "SIMHEI.TTF", "楷体_GB2312": "SIMKAI.TTF（楷体）或 楷体_GB2312.TTF",
                 "宋体": "SIMSUN.TTC", "Times New Roman": "TIMES.TTF 等"}
#: what fontconfig may also call an official face (the Windows faces' other names)
ALSO_KNOWN_AS = {"仿宋_GB2312": ("仿宋", "FangSong", "FangSong_GB2312"), "楷体_GB2312": ("楷体", "KaiTi", "KaiTi_GB2312"),
                 "黑体": ("SimHei",), "宋体": ("SimSun",), "方正小标宋简体": ("方正小标宋_GBK", "FZXiaoBiaoSong-B05S")}
#: the suffixes of font files
FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")
#: the folder under the user's font folder that reportkit installs into
INSTALL_SUBDIR = "reportkit"
INSTALL_HINT = "reportkit fonts install <字体文件夹>"


@dataclass
class Face:
    """One official face on this machine: the face fontconfig gives for it."""

    family: str                 # the face the report asks for
    role: str                   # 正文, 标题 …
    used: str | None            # the family used for it (None: no font at all)
    style: str | None
    file: str | None
    substitute: bool            # True when ``used`` is not the official face itself

    def to_dict(self) -> dict:
        return asdict(self)


def _fc(tool: str) -> str | None:
    return shutil.which(tool)


def is_official(family: str, names: Sequence[str]) -> bool:
    """Whether a font whose family names are ``names`` is the official face ``family``."""
    wanted = {family, *ALSO_KNOWN_AS.get(family, ())}
    return any(n in wanted for n in names)


def faces() -> list[Face] | None:
    """The official faces as this machine's PDF conversion gets them (``fc-match`` with
    reportkit's fontconfig configuration); None where there is no fontconfig (Windows, macOS)."""
    exe = _fc("fc-match")
    if exe is None:
        return None
    env = _environment()
    out = []
    for family, role in OFFICIAL_FACES:
        try:
            text = subprocess.run([exe, "-f", "%{family}\n%{style[0]}\n%{file}", family], capture_output=True,
                                  env=env, timeout=30, stdin=subprocess.DEVNULL).stdout.decode("utf-8", "replace")
        except (OSError, subprocess.SubprocessError):
            return None
        lines = (text.split("\n") + ["", "", ""])[:3]
        names = [n.strip() for n in lines[0].split(",") if n.strip()]
        real = is_official(family, names)
        style = lines[1].strip() or None
        used = names[0] if names else None
        if used and style and style not in ("Regular", "Book", "Normal") and not used.endswith(style):
            used = f"{used} {style}"  # the weight tells the stand-in apart (Noto Serif CJK SC Black)
        out.append(Face(family, role, used, style, lines[2].strip() or None, not real))
    return out


def substitutes(resolved: dict[str, str | None] | None) -> dict[str, str | None]:
    """Of the families a document asked for (``{family: family used}``, as
    :func:`reportkit.writing.pdf.font_resolution` gives them), those printed in another face."""
    if not resolved:
        return {}
    order = [f for f, _ in OFFICIAL_FACES]
    ranked = sorted(resolved.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0]))
    return {f: used for f, used in ranked if used is None or not is_official(f, [used])}


def substitute_note(subs: dict[str, str | None]) -> str | None:
    """What ``render`` says when the PDF used substitutes, naming each and the fix."""
    if not subs:
        return None
    shown = "，".join(f"{f} → {used or '无'}" for f, used in subs.items())
    return (f"PDF 字体：本机没有 {len(subs)} 种官方字体，已用替代字体印出（{shown}）；"
            f"有本单位的字体文件（如 C:\\Windows\\Fonts 中的 SIMFANG.TTF、FZXBSJW.TTF）时，"
            f"运行 {INSTALL_HINT} 安装，再重新生成")


def strict_error(subs: dict[str, str | None], file: str | None = None) -> RenderError:
    shown = "、".join(subs)
    return RenderError(f"PDF 将使用替代字体（{shown}），按 --fonts strict 未写入任何文件；"
                       f"请先运行 {INSTALL_HINT} 安装本单位的官方字体，或用 reportkit fonts 查看本机所用的字体",
                       file=file)


def user_font_dir() -> Path:
    """The user's own font folder that fontconfig reads (``$XDG_DATA_HOME/fonts``, by default
    ``~/.local/share/fonts``; the PDF converter's sandbox lets LibreOffice read it), and in it
    reportkit's folder."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "fonts" / INSTALL_SUBDIR


@dataclass
class Installed:
    source: str
    path: str
    families: list[str]
    official: list[str]         # the official faces this file is
    postscript: list[str] = field(default_factory=list)  # the PostScript names of its faces

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class InstallResult:
    folder: str
    installed: list[Installed]
    skipped: list[str] = field(default_factory=list)   # files in the folder that are not fonts
    faces: list[Face] | None = None                    # the official faces afterwards
    #: the sample PDF: for each official face installed, whether LibreOffice embedded the installed
    #: file when asked for that face; None when there is no LibreOffice to try
    sample: dict[str, bool] | None = None

    def to_dict(self) -> dict:
        return {"folder": self.folder, "installed": [i.to_dict() for i in self.installed], "skipped": self.skipped,
                "faces": None if self.faces is None else [f.to_dict() for f in self.faces], "sample": self.sample}


def font_families(path: Path, what: str = "family") -> list[str]:
    """The family names (or ``what``: ``postscriptname`` …) of a font file, every face of a
    collection, by ``fc-query``; empty when the file is not a font fontconfig can read."""
    exe = _fc("fc-query")
    if exe is None:
        raise RenderError("未找到 fc-query（fontconfig）：本机无法安装字体供 PDF 转换使用；"
                          "Debian/Ubuntu 可运行 sudo apt-get install fontconfig", file=str(path))
    try:
        r = subprocess.run([exe, "-f", f"%{{{what}}}\n", str(path)], capture_output=True, timeout=60,
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return []
    if r.returncode != 0:
        return []
    names: list[str] = []
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        for n in line.split(","):
            if n.strip() and n.strip() not in names:
                names.append(n.strip())
    return names


def _sources(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """The font files named or in the folders named; the other files of those folders."""
    files, skipped = [], []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.iterdir()):
                if f.is_file() and f.suffix.lower() in FONT_SUFFIXES:
                    files.append(f)
                elif f.is_file():
                    skipped.append(str(f))
        elif p.is_file():
            files.append(p)
        else:
            raise InputFileError(f"字体文件或文件夹不存在：{p}", file=str(p))
    if not files:
        raise InputFileError("其中没有字体文件（.ttf、.ttc、.otf）；"
                             "请给出从 C:\\Windows\\Fonts 复制来的字体文件或它们所在的文件夹",
                             file=str(paths[0]) if paths else None)
    return files, skipped


def install(paths: Sequence[Path], *, folder: Path | None = None) -> InstallResult:
    """Install the font files ``paths`` (files, or folders holding them) for reportkit's PDF
    conversion: copied into the user's font folder (:func:`user_font_dir`, or ``folder``), no
    root needed.  Every file is checked first: one that is not a font fontconfig can read is an
    error and nothing is installed.  Afterwards fontconfig's cache is refreshed and the official
    faces are looked up again (:attr:`InstallResult.faces`)."""
    files, skipped = _sources(paths)
    checked = []
    for f in files:
        families = font_families(f)
        if not families:
            raise InputFileError("不是字体文件（fc-query 无法读取），未安装任何字体；"
                                 "请只给出 .ttf、.ttc、.otf 字体文件或它们所在的文件夹", file=str(f))
        checked.append((f, families))
    target = Path(folder) if folder is not None else user_font_dir()
    installed = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for f, families in checked:
            dest = target / f.name
            tmp = target / f".{f.name}.part"
            shutil.copyfile(f, tmp)
            os.replace(tmp, dest)
            official = [fam for fam, _ in OFFICIAL_FACES if is_official(fam, families)]
            installed.append(Installed(str(f), str(dest), families, official, font_families(f, "postscriptname")))
    except OSError as exc:
        raise InputFileError(f"无法写入字体文件夹 {target}：{os_message(exc)}", file=str(target)) from None
    cache = _fc("fc-cache")
    if cache is not None:
        try:
            subprocess.run([cache, str(target)], capture_output=True, env=_environment(), timeout=120,
                           stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            pass

    _resolve_fonts.cache_clear()
    return InstallResult(str(target), installed, skipped, faces(), sample_pdf(installed))


def sample_pdf(installed: Sequence[Installed]) -> dict[str, bool] | None:
    """Print a sample through the PDF conversion reports use (LibreOffice, sandboxed, with
    reportkit's fontconfig configuration): one line in each official face installed, then read
    which fonts the PDF embeds.  ``{face: the installed file was embedded}``; None without
    LibreOffice or when the sample cannot be made."""
    wanted = {fam: [ps for i in installed if fam in i.official for ps in i.postscript]
              for fam in dict.fromkeys(fam for i in installed for fam in i.official)}
    if not wanted:
        return {}
    if find_soffice() is None:
        return None
    from docx import Document  # lazy: python-docx, only for the sample; `reportkit fonts` lists without it
    from docx.oxml.ns import qn  # lazy: python-docx, only for the sample

    with tempfile.TemporaryDirectory(prefix="reportkit-fonts-") as work:
        doc = Document()
        for fam in wanted:
            run = doc.add_paragraph().add_run(f"{fam} 政府信息公开工作年度报告 2021")
            run.font.name = fam
            fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                fonts.set(qn(attr), fam)
        sample = Path(work) / "sample.docx"
        doc.save(sample)
        try:
            [result] = convert_many([sample], Path(work) / "pdf")
        except RenderError:
            return None
        if isinstance(result, RenderError):
            return None
        embedded = {f.name for f in result.info.fonts}
    return {fam: any(ps in embedded for ps in names) for fam, names in wanted.items()}
