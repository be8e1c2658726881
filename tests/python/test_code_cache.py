# The persistent code cache (jit/code_cache.*): compiled code survives the process and is shared
# by others; cached, freshly compiled and generic output are the same bytes; every corrupt,
# foreign, unreadable or unwritable case falls back to compiling with a logged reason and never
# loads what does not match; many processes share one directory without torn files.
import json
import os
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import fastjson

_jit = pytest.importorskip("fastjson._jit", reason="built without the JIT (FASTJSON_JIT=OFF)")

PYTHON_DIR = Path(fastjson.__file__).resolve().parent.parent
HEADER = 48  # jit/code_cache.h: magic, format, 0, key length, payload length, two checksums
MAGIC = b"FJCODE\0\n"

# The schemas the subprocesses use (defined again in their code: PRELUDE).
PRELUDE = """
import json, sys, fastjson
import fastjson._jit as _jit
RECORD = {"id": int, "name": str, "score": float, "tags": [str], "parent": int | None,
          "owner": {"login": str, "uid": int}}
POINT = {"x": float, "y": float}
ROWS = [{"id": i, "name": "n\\u00e9%d" % i, "score": i / 4, "tags": ["a", "b\\"c"][: i % 3],
         "parent": None if i % 2 else i - 1, "owner": {"login": "u%d" % i, "uid": i}}
        for i in range(50)]
BAD = [dict(ROWS[0], owner={"login": "x", "uid": "7"})]
def oracle(x):
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False).encode()
def error_of(enc, x):
    try:
        enc.dumps(x)
    except fastjson.JSONEncodeError as e:
        return str(e)
    return None
"""

WANT_ERROR = "expected int, got str - at $[0].owner.uid"


def run_python(code: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PYTHON_DIR), os.environ.get("PYTHONPATH", "")])}
    full_env.pop("FASTJSON_CACHE", None)  # conftest switches it off for the rest of the suite
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code)],
                          capture_output=True, text=True, env=full_env, timeout=timeout)


def entries(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix == ".fjcode")


def parse_entry(path: Path) -> tuple[bytes, bytes]:
    """(key material, payload) of a well-formed entry; asserts the framing."""
    data = path.read_bytes()
    assert data[:8] == MAGIC
    fmt, zero, key_len, payload_len = struct.unpack_from("<IIQQ", data, 8)
    assert (fmt, zero) == (1, 0)
    assert HEADER + key_len + payload_len == len(data)
    return data[HEADER:HEADER + key_len], data[HEADER + key_len:]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The code cache of this process in a fresh directory, one tier (-O0: no background
    thread), counters at zero; restored to off afterwards."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("FASTJSON_JIT_TIERS", "1")
    assert fastjson.configure(cache_dir=directory)["cache_dir"] == str(directory)
    _jit._cache_reset_stats()
    yield directory
    _jit._wait()
    fastjson.configure(cache_dir=False)


def stats() -> dict:
    return fastjson.jit_stats()["cache"]


RECORD = {"id": int, "name": str, "score": float, "tags": [str], "parent": int | None,
          "owner": {"login": str, "uid": int}}


def rows():
    return [{"id": i, "name": "n\u00e9%d" % i, "score": i / 4, "tags": ["a", 'b"c'][: i % 3],
             "parent": None if i % 2 else i - 1, "owner": {"login": "u%d" % i, "uid": i}}
            for i in range(50)]


def oracle(x) -> bytes:
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False).encode()


# --- configuration -------------------------------------------------------------------------------


def test_configure_cache_dir_values(tmp_path):
    try:
        assert fastjson.configure()["cache_dir"] is False  # conftest: FASTJSON_CACHE=0
        assert fastjson.configure(cache_dir=str(tmp_path))["cache_dir"] == str(tmp_path)
        assert fastjson.configure()["cache_dir"] == str(tmp_path)
        xdg = os.environ["XDG_CACHE_HOME"]
        assert fastjson.configure(cache_dir=True)["cache_dir"] == os.path.join(xdg, "fastjson")
        assert fastjson.configure(cache_dir=False)["cache_dir"] is False
    finally:
        fastjson.configure(cache_dir=False)


