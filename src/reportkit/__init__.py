"""reportkit: 政府信息公开工作年度报告 from one JSON file.

The embedding API::

    import reportkit
    report = reportkit.load("2020.json")            # a path, a JSON string or a dict
    findings = reportkit.validate(report)            # list of Finding (errors and warnings)
    result = reportkit.render(report, "out/")        # docx, xlsx, pdf, manifest.json

Every error reportkit raises on purpose is a :class:`reportkit.ReportkitError`.
docxtpl and lxml are imported only when rendering or reading documents.
"""

from __future__ import annotations

from .version import __version__
from .errors import (
    ConverterMissing,
    DataError,
    DocumentError,
    InputFileError,
    InternalError,
    OutputBusyError,
    OutputExistsError,
    RenderError,
    ReportkitError,
    TemplateError,
    UnsafeTemplateError,
    UsageError,
    ValidationFailed,
)
from .validation.findings import Finding
from .limits import TemplateLimits
from .loading import load
from .filing.options import RenderOptions
from .contract.report import Report
from .validation.checks import validate


def render(report, out_dir, *, formats=None, templates=None, previous=None, force=None, pdfa=None, wait=None,
           limits=None, fonts=None, options=None):
    """Validate ``report`` and write its filing set into ``out_dir``; see :func:`reportkit.filing.set.render`.

    ``options`` is a :class:`RenderOptions`; the keyword arguments given (not None) are laid over
    it (or over the defaults)."""
    from .filing.set import render as _render  # lazy: the engines (docxtpl, lxml), not needed to validate

    return _render(report, out_dir, RenderOptions.of(options, formats=formats, templates=templates, previous=previous,
                                                     force=force, pdfa=pdfa, wait=wait, limits=limits,
                                                     fonts=fonts))


def import_report(source, *, name=None, kind=None):
    """Read a published report (.docx, .html, .pdf, .txt); see :func:`reportkit.importing.import_report`."""
    from .importing import import_report as _import  # lazy: the document readers, not needed to load or validate

    return _import(source, name=name, kind=kind)


def review(reports, previous=None):
    """Review many units' reports at once (a supervising office's check); see :func:`reportkit.reviewing.review`."""
    from .reviewing import review as _review  # lazy: the review's checks and writers, not needed to load or validate

    return _review(reports, previous=previous)


__all__ = [
    "__version__", "load", "validate", "render", "import_report", "review", "Report", "Finding", "RenderOptions",
    "ReportkitError", "UsageError", "InputFileError", "DataError", "DocumentError", "ValidationFailed",
    "TemplateError", "UnsafeTemplateError", "OutputExistsError", "OutputBusyError", "RenderError", "ConverterMissing",
    "InternalError", "TemplateLimits",
]
