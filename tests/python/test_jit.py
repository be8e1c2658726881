# The JIT (fastjson._jit): native code gives the interpreter's exact bytes and exact errors for
# every input, at every optimization level; guard failures fall back; LLVM is loaded only by
# compile(); it lives beside another LLVM (numba's); and a failing compile leaves a working
# encoder and a logged warning.
import dataclasses
import enum
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict

import pytest

import fastjson
from fastjson import _fastjson
from fastjson._schema import normalize

from conftest import REPO_ROOT, _load_bench_corpora

_jit = pytest.importorskip("fastjson._jit", reason="built without the JIT (FASTJSON_JIT=OFF)")

PYTHON_DIR = Path(fastjson.__file__).resolve().parent.parent
RECORD = {"id": int, "name": str, "email": str, "score": float, "active": bool, "tags": [str],
          "parent": int | None}


class Record(TypedDict):
    id: int
    name: str
    email: str
    score: float
    active: bool
    tags: list[str]
    parent: int | None


class Tree(TypedDict):
    value: int
    children: list["Tree"]


class Sparse(TypedDict, total=False):
    a: int
    b: list[int]
    c: str


class Color(enum.Enum):
    RED = "red"
    GREEN = 2


@dataclasses.dataclass
class Point:
    x: int
    y: float = 0.0


class IntSub(int):
    pass


class StrSub(str):
    pass


class ListSub(list):
    pass


# The code the tests run: what install() leaves once its background -O2 compile is done, its
# synchronous -O0 tier alone, and the most optimized build.
TIERS = [None, (0, "none"), (2, "full")]


def ref(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def interpreter(schema: object) -> fastjson.Encoder:
    return _fastjson._make_encoder(*normalize(schema), schema)


def native(schema: object, tier: tuple[int, str] | None = None) -> fastjson.Encoder:
    enc = _fastjson._make_encoder(*normalize(schema), schema)
    if tier is None:
        _jit.install(enc)
        _jit._wait()
    else:
        _jit._install_tuned(enc, *tier)
    assert enc.jit is True
    return enc


def outcome(enc: fastjson.Encoder, value: object) -> tuple[str, object]:
    try:
        return ("ok", enc.dumps(value))
    except fastjson.JSONEncodeError as exc:
        return ("error", str(exc), repr(exc.__cause__))


def assert_same(schema: object, values: list, tier=None) -> None:
    """Native code and the interpreter agree on every value: bytes, or error message and cause."""
    slow, fast = interpreter(schema), native(schema, tier)
    for value in values:
        assert outcome(fast, value) == outcome(slow, value), value


def run_python(code: str, env: dict | None = None, timeout: int = 120,
               unset: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PYTHON_DIR), os.environ.get("PYTHONPATH", "")])}
    full_env.update(env or {})
    for name in unset:
        full_env.pop(name, None)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=full_env, timeout=timeout)


# --- exact bytes --------------------------------------------------------------------------------


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("schema", [Record, RECORD], ids=["TypedDict", "dict-literal"])
def test_records_byte_for_byte(schema, tier):
    records = _load_bench_corpora().records(3000)
    enc = native(list[schema], tier)
    assert enc.dumps(records) == fastjson.dumps(records) == ref(records)
    one = native(schema, tier)
    for record in records[:300]:
        assert one.dumps(record) == ref(record)


def test_fastjson_compile_installs_native_code_then_upgrades_it():
    records = _load_bench_corpora().records(200)
    enc = fastjson.compile(list[Record])
    assert enc.jit is True
    before = enc.dumps(records)  # -O0 code, or -O2 if it is already in
    _jit._wait()
    assert enc.dumps(records) == before == ref(records)
    assert _jit.last_timings(2)["total_ms"] > 0


