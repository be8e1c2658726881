"""The benchmark runs end to end, refuses to time wrong output, and measures the inputs we bundled."""

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench"
sys.path.insert(0, str(BENCH))
import corpora  # noqa: E402

# sha256 of the published corpora (as in /work/shared/data): a broken or re-encoded bundle changes them.
CORPUS_SHA256 = {
    "twitter": "a08b769f32b95f426cbc3abafcec65c1a19d3eb544d4ddf320eae142c99efc5d",
    "github": "275e688d9081f1528483eccc7d87290957a67768d4413817e30e092a68cb2124",
    "citm_catalog": "a73e7a883f6ea8de113dff59702975e60119b4b58d451d518a929f31c92e2059",
    "canada": "bfbc12b8b6da35cdcc15046304be1739a82a335de17ef9959ea3dd75225467a4",
}
ORIGINALS = Path(os.environ.get("FASTJSON_CORPUS_ORIGINALS", "/work/shared/data"))
# The records workload as stdlib json bytes: changing the generator changes every records number ever
# measured, so it must be a visible, deliberate edit here too.
RECORDS_SHA256 = "9fa1bc1a12183710c68a55ee8b5d27df880e7843ecfbb9038f60c9300f85a8bf"


def _compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize("name", corpora.CORPORA)
def test_bundled_corpus_is_the_original(name):
    data = corpora.load_corpus(name)
    assert hashlib.sha256(data).hexdigest() == CORPUS_SHA256[name]
    original = ORIGINALS / f"{name}.json"
    if original.exists():
        assert json.loads(data) == json.loads(original.read_bytes())


def test_unknown_corpus_is_refused():
    with pytest.raises(ValueError, match="unknown corpus 'nope'"):
        corpora.load_corpus("nope")


def test_records_are_deterministic_and_shape_stable():
    records = corpora.records()
    assert len(records) == 10_000
    assert records == corpora.records()
    assert hashlib.sha256(_compact(records)).hexdigest() == RECORDS_SHA256
    assert corpora.record() == records[0]
    keys = ["id", "name", "email", "score", "active", "tags", "parent"]
    for r in records:
        assert list(r) == keys
        assert (type(r["id"]), type(r["name"]), type(r["email"]), type(r["score"]), type(r["active"])) == (
            int, str, str, float, bool)
        assert all(type(t) is str for t in r["tags"]) and len(r["tags"]) <= 4
        assert r["parent"] is None or type(r["parent"]) is int
    assert 0.4 < sum(r["parent"] is None for r in records) / len(records) < 0.6
    assert any(not r["name"].isascii() for r in records)


def _run_bench(*args, pythonpath):
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    return subprocess.run([sys.executable, str(BENCH / "run.py"), *args], env=env, capture_output=True,
                          text=True, timeout=300)


