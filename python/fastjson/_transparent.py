"""The transparent shape JIT's worker: compiles the shapes fastjson.dumps found hot.

The runtime (runtime/shape_table.cpp) queues a hot shape with a sample value and calls _kick(); a
job on fastjson's compile thread (_worker.py) takes the shapes one by one, infers a schema from
the sample (_shape_infer.py), makes a shape encoder and compiles it with fastjson._jit (loaded
here, on first use: the caller never waits for LLVM). Any failure is logged and leaves the shape
on the generic path.
"""

from __future__ import annotations

import logging
import os
import sys
import time

from fastjson import _fastjson as _c
from fastjson import _worker

_jit = None
_log = logging.getLogger("fastjson")


def _kick(now: bool) -> None:
    """Called by the runtime inside dumps when a shape becomes hot: start the worker, or (with
    configure(background=False)) compile right here."""
    if now:
        _work()
    else:
        _worker.submit(_work)


def _load_jit():  # -> the fastjson._jit module, or None when this build has no JIT
    global _jit
    if _jit is None and "fastjson._jit" in sys.modules:
        # Loaded already (by compile(), or registered by an embedding program such as the fuzz
        # targets, where the module has no spec to find).
        _jit = sys.modules["fastjson._jit"]
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
        job = _c._shape_take_job()
        if job is None:
            return
        _compile(*job)
        del job


def wait() -> None:
    """Wait until every shape queued so far is compiled (benchmarks and tests)."""
    _worker.wait()


def _after_fork_in_child() -> None:
    # Registered after _worker's hook (imported above), so a new compile thread can start here.
    _c._shape_resume(True)


os.register_at_fork(after_in_child=_after_fork_in_child)