def test_background_compile_does_not_keep_the_encoder_alive():
    import gc
    import weakref

    @dataclasses.dataclass
    class Local:
        x: int

    enc = fastjson.compile(list[Local])  # the -O2 compile is still running
    Local.encoder = enc  # a cycle through the class, for the collector
    alive = weakref.ref(Local)
    del Local, enc
    gc.collect()
    assert alive() is None
    _jit._wait()  # its code is dropped, never installed anywhere


def test_one_tier_when_asked():
    r = run_python("""
        import threading, fastjson
        enc = fastjson.compile({'a': int})
        assert enc.jit and threading.active_count() == 1
        print('ok')
    """, env={"FASTJSON_JIT_TIERS": "1"})
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_exit_with_a_background_compile_pending():
    r = run_python("""
        import fastjson
        encs = [fastjson.compile({f'k{i}_{j}': int for j in range(12)}) for i in range(5)]
        print(encs[-1].dumps({f'k4_{j}': j for j in range(12)}).decode()[:9])
    """)
    assert r.returncode == 0 and r.stdout.strip() == '{"k4_0":0', r.stderr


@pytest.mark.parametrize("tier", TIERS)
def test_scalars_at_their_edges(tier):
    values = [0, -1, 1, 2**30 - 1, 2**30, -(2**30), 2**60 - 1, -(2**60) + 1, 2**60, -(2**60), 2**64,
              -(10**30), 0.0, -0.0, 1e16, 1e-5, 0.1, 1.5e300, 5e-324, 123456789.125,
              "", "a", "é", "日本語", "\U0001f600", 'q"b\\s\n\t\x00\x1f', "x" * 1000, True, False, None]
    assert_same(list[int | float | str | bool | None], [values] + [[v] for v in values], tier)
    assert native(list[int | float | str | bool | None], tier).dumps(values) == ref(values)


@pytest.mark.parametrize("tier", TIERS)
def test_containers(tier):
    assert_same(dict[str, int], [{}, {"a": 1, "é": 2, 'q"': 3}, {"a": "x"}, {1: 2}], tier)
    assert_same(dict[str, list[int]], [{"a": [1, 2], "b": []}, {"a": [1, "x"]}], tier)
    assert_same(tuple[int, str, None], [(1, "a", None), [1, "a", None], (1, "a"), (1, "a", 2)], tier)
    assert_same(list[list[int]], [[[1], [], [2, 3]], ([1],), [[1], 2], [(1, 2)]], tier)
    assert_same(tuple[int, ...], [(), (1, 2), [3], ("x",)], tier)


# --- guard failures fall back to the interpreter ------------------------------------------------


@pytest.mark.parametrize("tier", TIERS)
def test_guard_failures_give_the_interpreters_bytes_and_errors(tier):
    good = {"id": 1, "name": "n", "email": "e", "score": 1.5, "active": True, "tags": ["t"], "parent": None}
    values = [
        good,
        {**good, "id": IntSub(5)},                 # int subclass: written as the int
        {**good, "name": StrSub("sub")},           # str subclass: written as the str
        {**good, "tags": ListSub(["a", "b"])},     # list subclass
        {**good, "tags": ("a", "b")},              # tuple for a list
        {**good, "id": 2**70},                     # a big int
        dict(reversed(list(good.items()))),        # keys in another order: the dict's order
        OrderedDict(good),                         # dict subclass
        {k: v for k, v in good.items() if k != "email"},  # missing key
        {**good, "extra": 1},                      # unknown key
        {**good, "id": True},                      # bool is not int
        {**good, "id": 1.0},                       # float is not int
        {**good, "score": 3},                      # int for float
        {**good, "score": float("nan")},           # out of range
        {**good, "score": float("-inf")},
        {**good, "name": "a\ud800b"},              # lone surrogate
        {**good, "tags": ["a", 1]},                # mismatch inside a member
        {**good, "parent": "p"},
        {**good, "parent": 3},
        json.loads(json.dumps(good)),              # keys that are not interned
        [good],
        None,
    ]
    assert_same(Record, values, tier)
    assert_same(list[Record], [values[:7], [good, good, 1], [good] * 3 + [{**good, "tags": [None]}]], tier)