def test_quick_benchmark_prints_table_and_writes_results(tmp_path):
    pytest.importorskip("matplotlib")
    pythonpath = os.environ.get("PYTHONPATH") or REPO / "python"
    proc = _run_bench("--quick", "--workload", "record1", "--out", str(tmp_path), pythonpath=pythonpath)
    assert proc.returncode == 0, proc.stderr

    # dumps: one row of times, then one per variant (fastjson, transparent JIT, fastjson.compile) in
    # the speed-up and target tables; loads: the same for fastjson and fastjson.compile (typed decode)
    for op, rows in (("dumps", 7), ("loads", 5)):
        assert len(re.findall(rf"^\| record1 +\| {op} +\|", proc.stdout, re.M)) == rows, proc.stdout
    assert re.search(r"^## Typed decode: fastjson.compile\(schema\).loads vs each loads", proc.stdout, re.M)
    typed = re.findall(r"^\| record1 +\| [0-9.]+ +\| +[0-9.]+x \| +[0-9.]+x \|", proc.stdout, re.M)
    assert len(typed) == 1, proc.stdout
    assert re.search(r"^median of 21: [0-9.]+ ms \(target <= 5 ms: (yes|NO)\); first compile in a fresh "
                     r"process \(loads LLVM\): [0-9.]+ ms$", proc.stdout, re.M), proc.stdout
    assert re.search(r"^## import fastjson, fresh process\n\nmedian of 7: [0-9.]+ ms \(target < 30 ms: (yes|NO)\)$",
                     proc.stdout, re.M), proc.stdout

    doc = json.loads((tmp_path / "results.json").read_text())
    assert set(doc) == {"meta", "libraries", "variants", "unavailable", "orjson_target", "results",
                        "speedups", "target", "compile_time", "import_time", "transparent_jit",
                        "code_cache"}
    assert re.search(r"^compile\(\) from a warm cache \(the -O2 code, read \+ link\): [0-9.]+ ms median of 21",
                     proc.stdout, re.M), proc.stdout
    cache = doc["code_cache"]
    assert cache["load_vs_compile"]["load_ms"] > 0 and cache["load_vs_compile"]["speedup_vs_o2"] > 1
    assert cache["first_request"]["warm_ms"] > 0 and cache["first_request"]["cold_ms"] > 0
    assert re.search(r"^never-repeating shapes \([0-9.]+ us/call\): JIT on / off = [0-9.]+, median of "
                     r"30 adjacent pairs \(quartiles [0-9.]+-[0-9.]+; target <= 1.03: (yes|NO)\); "
                     r"gave up observing: True$", proc.stdout, re.M), proc.stdout
    never = doc["transparent_jit"]["never_repeating"]
    low, mid, high = never["ratio_quartiles"]
    assert never["pairs"] == 30 and low <= never["ratio"] <= high
    warmup = doc["transparent_jit"]["warmup_10k_records"]
    assert warmup["stats"]["compiled"] == 1
    # Under heavy load the shape's timed trial may decline the compiled code (a performance
    # verdict, not a failure): the report then says so instead of inventing a steady state.
    if warmup["reached"]:
        assert re.search(r"^10k-records loop, fresh process: steady state after [0-9]+ ms \([0-9]+ calls;",
                         proc.stdout, re.M), proc.stdout
        assert warmup["calls_before_steady"] > 32
    else:
        assert re.search(r"^10k-records loop, fresh process: NO steady state within 30 s \([0-9]+ calls; "
                         r"[0-9]+ declined after the trial, [0-9]+ compile failures\);", proc.stdout, re.M)
    assert doc["compile_time"]["median_ms"] > 0 and doc["compile_time"]["target_median_ms"] == 5.0
    assert doc["import_time"]["median_ms"] > 0 and doc["import_time"]["target_ms"] == 30.0
    assert {"fastjson", "json"} <= set(doc["libraries"])
    assert doc["meta"]["clock"] == "cpu"  # the default: thread CPU time per call
    assert "runs of >= 5 ms thread CPU time each, median" in proc.stdout.splitlines()[0]
    assert list(doc["results"]) == ["record1"]
    for op in ("dumps", "loads"):
        for lib in ("fastjson", "json"):
            cell = doc["results"]["record1"][op][lib]
            assert cell["median_us"] > 0 and len(cell["runs_us"]) == 3 and cell["calls_per_run"] >= 1
        target = doc["target"]["fastjson"]["record1"][op]
        assert target["orjson_target_x_json"] == doc["orjson_target"][op]["record1"]
        assert target["meets_target"] == (target["x_json"] >= target["orjson_target_x_json"])
    typed = doc["results"]["record1"]["loads"]["fastjson.compile"]
    assert typed["median_us"] > 0 and len(typed["runs_us"]) == 3
    compiled = doc["target"]["fastjson.compile"]["record1"]["dumps"]
    assert compiled["orjson_target_x_json"] == 22.0  # twice orjson's 11x
    assert compiled["meets_target"] == (compiled["x_json"] >= 22.0)

    assert (tmp_path / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_benchmark_refuses_to_time_wrong_fastjson_output(tmp_path):
    fake = tmp_path / "lib" / "fastjson"
    fake.mkdir(parents=True)
    # Right values, wrong bytes: stdlib json's default separators put spaces after ", " and ": ".
    (fake / "__init__.py").write_text(
        "import json\n"
        "def dumps(obj, *, default=None):\n"
        "    return json.dumps(obj, ensure_ascii=False).encode()\n"
        "loads = json.loads\n")
    out = tmp_path / "out"
    proc = _run_bench("--quick", "--workload", "record1", "--out", str(out), pythonpath=fake.parent)
    assert proc.returncode == 1
    assert "FAIL record1 dumps: fastjson disagrees with stdlib json: bytes differ" in proc.stderr
    assert not out.exists()


def test_every_workload_passes_the_correctness_check(tmp_path):
    # `make bench` refuses to time wrong output; every workload with every variant must pass that
    # check (the typed decoders build datetime/UUID/enum values, compared with the source objects).
    pytest.importorskip("matplotlib")
    pythonpath = os.environ.get("PYTHONPATH") or REPO / "python"
    for workload in ("typed10k", "records10k"):
        proc = _run_bench("--quick", "--runs", "1", "--min-time", "0", "--workload", workload, "--out",
                          str(tmp_path), pythonpath=pythonpath)
        assert proc.returncode == 0, proc.stderr
        assert "FAIL" not in proc.stderr, proc.stderr
