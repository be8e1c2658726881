#!/usr/bin/env python3
"""fastjson against its peers: median time per call for every workload x op x library, the ratios, and
the orjson target; prints tables and writes results.json and results.png (to --out, default bench/)."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import itertools
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import corpora  # bench/ is sys.path[0] when this file runs as a script

BENCH_DIR = Path(__file__).resolve().parent
OPS = ("dumps", "loads")
BASELINE = "json"

# orjson's speed as a multiple of stdlib json's, measured on this machine (the issue; FIELD-NOTES.md).
ORJSON_TARGET = {
    "dumps": {"twitter": 12.5, "github": 11.5, "citm_catalog": 11.4, "canada": 15.4, "records10k": 7.5,
              "record1": 11.0},
    "loads": {"twitter": 2.6, "github": 2.5, "citm_catalog": 2.6, "canada": 5.0, "records10k": 1.7,
              "record1": 5.0},
}

# fastjson.compile(schema) aims at twice orjson's speed on shape-stable records (the compile issue).
COMPILE_TARGET = {"dumps": {"records10k": 15.0, "record1": 22.0},
                  # Typed decode (enc.loads): 1.5x orjson.loads' speed, validating (the typed-decode issue).
                  "loads": {"records10k": 2.6}}
# The transparent shape JIT (fastjson.dumps at steady state) aims at 1.5x orjson on records, twitter and
# citm_catalog, 1.2x on github and canada (its issue).
TRANSPARENT = "fastjson (transparent JIT, steady state)"
TRANSPARENT_TARGET = {
    "dumps": {w: f * ORJSON_TARGET["dumps"][w] for w, f in
              {"records10k": 1.5, "twitter": 1.5, "citm_catalog": 1.5, "github": 1.2, "canada": 1.2}.items()},
    "loads": {},
}
VARIANT_TARGETS = {"fastjson": ORJSON_TARGET, "fastjson.compile": COMPILE_TARGET, TRANSPARENT: TRANSPARENT_TARGET}
# A 10-field schema must compile in a median of at most this many milliseconds.
COMPILE_TIME_TARGET_MS = 5.0
IMPORT_TIME_TARGET_MS = 30.0

Encode = Callable[[Any], bytes]
Decode = Callable[[bytes], Any]


# --- workloads ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Workload:
    name: str
    make: Callable[[], tuple[Any, bytes]]  # -> (object that dumps gets, bytes that loads gets)


def _stdlib_dumps(obj: Any) -> bytes:
    # default= is only called for the typed records' datetime/UUID/Enum values (never on the other
    # workloads, whose values are all JSON types): the reference bytes and stdlib's timing for them.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False,
                      default=corpora.typed_default).encode()


def _corpus(name: str) -> Workload:
    def make() -> tuple[Any, bytes]:
        data = corpora.load_corpus(name)  # loads parses the corpus as published, whitespace and all
        return json.loads(data), data

    return Workload(name, make)


def _generated(name: str, generate: Callable[[], Any]) -> Workload:
    def make() -> tuple[Any, bytes]:
        obj = generate()
        return obj, _stdlib_dumps(obj)

    return Workload(name, make)


WORKLOADS = (
    *(_corpus(name) for name in corpora.CORPORA),
    _generated("records10k", corpora.records),
    _generated("record1", corpora.record),
    # datetime, UUID and Enum fields: peers without native support for them are left out (noted).
    _generated("typed10k", corpora.typed_records),
)


# --- libraries ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Library:
    name: str
    version: str
    dumps: Encode | None  # None: this library does not offer the op
    loads: Decode | None
    exact: bool = False  # fastjson and its variants: dumps must produce stdlib json's bytes exactly
    # Per-workload setup for variants that specialize on the data (fastjson.compile(schema)): returns
    # the library to time on that workload, or None to leave the workload out.
    bind: Callable[[Library, str, Any], Library | None] | None = None
    # loads builds the schema's values (typed decoders): checked against the workload's own objects
    # (datetime, UUID, enum members, ...), not against json.loads' strs.
    typed_loads: bool = False

    def for_workload(self, workload: str, obj: Any) -> Library | None:
        return self.bind(self, workload, obj) if self.bind else self

    def op(self, op: str) -> Callable[[Any], Any] | None:
        return self.dumps if op == "dumps" else self.loads


# The schema each compiled-encoder workload is timed with; workloads not listed are left out.
COMPILE_SCHEMAS: dict[str, Any] = {"records10k": list[corpora.Record], "record1": corpora.Record,
                                   "typed10k": list[corpora.TypedRecord]}


def compiled_encoder(schema: Any) -> Any:
    """fastjson.compile(schema), at its steady state: the JIT swaps its optimized tier in from a
    background thread shortly after compile returns, and the benchmark times what services run."""
    import fastjson

    enc = fastjson.compile(schema)
    try:
        import fastjson._jit as jit
    except ImportError:  # no JIT in this build: the schema interpreter is what runs
        return enc
    jit._wait()
    return enc


def transparent_steady_state(obj: Any) -> None:
    """Calls fastjson.dumps(obj) until the transparent JIT is done with obj's shape: observed past the
    threshold, compiled by the worker, through its timed trial (kept or declined)."""
    import fastjson

    config = fastjson.configure()
    for _ in range(config["threshold"] + 1):
        fastjson.dumps(obj)
    try:
        import fastjson._transparent as transparent
    except ImportError:
        return
    transparent.wait()
    for _ in range(2 * config["trials"] + 2):
        fastjson.dumps(obj)


def fastjson_variants() -> list[Library]:
    """fastjson in each configuration worth measuring: the generic path (dumps with the transparent
    JIT bypassed), dumps with the transparent JIT at its steady state, and compiled encoders."""
    import fastjson

    try:
        from fastjson._fastjson import _generic_dumps
    except ImportError:  # a fastjson without the transparent JIT: dumps is the generic path
        _generic_dumps = fastjson.dumps
    version = getattr(fastjson, "__version__", "?")

    def bind_compiled(lib: Library, workload: str, obj: Any) -> Library | None:
        if workload not in COMPILE_SCHEMAS:
            return None
        enc = compiled_encoder(COMPILE_SCHEMAS[workload])
        return dataclasses.replace(lib, dumps=enc.dumps, loads=enc.loads, typed_loads=True)

    def bind_transparent(lib: Library, workload: str, obj: Any) -> Library | None:
        transparent_steady_state(obj)
        return lib

    transparent = [Library(TRANSPARENT, version, fastjson.dumps, None, exact=True, bind=bind_transparent)]
    return [
        Library("fastjson", version, _generic_dumps, fastjson.loads, exact=True),
        *(transparent if hasattr(fastjson, "jit_stats") else []),
        Library("fastjson.compile", version, None, None, exact=True, bind=bind_compiled),
    ]


_FRESH_SCHEMA = """
def fresh_schema(i):
    from typing import TypedDict
    fields = {"id": int, "name": str, "email": str, "score": float, "active": bool,
              "tags": list[str], "parent": int | None, "created": str, "rank": int, "ratio": float}
    return TypedDict(f"Row{i}", fields)  # a new class each time: no compile is reused