@pytest.mark.parametrize("tier", TIERS)
def test_float_pairs_match_the_interpreter(tier):
    # Two-float lists ([lon, lat]) take a path of their own in native code (one formatting call,
    # no guard loop): every way a pair can differ from two finite exact floats leaves it.
    class FloatSub(float):
        pass

    pairs = [[1.5, -2.25], [0.1, 1e22], [5e-324, -0.0], [1e16, 123456789.12345678],
             [float("nan"), 1.0], [1.0, float("inf")], [FloatSub(2.5), 1.0], [1.0, 2],
             [True, 1.0], [1.0], [], [1.0, 2.0, 3.0], (4.5, 5.5), [1.0, "x"]]
    for schema in (list[list[float]], list[list[float | int]], list[tuple[float, ...]]):
        assert_same(schema, [pairs, *([p] for p in pairs)], tier)
    enc = native(list[list[float]], tier)
    assert enc.dumps([[1.5, -2.25], [0.1, 1e22]]) == b"[[1.5,-2.25],[0.1,1e+22]]"
    with pytest.raises(fastjson.JSONEncodeError, match=r"^Out of range float values are not JSON "
                       r"compliant: nan - at \$\[0\]\[0\]$"):
        enc.dumps([[float("nan"), 1.0]])


def test_errors_name_the_path():
    good = {"id": 1, "name": "n", "email": "e", "score": 1.5, "active": True, "tags": ["t"], "parent": None}
    enc = native(list[Record])
    with pytest.raises(fastjson.JSONEncodeError, match=r"- at \$\[2\]\.tags\[1\]$"):
        enc.dumps([good, good, {**good, "tags": ["a", 1]}])
    with pytest.raises(fastjson.JSONEncodeError, match=r"- at \$\[1\]\.name$"):
        enc.dumps([good, {**good, "name": "\udc00"}])


@pytest.mark.parametrize("tier", TIERS)
def test_optional_fields(tier):
    assert_same(Sparse, [{}, {"a": 1}, {"b": [1]}, {"c": "x"}, {"a": 1, "c": "x"}, {"a": 1, "b": [], "c": "x"},
                         {"c": "x", "a": 1}, {"d": 1}, {"a": None}], tier)
    User = TypedDict("User", {"id": int, "nick": NotRequired[str], "age": int})
    assert_same(User, [{"id": 1, "age": 2}, {"id": 1, "nick": "n", "age": 2}, {"id": 1}], tier)


@pytest.mark.parametrize("tier", TIERS)
def test_unions_dispatch_on_exact_type(tier):
    assert_same(list[int | str | None], [[1, "a", None, True, 1.5, IntSub(2), StrSub("s")]], tier)
    assert_same(list[Record | None], [[None], [1]], tier)
    assert_same(list[list[int] | dict[str, int] | str], [[[1], {"a": 1}, "s", (2,), 1.5]], tier)
    assert_same(list[float | int], [[1, 1.5, True]], tier)


@pytest.mark.parametrize("tier", TIERS)
def test_values_the_interpreter_writes(tier):
    Item = TypedDict("Item", {"any": Any, "lit": Literal["a", 1], "color": Color, "point": Point})
    item = {"any": {"x": [1, None]}, "lit": "a", "color": Color.RED, "point": Point(1, 2.5)}
    assert_same(list[Item], [[item, {**item, "lit": 1, "color": Color.GREEN, "any": object()}],
                             [{**item, "lit": "b"}], [{**item, "color": "red"}]], tier)


# --- recursion, depth and cycles ----------------------------------------------------------------


def tree(depth: int) -> dict:
    node = {"value": 0, "children": []}
    for k in range(depth):
        node = {"value": k, "children": [node, {"value": -k, "children": []}]}
    return node


