"""The transparent shape JIT of fastjson.dumps: compiled code for hot shapes, same bytes and errors.

Most tests compile on the calling thread (configure(background=False)) with the timed trial off
(trials=0), so a shape is compiled and used at a known call; the thread and fork tests use the
background worker as services do.
"""
import gc
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections import OrderedDict
from pathlib import Path

import pytest

import fastjson
from fastjson import _fastjson

from conftest import _load_bench_corpora

_jit = pytest.importorskip("fastjson._jit", reason="built without the JIT (FASTJSON_JIT=OFF)")

PYTHON_DIR = Path(fastjson.__file__).resolve().parent.parent
DEFAULTS = {"jit": True, "threshold": 32, "max_shapes": 64, "background": True, "trials": 8}
THRESHOLD = 4
STAT_KEYS = {
    "observed_calls", "shapes_observed", "shapes_live", "compiled", "compile_failures", "declined",
    "hits", "guard_failures", "evictions", "pending", "give_ups", "gave_up", "compile_ms_total",
    "compile_ms_median", "compile_ms_max", "code_bytes",
}


def oracle(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def generic(obj, **kwargs) -> bytes:
    previous = fastjson.configure()["jit"]
    fastjson.configure(jit=False)
    try:
        return fastjson.dumps(obj, **kwargs)
    finally:
        fastjson.configure(jit=previous)


@pytest.fixture(autouse=True)
def fresh_table():
    import fastjson._transparent as transparent

    transparent.wait()
    _fastjson._shape_reset()
    fastjson.configure(jit=True, threshold=THRESHOLD, max_shapes=64, background=False, trials=0)
    yield
    transparent.wait()
    fastjson.configure(**DEFAULTS)
    _fastjson._shape_reset()


def warm(obj, calls: int = THRESHOLD + 2) -> bytes:
    out = b""
    for _ in range(calls):
        out = fastjson.dumps(obj)
    return out


def record(i: int) -> dict:
    return {"id": i, "name": f"user {i} é", "score": i / 7, "active": i % 2 == 0,
            "tags": ["a", "b\n"], "parent": None if i % 3 else i - 1}


DOCS = {
    "record": record(5),
    "records": [record(i) for i in range(50)],
    "nested": {"user": {"id": 1, "emails": ["a@b", "c@d"]}, "ok": True, "n": None,
               "scores": [1.5, 2, 1e300, -0.0], "big": 2**70, "text": "\u2028\"\\\x00😀"},
    "optional_keys": [{"a": 1, "b": 2}, {"a": 3}, {"b": 4}, {"a": 5, "b": 6}],
    "unions": [{"v": 1}, {"v": "s"}, {"v": None}, {"v": [1, {"w": 2.5}]}, {"v": True}],
    "id_map": {"events": {str(1000 + i): {"id": i, "logo": None if i % 2 else "x"} for i in range(40)}},
    "tuples": {"t": (1, "two", 3.0), "empty": (), "e": [], "d": {}},
}


# --- bytes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DOCS))
def test_transparent_bytes_equal_generic_and_stdlib(name):
    doc = DOCS[name]
    want = oracle(doc)
    assert generic(doc) == want
    for _ in range(THRESHOLD + 3):
        assert fastjson.dumps(doc) == want
    stats = fastjson.jit_stats()
    assert stats["compiled"] == 1 and stats["compile_failures"] == 0
    assert stats["hits"] >= 2  # the calls after the compile ran the compiled code


def test_transparent_equals_compiled_encoder_on_records():
    corpora = _load_bench_corpora()
    rows = corpora.records(300)
    enc = fastjson.compile(list[corpora.Record])
    warm(rows)
    assert fastjson.jit_stats()["hits"] >= 1
    assert fastjson.dumps(rows) == enc.dumps(rows) == generic(rows) == oracle(rows)


@pytest.mark.parametrize("corpus", ["twitter", "github", "citm_catalog", "canada"])
def test_corpora_byte_for_byte(corpus, corpus_bytes):
    doc = json.loads(corpus_bytes(corpus))
    want = oracle(doc)
    for _ in range(THRESHOLD + 2):
        assert fastjson.dumps(doc) == want
    assert fastjson.jit_stats()["hits"] >= 1


def test_default_calls_are_not_observed():
    for _ in range(THRESHOLD * 3):
        assert fastjson.dumps({"a": object()}, default=lambda o: 1) == b'{"a":1}'
    assert fastjson.jit_stats()["observed_calls"] == 0


# --- guards ------------------------------------------------------------------------------------


class D(dict):
    pass


class S(str):
    pass


@pytest.mark.parametrize(
    "variant",
    [
        {"id": "str now", "tags": ["x"], "sub": {"k": 1}},
        {"id": 1, "tags": [1, 2.5, None], "sub": {"k": 1}},
        {"id": 1, "tags": ["x"], "sub": {"k": "v", "extra": [1]}},
        {"id": True, "tags": ("x",), "sub": D(k=2)},
        {"id": 2**100, "tags": [S("sub")], "sub": OrderedDict(k=3)},
        {"id": 1.5, "tags": [], "sub": {}},
    ],
    ids=["str", "mixed-list", "extra-key", "subclasses", "bigint-strsub-ordereddict", "empties"],
)
def test_failed_guard_falls_back_for_that_value(variant):
    base = {"id": 1, "tags": ["x"], "sub": {"k": 1}}
    warm(base)
    assert fastjson.jit_stats()["compiled"] == 1
    before = fastjson.jit_stats()
    assert fastjson.dumps(variant) == oracle(variant)
    after = fastjson.jit_stats()
    assert after["hits"] == before["hits"] + 1  # same top-level keys: the compiled code ran
    assert after["guard_failures"] > before["guard_failures"]
    assert fastjson.dumps(base) == oracle(base)


def test_reordered_keys_are_another_shape():
    warm({"a": 1, "b": 2})
    assert fastjson.dumps({"b": 2, "a": 1}) == b'{"b":2,"a":1}'
    assert fastjson.jit_stats()["shapes_observed"] == 2


def error_of(call):
    with pytest.raises(Exception) as info:
        call()
    cause = info.value.__cause__
    return type(info.value), str(info.value), type(cause), str(cause) if cause else None


@pytest.mark.parametrize(
    "bad",
    [
        {"id": 1, "tags": ["x", object()], "sub": {"k": 1}},
        {"id": float("nan"), "tags": [], "sub": {"k": 1}},
        {"id": 1, "tags": [], "sub": {"k": "\ud800"}},
        {"id": 1, "tags": [], "sub": {(1, 2): 1}},
        {"id": 1, "tags": [], "sub": {"k": {"deep": [1, {2: float("inf")}]}}},
    ],
    ids=["unsupported", "nan", "surrogate", "bad-key", "deep-inf-key-ok-value"],
)
def test_errors_equal_generic(bad):
    base = {"id": 1, "tags": ["x"], "sub": {"k": 1}}
    warm(base)
    want = error_of(lambda: generic(bad))
    assert want[0] is fastjson.JSONEncodeError
    assert error_of(lambda: fastjson.dumps(bad)) == want


def test_circular_and_deep_errors_equal_generic():
    base = {"a": [1], "b": {"c": None}}
    warm(base)
    cyclic = {"a": [1], "b": {"c": None}}
    cyclic["b"]["c"] = cyclic
    assert error_of(lambda: fastjson.dumps(cyclic)) == error_of(lambda: generic(cyclic))
    assert "Circular reference detected - at $.b.c" in error_of(lambda: fastjson.dumps(cyclic))[1]
    deep: list = []
    for _ in range(1100):
        deep = [deep]
    nested = {"a": [1], "b": {"c": deep}}
    assert error_of(lambda: fastjson.dumps(nested)) == error_of(lambda: generic(nested))


def test_dict_subclass_mutating_its_container_is_safe():
    # A subclass's items() runs Python code below compiled code; the list it sits in shrinks.
    rows = [{"k": 1}, {"k": 2}, {"k": 3}]
    warm({"rows": rows})

    class Shrinking(dict):
        def items(self):
            del rows[1:]
            return super().items()

    rows[:] = [{"k": 1}, Shrinking(k=2), {"k": 3}]
    doc = {"rows": rows}
    out = fastjson.dumps(doc)
    assert out == b'{"rows":[{"k":1},{"k":2}]}'


def test_maps_of_containers_run_compiled():
    # Dicts keyed by ids (citm_catalog's events, topicSubTopics) are maps; their values are
    # records and lists, which run compiled too: no guard fails on them.
    doc = {"events": {str(100 + i): {"id": 100 + i, "name": None, "topicIds": [i, i + 1]}
                      for i in range(5)},
           "topics": {"7": [1, 2], "8": []}}
    assert warm(doc) == oracle(doc)
    before = fastjson.jit_stats()
    assert before["compiled"] == 1
    for _ in range(3):
        assert fastjson.dumps(doc) == oracle(doc)
    after = fastjson.jit_stats()
    assert after["hits"] == before["hits"] + 3 and after["guard_failures"] == before["guard_failures"]


def compiled_map_of_records():
    """{"events": events} compiled as a map of records, and fill(v) to refill events with three
    entries, v the second. Keys of digits make a map; built here, so that the map owns them alone."""
    events: dict = {}

    def fill(value_2):
        events.clear()
        events.update({str(1000 + i): value_2 if i == 2 else {"k": i} for i in range(1, 4)})

    fill({"k": 2})
    warm({"events": events})
    assert fastjson.jit_stats()["compiled"] == 1
    return events, fill


def test_dict_subclass_emptying_the_map_it_sits_in_is_safe():
    # The map's entry being written is held while a value's Python code (a subclass's items())
    # drops the map's references to every key and value: the failed value's key, built here and
    # owned by the map alone, is still alive to be named in the error's path (ASan checks it).
    events, fill = compiled_map_of_records()

    class Emptying(dict):
        def items(self):
            events.clear()
            return super().items()

    class EmptyingBadly(dict):
        def items(self):
            events.clear()
            return [("k", object())]

    # As the generic encoder walks a dict: live, so the entries removed meanwhile are not written
    # (json, which copies the items first, would write "1003" too).
    fill(Emptying(k=2))
    assert generic({"events": events}) == b'{"events":{"1001":{"k":1},"1002":{"k":2}}}'
    fill(Emptying(k=2))
    refs = sys.getrefcount(events)
    assert fastjson.dumps({"events": events}) == b'{"events":{"1001":{"k":1},"1002":{"k":2}}}'
    assert events == {} and sys.getrefcount(events) == refs
    fill(EmptyingBadly())
    with pytest.raises(fastjson.JSONEncodeError) as info:
        fastjson.dumps({"events": events})
    assert str(info.value) == 'Type is not JSON serializable: object - at $.events["1002"].k'
    assert events == {}


def test_dict_subclass_adding_a_non_str_key_to_its_map_is_safe():
    # A key added while the map is written was never checked by its guard: an int key sends the
    # map back to the generic encoder (from the map's start), which converts it as json does.
    events, fill = compiled_map_of_records()
    before = fastjson.jit_stats()

    class Adding(dict):
        def items(self):
            events[5] = {"k": 5}
            return super().items()

    fill(Adding(k=2))
    expected = generic({"events": events})
    assert expected == b'{"events":{"1001":{"k":1},"1002":{"k":2},"1003":{"k":3},"5":{"k":5}}}'
    fill(Adding(k=2))
    assert fastjson.dumps({"events": events}) == expected
    assert fastjson.jit_stats()["hits"] == before["hits"] + 1  # the compiled code ran first


# --- table: cap, eviction, never-repeating shapes -------------------------------------------------


def test_cap_evicts_least_recently_used():
    fastjson.configure(max_shapes=4, threshold=1000)
    for i in range(10):
        assert fastjson.dumps({f"k{i}": i}) == f'{{"k{i}":{i}}}'.encode()
    stats = fastjson.jit_stats()
    assert stats["shapes_observed"] == 10
    assert stats["shapes_live"] == 4
    assert stats["evictions"] == 6


def test_compiled_shapes_outlive_noise():
    fastjson.configure(max_shapes=4)
    hot = {"hot": 1, "x": [1.5]}
    warm(hot)
    for i in range(20):
        fastjson.dumps({f"noise{i}": i})
    before = fastjson.jit_stats()["hits"]
    assert fastjson.dumps(hot) == oracle(hot)
    assert fastjson.jit_stats()["hits"] == before + 1


def test_shrinking_the_cap_evicts():
    fastjson.configure(threshold=1000)
    for i in range(8):
        fastjson.dumps({f"k{i}": i})
    fastjson.configure(max_shapes=3)
    assert fastjson.jit_stats()["shapes_live"] == 3


def test_never_repeating_shapes_are_recognised_and_observation_resumes():
    fastjson.configure(threshold=8)
    for i in range(1024):
        key = str(10**9 + i)
        assert fastjson.dumps({key: i}) == f'{{"{key}":{i}}}'.encode()
    stats = fastjson.jit_stats()
    assert stats["gave_up"] is True and stats["give_ups"] == 1
    assert stats["compiled"] == 0
    observed = stats["observed_calls"]
    for i in range(2560):
        fastjson.dumps({str(2 * 10**9 + i): i})
    # Given up, only one call in 256 is observed, and its shape is not inserted: the table
    # neither grows nor evicts.
    after = fastjson.jit_stats()
    assert after["observed_calls"] - observed == 10
    assert (after["shapes_live"], after["evictions"]) == (stats["shapes_live"], stats["evictions"])
    # A shape that repeats is noticed through the samples (a window of 64), and compiled.
    stable = {"a": 1, "b": [2]}
    for _ in range(64 * 256 + 256 * 8):
        assert fastjson.dumps(stable) == b'{"a":1,"b":[2]}'
    stats = fastjson.jit_stats()
    assert stats["gave_up"] is False and stats["compiled"] == 1


def test_maps_with_many_keys_are_not_observed():
    big = {str(i): i for i in range(65)}
    for _ in range(THRESHOLD * 2):
        assert fastjson.dumps(big) == oracle(big)
    assert fastjson.jit_stats()["observed_calls"] == 0


# --- configure, environment, stats ---------------------------------------------------------------


def test_configure_returns_and_keeps_values():
    assert fastjson.configure() == {"jit": True, "threshold": THRESHOLD, "max_shapes": 64,
                                    "background": False, "trials": 0, "cache_dir": False}
    assert fastjson.configure(threshold=9)["threshold"] == 9
    assert fastjson.configure()["threshold"] == 9


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"threshold": 0}, ValueError, "threshold must be between 1 and 16777216, got 0"),
        ({"max_shapes": 2**80}, ValueError, f"max_shapes must be between 1 and 16777216, got {2**80}"),
        ({"trials": 65}, ValueError, "trials must be between 0 and 64, got 65"),
        ({"threshold": "3"}, TypeError, "threshold must be an int, not str"),
        ({"threshold": True}, TypeError, "threshold must be an int, not bool"),
    ],
)
def test_configure_rejects_bad_values(kwargs, error, message):
    with pytest.raises(error) as info:
        fastjson.configure(**kwargs)
    assert type(info.value) is error and str(info.value) == message
    assert fastjson.configure()["threshold"] == THRESHOLD  # nothing changed


