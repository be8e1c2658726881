"""The persistent code cache, measured: time to get a compiled encoder from the cache against
compiling it (same process, LLVM loaded, medians), and the first-request latency of a fresh
process with a warm cache against a cold one.

Run alone (`PYTHONPATH=python /usr/bin/python3 bench/cache.py [--repeats N]`) or from run.py.
Every cache used here lives in a temporary directory; the user's cache is never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The 10-field record schema of run.py's compile-time section, as a dict literal (the same key in
# every process, unlike a TypedDict class made per call).
SCHEMA_SOURCE = """[{"id": int, "name": str, "email": str, "score": float, "active": bool,
   "tags": [str], "parent": int | None, "created": str, "rank": int, "ratio": float}]"""
REQUEST_SOURCE = """[{"id": 7, "name": "Ada", "email": "ada@example.com", "score": 9.5,
   "active": True, "tags": ["x", "y"], "parent": None, "created": "2024-01-01", "rank": 3,
   "ratio": 0.25}]"""

# A fresh process serving its first request: import fastjson, compile the service's schema,
# encode one request. Timed from before the import to after the first dumps returns.
FIRST_REQUEST = """
import time
t0 = time.perf_counter()
import fastjson
schema = %s
import fastjson._jit, fastjson._schema  # (loading LLVM and the schema module, counted in ms)
tc = time.perf_counter()
enc = fastjson.compile(schema)
out = enc.dumps(%s)
t1 = time.perf_counter()
import json
s = fastjson.jit_stats()["cache"]
print(json.dumps({"ms": (t1 - t0) * 1e3, "compile_ms": (t1 - tc) * 1e3, "hits": s["hits"],
                  "out": out.decode()}))
