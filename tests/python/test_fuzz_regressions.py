# Every committed fuzz seed and every input a fuzzer ever flagged (tests/fuzz/{corpus,crashes}/) runs
# through the same check the fuzz target runs (tests/fuzz/harness.py), here on the normal build.
import importlib.util
import sys
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parents[1] / "fuzz"
_spec = importlib.util.spec_from_file_location("_fastjson_fuzz_harness", FUZZ / "harness.py")
harness = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = harness
_spec.loader.exec_module(harness)

INPUTS = sorted(
    (kind, target, path)
    for kind in ("corpus", "crashes")
    for target in harness.CHECKS
    for path in (FUZZ / kind / target).glob("*")
    if path.is_file()
)


def test_every_target_has_seeds():
    for target in harness.CHECKS:
        assert any(t == target and k == "corpus" for k, t, _ in INPUTS), target


@pytest.mark.parametrize("target, path", [(t, p) for _, t, p in INPUTS], ids=[f"{k}/{t}/{p.name}" for k, t, p in INPUTS])
def test_fuzz_input(target, path):
    harness.CHECKS[target](path.read_bytes())


def test_nan_key_found_by_fuzzing():
    # The first fuzz finding (crashes/dumps/crash-5de3...): a NaN float *key* is written as the
    # string "NaN", like stdlib, while a NaN value is refused; the harness's oracle had it wrong.
    import fastjson

    assert fastjson.dumps([{float("nan"): None}]) == b'[{"NaN":null}]'
    with pytest.raises(fastjson.JSONEncodeError):
        fastjson.dumps({"k": float("nan")})


def test_first_fault_in_output_order_found_by_fuzzing():
    # crashes/dumps/crash-48bb...: a value with both a lone surrogate and an out-of-range float.
    # fastjson refuses at the first of them in the output; the harness's oracle expected the
    # float's error always (stdlib only meets the surrogate when encoding its text afterwards).
    import fastjson

    for value, message in (
        (["\ud800", float("nan")], "str is not valid UTF-8: surrogates not allowed - at $[0]"),
        ([float("inf"), "\ud800"], "Out of range float values are not JSON compliant: inf - at $[0]"),
    ):
        with pytest.raises(fastjson.JSONEncodeError) as info:
            fastjson.dumps(value)
        assert str(info.value) == message


def test_the_encoders_check_runs_compiled_shapes_of_the_transparent_jit():
    # The encoders target compares fastjson.dumps with its shapes compiled against the generic
    # encoder: on the committed seeds, compiled shape code must actually have run (hits), or the
    # comparison would be generic against generic.
    import fastjson
    from fastjson import _fastjson

    _fastjson._shape_reset()  # the seeds above compiled these shapes already
    before = fastjson.jit_stats()
    for path in sorted((FUZZ / "corpus" / "encoders").glob("*")):
        harness.CHECKS["encoders"](path.read_bytes())
    after = fastjson.jit_stats()
    assert after["compiled"] > before["compiled"]
    assert after["hits"] > before["hits"]
    assert fastjson.configure()["threshold"] == 32  # the harness restored the configuration


def test_the_jit_module_initializes_before_the_package():
    # The fuzz targets register fastjson._jit (statically linked) before the fastjson package can
    # be imported: its initialization must not import the package (it once did, and every fuzz
    # target aborted at start while `make test` stayed green).
    import subprocess
    import textwrap

    import fastjson._jit as jit

    code = textwrap.dedent(f"""
        import importlib.machinery, importlib.util, sys
        loader = importlib.machinery.ExtensionFileLoader("fastjson._jit", {jit.__file__!r})
        spec = importlib.util.spec_from_file_location("fastjson._jit", {jit.__file__!r}, loader=loader)
        module = importlib.util.module_from_spec(spec)
        assert "fastjson" not in sys.modules
        print(sorted(name for name in vars(module) if not name.startswith("__")))
    """)
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                          timeout=120, cwd="/")
    assert proc.returncode == 0, proc.stderr
    assert "'install'" in proc.stdout and "'_wait'" in proc.stdout
