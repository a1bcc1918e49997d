"""Fault injection for tests that run reportkit in real processes, batch workers included.

On ``PYTHONPATH`` this module runs at the start of every Python process (the CLI, the fork
server, each worker).  ``REPORTKIT_TEST_FAULT="<mode>:<agency>[;<mode>:<agency>…]"`` makes the Excel step of
the report of that agency (``*``: of every report) fail: ``raise`` (an internal bug: RuntimeError), ``exit`` (the process
ends with ``os._exit(3)``), ``kill`` (SIGKILL to itself), ``sleep`` (30 s, to be killed).
"""

import os

_spec = os.environ.get("REPORTKIT_TEST_FAULT")
if _spec:
    import signal
    import time

    import reportkit.writing.xlsx as _xlsx

    _faults = [part.partition(":")[::2] for part in _spec.split(";") if part]
    _original = _xlsx.render_xlsx

    def render_xlsx(template, context, out, **kw):
        for mode, agency in _faults:
            if context.get("agency") == agency or agency == "*":
                if mode == "raise":
                    raise RuntimeError("injected fault")
                if mode == "exit":
                    os._exit(3)
                if mode == "kill":
                    os.kill(os.getpid(), signal.SIGKILL)
                if mode == "sleep":
                    time.sleep(30)
        return _original(template, context, out, **kw)

    _xlsx.render_xlsx = render_xlsx
