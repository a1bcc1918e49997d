"""reportkit's version: its own module, so that the code that stamps it into what it writes
(the manifest, the prepared-template cache key) need not import the package's ``__init__``, which
imports that code back (``reportkit.render``)."""

__version__ = "0.1.0"
