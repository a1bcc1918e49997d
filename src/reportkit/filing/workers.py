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
    run = _Supervision(units, work, _context(preload), jobs=jobs, on_result=on_result, lost=lost)
    graceful = False
    try:
        while run.queue or any(w.unit for w in run.workers):
            run.staff()
            run.collect()
        graceful = True
    finally:
        for w in run.workers:  # all at once: their clean-ups run side by side
            w.ask_to_stop(graceful)
        for w in run.workers:
            w.stop(graceful, asked=True)
    return run.results


class _Supervision:
    """One :func:`run_units`: the units still to give, the workers, the outcomes so far."""

    def __init__(self, units: list[list], work: Callable, ctx, *, jobs: int,
                 on_result: Callable[[int, int], None] | None, lost: Callable[[object, str], object]):
        self.work, self.ctx, self.jobs, self.on_result, self.lost = work, ctx, jobs, on_result, lost
        self.queue = deque(units)
        self.total = sum(len(u) for u in units)
        self.results: dict[int, object] = {}
        self.workers: list[_Worker] = []

    def staff(self) -> None:
        """As many workers as there is work for (at most ``jobs``), each idle one given a unit."""
        need = min(max(1, self.jobs), len(self.queue) + sum(w.unit is not None for w in self.workers))
        while len(self.workers) < need:
            self.workers.append(_Worker(self.ctx))
        for w in list(self.workers):
            if w.unit is None and self.queue:
                unit = self.queue.popleft()
                try:
                    w.give(unit, self.work)
                except OSError:  # it died while idle: its unit goes back, a new worker takes it
                    w.unit = None
                    self.queue.appendleft(unit)
                    w.stop(False)
                    self.workers.remove(w)

    def collect(self) -> None:
        """Waits for a busy worker to report or die; takes every outcome reported, and what a
        dead worker left."""
        busy = [w for w in self.workers if w.unit is not None]
        ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy])
        for w in busy:
            died, ready = self.read(w, ready)
            if w.unit is not None and (died or not w.proc.is_alive()):
                self.bury(w)

    def read(self, w: _Worker, ready) -> tuple[bool, tuple]:
        """Every message worker ``w`` has sent: whether its pipe broke (it died), and what is
        left of ``ready`` (nothing once a message was read: the pipes are polled from then on)."""
        while w.conn in ready or w.conn.poll():
            ready = ()
            try:
                msg = w.conn.recv()
            except (EOFError, OSError):
                return True, ready
            if msg[0] != "done":  # "idle": the unit is finished
                w.unit = None
                break
            _, index, outcome = msg
            w.reported.add(index)
            self.result(index, outcome)
        return False, ready

    def result(self, index: int, outcome) -> None:
        self.results[index] = outcome
        if self.on_result:
            self.on_result(len(self.results), self.total)

    def bury(self, w: _Worker) -> None:
        """A worker died with its unit unfinished: the tasks it had not reported are retried one
        per unit, or (its unit was one task) that task is lost."""
        w.proc.join()
        left = [t for t in w.unit if t.index not in w.reported]
        if len(w.unit) > 1:  # retry each alone: only the culprit is lost
            self.queue.extendleft([t] for t in reversed(left))
        else:
            for t in left:
                self.result(t.index, self.lost(t, _how(w.proc.exitcode)))
        w.unit = None
        w.stop(False)
        self.workers.remove(w)


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