"""


def measure_import_time(repeats: int = 7) -> dict[str, float]:
    """Milliseconds for `import fastjson` in a fresh interpreter, as `-X importtime` reports it
    (cumulative, fastjson and everything it imports): the median over `repeats` processes."""
    import subprocess

    times = []
    for _ in range(repeats):
        r = subprocess.run([sys.executable, "-X", "importtime", "-c", "import fastjson"],
                           capture_output=True, text=True, check=True)
        line = [ln for ln in r.stderr.splitlines() if ln.rstrip().endswith("| fastjson")][-1]
        times.append(int(line.split("|")[1]) / 1e3)
    return {"median_ms": statistics.median(times), "repeats": repeats,
            "target_ms": IMPORT_TIME_TARGET_MS}


def measure_compile_time(repeats: int = 21) -> dict[str, float]:
    """Milliseconds per fastjson.compile of a fresh 10-field TypedDict: the median over `repeats`
    compiles in this process, and the first compile of a fresh process (which also loads LLVM and
    the schema module), measured in a subprocess."""
    import subprocess

    import fastjson

    namespace: dict[str, Any] = {}
    exec(_FRESH_SCHEMA, namespace)
    times = []
    for i in range(repeats):
        schema = namespace["fresh_schema"](i)
        start = time.perf_counter()
        fastjson.compile(schema)
        times.append((time.perf_counter() - start) * 1e3)
    first = subprocess.run(
        [sys.executable, "-c", _FRESH_SCHEMA + "import time, fastjson\nschema = fresh_schema(0)\n"
         "t = time.perf_counter(); fastjson.compile(schema)\nprint((time.perf_counter() - t) * 1e3)"],
        capture_output=True, text=True, check=True)
    return {"first_in_process_ms": float(first.stdout), "median_ms": statistics.median(times),
            "repeats": repeats, "target_median_ms": COMPILE_TIME_TARGET_MS}


_STEADY_STATE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import corpora, fastjson
# Elapsed time until the steady state (what a service waits through); per-call medians on the
# benchmark's clock (--clock), as in its tables.
clock = time.thread_time if sys.argv[2] == "cpu" else time.perf_counter
rows = corpora.records()
calls, per_call, streak, start = [], [], 0, time.perf_counter()
while streak < 20 and time.perf_counter() - start < 30:
    before = fastjson.jit_stats()["hits"]
    t, c = time.perf_counter(), clock()
    fastjson.dumps(rows)
    per_call.append(clock() - c)
    calls.append(time.perf_counter() - t)
    hit = fastjson.jit_stats()["hits"] == before + 1
    streak = streak + 1 if hit else 0
# Steady: 20 compiled calls in a row. Without them in 30 s (the compile failed, or its timed trial
# found it slower than the generic path and declined it) there is no steady state to report.
reached = streak >= 20
steady = len(calls) - streak  # the first call of the run of hits that did not end
threshold = fastjson.configure()["threshold"]
print(json.dumps({"reached": reached,
                  "steady_after_ms": sum(calls[:steady]) * 1e3 if reached else None,
                  "calls_before_steady": steady if reached else None,
                  "calls": len(calls), "first_call_us": calls[0] * 1e6,
                  "generic_median_us": sorted(per_call[:threshold])[min(threshold, len(calls)) // 2] * 1e6,
                  "steady_median_us": sorted(per_call[steady:])[streak // 2] * 1e6 if reached else None,
                  "stats": fastjson.jit_stats()}))
"""


