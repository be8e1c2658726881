# Shared pytest setup for the Python suite: the `slow` marker, hypothesis profile and corpus loading.
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# The persistent code cache is off for the suite (set before any test imports fastjson; inherited
# by the subprocesses tests start): tests that count compiles or read compile logs must compile,
# and nothing may be written to the real ~/.cache. test_code_cache.py switches it on in its own
# temporary directories. The directory named here only catches a stray configure(cache_dir=True).
os.environ["FASTJSON_CACHE"] = "0"
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="fastjson-test-xdg-")
os.environ.pop("FASTJSON_CACHE_DIR", None)


def _load_bench_corpora():
    # bench/ is not a package on sys.path; load its corpus module by file, under a private name.
    spec = importlib.util.spec_from_file_location("_fastjson_bench_corpora", REPO_ROOT / "bench" / "corpora.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def pytest_configure(config: pytest.Config) -> None:
    # Registered, not deselected: CI runs every test, slow ones included (`-m "not slow"` skips them).
    config.addinivalue_line("markers", "slow: takes minutes (rebuilds the C++); runs by default")
    # Runs by default; the ASan run deselects it (ASan's quarantine keeps freed memory on purpose).
    config.addinivalue_line("markers", "rss: asserts on process memory (RSS)")
    # Runs by default; the ASan run deselects it: scale (100 MB, 10,000 compiles), not memory safety.
    config.addinivalue_line("markers", "heavy: stress at scale, minutes under ASan")
    try:
        from hypothesis import HealthCheck, settings
    except ImportError:  # test_differential.py reports the missing package itself
        return
    # Example counts are bounded so the property tests stay well under a minute on 2 cores.
    settings.register_profile(
        "fastjson", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.load_profile("fastjson")


@pytest.fixture(scope="session")
def corpus_bytes():
    """corpus_bytes(name) -> the raw JSON bytes of a bundled corpus (bench/data/<name>.json.xz)."""
    corpora = _load_bench_corpora()
    cache: dict[str, bytes] = {}

    def load(name: str) -> bytes:
        if name not in cache:
            cache[name] = corpora.load_corpus(name)
        return cache[name]

    return load


@pytest.fixture(autouse=True)
def _shape_compiles_finish_within_their_test():
    # fastjson.dumps compiles hot shapes on a background thread (the transparent JIT): a test that
    # calls dumps in a loop must not leave a compile running into the next test's timings.
    yield
    transparent = sys.modules.get("fastjson._transparent")
    if transparent is not None:
        transparent.wait()
