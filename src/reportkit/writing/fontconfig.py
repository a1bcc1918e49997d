"""reportkit's font configuration (fonts.conf) and the environment that applies it.

Its own module, not part of :mod:`.pdf` that converts with it: the character check of
``reportkit validate`` asks fontconfig for the PDF's faces with this configuration, and
importing the converter for it cost a clean validate's start-up (bench/bench_validate.py).
"""

from __future__ import annotations

import os
from pathlib import Path

FONTS_CONF = Path(__file__).with_name("fonts.conf")


def environment() -> dict:
    """The converter's environment: on fontconfig systems, reportkit's font substitutes
    (fonts.conf: 仿宋_GB2312 → a serif CJK face, 黑体 → a sans one …) on top of the system's."""
    env = dict(os.environ)
    if os.name == "posix" and "FONTCONFIG_FILE" not in env and FONTS_CONF.exists():
        env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    return env