def measure_transparent_warmup() -> dict[str, Any]:
    """The 10k-records loop in a fresh process (so loading LLVM counts): time from the first
    fastjson.dumps call until every call runs compiled code (steady state), and the shape counters."""
    import subprocess

    clock = "cpu" if _clock is time.thread_time else "wall"
    out = subprocess.run([sys.executable, "-c", _STEADY_STATE, str(BENCH_DIR), clock],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _never_repeating_docs(n: int, seed: int = 11) -> list[dict[str, Any]]:
    """Small documents keyed by ids, as a cache dump or a per-user map would be: no two have the same
    keys, so no shape ever repeats."""
    import random

    rng = random.Random(seed)
    return [{str(rng.randrange(10**12)): {"score": rng.random(), "rank": i, "name": f"user {i}"}
             for _ in range(3)} for i in range(n)]


def measure_never_repeating(runs: int) -> dict[str, Any]:
    """fastjson.dumps over documents whose shapes never repeat, with the transparent JIT on and off
    (configure(jit=...)), interleaved in this process: the cost of observing shapes that never pay off.

    The ratio is the median of paired ratios, each of a JIT-on pass and the JIT-off pass right
    beside it (alternating which goes first): a difference of a few percent is what is measured,
    and drift in the machine's speed between passes further apart would swamp it."""
    import fastjson

    docs = _never_repeating_docs(20_000)

    def one_pass() -> float:
        dumps, clock = fastjson.dumps, _clock
        start = clock()
        for d in docs:
            dumps(d)
        return (clock() - start) / len(docs)

    one_pass()  # the JIT's first window: it recognises the workload and stops observing it
    on, off = [], []
    for i in range(max(runs, 5) * 6):
        for jit in ((True, False) if i % 2 else (False, True)):
            fastjson.configure(jit=jit)
            (on if jit else off).append(one_pass())
    fastjson.configure(jit=True)
    ratios = sorted(a / b for a, b in zip(on, off))
    return {"jit_on_us": statistics.median(on) * 1e6, "jit_off_us": statistics.median(off) * 1e6,
            "ratio": statistics.median(ratios), "ratio_quartiles": statistics.quantiles(ratios, n=4),
            "pairs": len(ratios), "target_max_ratio": 1.03, "stats": fastjson.jit_stats()}


# Peers, each with the settings that make its output equal to fastjson's: compact separators, UTF-8 kept
# as is (ensure_ascii=False), bytes out (str-returning libraries pay the .encode(), as their users do),
# bytes in.
def _json() -> Library:
    return Library("json", platform.python_version(), _stdlib_dumps, json.loads)


def _orjson() -> Library:
    import orjson

    return Library("orjson", orjson.__version__, orjson.dumps, orjson.loads)


def _msgspec() -> Library:
    import msgspec.json

    return Library("msgspec", msgspec.__version__, msgspec.json.Encoder().encode,
                   msgspec.json.Decoder().decode)


def _msgspec_typed() -> Library:
    """msgspec's typed decoder into the same shape as fastjson.compile's (Decoder(list[Record]))."""
    import msgspec.json

    def bind(lib: Library, workload: str, obj: Any) -> Library | None:
        if workload not in COMPILE_SCHEMAS:
            return None
        return dataclasses.replace(lib, loads=msgspec.json.Decoder(COMPILE_SCHEMAS[workload]).decode,
                                   typed_loads=True)

    return Library("msgspec.typed", msgspec.__version__, None, None, bind=bind)


def _ujson() -> Library:
    import ujson

    def dumps(obj: Any) -> bytes:
        return ujson.dumps(obj, ensure_ascii=False, escape_forward_slashes=False).encode()

    return Library("ujson", ujson.__version__, dumps, ujson.loads)


def _rapidjson() -> Library:
    import rapidjson

    def dumps(obj: Any) -> bytes:
        return rapidjson.dumps(obj, ensure_ascii=False).encode()

    return Library("rapidjson", rapidjson.__version__, dumps, rapidjson.loads)


def _simplejson() -> Library:
    import simplejson

    def dumps(obj: Any) -> bytes:
        return simplejson.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()

    return Library("simplejson", simplejson.__version__, dumps, simplejson.loads)


PEERS = {"json": _json, "orjson": _orjson, "msgspec": _msgspec, "msgspec.typed": _msgspec_typed,
         "ujson": _ujson,
         "rapidjson": _rapidjson, "simplejson": _simplejson}


def load_peers() -> tuple[list[Library], list[str]]:
    """The importable peers (stdlib json always), and the names of those that are not."""
    found, missing = [], []
    for name, factory in PEERS.items():
        try:
            found.append(factory())
        except ImportError:
            missing.append(name)
    return found, missing


# --- correctness: a benchmark of wrong output measures nothing --------------------------------------

def first_difference(got: Any, want: Any, path: str = "$") -> str | None:
    """Where `got` differs from `want`, exact types included (1 is not 1.0 or True), as a JSON path."""
    if type(got) is not type(want):
        return f"{path}: {type(got).__name__} {got!r:.60} instead of {type(want).__name__} {want!r:.60}"
    if isinstance(want, dict):
        if list(got) != list(want):
            return f"{path}: keys {list(got)!r:.120} instead of {list(want)!r:.120}"
        for key, value in want.items():
            if (diff := first_difference(got[key], value, f"{path}.{key}")) is not None:
                return diff
        return None
    if isinstance(want, list):
        if len(got) != len(want):
            return f"{path}: {len(got)} items instead of {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            if (diff := first_difference(g, w, f"{path}[{i}]")) is not None:
                return diff
        return None
    return None if got == want else f"{path}: {got!r:.60} instead of {want!r:.60}"


def byte_difference(got: bytes, want: bytes) -> str | None:
    if got == want:
        return None
    at = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
    lo = max(0, at - 40)

    def text(b: bytes) -> str:
        return repr(b[lo:at + 40].decode("utf-8", "backslashreplace"))

    return (f"{len(got)} bytes instead of {len(want)}, first difference at byte {at}:\n"
            f"      got  ...{text(got)}...\n      want ...{text(want)}...")


def check(lib: Library, op: str, obj: Any, data: bytes, want_bytes: bytes) -> str | None:
    """None when `lib`'s op is right on this workload, else what is wrong. Decoded values are compared
    with json.loads(data) (for the typed records: datetime as its str, ...; else equal to obj)."""
    want_obj = json.loads(data)
    try:
        if op == "loads":
            return first_difference(lib.loads(data), obj if lib.typed_loads else want_obj)
        out = lib.dumps(obj)
        if not isinstance(out, bytes):
            return f"returned {type(out).__name__}, not bytes"
        if lib.exact and (diff := byte_difference(out, want_bytes)):
            return f"bytes differ from stdlib json: {diff}"
        return first_difference(json.loads(out), want_obj)
    except Exception as exc:  # noqa: BLE001 - any failure of a library is a finding to report
        return f"raised {type(exc).__name__}: {exc}"[:300]


# --- timing -------------------------------------------------------------------------------------

# What a run's duration is read from (--clock): "cpu", the calling thread's CPU time, leaves out
# the time the thread waited for a core while other processes ran (on this project's shared
# 2-vCPU machine, the largest source of run-to-run spread); "wall" is elapsed time.
CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.thread_time, "wall": time.perf_counter}
_clock = time.thread_time


