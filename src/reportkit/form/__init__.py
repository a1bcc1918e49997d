"""The clerk's form: the report as an Excel/WPS workbook in the official layout, and back.

``form_bytes(data)`` writes it (:mod:`reportkit.form.write`); ``read_form(raw, name)`` reads
it back into a :class:`~reportkit.loading.Report` (:mod:`reportkit.form.read`), which
:func:`reportkit.load` does for any ``.xlsx`` it is given.  What the form holds, and the names
of its cells, is in :mod:`reportkit.form.fields`.
"""

from .fields import FORM_VERSION
from .read import read_form

__all__ = ["FORM_VERSION", "form_bytes", "read_form"]


def __getattr__(name: str):
    if name == "form_bytes":
        from .write import form_bytes  # lazy (PEP 562): the writer (xlsxwriter) when a form is made, not read

        return form_bytes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