@pytest.mark.parametrize("value, type_name", [(3, "int"), ("", "str"), (b"/tmp", "bytes")])
def test_configure_rejects_bad_cache_dir(value, type_name):
    with pytest.raises(TypeError) as info:
        fastjson.configure(cache_dir=value)
    assert type(info.value) is TypeError
    assert str(info.value) == (
        f"cache_dir must be a non-empty str, an os.PathLike or a bool, not {type_name}")
    assert fastjson.configure()["cache_dir"] is False


def test_a_rejected_option_leaves_the_cache_dir_unchanged(tmp_path):
    with pytest.raises(ValueError):
        fastjson.configure(cache_dir=tmp_path, threshold=0)
    assert fastjson.configure()["cache_dir"] is False


def test_environment_selects_the_directory(tmp_path):
    code = "print(fastjson.configure()['cache_dir'])"
    r = run_python(code, env={"FASTJSON_CACHE_DIR": str(tmp_path / "x")})
    assert r.returncode == 0 and r.stdout.strip() == str(tmp_path / "x"), r.stderr
    r = run_python(code, env={"XDG_CACHE_HOME": str(tmp_path)})
    assert r.stdout.strip() == str(tmp_path / "fastjson"), r.stderr
    r = run_python(code, env={"FASTJSON_CACHE": "0", "FASTJSON_CACHE_DIR": str(tmp_path)})
    assert r.stdout.strip() == "False", r.stderr
    env = {k: "" for k in ("XDG_CACHE_HOME",)}
    env["HOME"] = str(tmp_path / "home")
    r = run_python(code, env=env)
    assert r.stdout.strip() == str(tmp_path / "home" / ".cache" / "fastjson"), r.stderr


def test_cache_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTJSON_JIT_TIERS", "1")
    fastjson.configure(cache_dir=False)
    _jit._cache_reset_stats()
    enc = fastjson.compile(list[RECORD])
    assert enc.jit and enc.dumps(rows()) == oracle(rows())
    assert stats() == {"hits": 0, "misses": 0, "writes": 0, "write_failures": 0,
                       "evictions": 0, "stale_removed": 0, "rejects": {}}
    assert _jit._cache_file_name(enc, 1) == ""


# --- hits and misses -----------------------------------------------------------------------------


def test_second_compile_loads_the_stored_code_with_the_same_bytes(cache):
    enc = fastjson.compile(list[RECORD])
    assert stats() == {"hits": 0, "misses": 1, "writes": 1, "write_failures": 0,
                       "evictions": 0, "stale_removed": 0, "rejects": {}}
    (entry,) = entries(cache)
    assert entry.name == _jit._cache_file_name(enc, 1)
    key, payload = parse_entry(entry)
    assert key == _jit._cache_key_material(enc, 1)
    assert payload[:4] == b"\x7fELF"
    again = fastjson.compile(list[RECORD])
    assert stats()["hits"] == 1 and stats()["writes"] == 1
    data = rows()
    assert again.jit and again.dumps(data) == enc.dumps(data) == fastjson.dumps(data) == oracle(data)
    # An error raised inside the loaded code names the same path (field keys are linked per unit).
    bad = [dict(data[0], owner={"login": "x", "uid": "7"})]
    for e in (enc, again):
        with pytest.raises(fastjson.JSONEncodeError) as info:
            e.dumps(bad)
        assert str(info.value) == WANT_ERROR


def test_keys_differ_by_schema_tier_and_field_names(cache):
    a = fastjson.compile({"a": int})
    b = fastjson.compile({"b": int})
    a2 = fastjson.compile({"a": int})
    assert _jit._cache_file_name(a, 1) != _jit._cache_file_name(b, 1)
    assert _jit._cache_file_name(a, 1) == _jit._cache_file_name(a2, 1)
    assert _jit._cache_file_name(a, 1) != _jit._cache_file_name(a, 2)
    material = _jit._cache_key_material(a, 1)
    for part in (b"generator build-id ", b"llvm 19.", b" cpu=", b" features=",
                 sys.implementation.cache_tag.encode(), fastjson.__version__.encode()):
        assert part in material