def _run(fn: Callable[[Any], Any], arg: Any, number: int) -> float:
    """Seconds for `number` calls. The collector is off while timing, as in timeit: JSON values hold no
    cycles, so it would only add pauses whose timing depends on what ran before."""
    loop = itertools.repeat(None, number)
    enabled = gc.isenabled()
    clock = _clock
    gc.disable()
    try:
        start = clock()
        for _ in loop:
            fn(arg)
        return clock() - start
    finally:
        if enabled:
            gc.enable()


def _autorange(fn: Callable[[Any], Any], arg: Any, min_time: float) -> int:
    """The smallest count in 1, 2, 5, 10, 20, 50... whose calls take at least `min_time` (timeit's
    rule); the trials double as warm-up."""
    for power in itertools.count():
        for factor in (1, 2, 5):
            number = factor * 10**power
            if _run(fn, arg, number) >= min_time:
                return number
    raise AssertionError("unreachable")


@dataclass
class Timing:
    number: int  # calls per run
    per_call: list[float]  # seconds, one per run

    @property
    def median(self) -> float:
        return statistics.median(self.per_call)


def measure(fns: dict[str, Callable[[Any], Any]], arg: Any, runs: int,
            min_time: float) -> dict[str, Timing]:
    """Times each function on `arg`. Runs are interleaved (one run of each, `runs` times) so that drift
    in machine speed, common on shared vCPUs, falls on every library alike and cancels in the ratios."""
    numbers = {name: _autorange(fn, arg, min_time) for name, fn in fns.items()}
    timings = {name: Timing(number, []) for name, number in numbers.items()}
    for _ in range(runs):
        for name, fn in fns.items():
            gc.collect()
            timings[name].per_call.append(_run(fn, arg, numbers[name]) / numbers[name])
    return timings