def test_jit_off_is_the_generic_path():
    fastjson.configure(jit=False)
    for _ in range(THRESHOLD * 3):
        fastjson.dumps({"a": 1})
    assert fastjson.jit_stats()["observed_calls"] == 0
    fastjson.configure(jit=True)
    warm({"a": 1})
    assert fastjson.jit_stats()["compiled"] == 1


def test_stats_counters():
    doc = {"a": [1, 2], "b": "x"}
    stats = fastjson.jit_stats()
    assert set(stats) == STAT_KEYS | {"cache"}  # the code cache's counters (test_code_cache.py)
    assert all(stats[k] == 0 for k in STAT_KEYS - {"gave_up"}) and stats["gave_up"] is False
    for _ in range(THRESHOLD + 3):
        fastjson.dumps(doc)
    fastjson.dumps({"a": [1, "s"], "b": "x"})
    stats = fastjson.jit_stats()
    assert stats["observed_calls"] == THRESHOLD  # after compiling, calls are hits, not observations
    assert stats["shapes_observed"] == 1 and stats["shapes_live"] == 1
    assert stats["compiled"] == 1 and stats["hits"] == 4
    assert stats["guard_failures"] == 1
    assert stats["pending"] == 0 and stats["evictions"] == 0
    assert 0 < stats["compile_ms_median"] <= stats["compile_ms_max"] == stats["compile_ms_total"]
    assert stats["code_bytes"] > 0


