"""The transparent shape JIT's worker: compiles the shapes fastjson.dumps found hot.

The runtime (runtime/shape_table.cpp) queues a hot shape with a sample value and calls _kick(); a
worker thread takes the jobs one by one, infers a schema from the sample (_shape_infer.py), makes
a shape encoder and compiles it with fastjson._jit (loaded here, on first use: the caller never
waits for LLVM). Any failure is logged and leaves the shape on the generic path.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from fastjson import _fastjson as _c

_thread: threading.Thread | None = None
_pause = False  # set around os.fork(): the worker stops after its current job
_jit = None
_log = logging.getLogger("fastjson")


def _kick(now: bool) -> None:
    """Called by the runtime inside dumps when a shape becomes hot: start the worker, or (with
    configure(background=False)) compile right here."""
    global _thread
    if now:
        _work()
        return
    _thread = threading.Thread(target=_work, name="fastjson-shape-jit", daemon=False)
    _thread.start()


def _load_jit():  # -> the fastjson._jit module, or None when this build has no JIT
    global _jit
    if _jit is None:
        import importlib.util

        spec = importlib.util.find_spec("fastjson._jit")
        if spec is None or spec.origin is None:
            raise ImportError("fastjson was built without its JIT (no fastjson._jit)")
        # libLLVM is loaded without the GIL first: the import below then only runs the module's
        # initialization, so dumps callers on other threads are not held up by the load.
        _c._shape_preload(spec.origin)
        import fastjson._jit as jit

        _jit = jit
    return _jit


def _compile(job: int, sample: object) -> None:
    from fastjson._shape_infer import infer

    ok, ms, code_bytes = False, 0.0, 0
    try:
        start = time.perf_counter()
        nodes, root = infer(sample)
        del sample
        infer_ms = (time.perf_counter() - start) * 1e3
        encoder = _c._shape_attach(job, nodes, root)
        if encoder is not None:
            result = _load_jit().install_shape(encoder)
            ok, ms, code_bytes = True, infer_ms + result["total_ms"], result["object_bytes"]
    except Exception:
        _log.warning("fastjson: compiling a hot shape failed; it stays on the generic path",
                     exc_info=True)
    _c._shape_compiled(job, ok, ms, code_bytes)


def _work() -> None:
    while True:
        job = _c._shape_take_job(_pause)
        if job is None:
            return
        _compile(*job)
        del job


def wait() -> None:
    """Wait until the worker has compiled every shape queued so far (benchmarks and tests)."""
    thread = _thread
    if thread is not None and thread is not threading.current_thread():
        thread.join()


def _before_fork() -> None:
    # A compile in flight holds the JIT session's lock: in the child, that lock would stay held
    # by a thread that does not exist there. Let the current job finish (the rest stay queued),
    # and the background -O2 compiles too.
    global _pause
    _pause = True
    thread = _thread
    if thread is not None and thread is not threading.current_thread():
        thread.join()
    if _jit is not None:
        _jit._wait()


def _after_fork() -> None:
    global _pause
    _pause = False
    _c._shape_resume()  # restarts the worker (in either process) if jobs are queued


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork, after_in_child=_after_fork)