@pytest.mark.parametrize("tier", TIERS)
def test_recursive_schemas(tier):
    assert_same(Tree, [tree(0), tree(5), tree(200), {"value": 1, "children": [1]}], tier)
    linked: dict = {"v": int}  # a dict literal that contains itself
    linked["next"] = [linked]
    assert_same(linked, [{"v": 1, "next": [{"v": 2, "next": []}]}], tier)


@pytest.mark.parametrize("tier", TIERS)
def test_depth_limit_and_cycles_read_like_the_interpreter(tier):
    too_deep = tree(600)  # two levels per tree node: past 1024
    cyclic = {"value": 1, "children": []}
    cyclic["children"].append(cyclic)
    assert_same(Tree, [too_deep, cyclic], tier)
    with pytest.raises(fastjson.JSONEncodeError, match="Circular reference detected"):
        native(Tree, tier).dumps(cyclic)


# --- references ---------------------------------------------------------------------------------


def test_no_reference_leaks():
    records = _load_bench_corpora().records(50)
    enc = native(list[Record])
    bad = [{**records[0], "tags": [1]}]
    sample = [records, records[0], records[0]["tags"], records[0]["name"], bad]
    before = [sys.getrefcount(x) for x in sample]
    for _ in range(200):
        enc.dumps(records)
    for _ in range(200):
        with pytest.raises(fastjson.JSONEncodeError):
            enc.dumps(bad)
    assert [sys.getrefcount(x) for x in sample] == before


def test_encoders_outlive_nothing_they_need():
    enc = native(list[Record])
    records = _load_bench_corpora().records(10)
    expected = enc.dumps(records)
    for _ in range(50):  # compile and drop many units: the session frees their code
        native(Record)
    assert enc.dumps(records) == expected


def test_compiles_from_several_threads():
    results: list[bool] = []

    def work(k: int) -> None:
        schema = {f"f{k}_{i}": int for i in range(5)}
        enc = native(schema)
        results.append(enc.dumps({f"f{k}_{i}": i for i in range(5)}) == ref({f"f{k}_{i}": i for i in range(5)}))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 4


def test_fork_during_a_background_compile():
    r = run_python("""
        import os, fastjson
        enc = fastjson.compile({f'k{j}': int for j in range(12)})  # its -O2 compile is running
        pid = os.fork()
        if pid == 0:  # the child compiles and encodes with the session it inherited
            child = fastjson.compile(list[int])
            os._exit(0 if child.jit and child.dumps([1]) == b'[1]' and enc.dumps({f'k{j}': j for j in range(12)}) else 1)
        _, status = os.waitpid(pid, 0)
        print('ok' if os.waitstatus_to_exitcode(status) == 0 else 'child failed')
    """)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_install_rejects_non_encoders():
    with pytest.raises(TypeError):
        _jit.install(object())


# --- loading, coexistence, failure --------------------------------------------------------------


def test_import_does_not_load_llvm_and_compile_does():
    r = run_python("""
        import fastjson
        maps = lambda: open('/proc/self/maps').read()
        assert 'libLLVM' not in maps(), 'import loaded LLVM'
        assert fastjson.dumps([1]) == b'[1]' and fastjson.loads(b'[1]') == [1]
        assert 'libLLVM' not in maps(), 'dumps/loads loaded LLVM'
        enc = fastjson.compile({'a': int})
        assert enc.jit and ('libLLVM.so.19' in maps() or 'libLLVM-19' in maps())
        print('ok')
    """)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_import_loads_only_the_core_extension():
    # What keeps `import fastjson` cheap (its time is the benchmark's to measure, not a test's):
    # the JIT, the schema normalizer, the compile thread and the heavy stdlib modules they need
    # all load on first use.
    r = run_python("""
        import sys
        before = set(sys.modules)
        import fastjson
        print(' '.join(sorted(set(sys.modules) - before)))
    """)
    assert r.returncode == 0, r.stderr
    loaded = set(r.stdout.split())
    assert {m for m in loaded if m.startswith("fastjson")} == {"fastjson", "fastjson._fastjson"}
    heavy = {"typing", "dataclasses", "inspect", "threading", "ctypes", "datetime", "decimal",
             "uuid", "importlib.metadata"}
    assert not loaded & heavy, sorted(loaded & heavy)


