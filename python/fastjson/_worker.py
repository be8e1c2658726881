"""fastjson's one background compile thread: -O2 recompiles of compile()d encoders and the
transparent shape JIT's compiles run here, one job at a time, in submission order.

One long-lived thread rather than one per compile: a thread that is exiting when another thread
forks may hold a lock of the C library or the sanitizer runtime, which the child then inherits
held. The thread is a daemon parked on a condition variable while idle; at interpreter exit the
job in hand finishes and the rest are dropped (an -O2 swap or a shape compile that no call will
use). Forks are made safe by the runtime's fork gate (runtime/fork_gate.h, hooks in __init__):
a compile running without the GIL finishes before the fork, and one about to start waits. In the
child this thread is gone: a new one starts for the jobs still queued.
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import threading
from typing import Any, Callable

_log = logging.getLogger("fastjson")

_cond = threading.Condition(threading.Lock())
_jobs: collections.deque[tuple[Callable[..., Any], tuple[Any, ...]]] = collections.deque()
_busy = False  # a job has been taken and is running
_stopping = False  # interpreter exit: take no more jobs
_thread: threading.Thread | None = None


def submit(fn: Callable[..., Any], *args: Any) -> None:
    """Run fn(*args) on the compile thread (started on first use, and again after a fork)."""
    with _cond:
        if _stopping:
            return
        _jobs.append((fn, args))
        _start_locked()
        _cond.notify_all()


def _start_locked() -> None:
    global _thread
    if _thread is None:
        _thread = threading.Thread(target=_run, name="fastjson-jit", daemon=True)
        _thread.start()


def wait() -> None:
    """Block until every job submitted so far has run (benchmarks and tests)."""
    if threading.current_thread() is _thread:
        return  # a job waiting for its own queue would wait forever
    with _cond:
        _cond.wait_for(lambda: (not _jobs and not _busy) or _thread is None)


def _run() -> None:
    global _busy
    while True:
        with _cond:
            _cond.wait_for(lambda: _jobs or _stopping)
            if _stopping:
                return
            fn, args = _jobs.popleft()
            _busy = True
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - a job's failure must not stop the thread
            _log.warning("fastjson: a background compile failed", exc_info=True)
        finally:
            del fn, args
            with _cond:
                _busy = False
                _cond.notify_all()


def _stop() -> None:
    # atexit: after non-daemon threads were joined, before the interpreter tears down. The job in
    # hand (an LLVM compile, a few ms to a few hundred) finishes; queued ones are dropped.
    global _stopping
    with _cond:
        _stopping = True
        _jobs.clear()
        _cond.notify_all()
    thread = _thread
    if thread is not None and thread is not threading.current_thread():
        thread.join()


def _after_fork_in_child() -> None:
    # The thread was not copied; it may even have held _cond's lock at the fork. Fresh state, and
    # a new thread for the jobs still queued (the one it had in hand is lost: its encoder keeps
    # the code it had, its shape goes back to observing).
    global _cond, _busy, _thread
    _cond = threading.Condition(threading.Lock())
    _busy = False
    _thread = None
    if _jobs and not _stopping:
        with _cond:
            _start_locked()


atexit.register(_stop)
os.register_at_fork(after_in_child=_after_fork_in_child)
