"""What a reportkit process does when it is told to end (SIGTERM, Ctrl-C), wherever it was.

The clean-up runs in the signal handler itself rather than by an exception unwinding the render:
raised at an arbitrary point — in the middle of an import, of a C library's call — an exception
may never reach the code that cleans up.  :func:`clean_up` kills the PDF converters this process
started and leaves every output folder it holds as ``with`` would (staging folders discarded, a
folder this render made and left empty removed, the lock released).  A commit in progress cannot be
cut: signals wait until it is done (``staging._signals_deferred``).  It imports nothing: a module
that is not loaded has nothing running.
"""

from __future__ import annotations

import sys


def clean_up() -> None:
    for module, function in (("reportkit.writing.pdf", "kill_running"), ("reportkit.filing.staging", "release_all")):
        loaded = sys.modules.get(module)
        if loaded is not None and hasattr(loaded, function):
            getattr(loaded, function)()
