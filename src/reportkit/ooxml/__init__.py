"""The Office layer: every .docx and .xlsx reportkit reads or writes goes through here.

- :mod:`.package` opens a package as the untrusted input it is: the zip's member count and the
  bytes each member *actually* inflates to are bounded while inflating (whatever its header
  claims), parts are found through relationships (never by their usual names), Strict and
  transitional namespaces are read alike, XML is parsed without DTDs, entities or network and
  no deeper than :data:`~.package.MAX_DEPTH`;
- :mod:`.scan` is the byte-offset XML scanner (expat) the Excel engine cuts templates with;
- :mod:`.write` is the reproducible zip writer;
- :mod:`.cells` parses cell references, indices and numbers, refusing (``None``) what is not
  one rather than raising.

Nothing here knows reports, templates or the CLI: callers turn :class:`PackageError` into their
own error naming the file.
"""

from .package import Limits, Package, PackageError, Relationship, parse_xml, transitional

__all__ = ["Limits", "Package", "PackageError", "Relationship", "parse_xml", "transitional"]