def test_trial_keeps_or_declines_and_bytes_stay_equal():
    fastjson.configure(trials=4)
    doc = [record(i) for i in range(200)]
    for _ in range(THRESHOLD + 12):
        assert fastjson.dumps(doc) == oracle(doc)
    stats = fastjson.jit_stats()
    assert stats["compiled"] == 1
    assert stats["hits"] >= 4  # the trial's compiled calls
    assert stats["declined"] in (0, 1)


def run_python(code: str, env: dict | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(PYTHON_DIR)}
    for name in list(full_env):
        if name.startswith("FASTJSON_"):
            del full_env[name]
    full_env["FASTJSON_CACHE"] = "0"  # these processes compile (test_code_cache.py tests the cache)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=full_env, timeout=timeout)


def test_environment_variables():
    r = run_python(
        """
        import fastjson
        print(sorted(fastjson.configure().items()))
        for _ in range(50):
            fastjson.dumps({"a": 1})
        print(fastjson.jit_stats()["observed_calls"])
        """,
        env={"FASTJSON_SHAPE_JIT": "0", "FASTJSON_SHAPE_THRESHOLD": "7", "FASTJSON_SHAPE_MAX": "5",
             "FASTJSON_SHAPE_BACKGROUND": "0", "FASTJSON_SHAPE_TRIALS": "2", "FASTJSON_CACHE": "0"},
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == [
        "[('background', False), ('cache_dir', False), ('jit', False), ('max_shapes', 5), "
        "('threshold', 7), ('trials', 2)]",
        "0",
    ]


def test_bad_environment_variable_is_a_clear_error():
    r = run_python("import fastjson", env={"FASTJSON_SHAPE_THRESHOLD": "many"})
    assert r.returncode == 1
    assert r.stderr.strip().endswith("ValueError: FASTJSON_SHAPE_THRESHOLD must be an integer, got 'many'")


def test_compile_failure_is_logged_and_stays_generic():
    r = run_python(
        """
        import logging, fastjson
        logging.basicConfig(level=logging.WARNING)
        fastjson.configure(threshold=2, background=False)
        doc = {"a": [1, 2.5], "b": None}
        outs = {fastjson.dumps(doc) for _ in range(10)}
        s = fastjson.jit_stats()
        print(outs == {b'{"a":[1,2.5],"b":null}'}, s["compiled"], s["compile_failures"], s["hits"])
        """,
        env={"FASTJSON_JIT_FAIL": "1"},
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True 0 1 0"
    assert "compiling a hot shape failed; it stays on the generic path" in r.stderr


def test_hot_shape_loads_llvm_only_in_the_worker():
    r = run_python(
        """
        import threading, fastjson, fastjson._transparent as t
        maps = lambda: open('/proc/self/maps').read()
        for _ in range(40):
            fastjson.dumps({"a": 1})
        t.wait()
        names = [th.name for th in threading.enumerate()]
        print('libLLVM' in maps(), fastjson.jit_stats()["compiled"])
        """
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True 1"


# --- threads and fork ---------------------------------------------------------------------------


def test_many_threads_while_compiles_finish():
    import fastjson._transparent as transparent

    fastjson.configure(background=True, threshold=3, trials=2)
    docs = [
        [record(i) for i in range(30)],
        {"a": {"b": [1, 2, {"c": "d"}]}, "e": 1.5},
        {"x": [[1.5, 2.5], [3.5, 4.5]], "y": "z"},
        {"k": list(range(20)), "v": {"w": None}},
    ] + [{f"s{i}": [i, str(i)]} for i in range(8)]
    wants = [oracle(d) for d in docs]
    errors: list[str] = []
    start = threading.Barrier(8)

    def worker(seed: int) -> None:
        start.wait()
        for n in range(300):
            i = (seed + n) % len(docs)
            if fastjson.dumps(docs[i]) != wants[i]:
                errors.append(f"thread {seed} call {n} doc {i}")

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    transparent.wait()
    assert errors == []
    stats = fastjson.jit_stats()
    assert stats["compiled"] + stats["compile_failures"] == len(docs)
    assert stats["compile_failures"] == 0
    for doc, want in zip(docs, wants):
        assert fastjson.dumps(doc) == want


def test_fork_while_a_compile_is_in_flight():
    r = run_python(
        """
        import os, sys, json, fastjson, fastjson._transparent as t
        fastjson.configure(threshold=2, trials=0)
        def oracle(o):
            return json.dumps(o, separators=(",", ":"), ensure_ascii=False).encode()
        first = {"rows": [{"id": i, "name": "n%d" % i, "x": i / 3} for i in range(200)]}
        for _ in range(3):
            assert fastjson.dumps(first) == oracle(first)
        # The shape is queued and the worker is compiling (loading LLVM first) right now.
        in_flight = fastjson.jit_stats()["pending"]
        pid = os.fork()
        second = {"other": [1.5, "two", None], "n": os.getpid()}
        for _ in range(5):
            assert fastjson.dumps(first) == oracle(first)
            assert fastjson.dumps(second) == oracle(second)
        t.wait()
        for _ in range(3):
            assert fastjson.dumps(first) == oracle(first)
            assert fastjson.dumps(second) == oracle(second)
        s = fastjson.jit_stats()
        line = "%s pending=%d compiled=%d hits>0=%s" % (
            "child" if pid == 0 else "parent", in_flight, s["compiled"], s["hits"] > 0)
        if pid == 0:
            print(line, flush=True)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print(line, os.waitstatus_to_exitcode(status), flush=True)
        """,
        timeout=240,
    )
    assert r.returncode == 0, r.stderr
    lines = sorted(r.stdout.strip().splitlines())
    assert len(lines) == 2, r.stdout
    # Each process compiled both shapes: the one in flight at fork (finished before the fork in the
    # parent's copy; the child inherits the compiled code) and the one it met after the fork.
    assert lines[0] == "child pending=1 compiled=2 hits>0=True", lines
    assert lines[1] == "parent pending=1 compiled=2 hits>0=True 0", lines


# --- references ---------------------------------------------------------------------------------


def test_no_reference_leak_through_compiled_calls():
    doc = {"a": [1.5, "s", None, {"b": 2**70}], "c": "é"}
    warm(doc)
    values = [doc["a"], doc["a"][3], doc["a"][3]["b"], doc["c"]]
    gc.collect()
    before = [sys.getrefcount(v) for v in values]
    for _ in range(10_000):
        fastjson.dumps(doc)
    gc.collect()
    assert [sys.getrefcount(v) for v in values] == before
    assert fastjson.jit_stats()["hits"] >= 10_000


def test_no_reference_leak_through_guard_failures():
    warm({"a": 1, "b": [1]})
    doc = {"a": "s", "b": [object]}

    def call():
        with pytest.raises(fastjson.JSONEncodeError):
            fastjson.dumps(doc)

    call()
    gc.collect()
    before = sys.getrefcount(doc["a"]), sys.getrefcount(object)
    for _ in range(2000):
        call()
    gc.collect()
    assert (sys.getrefcount(doc["a"]), sys.getrefcount(object)) == before


def test_compiled_shapes_keep_running_after_giving_up():
    hot = [{"id": 1, "v": [1.5]}, {"id": 2, "v": []}]
    warm(hot)
    for i in range(1100):
        fastjson.dumps({str(10**9 + i): i, "x": 1})
    assert fastjson.jit_stats()["gave_up"] is True
    before = fastjson.jit_stats()["hits"]
    for _ in range(100):  # unsampled calls find compiled shapes without the map
        assert fastjson.dumps(hot) == oracle(hot)
    assert fastjson.jit_stats()["hits"] == before + 100


def test_given_up_calls_find_compiled_dicts_of_their_key_count():
    """Given up, an unsampled call is hashed only when its filter bit (key count and first key) is a
    compiled shape's: a compiled top-level dict is still found between id-keyed dicts of its key
    count, and both keep their bytes."""
    hot = {"k": 1, "x": 2}
    warm(hot)
    for i in range(1100):
        fastjson.dumps({str(10**9 + i): i, "x": 1})
    assert fastjson.jit_stats()["gave_up"] is True
    before = fastjson.jit_stats()["hits"]
    for i in range(100):
        assert fastjson.dumps(hot) == b'{"k":1,"x":2}'
        doc = {str(3 * 10**9 + i): i, "x": 1}
        assert fastjson.dumps(doc) == oracle(doc)
    assert fastjson.jit_stats()["hits"] == before + 100


def test_options_and_new_types_on_a_hot_shape_give_the_generic_bytes():
    """A compiled shape writes the default compact bytes; calls with options take the generic path,
    and values of the rarer types inside a compiled shape are handed to the generic encoder."""
    import datetime
    import enum
    import uuid

    class Color(enum.Enum):
        RED = "red"

    doc = [{"id": i, "name": f"n{i}", "when": datetime.datetime(2024, 1, 2, 3, 4, 5, i),
            "uid": uuid.UUID(int=i), "color": Color.RED, "score": i / 3} for i in range(20)]
    warm(doc)
    assert fastjson.jit_stats()["compiled"] == 1
    hits = fastjson.jit_stats()["hits"]
    expected = generic(doc)
    assert fastjson.dumps(doc) == expected
    assert fastjson.jit_stats()["hits"] == hits + 1
    assert expected.startswith(b'[{"id":0,"name":"n0","when":"2024-01-02T03:04:05","uid":'
                               b'"00000000-0000-0000-0000-000000000000","color":"red","score":0.0}')
    plain = [{"id": i, "name": f"n{i}"} for i in range(20)]
    warm(plain)
    hits = fastjson.jit_stats()["hits"]
    assert fastjson.dumps(plain, indent=2) == json.dumps(plain, indent=2, ensure_ascii=False).encode()
    assert fastjson.dumps(plain, sort_keys=True, append_newline=True) == oracle(plain) + b"\n"
    assert fastjson.dumps_str(plain) == oracle(plain).decode()
    assert fastjson.jit_stats()["hits"] == hits  # none of those ran compiled code