# --- the benchmark ------------------------------------------------------------------------------

Cell = Timing | str | None  # a timing, what was wrong, or None when the library lacks the op
Results = dict[str, dict[str, dict[str, Cell]]]  # workload -> op -> library -> cell


@dataclass
class Prepared:
    """A workload's inputs, each library bound to it, and what each got wrong (checked before timing)."""

    workload: str
    obj: Any
    data: bytes
    libs: dict[str, Library]
    wrong: dict[tuple[str, str], str]  # (op, library) -> what is wrong
    failures: list[str]  # fastjson's wrong output: the run must fail


def prepare(workload: Workload, libs: Sequence[Library], ops: Sequence[str]) -> Prepared:
    obj, data = workload.make()
    want_bytes = _stdlib_dumps(obj)
    prepared = Prepared(workload.name, obj, data, {}, {}, [])
    for lib in libs:
        local = lib.for_workload(workload.name, obj)
        if local is None:
            continue
        prepared.libs[lib.name] = local
        for op in ops:
            if local.op(op) is None or (problem := check(local, op, obj, data, want_bytes)) is None:
                continue
            prepared.wrong[(op, lib.name)] = problem
            line = f"{workload.name} {op}: {lib.name} disagrees with stdlib json: {problem}"
            if local.exact:
                prepared.failures.append(line)
                print(f"FAIL {line}", file=sys.stderr)
            else:
                print(f"note {line} (not timed)")
    return prepared


def run_benchmark(prepared: Sequence[Prepared], libs: Sequence[Library], ops: Sequence[str], runs: int,
                  min_time: float) -> Results:
    results: Results = {}
    for p in prepared:
        results[p.workload] = {}
        for op in ops:
            cells: dict[str, Cell] = {}
            timed = {}
            for lib in libs:
                fn = p.libs[lib.name].op(op) if lib.name in p.libs else None
                if fn is None:
                    cells[lib.name] = None
                elif (op, lib.name) in p.wrong:
                    cells[lib.name] = "wrong output"
                else:
                    timed[lib.name] = fn
            cells.update(measure(timed, p.obj if op == "dumps" else p.data, runs, min_time))
            results[p.workload][op] = {lib.name: cells[lib.name] for lib in libs}
            print(f"  timed {p.workload:<13} {op}", file=sys.stderr, flush=True)
    return results


def speedup(cells: dict[str, Cell], faster: str, slower: str) -> float | None:
    """How many times faster `faster` is than `slower` (> 1: faster wins), or None if not both timed."""
    a, b = cells.get(faster), cells.get(slower)
    if isinstance(a, Timing) and isinstance(b, Timing):
        return b.median / a.median
    return None


def target_row(cells: dict[str, Cell], variant: str, workload: str, op: str) -> dict[str, Any]:
    x_json = speedup(cells, variant, BASELINE)
    target = VARIANT_TARGETS.get(variant, ORJSON_TARGET)[op].get(workload)
    return {
        "x_json": x_json,
        "orjson_target_x_json": target,
        "meets_target": None if x_json is None or target is None else x_json >= target,
        "orjson_x_json_here": speedup(cells, "orjson", BASELINE),
        "vs_orjson": speedup(cells, variant, "orjson"),
    }


# --- reporting ----------------------------------------------------------------------------------