""" % (SCHEMA_SOURCE, REQUEST_SOURCE)


def _median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def measure_load_vs_compile(repeats: int = 21) -> dict[str, Any]:
    """Median ms per fastjson.compile(schema) call in this process (LLVM already loaded):
    compiling the -O2 code (what a warm cache holds; fastjson.warmup with the cache off), the -O0
    code (compile's first tier), and loading the -O2 code from a warm cache. Also the JIT's own
    part of each (IR + passes + codegen, against read + link), without schema normalization."""
    import fastjson
    import fastjson._jit as _jit

    schema = eval(SCHEMA_SOURCE)
    previous = fastjson.configure()["cache_dir"]
    tiers = os.environ.get("FASTJSON_JIT_TIERS")
    try:
        with tempfile.TemporaryDirectory(prefix="fastjson-bench-cache-") as directory:
            fastjson.configure(cache_dir=False)
            fastjson.warmup([schema])  # loads LLVM and creates the sessions: not timed
            o2_jit = []

            def compile_o2():
                fastjson.warmup([schema])
                o2_jit.append(_jit.last_timings(2)["total_ms"])

            compile_o2_ms = _median_ms(compile_o2, repeats)
            os.environ["FASTJSON_JIT_TIERS"] = "1"  # compile's -O0 tier alone, no background -O2
            o0_jit = []

            def compile_o0():
                fastjson.compile(schema)
                o0_jit.append(_jit.last_timings(1)["total_ms"])

            compile_o0_ms = _median_ms(compile_o0, repeats)
            if tiers is None:
                del os.environ["FASTJSON_JIT_TIERS"]
            else:
                os.environ["FASTJSON_JIT_TIERS"] = tiers
            fastjson.configure(cache_dir=directory)
            fastjson.warmup([schema])  # stores the -O2 code
            hits_before = fastjson.jit_stats()["cache"]["hits"]
            load_jit = []

            def load():
                enc = fastjson.compile(schema)  # a warm cache: the -O2 code, installed directly
                load_jit.append(_jit.last_load_ms())
                assert enc.jit

            load_ms = _median_ms(load, repeats)
            assert fastjson.jit_stats()["cache"]["hits"] - hits_before == repeats, "not all loads hit"
    finally:
        fastjson.configure(cache_dir=previous)
        _jit._wait()
    return {
        "repeats": repeats,
        "compile_o2_ms": compile_o2_ms, "compile_o0_ms": compile_o0_ms, "load_ms": load_ms,
        "jit_compile_o2_ms": statistics.median(o2_jit), "jit_compile_o0_ms": statistics.median(o0_jit),
        "jit_load_ms": statistics.median(load_jit),
        "speedup_vs_o2": compile_o2_ms / load_ms, "speedup_vs_o0": compile_o0_ms / load_ms,
        "jit_speedup_vs_o2": statistics.median(o2_jit) / statistics.median(load_jit),
    }


def _first_request(cache_dir: str | None, python_path: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": python_path}
    env.pop("FASTJSON_CACHE", None)
    env.pop("FASTJSON_JIT_TIERS", None)
    if cache_dir is None:
        env["FASTJSON_CACHE"] = "0"
    else:
        env["FASTJSON_CACHE_DIR"] = cache_dir
    out = subprocess.run([sys.executable, "-c", FIRST_REQUEST], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(out.stdout)


def measure_first_request(repeats: int = 7) -> dict[str, Any]:
    """Median ms from `import fastjson` to the first compiled dumps returning, in fresh processes:
    with a cold (empty) cache, and with a warm one (filled by fastjson.warmup in another process,
    as a build step would)."""
    import fastjson

    python_path = str(Path(fastjson.__file__).resolve().parent.parent)
    cold, warm, outputs, cold_compile, warm_compile = [], [], set(), [], []
    with tempfile.TemporaryDirectory(prefix="fastjson-bench-first-") as root:
        warm_dir = os.path.join(root, "warm")
        env = {**os.environ, "PYTHONPATH": python_path, "FASTJSON_CACHE_DIR": warm_dir}
        env.pop("FASTJSON_CACHE", None)
        subprocess.run([sys.executable, "-c", "import fastjson\nfastjson.warmup([%s])" % SCHEMA_SOURCE],
                       env=env, check=True)
        for i in range(repeats):  # interleaved, so machine noise hits both alike
            r = _first_request(os.path.join(root, f"cold{i}"), python_path)
            assert r["hits"] == 0
            cold.append(r["ms"])
            cold_compile.append(r["compile_ms"])
            outputs.add(r["out"])
            r = _first_request(warm_dir, python_path)
            assert r["hits"] == 1, "the warm cache was not used"
            warm.append(r["ms"])
            warm_compile.append(r["compile_ms"])
            outputs.add(r["out"])
        off = [_first_request(None, python_path)["ms"] for _ in range(repeats)]
    assert len(outputs) == 1, outputs
    return {"repeats": repeats, "cold_ms": statistics.median(cold), "warm_ms": statistics.median(warm),
            "cache_off_ms": statistics.median(off),
            "cold_compile_ms": statistics.median(cold_compile),
            "warm_compile_ms": statistics.median(warm_compile)}


def report(load: dict[str, Any], first: dict[str, Any]) -> str:
    target = "yes" if load["speedup_vs_o2"] >= 10 else "NO"
    return "\n".join([
        "## Persistent code cache (10-field record schema)", "",
        f"compile() from a warm cache (the -O2 code, read + link): {load['load_ms']:.3f} ms median of "
        f"{load['repeats']} (JIT part {load['jit_load_ms']:.3f} ms)",
        f"compiling the -O2 code instead: {load['compile_o2_ms']:.2f} ms (JIT part "
        f"{load['jit_compile_o2_ms']:.2f} ms): {load['speedup_vs_o2']:.1f}x slower "
        f"(target >= 10x: {target}); the -O0 tier: {load['compile_o0_ms']:.2f} ms "
        f"({load['speedup_vs_o0']:.1f}x)",
        f"first request of a fresh process (import fastjson + compile + one dumps), median of "
        f"{first['repeats']}: warm cache {first['warm_ms']:.1f} ms, cold cache {first['cold_ms']:.1f} ms, "
        f"cache off {first['cache_off_ms']:.1f} ms (all include loading LLVM, ~30 ms, and the schema "
        f"module); of which compile() + the request: warm {first['warm_compile_ms']:.2f} ms, cold "
        f"{first['cold_compile_ms']:.2f} ms ({first['cold_compile_ms'] / first['warm_compile_ms']:.1f}x)",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args(argv)
    load = measure_load_vs_compile(args.repeats)
    first = measure_first_request(max(3, args.repeats // 3))
    print(report(load, first))
    print(json.dumps({"load_vs_compile": load, "first_request": first}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
