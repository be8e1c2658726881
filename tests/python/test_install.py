# `pip install .` end to end, offline: a fresh venv (system site-packages for Debian's setuptools and
# wheel) installs a clean copy of the repo, building the C++ with CMake, and fastjson imports from it.
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Build products and caches a developer's tree may hold; a clean checkout has none of them, and a
# stale _fastjson*.so in python/fastjson/ must not be what ends up installed.
IGNORED = shutil.ignore_patterns(
    ".git", "build", "build-*", "build_*", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".hypothesis", "*.so", "*.o", "*.a",
)

CHECK = r"""
import importlib.metadata, json, sys
import fastjson
print(json.dumps({
    "file": fastjson.__file__,
    "version": fastjson.__version__,
    "dist_version": importlib.metadata.version("fastjson"),
    "dumps": fastjson.dumps({"a": 1, "b": [True, None, 1.5, "é😀"], 2: (3,)}).decode(),
    "loads": fastjson.loads(b'{"x": [1, 2.5, "y"]}'),
    "error": issubclass(fastjson.JSONEncodeError, TypeError),
}))
"""


def run(cmd: list, cwd: Path, env: dict, timeout: int) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
    return proc


@pytest.mark.slow
def test_pip_install_offline(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(REPO_ROOT, src, ignore=IGNORED, symlinks=True)
    # The repo's own python/ must not be importable: only the installed copy counts.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PIP_NO_INPUT"] = "1"
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], tmp_path, env, 300)
    py = venv / "bin" / "python"
    # --no-index: nothing may come from a package index; the build uses what Debian installed.
    run([str(venv / "bin" / "pip"), "install", "--no-build-isolation", "--no-index", str(src)],
        tmp_path, env, 3600)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    info = json.loads(run([str(py), "-c", CHECK], outside, env, 120).stdout)
    package_dir = Path(info["file"]).parent
    assert package_dir.is_relative_to(venv), info["file"]
    assert info["dumps"] == '{"a":1,"b":[true,null,1.5,"é😀"],"2":[3]}'
    assert info["loads"] == {"x": [1, 2.5, "y"]}
    assert info["error"] is True

    init = (REPO_ROOT / "python" / "fastjson" / "__init__.py").read_text()
    version = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", init, re.MULTILINE).group(1)
    assert info["version"] == info["dist_version"] == version

    files = sorted(p.name for p in package_dir.iterdir() if p.name != "__pycache__")
    extensions = [f for f in files if f.startswith("_fastjson") and f.endswith(".so")]
    assert extensions == ["_fastjson" + sysconfig.get_config_var("EXT_SUFFIX")], files
    assert {"__init__.py", "__init__.pyi", "py.typed"} <= set(files), files
