"""Characters that cannot live in an Office file, and how messages show them.

XML 1.0 (the stuff of .docx and .xlsx) allows tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD and
U+10000–U+10FFFF.  Anything else — the other C0 controls, a lone surrogate (a JSON escape such
as ``"\\ud800"`` makes one), U+FFFE, U+FFFF — would be dropped or would corrupt the file, so
validation reports it.  A message quoting the data shows such a character as ``<U+D800>``:
a lone surrogate cannot even be printed (UTF-8 has no encoding for it).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re

XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_invalid(text: str) -> list[tuple[int, str]]:
    """Positions (1-based) and characters of ``text`` that XML 1.0 forbids."""
    return [(m.start() + 1, m.group()) for m in XML_INVALID.finditer(text)]


def code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def printable(text: str) -> str:
    """``text`` with every character XML 1.0 forbids shown as ``<U+XXXX>``."""
    return XML_INVALID.sub(lambda m: f"<{code_point(m.group())}>", text)


# ------------------------------------------------------------ characters an output cannot carry
#
# Text pasted from the web brings characters that pass XML but not the page (issue 21 item 2):
#
# * bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) make the displayed
#   text differ from the text that was checked (``１２`` shown as ``２１``): an error;
# * invisible marks (zero-width space/joiners, LRM/RLM, the byte-order mark, the word joiner, the
#   soft hyphen): a warning, and they are removed from every output alike (:func:`strip_invisible`,
#   applied once where the render context is built), so what each file holds is what is compared;
# * emoji: Word, Excel and the web page carry them, the PDF does not (LibreOffice drops them and
#   what follows them, even where a font has a glyph); an error when a PDF is requested;
# * a character none of the PDF's faces has (the faces fontconfig gives, with reportkit's font
#   configuration, for the families the Word report asks for): an error when a PDF is requested.
#
# In the agency name, which becomes a file name, every one of these marks and any line break is
# an error.

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: invisible marks that are removed from the outputs (U+200D only outside an emoji sequence)
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\ufeff\u2060\u2061\u2062\u2063\u2064\u00ad\u180e\u061c"
LINE_SEPARATORS = "\n\r\u2028\u2029\x85\x0b\x0c"

#: emoji: the pictographs of U+1F000–U+1FAFF (with the regional indicators of flags and the skin
#: tones), the emoji variation selector, the keycap mark and the tag characters of subdivision flags
EMOJI = re.compile("[\U0001f000-\U0001faff\ufe0f\u20e3\U000e0020-\U000e007f]")
#: a zero-width joiner inside an emoji sequence (👨‍👩‍👧) is part of the emoji, not an invisible mark
_EMOJI_ZWJ = re.compile("(?<=[\U0001f000-\U0001faff\ufe0f\u2600-\u27bf])\u200d(?=[\U0001f000-\U0001faff\u2600-\u27bf])")
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
_SPECIAL = re.compile(f"[{BIDI_CONTROLS}{INVISIBLE}\U0001f000-\U0001faff\ufe0f\u20e3\U000e0020-\U000e007f]")

NAMES = {
    "\u200b": "零宽空格", "\u200c": "零宽不连字", "\u200d": "零宽连字", "\u200e": "从左至右标记",
    "\u200f": "从右至左标记", "\ufeff": "字节顺序标记（零宽不换行空格）", "\u2060": "词连接符",
    "\u2061": "不可见函数符", "\u2062": "不可见乘号", "\u2063": "不可见分隔符", "\u2064": "不可见加号",
    "\u00ad": "软连字符", "\u180e": "蒙古文元音分隔符", "\u061c": "阿拉伯字母标记",
    "\u202a": "从左至右嵌入", "\u202b": "从右至左嵌入", "\u202c": "方向格式结束", "\u202d": "从左至右覆盖",
    "\u202e": "从右至左覆盖", "\u2066": "从左至右隔离", "\u2067": "从右至左隔离", "\u2068": "首字强隔离",
    "\u2069": "方向隔离结束", "\n": "换行", "\r": "回车", "\u2028": "行分隔符", "\u2029": "段分隔符",
    "\x85": "下一行", "\x0b": "垂直制表符", "\x0c": "换页符", "\u2011": "不换行连字符",
}


def described(ch: str) -> str:
    """``U+200B（零宽空格）``, or ``U+1F600 “😀”`` for a visible character."""
    name = NAMES.get(ch)
    return f"{code_point(ch)}（{name}）" if name else f"{code_point(ch)} “{ch}”"


def has_special(text: str) -> bool:
    """True when ``text`` holds a bidi control, an invisible mark or an emoji (a quick test)."""
    return _SPECIAL.search(text) is not None


def invisible_marks(text: str) -> list[tuple[int, str]]:
    """Positions (1-based) and characters of the invisible marks that :func:`strip_invisible`
    removes (a joiner inside an emoji sequence is kept)."""
    keep = {m.start() for m in _EMOJI_ZWJ.finditer(text)}
    return [(m.start() + 1, m.group()) for m in _INVISIBLE.finditer(text) if m.start() not in keep]


def bidi_controls(text: str) -> list[tuple[int, str]]:
    return [(i + 1, ch) for i, ch in enumerate(text) if ch in BIDI_CONTROLS]


def emoji(text: str) -> list[tuple[int, str]]:
    return [(m.start() + 1, m.group()) for m in EMOJI.finditer(text)]


def name_breaks(text: str) -> list[tuple[int, str]]:
    """What a name that becomes a file name must not hold: line breaks, every invisible mark and
    every bidi control."""
    bad = set(LINE_SEPARATORS) | set(INVISIBLE) | set(BIDI_CONTROLS)
    return [(i + 1, ch) for i, ch in enumerate(text) if ch in bad]


def strip_invisible(text: str) -> str:
    """``text`` without its invisible marks (see :func:`invisible_marks`)."""
    if not _INVISIBLE.search(text):
        return text
    keep = {m.start() for m in _EMOJI_ZWJ.finditer(text)}
    return "".join(ch for i, ch in enumerate(text) if i in keep or ch not in INVISIBLE)


def strip_invisible_all(value):
    """A copy of ``value`` (a report's data) with every string value passed through
    :func:`strip_invisible`; keys are left as they are."""
    if isinstance(value, str):
        return strip_invisible(value)
    if isinstance(value, dict):
        return {k: strip_invisible_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_invisible_all(v) for v in value]
    return value


# ------------------------------------------------------------ which characters the PDF's fonts have

_face_cache: dict[tuple, "list[tuple[int, int]] | None"] = {}


def font_coverage(conf: str | None, families: tuple[str, ...]) -> "list[tuple[int, int]] | None":
    """The code points the faces of the PDF have, as sorted, merged ranges: for each family the
    Word report asks for (仿宋_GB2312, 黑体, Times New Roman …), the face fontconfig gives the
    converter with the font configuration ``conf`` (reportkit's fonts.conf: the office's own
    font where it is installed, else its substitute).  A character outside them is drawn from
    some other font glyph by glyph, and LibreOffice then loses what follows it at a line end
    (seen with ✔ ☑ ☐ and emoji).  Read once per process; None where there is no fontconfig
    (Windows, macOS): unknown.  :func:`not_in_faces` asks only for the faces it needs."""
    found: list[tuple[int, int]] = []
    for family in families:
        ranges = face_coverage(conf, family)
        if ranges is None:
            return None
        found += ranges
    return _merged(found) or None


def not_in_faces(chars: "set[str]", conf: str | None, families: tuple[str, ...]) -> "set[str] | None":
    """The characters of ``chars`` that none of the faces of ``families`` has (see
    :func:`font_coverage`), or None where that is unknown.  The faces are asked for one by one
    (one ``fc-match`` each, ~8 ms) and only until every character is found: a report's
    characters are usually all in the first face asked, and asking for all six was most of the
    start-up of ``reportkit validate`` (bench/bench_validate.py).  The answer is the same as
    :func:`font_coverage`'s ranges would give."""
    todo = set(chars)
    if not todo:
        return set()
    asked = []
    # the families named in Chinese first: their faces are the CJK ones, which have the Latin
    # letters too, so one face usually answers (the order changes nothing but how many are asked)
    for family in sorted(families, key=str.isascii):
        ranges = face_coverage(conf, family)
        if ranges is None:
            return None
        asked += ranges
        todo = {ch for ch in todo if not covered(ch, ranges)}
        if not todo:
            return todo
    return todo if asked else None


def face_coverage(conf: str | None, family: str) -> "list[tuple[int, int]] | None":
    """The code points of the face fontconfig gives for ``family`` with the configuration
    ``conf``, as sorted, merged ranges (empty when fontconfig gives no charset); None where
    there is no ``fc-match`` or it cannot be run.  Read once per process, and remembered on disk
    for as long as fontconfig's configuration, caches and font folders are unchanged
    (:func:`font_state`): running ``fc-match`` was ~10 ms of a clean ``reportkit validate``
    (bench/bench_validate.py)."""
    key = (conf, family)
    if key in _face_cache:
        return _face_cache[key]
    import shutil  # lazy: only with a PDF asked for; `import reportkit` (the library) needs none of it

    exe = shutil.which("fc-match")
    ranges: list[tuple[int, int]] | None = None
    if exe is not None:
        state = font_state(conf)
        ranges = _remembered(conf, family, state)
        if ranges is None:
            ranges = _fc_match(exe, conf, family)
            after = font_state(conf)
            if after != state:  # fontconfig wrote its caches as it ran (or a font came): ask again
                ranges, state, after = _fc_match(exe, conf, family), after, font_state(conf)
            if ranges is not None and after == state:
                _remember(conf, family, state, ranges)
    _face_cache[key] = ranges
    return ranges


def _fc_match(exe: str, conf: str | None, family: str) -> "list[tuple[int, int]] | None":
    """What ``fc-match`` says the face of ``family`` has, as merged ranges; None when it fails."""
    import subprocess  # lazy: only when fontconfig is asked; `import reportkit` (the library) needs none of it

    env = dict(os.environ)
    if conf:
        env["FONTCONFIG_FILE"] = conf
    try:
        out = subprocess.run([exe, "-f", "%{charset}", family], capture_output=True, env=env, timeout=60,
                             stdin=subprocess.DEVNULL).stdout.decode("ascii", "replace")
    except (OSError, subprocess.SubprocessError):
        return None
    found: list[tuple[int, int]] = []
    for token in out.split():
        lo, _, hi = token.partition("-")
        try:
            found.append((int(lo, 16), int(hi or lo, 16)))
        except ValueError:
            continue
    return _merged(found)


# ------------------------------------------------------------ fontconfig's answers, remembered
#
# A face's coverage changes only when fontconfig would now pick another face or the face's file
# changed: its configuration (reportkit's fonts.conf, /etc/fonts and the user's), its caches
# (rewritten whenever it rescans a font folder) or a font folder.  ``font_state`` stamps all of
# them -- every configuration file and the modification time of every font folder, walked
# recursively -- and an answer is reused only under the same stamp, so a font installed,
# removed or replaced makes the next validate ask fc-match again.

_FC_FILES = ("/etc/fonts", "/etc/fonts/fonts.conf", "/etc/fonts/local.conf", "/var/cache/fontconfig")
_FC_CONF_DIR = "/etc/fonts/conf.d"
_FONT_ROOTS = ("/usr/share/fonts", "/usr/local/share/fonts")
#: font folders walked at most (beyond that, nothing is remembered)
MAX_FONT_DIRS = 5000


def _stat(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_mtime_ns}:{st.st_size}"


def font_state(conf: str | None) -> str | None:
    """A stamp of everything fontconfig's answer depends on (see above), or None when it cannot
    be taken (too many font folders)."""
    home = os.path.expanduser("~")
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share")
    stamp = [repr((conf, os.environ.get("FONTCONFIG_FILE"), os.environ.get("FONTCONFIG_PATH"),
                   os.environ.get("FONTCONFIG_SYSROOT")))]
    for path in (conf or "", *_FC_FILES, _FC_CONF_DIR, os.path.join(config, "fontconfig"),
                 os.path.join(config, "fontconfig", "fonts.conf"), os.path.join(cache, "fontconfig")):
        stamp.append(f"{path} {_stat(path)}")
    try:
        with os.scandir(_FC_CONF_DIR) as entries:  # links into conf.avail: their targets' times
            stamp += sorted(f"{e.path} {_stat(e.path)}" for e in entries)
    except OSError:
        pass
    todo, walked = [*_FONT_ROOTS, os.path.join(data, "fonts"), os.path.join(home, ".fonts")], 0
    while todo:
        folder = todo.pop()
        walked += 1
        if walked > MAX_FONT_DIRS:
            return None
        stamp.append(f"{folder} {_stat(folder)}")
        try:
            with os.scandir(folder) as entries:
                todo += sorted((e.path for e in entries if e.is_dir()), reverse=True)
        except OSError:
            continue
    return hashlib.sha256("\n".join(stamp).encode("utf-8", "surrogateescape")).hexdigest()


def _face_file(conf: str | None, family: str) -> str | None:
    """Where the answer for ``family`` under ``conf`` is kept: the user's cache folder
    (``REPORTKIT_CACHE_DIR`` names another; empty turns remembering off)."""
    value = os.environ.get("REPORTKIT_CACHE_DIR")
    if value is not None:
        if not value.strip():
            return None
        folder = os.path.join(value, "faces")
    else:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(cache, "reportkit", "faces")
    name = hashlib.sha256(repr((conf, family)).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return os.path.join(folder, name + ".json")


def _own(st: os.stat_result) -> bool:
    owner = os.getuid() if hasattr(os, "getuid") else st.st_uid
    return st.st_uid == owner and not st.st_mode & 0o022


def _remembered(conf: str | None, family: str, state: str | None) -> "list[tuple[int, int]] | None":
    """The answer kept for ``family`` under the stamp ``state``, or None (none, another stamp,
    a file or folder not the user's own or writable by others, or not what :func:`_remember`
    writes)."""
    path = _face_file(conf, family)
    if path is None or state is None:
        return None
    try:
        with open(path, "rb") as fh:
            if not (_own(os.fstat(fh.fileno())) and _own(os.stat(os.path.dirname(path)))):
                return None
            entry = json.loads(fh.read())
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("state") != state or not isinstance(entry.get("ranges"), list):
        return None
    flat = entry["ranges"]  # lo, hi, lo, hi …
    if len(flat) % 2 or not all(type(n) is int for n in flat):
        return None
    return list(zip(flat[::2], flat[1::2]))


def _remember(conf: str | None, family: str, state: str | None, ranges: "list[tuple[int, int]]") -> None:
    """Keep ``ranges`` for ``family`` under the stamp ``state`` (atomically; a folder that
    cannot be written is skipped)."""
    path = _face_file(conf, family)
    if path is None or state is None:
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="ascii") as fh:
            fh.write(json.dumps({"state": state, "ranges": [n for r in ranges for n in r]}, separators=(",", ":")))
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _merged(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for lo, hi in sorted(found):
        if ranges and lo <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], hi))
        else:
            ranges.append((lo, hi))
    return ranges


def covered(ch: str, ranges: "list[tuple[int, int]]") -> bool:
    cp = ord(ch)
    i = bisect.bisect_right(ranges, (cp, 0x10FFFF + 1)) - 1
    return i >= 0 and ranges[i][0] <= cp <= ranges[i][1]