def _us(seconds: float) -> str:
    us = seconds * 1e6
    return f"{us:.0f}" if us >= 100 else f"{us:.1f}" if us >= 10 else f"{us:.2f}"


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def _cell(cell: Cell) -> str:
    return "-" if cell is None else cell if isinstance(cell, str) else _us(cell.median)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 2) -> str:
    """A markdown table with aligned columns; the first `left` columns left-aligned, the rest right."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        cells = (str(c).ljust(w) if i < left else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths)))
        return "| " + " | ".join(cells) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ("-" if i < left else ":")) for i, w in enumerate(widths)) + "|"
    return "\n".join([line(headers), rule, *map(line, rows)])


def _rows(results: Results, ops: Sequence[str]):
    for op in ops:
        for workload, by_op in results.items():
            yield workload, op, by_op[op]


def report(results: Results, libs: Sequence[Library], ops: Sequence[str]) -> str:
    names = [lib.name for lib in libs]
    variants = [lib.name for lib in libs if lib.exact]
    peers = [lib.name for lib in libs if not lib.exact]
    have_orjson = "orjson" in names
    out = ["## Median µs per call (lower is better)", "",
           format_table(["workload", "op", *names],
                        [[w, op, *(_cell(cells[n]) for n in names)] for w, op, cells in _rows(results, ops)])]
    out += ["", "## fastjson speed-up over each peer (peer time / fastjson time; > 1: fastjson faster)", "",
            format_table(["workload", "op", "variant", *peers],
                         [[w, op, v, *(_ratio(speedup(cells, v, p)) for p in peers)]
                          for w, op, cells in _rows(results, ops) for v in variants
                          if isinstance(cells.get(v), Timing)],
                         left=3)]
    headers = ["workload", "op", "variant", "x json", "target (x json)", "meets"]
    if have_orjson:
        headers += ["orjson x json here", "vs orjson"]
    rows = []
    for w, op, cells in _rows(results, ops):
        for v in variants:
            if not isinstance(cells.get(v), Timing):  # a variant that does not run this workload/op
                continue
            t = target_row(cells, v, w, op)
            meets = {True: "yes", False: "NO", None: "-"}[t["meets_target"]]
            row = [w, op, v, _ratio(t["x_json"]), _ratio(t["orjson_target_x_json"]), meets]
            if have_orjson:
                row += [_ratio(t["orjson_x_json_here"]), _ratio(t["vs_orjson"])]
            rows.append(row)
    out += ["", "## Targets: speed-up over stdlib json (fastjson: orjson's multiple; fastjson.compile: "
            "twice orjson's dumps, 1.5x orjson's loads)", "", format_table(headers, rows, left=3)]
    return "\n".join([*out, "", typed_decode_report(results), noise_note(results)])


TYPED = "fastjson.compile"
TYPED_PEERS = ("json", "fastjson", "orjson", "msgspec.typed", "ujson", "rapidjson", "simplejson")


def typed_decode_report(results: Results) -> str:
    """Typed decode (compile(schema).loads: parse + validate + build) against untyped loads and
    msgspec's typed decoder, as speed-ups (other's time / typed time)."""
    rows = []
    for workload, by_op in results.items():
        cells = by_op.get("loads", {})
        typed = cells.get(TYPED)
        if not isinstance(typed, Timing):
            continue
        target = COMPILE_TARGET["loads"].get(workload)
        x_json = speedup(cells, TYPED, BASELINE)
        meets = "-" if target is None or x_json is None else "yes" if x_json >= target else "NO"
        rows.append([workload, _us(typed.median), *(_ratio(speedup(cells, TYPED, p)) for p in TYPED_PEERS),
                     _ratio(target), meets])
    if not rows:
        return ""
    return "\n".join(["## Typed decode: fastjson.compile(schema).loads vs each loads (> 1: typed faster)", "",
                      format_table(["workload", "typed µs", *(f"x {p}" for p in TYPED_PEERS),
                                    "target (x json)", "meets"], rows), ""])


def noise_note(results: Results) -> str:
    """The widest run-to-run spread, so a reader knows how far to trust a ratio (2 shared vCPUs)."""
    spreads = [((max(c.per_call) - min(c.per_call)) / c.median, f"{w} {op} {lib}")
               for w, by_op in results.items() for op, cells in by_op.items()
               for lib, c in cells.items() if isinstance(c, Timing)]
    if not spreads:
        return "nothing timed"
    spread, where = max(spreads)
    advice = "; rerun on an idle machine" if spread > 0.1 else ""
    return f"widest run-to-run spread: {spread:.0%} of the median ({where}){advice}"


def results_document(results: Results, libs: Sequence[Library], missing: Sequence[str], meta: dict) -> dict:
    def cell(c: Cell) -> Any:
        if isinstance(c, Timing):
            return {"median_us": c.median * 1e6, "runs_us": [t * 1e6 for t in c.per_call],
                    "calls_per_run": c.number}
        return {"error": c} if c else None

    variants = [lib.name for lib in libs if lib.exact]
    return {
        "meta": meta,
        "libraries": {lib.name: lib.version for lib in libs},
        "variants": variants,
        "unavailable": list(missing),
        "orjson_target": ORJSON_TARGET,
        "results": {w: {op: {n: cell(c) for n, c in cells.items()} for op, cells in by_op.items()}
                    for w, by_op in results.items()},
        "speedups": {v: {w: {op: {lib.name: speedup(cells, v, lib.name) for lib in libs if lib.name != v}
                             for op, cells in by_op.items()} for w, by_op in results.items()}
                     for v in variants},
        "target": {v: {w: {op: target_row(cells, v, w, op) for op, cells in by_op.items()}
                       for w, by_op in results.items()} for v in variants},
    }


def plot(results: Results, libs: Sequence[Library], ops: Sequence[str], path: Path) -> None:
    """Per workload, each library's speed-up over stdlib json (log scale), one panel per op, with
    orjson's reference multiple marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    workloads = list(results)
    shown = [lib.name for lib in libs if lib.name != BASELINE]
    width = 0.8 / max(1, len(shown))
    fig, axes = plt.subplots(len(ops), 1, figsize=(max(8, 1.6 * len(workloads) + 3), 0.6 + 4 * len(ops)),
                             squeeze=False)
    for ax, op in zip(axes[:, 0], ops):
        # typed10k has no recorded orjson multiple: no reference line there.
        values = [ORJSON_TARGET[op][w] for w in workloads if w in ORJSON_TARGET[op]]
        for i, name in enumerate(shown):
            xs, ys = [], []
            for j, w in enumerate(workloads):
                if (s := speedup(results[w][op], name, BASELINE)) is not None:
                    xs.append(j + (i - (len(shown) - 1) / 2) * width)
                    ys.append(s)
            values += ys
            bars = ax.bar(xs, ys, width, label=name, zorder=2)
            if name == "fastjson":
                ax.bar_label(bars, labels=[f"{y:.1f}" for y in ys], fontsize=7, padding=1)
        for j, w in enumerate(workloads):
            if w not in ORJSON_TARGET[op]:
                continue
            ax.hlines(ORJSON_TARGET[op][w], j - 0.45, j + 0.45, colors="black", linestyles="--", zorder=3,
                      label="orjson on this machine (reference)" if j == 0 else None)
        ax.axhline(1.0, color="grey", linewidth=0.8, zorder=1, label="stdlib json")
        ax.set_yscale("log")
        ax.set_ylim(min(values) / 1.5, max(values) * 1.5)
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}x"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xticks(range(len(workloads)), workloads)
        ax.set_ylabel("speed-up over stdlib json")
        ax.set_title(op)
        ax.grid(axis="y", alpha=0.3, zorder=0)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()))
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- command line -------------------------------------------------------------------------------

