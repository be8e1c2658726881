# Reference and memory leaks: many calls of dumps/loads (including error paths and default=) must
# leave every input object's refcount unchanged and the process RSS flat.
import gc
import math
import os
import sys

import pytest

import fastjson

CALLS = 200_000


@pytest.fixture(autouse=True, scope="module")
def shapes_compiled_on_the_caller():
    # The transparent shape JIT compiles hot shapes (their schema keeps the keys) and holds a
    # sample while it does: on the calling thread, that happens within the warm-up calls, never
    # while references are counted.
    previous = fastjson.configure()["background"]
    fastjson.configure(background=False)
    yield
    fastjson.configure(background=previous)
ERROR_CALLS = 100_000  # raising is slower; a leaked exception (>100 bytes) still shows as >2 MB
MAX_GROWTH = 2 * 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")


UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def fresh_str(text: str) -> str:
    # A str object no other code shares (literals are interned, 1-char strs cached), so its refcount
    # is ours alone.
    assert len(text) > 1
    return text[:1] + text[1:]


def members(obj: object) -> list:
    """obj and everything it contains (keys included), each object once."""
    seen: dict[int, object] = {}
    stack = [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen[id(o)] = o
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, (list, tuple)):
            stack.extend(o)
    # Singletons and small cached ints are shared with the whole interpreter.
    return [o for o in seen.values() if o is not None and o is not True and o is not False
            and not (type(o) is int and -5 <= o <= 256)]


def refcounts(objs: list) -> list[int]:
    return [sys.getrefcount(o) for o in objs]


def assert_no_leak(call, tracked: list, calls: int = CALLS) -> None:
    for _ in range(calls // 10):  # allocator pools, caches and free lists fill up first
        call()
    gc.collect()
    counts = refcounts(tracked)
    before = rss()
    for _ in range(calls):
        call()
    gc.collect()
    growth = rss() - before
    assert refcounts(tracked) == counts, [
        (repr(o)[:40], b, a) for o, b, a in zip(tracked, counts, refcounts(tracked)) if a != b
    ]
    # Under AddressSanitizer (make test-asan) freed memory waits in ASan's quarantine on purpose, so
    # RSS says nothing about leaks there: the refcount check above still runs, and the Release run
    # asserts on RSS.
    if not UNDER_ASAN:
        assert growth < MAX_GROWTH, f"RSS grew by {growth / 1e6:.1f} MB over {calls} calls"


def make_doc() -> dict:
    return {
        fresh_str("id"): int("123456789"),
        fresh_str("name"): fresh_str("fastjson é 😀 \n"),
        fresh_str("ratio"): float("0.12345"),
        fresh_str("big"): 2**70 + int("1"),
        fresh_str("flags"): [True, False, None, 7],
        fresh_str("tags"): (fresh_str("alpha"), fresh_str("beta")),
        fresh_str("nested"): {fresh_str("xx"): [float("1.5"), int("-2000"), fresh_str("s\"q")], fresh_str("empty"): {}},
        int("777"): fresh_str("int key"),
        float("2.5"): fresh_str("float key"),
    }


class Foo:
    pass


def test_dumps_no_leak():
    doc = make_doc()
    tracked = members(doc)
    expected = fastjson.dumps(doc)
    assert_no_leak(lambda: fastjson.dumps(doc), tracked)
    assert fastjson.dumps(doc) == expected


def test_loads_no_leak():
    data = fastjson.dumps(make_doc())
    text = data.decode()
    assert_no_leak(lambda: fastjson.loads(data), [data])
    assert_no_leak(lambda: fastjson.loads(text), [text], calls=CALLS // 2)


def expect_error(call, error):
    def run():
        try:
            call()
        except error:
            pass
        else:
            raise AssertionError("no error raised")

    return run


def test_unsupported_type_error_no_leak():
    foo = Foo()
    doc = make_doc()
    doc[fresh_str("items")] = [int("1000"), fresh_str("two"), foo]
    tracked = members(doc) + [Foo]
    assert_no_leak(expect_error(lambda: fastjson.dumps(doc), fastjson.JSONEncodeError), tracked, ERROR_CALLS)


def test_nan_error_no_leak():
    nan = float("nan")
    doc = {fresh_str("aa"): [float("1.5"), {fresh_str("xx"): nan}]}
    tracked = members(doc)
    assert nan in [o for o in tracked if isinstance(o, float) and math.isnan(o)]
    assert_no_leak(expect_error(lambda: fastjson.dumps(doc), fastjson.JSONEncodeError), tracked, ERROR_CALLS)


def test_other_error_paths_no_leak():
    bad_key = {fresh_str("aa"): {(int("1000"), int("2000")): fresh_str("vv")}}
    circular: list = [int("1000")]
    circular.append({fresh_str("kk"): circular})
    surrogate = {fresh_str("name"): "x\ud800y"}
    for doc in (bad_key, surrogate):
        assert_no_leak(expect_error(lambda: fastjson.dumps(doc), fastjson.JSONEncodeError), members(doc), ERROR_CALLS // 2)
    tracked = [circular, circular[0], circular[1]] + list(circular[1])
    # Fewer calls: finding the repeat may cost a walk as deep as the nesting limit.
    assert_no_leak(expect_error(lambda: fastjson.dumps(circular), fastjson.JSONEncodeError), tracked, 20_000)
    circular.clear()


def test_depth_error_no_leak():
    deep: object = fresh_str("leaf")
    for _ in range(1100):
        deep = [deep]
    assert_no_leak(expect_error(lambda: fastjson.dumps(deep), fastjson.JSONEncodeError), members(deep)[:50], 5_000)


def test_default_no_leak():
    foo = Foo()
    payload = {fresh_str("kept"): [int("1000"), fresh_str("xx")]}

    def default(obj):
        if obj is foo:
            return payload  # a persistent object: its refcount must come back
        return [int("5000"), fresh_str("new")]  # fresh objects: must be freed (RSS)

    doc = {fresh_str("aa"): foo, fresh_str("bb"): [Foo(), Foo()], fresh_str("cc"): int("1000000")}
    tracked = members(doc) + members(payload) + [default, Foo]
    assert_no_leak(lambda: fastjson.dumps(doc, default=default), tracked)


def test_default_raising_no_leak():
    foo = Foo()

    def default(obj):
        raise ValueError("nope")

    doc = {fresh_str("aa"): [int("1000"), foo]}
    tracked = members(doc) + [default, Foo]
    assert_no_leak(expect_error(lambda: fastjson.dumps(doc, default=default), fastjson.JSONEncodeError), tracked, ERROR_CALLS)


def test_argument_errors_no_leak():
    doc = make_doc()
    not_callable = int("1000")
    tracked = members(doc) + [not_callable]
    assert_no_leak(expect_error(lambda: fastjson.dumps(doc, default=not_callable), TypeError), tracked, ERROR_CALLS // 2)
    assert_no_leak(expect_error(lambda: fastjson.dumps(doc, foo=doc), TypeError), tracked, ERROR_CALLS // 2)


def test_loads_error_no_leak():
    bad = b'{"a": [1, 2.5, "x", {"b": tru'
    assert_no_leak(expect_error(lambda: fastjson.loads(bad), fastjson.JSONDecodeError), [bad], ERROR_CALLS)


@pytest.mark.parametrize("size", [100_000, 1_000_000])
def test_large_output_buffers_are_freed(size):
    doc = [fresh_str("x" * size)]
    tracked = members(doc)
    assert_no_leak(lambda: fastjson.dumps(doc), tracked, 2_000)
