"""The exception tree of reportkit: one root, typed leaves.

Every error a user can cause is a :class:`ReportkitError`; the CLI maps the
``exit_code`` of each class to the process exit status and prints the message,
never a traceback.  Library code raises these and never prints or exits.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from .validation.findings import Finding


class ReportkitError(Exception):
    """Root of every error reportkit raises on purpose."""

    #: exit status the CLI uses for this kind of error (0 ok, 1 invalid data, 2 usage)
    exit_code = 1
    #: stable identifier, for tools reading ``--json`` output
    code = "reportkit-error"

    def __init__(self, message: str, *, file: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file

    def __str__(self) -> str:
        return f"{self.file}：{self.message}" if self.file else self.message

    def __reduce__(self):
        # picklable whatever the subclass's __init__ takes (batch rendering runs in worker processes)
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls, state):
    obj = cls.__new__(cls)
    Exception.__init__(obj, state.get("message"))
    obj.__dict__.update(state)
    return obj


class UsageError(ReportkitError):
    """The call itself is wrong: a missing file, a bad option, an unreadable path."""

    exit_code = 2
    code = "usage"


class InputFileError(UsageError):
    """A data file that cannot be opened or read at all (missing, a folder, no permission)."""

    code = "input-file"


class DataError(ReportkitError):
    """The data is wrong: not JSON, not UTF-8, or not a valid report."""

    exit_code = 1
    code = "invalid-data"

    def __init__(self, message: str, *, file: str | None = None, path: str = "$",
                 line: int | None = None, column: int | None = None) -> None:
        super().__init__(message, file=file)
        self.path = path
        self.line = line
        self.column = column


class ValidationFailed(DataError):
    """The report breaks the schema or the official arithmetic; ``findings`` says where."""

    code = "validation-failed"

    def __init__(self, findings: Sequence["Finding"], *, file: str | None = None) -> None:
        errors = [f for f in findings if f.severity == "error"]
        super().__init__(f"数据有 {len(errors)} 处错误，未生成任何文件", file=file)
        self.findings = list(findings)


class DocumentError(DataError):
    """A document to import that cannot be read as an annual report: corrupt, scanned without a
    text layer, a page without the report, or a document of another kind."""

    code = "unreadable-document"


class TemplateError(ReportkitError):
    """A template (official or customised) cannot be used: syntax, unknown field, unsafe code."""

    exit_code = 1
    code = "template"

    def __init__(self, message: str, *, template: str | None = None, field: str | None = None) -> None:
        super().__init__(message, file=template)
        self.template = template
        self.field = field


class UnsafeTemplateError(TemplateError):
    """A template tried to reach Python internals; the sandbox refused it."""

    code = "template-unsafe"


class OutputExistsError(UsageError):
    """An output file exists and ``force`` was not given."""

    code = "output-exists"


class RenderError(ReportkitError):
    """Writing the filing set failed (disk, converter); nothing partial is left behind."""

    code = "render"


class ConverterMissing(RenderError):
    """LibreOffice is not installed, so no PDF can be made."""

    code = "converter-missing"


class OutputBusyError(RenderError):
    """Another render holds the output folder and did not let go within the wait."""

    code = "output-busy"


class InternalError(ReportkitError):
    """A bug in reportkit (or a worker process that died) while making one report of a batch;
    the batch reports it in that report's row and goes on with the others."""

    code = "internal"


def os_message(exc: OSError) -> str:
    """An OSError in Chinese, for the user: the common causes named, the rest as the OS says."""
    known = {errno.ENOSPC: "磁盘空间不足", errno.EACCES: "没有写入权限", errno.EPERM: "没有权限",
             errno.EROFS: "文件系统是只读的", errno.ENAMETOOLONG: "文件名过长", errno.EDQUOT: "超出磁盘配额",
             errno.EXDEV: "不能跨文件系统移动", errno.EEXIST: "已存在同名的文件",
             errno.ENOTDIR: "路径中有一项是文件，不是文件夹"}
    return known.get(exc.errno, exc.strerror or str(exc))