NUMBA_FIRST = """
    import numba
    @numba.njit
    def f(x):
        return x + 1
    assert f(1) == 2
    import fastjson
    enc = fastjson.compile({'a': int, 'b': [str], 'c': float | None})
    assert enc.jit
    assert enc.dumps({'a': 1, 'b': ['x'], 'c': 0.5}) == b'{"a":1,"b":["x"],"c":0.5}'
    assert f(41) == 42
    print('ok')
"""
FASTJSON_FIRST = """
    import fastjson
    enc = fastjson.compile({'a': int, 'b': [str]})
    assert enc.jit and enc.dumps({'a': 1, 'b': ['x']}) == b'{"a":1,"b":["x"]}'
    import numba
    @numba.njit
    def f(x):
        return x + 1
    assert f(1) == 2
    enc2 = fastjson.compile(list[float])
    assert enc2.jit and enc2.dumps([1.5]) == b'[1.5]' and enc.dumps({'a': 2, 'b': []}) == b'{"a":2,"b":[]}'
    print('ok')
"""


@pytest.mark.parametrize("code", [NUMBA_FIRST, FASTJSON_FIRST], ids=["numba-first", "fastjson-first"])
def test_lives_beside_numbas_llvm(code):
    pytest.importorskip("numba")
    r = run_python(code, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_forced_compile_failure_keeps_the_interpreter_and_warns():
    r = run_python("""
        import json, sys
        sys.path.insert(0, %r)
        import corpora, fastjson
        records = corpora.records(500)
        enc = fastjson.compile(list[dict(id=int, name=str, email=str, score=float, active=bool, tags=[str], parent=int | None)])
        assert enc.jit is False
        assert enc.dumps(records) == fastjson.dumps(records)
        print('ok')
    """ % str(REPO_ROOT / "bench"), env={"FASTJSON_JIT_FAIL": "1", "FASTJSON_LOG": "warning"})
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
    assert "[fastjson.jit] [warning] compile failed" in r.stderr
    assert "FASTJSON_JIT_FAIL" in r.stderr


def test_debug_log_shows_schema_and_compile_time():
    r = run_python("""
        import fastjson
        fastjson.compile({'id': int, 'tags': [str]})
    """, env={"FASTJSON_LOG": "debug"})
    assert r.returncode == 0, r.stderr
    assert re.search(r"\[fastjson\.jit\] \[debug\] compiled at -O0 in [0-9.]+ ms", r.stderr), r.stderr
    assert "object {id: #" in r.stderr and "list (#" in r.stderr


def test_a_failed_compile_warns_by_default_and_debug_is_off():
    r = run_python("""
        import fastjson
        enc = fastjson.compile({'id': int})
        assert enc.jit is False and enc.dumps({'id': 1}) == b'{"id":1}'
    """, env={"FASTJSON_JIT_FAIL": "1"}, unset=("FASTJSON_LOG",))
    assert r.returncode == 0, r.stderr
    assert "[fastjson.jit] [warning] compile failed" in r.stderr
    assert "[debug]" not in r.stderr


def test_logging_can_be_switched_off():
    for off in ("off", ""):
        r = run_python("""
            import fastjson
            fastjson.compile({'id': int})
        """, env={"FASTJSON_LOG": off, "FASTJSON_JIT_FAIL": "1"})
        assert r.returncode == 0 and "[fastjson.jit]" not in r.stderr, (off, r.stderr)