def fastjson_shape_report(runs: int) -> dict[str, Any]:
    """The transparent JIT's own section: shape counters of this run, warm-up on the 10k-records loop,
    and the cost on never-repeating shapes."""
    import fastjson

    bench_stats = fastjson.jit_stats()
    warmup = measure_transparent_warmup()
    never = measure_never_repeating(runs)
    s, w = warmup["stats"], bench_stats
    met = "yes" if never["ratio"] <= never["target_max_ratio"] else "NO"
    if warmup["reached"]:
        steady = (f"steady state after {warmup['steady_after_ms']:.0f} ms ({warmup['calls_before_steady']} "
                  f"calls; first call {warmup['first_call_us']:.0f} us, generic "
                  f"{warmup['generic_median_us']:.0f} us/call, steady {warmup['steady_median_us']:.0f} us/call)")
    else:
        steady = (f"NO steady state within 30 s ({warmup['calls']} calls; {s['declined']} declined after "
                  f"the trial, {s['compile_failures']} compile failures)")
    text = "\n".join([
        "", "## fastjson transparent JIT", "",
        f"this benchmark's process: {w['shapes_observed']} shapes observed, {w['compiled']} compiled "
        f"({w['declined']} declined after their trial: slower than the generic path), {w['hits']} hits, "
        f"{w['guard_failures']} guard failures, {w['evictions']} evictions; compile "
        f"{w['compile_ms_total']:.0f} ms total, {w['compile_ms_median']:.1f} median, "
        f"{w['compile_ms_max']:.1f} max; {w['code_bytes']} bytes of code",
        f"10k-records loop, fresh process: {steady}; {s['shapes_observed']} shape observed, "
        f"{s['compiled']} compiled in {s['compile_ms_max']:.1f} ms (LLVM load not included)",
        f"never-repeating shapes ({never['jit_on_us']:.2f} us/call): JIT on / off = {never['ratio']:.3f}, "
        f"median of {never['pairs']} adjacent pairs (quartiles {never['ratio_quartiles'][0]:.3f}-"
        f"{never['ratio_quartiles'][2]:.3f}; target <= {never['target_max_ratio']}: {met}); "
        f"gave up observing: {never['stats']['gave_up']}",
    ])
    return {"text": text, "process_stats": bench_stats, "warmup_10k_records": warmup,
            "never_repeating": never}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _choices(parser: argparse.ArgumentParser, values: list[str] | None, allowed: Sequence[str],
             what: str) -> list[str]:
    """Repeated and comma-separated values, in canonical order; all of `allowed` when none given."""
    if not values:
        return list(allowed)
    picked = {v.strip() for value in values for v in value.split(",") if v.strip()}
    if unknown := picked - set(allowed):
        parser.error(f"unknown {what} {', '.join(sorted(unknown))}; choose from {', '.join(allowed)}")
    return [a for a in allowed if a in picked]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, help="timed runs per measurement, median taken (default 7)")
    parser.add_argument("--min-time", type=float, help="seconds of calls per run at least (default 0.05)")
    parser.add_argument("--quick", action="store_true", help="smoke mode: 3 runs of >= 5 ms")
    parser.add_argument("--workload", action="append", metavar="NAME",
                        help=f"only these (repeat or comma-separate): {', '.join(w.name for w in WORKLOADS)}")
    parser.add_argument("--op", action="append", metavar="OP", help="only these ops: dumps, loads")
    parser.add_argument("--out", type=Path, default=BENCH_DIR, help="directory for results.json, results.png")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: the calling thread's CPU time per call (default; steady on a shared "
                             "machine); wall: elapsed time")
    args = parser.parse_args(argv)
    args.runs = args.runs or (3 if args.quick else 7)
    args.min_time = args.min_time or (0.005 if args.quick else 0.05)
    args.workloads = _choices(parser, args.workload, [w.name for w in WORKLOADS], "workload")
    args.ops = _choices(parser, args.op, OPS, "op")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    global _clock
    args = parse_args(argv)
    _clock = CLOCKS[args.clock]
    # Compile times are measured compiling: no code cache here or in the subprocesses (cache.py
    # measures the cache, in directories of its own).
    os.environ["FASTJSON_CACHE"] = "0"
    try:
        variants = fastjson_variants()
    except ImportError as exc:
        print(f"fastjson is not importable ({exc}); build it with `make` and run with PYTHONPATH=python",
              file=sys.stderr)
        return 2
    peers, missing = load_peers()
    libs = [*variants, *peers]
    workloads = [w for w in WORKLOADS if w.name in args.workloads]
    meta = {"python": sys.version.split()[0], "platform": platform.platform(), "cpu": _cpu_model(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "runs": args.runs, "min_time_s": args.min_time,
            "quick": args.quick, "clock": args.clock}
    clock = "thread CPU time" if args.clock == "cpu" else "wall time"
    print(f"# fastjson benchmark: Python {meta['python']} on {meta['cpu']}; {args.runs} runs of >= "
          f"{args.min_time * 1e3:g} ms {clock} each, median")
    print("# libraries: " + ", ".join(f"{lib.name} {lib.version}" for lib in libs)
          + (f"; not importable: {', '.join(missing)}" if missing else ""))

    prepared = [prepare(w, libs, args.ops) for w in workloads]
    if failures := [f for p in prepared for f in p.failures]:
        print(f"\nFAILED: fastjson output differs from stdlib json in {len(failures)} case(s); "
              "nothing timed (a benchmark of wrong output measures nothing)", file=sys.stderr)
        return 1
    results = run_benchmark(prepared, libs, args.ops, args.runs, args.min_time)
    print()
    print(report(results, libs, args.ops))
    compile_time = measure_compile_time()
    met = "yes" if compile_time["median_ms"] <= COMPILE_TIME_TARGET_MS else "NO"
    print(f"\n## fastjson.compile time, 10-field TypedDict\n\nmedian of {compile_time['repeats']}: "
          f"{compile_time['median_ms']:.2f} ms (target <= {COMPILE_TIME_TARGET_MS:g} ms: {met}); "
          f"first compile in a fresh process (loads LLVM): {compile_time['first_in_process_ms']:.1f} ms")
    import_time = measure_import_time()
    met = "yes" if import_time["median_ms"] < IMPORT_TIME_TARGET_MS else "NO"
    print(f"\n## import fastjson, fresh process\n\nmedian of {import_time['repeats']}: "
          f"{import_time['median_ms']:.1f} ms (target < {IMPORT_TIME_TARGET_MS:g} ms: {met})")

    import cache  # bench/cache.py

    code_cache = {"load_vs_compile": cache.measure_load_vs_compile(),
                  "first_request": cache.measure_first_request(3 if args.quick else 7)}
    print("\n" + cache.report(code_cache["load_vs_compile"], code_cache["first_request"]))

    shapes = None
    if "dumps" in args.ops and any(lib.name == TRANSPARENT for lib in libs):
        shapes = fastjson_shape_report(args.runs)
        print(shapes["text"])
    args.out.mkdir(parents=True, exist_ok=True)
    doc = results_document(results, libs, missing, meta)
    doc["compile_time"] = compile_time
    doc["import_time"] = import_time
    doc["code_cache"] = code_cache
    if shapes is not None:
        doc["transparent_jit"] = {k: v for k, v in shapes.items() if k != "text"}
    (args.out / "results.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    plot(results, libs, args.ops, args.out / "results.png")
    print(f"\nwrote {args.out / 'results.json'} and {args.out / 'results.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
