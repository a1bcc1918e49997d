"""A generic supervisor of worker processes: a task that kills its worker fails alone, and no
worker outlives the supervisor.  It knows nothing of reports: :func:`run_units` takes the work
function (``work(unit, emit)``, a module-level function, so that it can be sent to a worker) and
what to preload; :mod:`reportkit.filing.batch` gives it ``render_chunk``.

* Each worker has its own pipe to the batch and takes one *unit* (a list of tasks) at a
  time; it reports every outcome as soon as it is known, so when a worker dies the batch
  knows exactly which tasks of its unit were left.  Those are retried one per unit in a new
  worker; a task whose own worker dies is reported as lost (``lost(task, how)``).
* A worker dies with the batch: on Linux ``prctl(PR_SET_PDEATHSIG, SIGTERM)``; everywhere a
  watch thread blocked on a *lifeline* pipe that only the batch holds open, which sees EOF
  when the batch is gone — even by SIGKILL — and terminates the worker.
* SIGTERM in a worker removes its staging folders and kills LibreOffice's process group, in the
  handler, then ends the process; SIGINT is left to the batch, which stops the workers.
* Workers are started by a fork server where there is one (cheap to replace a dead worker,
  nothing inherited from the batch's threads), else spawned.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import sys
import threading
from collections import deque
from multiprocessing.connection import wait
from typing import Callable

from . import interrupts

_STOP_WAIT = 10.0  # seconds a worker gets to clean up after SIGTERM before SIGKILL


def _context(preload=()):
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(list(preload))
        return ctx
    return mp.get_context("spawn")


class _Worker:
    def __init__(self, ctx) -> None:
        self.conn, child = ctx.Pipe()
        lifeline_r, self.lifeline = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_worker_main, args=(child, lifeline_r), daemon=True,
                                name="reportkit-worker")
        self.proc.start()
        child.close()
        lifeline_r.close()
        self.unit: list | None = None
        self.reported: set[int] = set()

    def give(self, unit: list, work: Callable) -> None:
        self.unit, self.reported = unit, set()
        self.conn.send((work, unit))

    def ask_to_stop(self, graceful: bool) -> None:
        """Tell the worker to stop: when idle, as asked (``None``); else with SIGTERM, so that it
        cleans up (staging folders, LibreOffice) on its way out."""
        try:
            if graceful and self.proc.is_alive():
                self.conn.send(None)
            elif self.proc.is_alive():
                self.proc.terminate()
        except (OSError, ValueError):
            pass

    def stop(self, graceful: bool, *, asked: bool = False) -> None:
        try:
            if not asked:
                self.ask_to_stop(graceful)
            self.proc.join(_STOP_WAIT)
            if self.proc.is_alive():
                self.proc.terminate()
                self.proc.join(_STOP_WAIT)
            if self.proc.is_alive():
                self.proc.kill()
                self.proc.join()
        except (OSError, ValueError):
            pass
        finally:
            for c in (self.conn, self.lifeline):
                c.close()


def run_units(units: list[list], work: Callable[[list, Callable], None], *, jobs: int,
              on_result: Callable[[int, int], None] | None, lost: Callable[[object, str], object],
              preload: tuple[str, ...] = ()) -> dict[int, object]:
    """Run every unit (a list of tasks with an ``index``) in up to ``jobs`` workers, each unit by
    ``work(unit, emit)`` where ``emit(task, outcome)`` reports one task's outcome; the outcome of
    each task by index (``lost(task, how)`` for a task whose worker died under it).  ``preload``:
    modules imported once into the fork server."""
    ctx = _context(preload)
    queue = deque(units)
    total = sum(len(u) for u in units)
    results: dict[int, object] = {}
    workers: list[_Worker] = []
    graceful = False
    try:
        while queue or any(w.unit for w in workers):
            need = min(max(1, jobs), len(queue) + sum(w.unit is not None for w in workers))
            while len(workers) < need:
                workers.append(_Worker(ctx))
            for w in list(workers):
                if w.unit is None and queue:
                    unit = queue.popleft()
                    try:
                        w.give(unit, work)
                    except OSError:  # it died while idle: its unit goes back, a new worker takes it
                        w.unit = None
                        queue.appendleft(unit)
                        w.stop(False)
                        workers.remove(w)
            busy = [w for w in workers if w.unit is not None]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy])
            for w in busy:
                died = False
                while w.conn in ready or w.conn.poll():
                    ready = ()
                    try:
                        msg = w.conn.recv()
                    except (EOFError, OSError):
                        died = True
                        break
                    if msg[0] == "done":
                        _, index, outcome = msg
                        results[index] = outcome
                        w.reported.add(index)
                        if on_result:
                            on_result(len(results), total)
                    else:  # "idle": the unit is finished
                        w.unit = None
                        break
                if w.unit is not None and (died or not w.proc.is_alive()):
                    w.proc.join()
                    left = [t for t in w.unit if t.index not in w.reported]
                    if len(w.unit) > 1:  # retry each alone: only the culprit is lost
                        queue.extendleft([t] for t in reversed(left))
                    else:
                        for t in left:
                            results[t.index] = lost(t, _how(w.proc.exitcode))
                            if on_result:
                                on_result(len(results), total)
                    w.unit = None
                    w.stop(False)
                    workers.remove(w)
        graceful = True
    finally:
        for w in workers:  # all at once: their clean-ups run side by side
            w.ask_to_stop(graceful)
        for w in workers:
            w.stop(graceful, asked=True)
    return results


def _how(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"信号 {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"信号 {-exitcode}"
    return f"退出码 {exitcode}"


# ------------------------------------------------------------------ in the worker

def _worker_main(conn, lifeline) -> None:
    _die_with_parent(lifeline)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _terminate)

    def emit(task, outcome) -> None:
        conn.send(("done", task.index, outcome))

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        work, unit = message
        work(unit, emit)
        conn.send(("idle",))


def _terminate(signum, frame) -> None:
    """SIGTERM: discard this worker's staging folders, kill its converter, end
    (:mod:`reportkit.filing.interrupts`)."""
    signal.signal(signum, signal.SIG_IGN)  # once: the lifeline or PR_SET_PDEATHSIG may send another
    try:
        interrupts.clean_up()
    finally:
        os._exit(128 + signum)


def _die_with_parent(lifeline) -> None:
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        try:
            lifeline.recv()
        except (EOFError, OSError):
            pass
        if hasattr(signal, "SIGTERM"):
            os.kill(os.getpid(), signal.SIGTERM)
        else:  # pragma: no cover - Windows
            os._exit(1)

    threading.Thread(target=watch, name="reportkit-lifeline", daemon=True).start()