def test_a_process_trims_the_directory_to_its_size_limit_after_its_first_write(tmp_path):
    # Left by earlier processes: an entry nobody used for a day, bigger than the 1 MB limit; a
    # temporary file of a writer that died two hours ago; files that are not the cache's.
    old_entry = tmp_path / ("0" * 32 + ".fjcode")
    old_entry.write_bytes(b"x" * (2 << 20))
    dead = tmp_path / (".%s.fjcode.tmp.4242.0" % ("1" * 32))
    dead.write_bytes(b"half an entry")
    other = tmp_path / "README"
    other.write_bytes(b"y" * (2 << 20))
    for path, hours in ((old_entry, 24), (dead, 2), (other, 48)):
        stamp = time.time() - hours * 3600
        os.utime(path, (stamp, stamp))
    r = run_python("""
        enc = fastjson.compile(list[RECORD])
        assert enc.dumps(ROWS) == oracle(ROWS)
        s = fastjson.jit_stats()["cache"]
        print(s["writes"], s["evictions"], s["stale_removed"])
    """, env={"FASTJSON_CACHE_DIR": str(tmp_path), "FASTJSON_CACHE_MAX_MB": "1",
              "FASTJSON_JIT_TIERS": "1"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1", "1", "1"], r.stderr
    (entry,) = entries(tmp_path)  # the new one; the old entry went first
    assert entry != old_entry and not dead.exists() and other.exists()


def test_hit_across_processes_installs_the_o2_code_without_compiling(tmp_path):
    # A cold process compiles (-O0 now, -O2 in the background) and stores both tiers; a warm
    # process installs the -O2 code straight from the cache: no compile, no background job.
    env = {"FASTJSON_CACHE_DIR": str(tmp_path), "FASTJSON_LOG": "debug"}
    code = """
        enc = fastjson.compile(list[RECORD])
        _jit._wait()
        out = enc.dumps(ROWS)
        assert out == fastjson.dumps(ROWS) == oracle(ROWS), out
        assert error_of(enc, BAD) == %r
        s = fastjson.jit_stats()["cache"]
        print(s["hits"], s["misses"], s["writes"], _jit.last_timings(1)["total_ms"] > 0,
              _jit.last_timings(2)["total_ms"] > 0)
    """ % WANT_ERROR
    cold = run_python(code, env=env)
    assert cold.returncode == 0, cold.stderr
    assert cold.stdout.split() == ["0", "3", "2", "True", "True"], cold.stderr
    assert len(entries(tmp_path)) == 2
    warm = run_python(code, env=env)
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout.split() == ["1", "0", "0", "False", "False"], warm.stderr
    assert "[fastjson.jit] [debug] code cache: hit " in warm.stderr
    assert "compiled at" not in warm.stderr


def test_transparent_shapes_use_the_cache(tmp_path):
    env = {"FASTJSON_CACHE_DIR": str(tmp_path), "FASTJSON_SHAPE_BACKGROUND": "0",
           "FASTJSON_SHAPE_TRIALS": "0", "FASTJSON_SHAPE_THRESHOLD": "2"}
    code = """
        doc = {"id": 1, "name": "x", "tags": ["a", "b"], "score": 0.5}
        for _ in range(5):
            assert fastjson.dumps(doc) == oracle(doc)
        s = fastjson.jit_stats()
        print(s["compiled"], s["hits"] > 0, s["cache"]["hits"], s["cache"]["writes"])
    """
    cold = run_python(code, env=env)
    assert cold.returncode == 0 and cold.stdout.split() == ["1", "True", "0", "1"], cold.stderr
    warm = run_python(code, env=env)
    assert warm.returncode == 0 and warm.stdout.split() == ["1", "True", "1", "0"], warm.stderr


def test_warmup_compiles_ahead_and_stores_the_best_tier(tmp_path):
    env = {"FASTJSON_CACHE_DIR": str(tmp_path)}
    build = run_python("""
        encs = fastjson.warmup([list[RECORD], POINT])
        assert [type(e).__name__ for e in encs] == ["Encoder", "Encoder"]
        assert all(e.jit for e in encs)
        assert encs[0].dumps(ROWS) == oracle(ROWS)
        assert encs[1].dumps({"x": 1.5, "y": 2}) == b'{"x":1.5,"y":2}'
        s = fastjson.jit_stats()["cache"]
        print(s["writes"], _jit.last_timings(1)["total_ms"] == 0, _jit.last_timings(2)["total_ms"] > 0)
    """, env=env)
    assert build.returncode == 0 and build.stdout.split() == ["2", "True", "True"], build.stderr
    assert len(entries(tmp_path)) == 2
    # The service: compile() finds the -O2 code; warmup() again loads instead of compiling.
    serve = run_python("""
        enc = fastjson.compile(list[RECORD])
        assert enc.dumps(ROWS) == oracle(ROWS)
        (p,) = fastjson.warmup([POINT])
        assert p.dumps({"x": 1.5, "y": 2}) == b'{"x":1.5,"y":2}'
        s = fastjson.jit_stats()["cache"]
        print(s["hits"], s["misses"], _jit.last_timings(1)["total_ms"], _jit.last_timings(2)["total_ms"])
    """, env=env)
    assert serve.returncode == 0 and serve.stdout.split() == ["2", "0", "0.0", "0.0"], serve.stderr


def test_warmup_without_cache_still_compiles_now():
    (enc,) = fastjson.warmup(iter([{"a": [int]}]))
    assert enc.jit and enc.dumps({"a": [1, 2]}) == b'{"a":[1,2]}'


# --- entries that must not be loaded -------------------------------------------------------------


def corrupt(entry: Path, how: str, other: Path | None = None) -> None:
    data = bytearray(entry.read_bytes())
    if how == "truncated":
        data = data[: len(data) - 100]
    elif how == "flipped byte":
        data[-200] ^= 0x40
    elif how == "bad magic":
        data[0:8] = b"\x7fELF\x02\x01\x01\x00"
    elif how == "other format version":
        data[8] = 2
    elif how == "foreign key":
        data = bytearray(other.read_bytes())  # a valid entry of another schema, under this name
    elif how == "empty":
        data = bytearray()
    entry.write_bytes(bytes(data))


REASONS = {"truncated": "truncated", "flipped byte": "checksum mismatch", "bad magic": "bad magic",
           "other format version": "other format version", "foreign key": "foreign key",
           "empty": "truncated"}


@pytest.mark.parametrize("how", list(REASONS))
def test_corrupt_or_foreign_entry_is_rejected_logged_and_replaced(cache, how):
    enc = fastjson.compile(list[RECORD])
    other = fastjson.compile(list[{"a": int}])  # noqa: F841 - its entry is the foreign one
    entry = cache / _jit._cache_file_name(enc, 1)
    other_entry = cache / _jit._cache_file_name(other, 1)
    good = entry.read_bytes()
    corrupt(entry, how, other_entry)
    # A fresh process: it logs why, compiles, and rewrites the entry.
    r = run_python("""
        enc = fastjson.compile(list[RECORD])
        assert enc.jit and enc.dumps(ROWS) == fastjson.dumps(ROWS) == oracle(ROWS)
        assert error_of(enc, BAD) == %r
        s = fastjson.jit_stats()["cache"]
        print(s["hits"], s["writes"], s["rejects"])
    """ % WANT_ERROR, env={"FASTJSON_CACHE_DIR": str(cache), "FASTJSON_JIT_TIERS": "1",
                          "FASTJSON_LOG": "warning"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().split(maxsplit=2) == ["0", "1", str({REASONS[how]: 1})], r.stderr
    assert (f"[fastjson.jit] [warning] code cache: rejected {entry} ({REASONS[how]}); "
            "compiling instead") in r.stderr
    assert entry.read_bytes() == good  # the same code, compiled again (objects are deterministic)


def test_well_formed_entry_whose_object_does_not_link_is_rejected(cache):
    enc = fastjson.compile(list[RECORD])
    entry = cache / _jit._cache_file_name(enc, 1)
    key, _ = parse_entry(entry)
    entry.write_bytes(_jit._cache_entry(key, b"\x7fELF not an object file"))
    _jit._cache_reset_stats()
    again = fastjson.compile(list[RECORD])
    assert again.jit and again.dumps(rows()) == oracle(rows())
    assert stats() == {"hits": 0, "misses": 0, "writes": 1, "write_failures": 0,
                       "evictions": 0, "stale_removed": 0, "rejects": {"link failed": 1}}
    assert parse_entry(entry)[1][:4] == b"\x7fELF" and len(parse_entry(entry)[1]) > 1000


def test_entry_of_another_build_is_not_loaded(cache):
    # Same schema, key material of another fastjson build (its build id differs): the object is
    # never linked, whatever it holds.
    enc = fastjson.compile(list[RECORD])
    entry = cache / _jit._cache_file_name(enc, 1)
    key, payload = parse_entry(entry)
    foreign = key.replace(b"generator build-id ", b"generator build-id 0")
    entry.write_bytes(_jit._cache_entry(foreign, payload))
    _jit._cache_reset_stats()
    fastjson.compile(list[RECORD])
    assert stats()["rejects"] == {"foreign key": 1} and stats()["hits"] == 0


def test_unreadable_entry_falls_back(cache):
    enc = fastjson.compile(list[RECORD])
    entry = cache / _jit._cache_file_name(enc, 1)
    entry.unlink()
    entry.mkdir()  # open() works on a directory, read() fails with EISDIR
    _jit._cache_reset_stats()
    again = fastjson.compile(list[RECORD])
    assert again.jit and again.dumps(rows()) == oracle(rows())
    s = stats()
    assert s["rejects"] == {"unreadable": 1} and s["hits"] == 0
    assert s["write_failures"] == 1  # rename onto a directory fails too: logged, not raised


# --- directories that cannot be written ----------------------------------------------------------


def test_full_disk_logs_once_leaves_no_temporary_files(tmp_path):
    # No small tmpfs here: the write is made to fail as on a full disk by the test hook.
    r = run_python("""
        for schema in (list[RECORD], POINT, {"z": int}):
            enc = fastjson.compile(schema)
            assert enc.jit
        assert fastjson.compile(list[RECORD]).dumps(ROWS) == oracle(ROWS)
        s = fastjson.jit_stats()["cache"]
        print(s["writes"], s["write_failures"], s["hits"])
    """, env={"FASTJSON_CACHE_DIR": str(tmp_path), "FASTJSON_JIT_TIERS": "1",
              "FASTJSON_CACHE_FAIL_WRITE": "ENOSPC", "FASTJSON_LOG": "warning"})
    assert r.returncode == 0 and r.stdout.split() == ["0", "4", "0"], r.stderr
    warnings = [ln for ln in r.stderr.splitlines() if "code cache" in ln]
    assert len(warnings) == 1, r.stderr  # the first failure of a kind only
    assert warnings[0].startswith(f"[fastjson.jit] [warning] code cache: cannot write {tmp_path}/")
    assert warnings[0].endswith(
        ".fjcode (write: No space left on device); the code is used without being cached")
    assert list(tmp_path.iterdir()) == []


def test_read_only_cache_is_read_and_not_written(tmp_path):
    # A cache shipped in a read-only image: entries load, new code is compiled and not stored.
    # (The tests run as root, which chmod does not stop: the hook fails the write with EROFS.)
    env = {"FASTJSON_CACHE_DIR": str(tmp_path), "FASTJSON_JIT_TIERS": "1"}
    assert run_python("fastjson.compile(list[RECORD])", env=env).returncode == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    r = run_python("""
        enc = fastjson.compile(list[RECORD])
        p = fastjson.compile(POINT)
        assert enc.dumps(ROWS) == oracle(ROWS) and p.dumps({"x": 1.0, "y": 2.5}) == b'{"x":1.0,"y":2.5}'
        s = fastjson.jit_stats()["cache"]
        print(s["hits"], s["misses"], s["writes"], s["write_failures"])
    """, env={**env, "FASTJSON_CACHE_FAIL_WRITE": "EROFS", "FASTJSON_LOG": "warning"})
    assert r.returncode == 0 and r.stdout.split() == ["1", "1", "0", "1"], r.stderr
    assert "(write: Read-only file system); the code is used without being cached" in r.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_directory_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    r = run_python("""
        enc = fastjson.compile(POINT)
        assert enc.jit and enc.dumps({"x": 1.0, "y": 2}) == b'{"x":1.0,"y":2}'
        print(fastjson.jit_stats()["cache"]["write_failures"])
    """, env={"FASTJSON_CACHE_DIR": str(blocker / "cache"), "FASTJSON_JIT_TIERS": "1",
              "FASTJSON_LOG": "warning"})
    assert r.returncode == 0 and r.stdout.split() == ["1"], r.stderr
    assert "(mkdir: Not a directory); the code is used without being cached" in r.stderr


def test_directory_deleted_underneath(cache):
    import shutil

    fastjson.compile(list[RECORD])
    shutil.rmtree(cache)
    enc = fastjson.compile(list[RECORD])  # a miss: the directory is gone
    assert enc.dumps(rows()) == oracle(rows())
    assert stats() == {"hits": 0, "misses": 2, "writes": 2, "write_failures": 0,
                       "evictions": 0, "stale_removed": 0, "rejects": {}}
    assert len(entries(cache)) == 1  # made again by the second write
    assert fastjson.compile(list[RECORD]).dumps(rows()) == oracle(rows())
    assert stats()["hits"] == 1


# --- many processes at once ----------------------------------------------------------------------


def test_many_processes_share_one_directory(tmp_path):
    # 8 processes start together on an empty directory and compile the same schemas over and
    # over (both tiers): all miss at first and race to store the same keys, later calls load
    # what others wrote. No torn file may be seen, and every output must be right.
    start_at = time.time() + 3.0
    code = """
        import time
        while time.time() < %r:
            time.sleep(0.001)
        schemas = [list[RECORD], POINT, {"k%%d" %% i: int for i in range(12)}]
        wide = {"k%%d" %% i: i for i in range(12)}
        for round in range(6):
            for s in schemas:
                enc = fastjson.compile(s)
                assert enc.dumps(ROWS if s is schemas[0] else wide if s is schemas[2] else
                                 {"x": 1.0, "y": -2.5}) == oracle(
                    ROWS if s is schemas[0] else wide if s is schemas[2] else {"x": 1.0, "y": -2.5})
            _jit._wait()
        print(json.dumps(fastjson.jit_stats()["cache"]))
    """ % start_at
    env = {**os.environ, "PYTHONPATH": str(PYTHON_DIR), "FASTJSON_CACHE_DIR": str(tmp_path)}
    env.pop("FASTJSON_CACHE", None)
    procs = [subprocess.Popen([sys.executable, "-c", PRELUDE + textwrap.dedent(code)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(8)]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    writes = 0
    for out, err, rc in results:
        assert rc == 0, err
        s = json.loads(out)
        assert s["rejects"] == {} and s["write_failures"] == 0, (s, err)
        assert s["hits"] + s["misses"] >= 18 and s["hits"] >= 1, s
        writes += s["writes"]
    names = sorted(p.name for p in tmp_path.iterdir())
    # Each schema's -O2 code, and its -O0 code unless another process's -O2 code came first; no
    # temporary file left behind.
    assert 3 <= len(names) <= 6 and all(n.endswith(".fjcode") and not n.startswith(".")
                                        for n in names), names
    assert writes >= len(names)
    for path in tmp_path.iterdir():
        parse_entry(path)
    # A last process loads every schema's -O2 code.
    r = run_python("""
        for s in [list[RECORD], POINT, {"k%d" % i: int for i in range(12)}]:
            fastjson.compile(s)
        s = fastjson.jit_stats()["cache"]
        print(s["hits"], s["misses"], s["rejects"])
    """, env={"FASTJSON_CACHE_DIR": str(tmp_path)})
    assert r.returncode == 0 and r.stdout.strip().split(maxsplit=2) == ["3", "0", "{}"], r.stderr
