"""Reading reports back from documents: tables as grids, figures located by their labels.

Used by the read-back guard (every rendered file is read before it is published), by the
importer of published reports, and by the tests.
"""

from .grid import Grid, expand
from .locate import Hit, Located, detect_edition, locate

__all__ = ["Grid", "expand", "Hit", "Located", "locate", "detect_edition"]
