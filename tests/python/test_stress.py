# Stress: threads calling dumps/loads/compile at once, fork while a compile is in flight, a million
# calls with flat memory, 100 MB documents and 10,000 distinct shapes. Sized to run in CI (2 cores).
import gc
import json
import os
import random
import signal
import threading
import time
import typing

import pytest

import fastjson


def ref(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def record(i: int) -> dict:
    return {"id": i, "name": f"user{i} é", "score": i / 7, "tags": ["a", "b\n", str(i)], "parent": i - 1 or None}


RECORD = {"id": int, "name": str, "score": float, "tags": [str], "parent": int | None}


# --- threads -------------------------------------------------------------------------------------


def test_threads_dumps_loads_compile_at_once():
    # Eight threads start together and each mixes generic dumps/loads, compiles of a shared and of
    # its own schemas (the JIT's background -O2 compiles run meanwhile) and compiled dumps. Every
    # result is checked; any exception in any thread fails the test.
    threads_n, rounds = 8, 60
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []
    shared = fastjson.compile(list[RECORD])

    def work(t: int) -> None:
        try:
            barrier.wait()
            for r in range(rounds):
                rows = [record(t * 1000 + r * 10 + k) for k in range(r % 7)]
                expected = ref(rows)
                assert fastjson.dumps(rows) == expected
                assert shared.dumps(rows) == expected
                assert fastjson.loads(expected) == json.loads(expected)
                if r % 10 == 0:  # a schema of its own: key names unique to thread and round
                    own = fastjson.compile({f"t{t}_r{r}": int, "rows": list[RECORD]})
                    value = {f"t{t}_r{r}": r, "rows": rows}
                    assert own.dumps(value) == ref(value)
                with pytest.raises(fastjson.JSONDecodeError):
                    fastjson.loads(expected + b",")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
        assert not th.is_alive(), "a thread hangs"
    assert errors == []


def test_threads_share_one_decoder_buffer_safely():
    # loads keeps parser state between calls; threads that release the GIL between calls (and the
    # GC finalizer below, which calls loads from inside a loads) must never see each other's buffers.
    docs = [ref([record(i)] * (i % 5 + 1)) for i in range(50)]
    expected = [json.loads(d) for d in docs]

    class Reentrant:
        def __del__(self) -> None:
            assert fastjson.loads(docs[0]) == expected[0]

    errors: list[BaseException] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(400):
                i = rng.randrange(len(docs))
                if i == 0:
                    cycle: list = [Reentrant()]
                    cycle.append(cycle)  # collected by the GC, possibly during a loads
                    del cycle
                assert fastjson.loads(docs[i]) == expected[i]
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    gc.collect()
    assert errors == []


# --- fork ----------------------------------------------------------------------------------------


def _child_checks() -> int:
    """Runs in a forked child: everything must still work there, compiles included."""
    try:
        rows = [record(i) for i in range(20)]
        assert fastjson.dumps(rows) == ref(rows)
        assert fastjson.loads(ref(rows)) == rows
        enc = fastjson.compile(list[{"child": int, "pid": int}])
        value = [{"child": 1, "pid": os.getpid()}]
        assert enc.dumps(value) == ref(value)
        assert enc.jit is True
        return 0
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        return 1


def _wait_child(pid: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError(f"forked child {pid} hangs")


def test_fork_while_compiles_are_in_flight():
    # Each compile() leaves a background -O2 compile queued or running; fork right after a burst
    # of them. Every child must compile, dump and load correctly and exit; the parent's encoders
    # keep working.
    compiled = []
    codes = []
    for round_ in range(12):
        for j in range(5):
            i = round_ * 5 + j
            compiled.append((i, fastjson.compile({f"fork{i}": int, "v": [str]})))
        pid = os.fork()
        if pid == 0:
            os._exit(_child_checks())
        codes.append(_wait_child(pid, 120))
    assert codes == [0] * 12
    for i, enc in compiled:
        value = {f"fork{i}": i, "v": ["x"]}
        assert enc.dumps(value) == ref(value)


def test_fork_while_another_thread_keeps_compiling():
    # A pre-fork server's master may fork while another of its threads is inside compile() (the
    # -O0 compile runs on that thread, without the GIL) or while the compile thread runs an -O2
    # one: the fork waits at the runtime's fork gate, so no child inherits LLVM's locks held.
    # Neither the children nor the parent may hang, and both keep compiling.
    stop = threading.Event()
    errors: list[BaseException] = []
    made = [0]

    def compiler() -> None:
        try:
            i = 0
            while not stop.is_set():
                enc = fastjson.compile({f"bg{i}": int, "w": [float]})
                value = {f"bg{i}": i, "w": [0.5]}
                assert enc.dumps(value) == ref(value)
                i += 1
                made[0] = i
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=compiler)
    thread.start()
    try:
        codes = []
        for _ in range(10):
            while made[0] < len(codes) + 1:  # fork only while compiles keep starting
                time.sleep(0.001)
            pid = os.fork()
            if pid == 0:
                os._exit(_child_checks())
            codes.append(_wait_child(pid, 120))
    finally:
        stop.set()
        thread.join(timeout=120)
    assert not thread.is_alive(), "the compiling thread hangs"
    assert errors == []
    assert codes == [0] * 10
    fastjson._jit._wait()
    enc = fastjson.compile({"after": [int]})
    assert enc.dumps({"after": [1, 2]}) == b'{"after":[1,2]}'


# --- a million calls -------------------------------------------------------------------------------


@pytest.mark.rss
def test_million_calls_memory_is_flat():
    # 1,000,000 calls across dumps, loads, compiled dumps and their error paths. Memory may grow
    # while caches warm up (first 100k calls), then must stay flat: a leak of even one small object
    # per call would show as tens of MB.
    enc = fastjson.compile(RECORD)
    value = record(7)
    doc = ref(value)
    bad = {"id": "x", "name": "n", "score": 1.0, "tags": [], "parent": None}

    def batch(n: int) -> None:
        for i in range(n):
            k = i & 7
            if k < 3:
                assert fastjson.dumps(value) == doc
            elif k < 6:
                assert fastjson.loads(doc) == value
            elif k == 6:
                assert enc.dumps(value) == doc
            else:
                try:
                    enc.dumps(bad) if i & 8 else fastjson.loads(b'{"a":1,}')
                except (fastjson.JSONEncodeError, fastjson.JSONDecodeError):
                    pass
                else:
                    raise AssertionError("no error")

    batch(100_000)
    gc.collect()
    before = rss_bytes()
    batch(900_000)
    gc.collect()
    grown = rss_bytes() - before
    assert grown < 4 * 1024 * 1024, f"RSS grew {grown / 1e6:.1f} MB over 900,000 calls"


# --- 100 MB ----------------------------------------------------------------------------------------

MB = 1024 * 1024


@pytest.mark.heavy
def test_100mb_string_round_trip():
    # One 100 MB string of every character class the writers treat differently.
    chunk = "plain ascii text " * 6 + 'quote" backslash\\ newline\n tab\t nul\x00 é 日本 😀 \u2028'
    text = chunk * (100 * MB // len(chunk.encode()) + 1)
    out = fastjson.dumps(text)
    assert len(out) > 100 * MB
    assert out == ref(text)
    assert fastjson.loads(out) == text
    del out, text


@pytest.mark.heavy
def test_100mb_array_of_strings():
    parts = [("x" * 1000 + str(i) + "é") * 100 for i in range(1050)]
    doc = ref({"parts": parts, "n": len(parts)})
    assert len(doc) > 100 * MB
    got = fastjson.loads(doc)
    assert got == {"parts": parts, "n": 1050}
    assert fastjson.loads(doc.decode()) == got  # str input: read through its UTF-8 form
    assert fastjson.dumps(got) == doc


@pytest.mark.heavy
def test_100mb_of_whitespace_and_a_late_error():
    pad = b" " * (100 * MB)
    assert fastjson.loads(pad + b'[1, {"a": null}]' + pad) == [1, {"a": None}]
    doc = b"[" + b"1, " * (34 * MB) + b"2,]"
    with pytest.raises(fastjson.JSONDecodeError) as err:
        fastjson.loads(doc)
    assert (err.value.msg, err.value.pos) == ("Expecting value", len(doc) - 1)


@pytest.mark.heavy
def test_100mb_compiled_dumps():
    enc = fastjson.compile(list[RECORD])
    rows = [record(i) for i in range(1_200_000)]
    out = enc.dumps(rows)
    assert len(out) > 100 * MB
    assert out == fastjson.dumps(rows)
    assert out == ref(rows)


# --- 10,000 shapes ----------------------------------------------------------------------------------


def test_10000_distinct_shapes_generic():
    # Dicts of 10,000 different key sets through dumps and loads (the key cache sees them all).
    for i in range(10_000):
        value = {f"f{i}": i, f"g{i % 97}": [i, str(i)], "common": {f"h{i}": None}}
        out = fastjson.dumps(value)
        assert out == ref(value)
        assert fastjson.loads(out) == value


@pytest.mark.heavy
def test_10000_distinct_compiled_schemas():
    # 10,000 compiles of distinct schemas, every encoder used as soon as it exists and kept alive
    # to the end (each holds JIT code), then all used again: nothing is evicted or mixed up.
    encoders = []
    start = time.monotonic()
    for i in range(10_000):
        schema = {f"s{i}": int, "v": [str] if i % 2 else float}
        enc = fastjson.compile(schema)
        value = {f"s{i}": i, "v": ["a", str(i)] if i % 2 else i / 3}
        assert enc.dumps(value) == ref(value)
        encoders.append((enc, value))
    for enc, value in encoders:
        assert enc.dumps(value) == ref(value)
    assert all(enc.jit for enc, _ in encoders)
    assert time.monotonic() - start < 600
