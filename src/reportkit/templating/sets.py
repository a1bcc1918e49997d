"""Template sets: the default one shipped with reportkit and a user's customised copy.

A set is a folder ``docx/report-2019.docx``, ``docx/report-2021.docx``,
``xlsx/report-2019.xlsx``, ``xlsx/report-2021.xlsx``, ``html/report-2019.html``,
``html/report-2021.html`` — the layout of ``templates/``.
"""

from __future__ import annotations

from pathlib import Path

from ..contract.official import EDITIONS
from ..errors import OutputExistsError, UsageError
from ..filing.output import write_bytes
from ..resources import template_name, template_path

KINDS = ("docx", "xlsx", "html")


def export(directory: Path, *, force: bool = False) -> list[Path]:
    """Copy the default templates into ``directory`` for a user to edit."""
    directory = Path(directory)
    targets = [(template_path(k, e), directory / k / template_name(k, e)) for k in KINDS for e in EDITIONS]
    existing = [dst for _, dst in targets if dst.exists()]
    if existing and not force:
        raise OutputExistsError(f"模板已存在：{', '.join(map(str, existing))}；如要覆盖请加 --force",
                                file=str(directory))
    return [write_bytes(dst, src.read_bytes(), force=True) for src, dst in targets]


def resolve(kind: str, edition: str, custom: Path | None) -> tuple[Path, str | None]:
    """The template to use and, when a custom set lacks it, a note saying the default is used."""
    default = template_path(kind, edition)
    if custom is None:
        return default, None
    custom = Path(custom)
    if not custom.is_dir():
        raise UsageError("模板文件夹不存在", file=str(custom))
    path = custom / kind / template_name(kind, edition)
    if path.exists():
        return path, None
    return default, f"自定义模板文件夹中没有 {kind}/{template_name(kind, edition)}，使用默认模板"
