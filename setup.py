# setuptools entry point: builds the _fastjson extension with the project's own CMake build (Ninja,
# Release, no GoogleTest) and puts the .so where setuptools packs it. Metadata is in pyproject.toml.
#
#   pip install --no-build-isolation .        # offline, with Debian's setuptools and wheel
#   FASTJSON_CMAKE_ARGS="-DFASTJSON_JIT=OFF" pip install --no-build-isolation .   # extra cmake -D flags
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def read_version() -> str:
    # Parsed, not imported: importing fastjson needs the extension this build is about to make.
    text = (ROOT / "python" / "fastjson" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", text, re.MULTILINE)
    if not match:
        raise RuntimeError("no __version__ = '...' in python/fastjson/__init__.py")
    return match.group(1)


class CMakeExtension(Extension):
    """An extension whose sources and flags live in CMake, not here."""

    def __init__(self, name: str, target: str) -> None:
        super().__init__(name, sources=[])
        self.target = target


class CMakeBuild(build_ext):
    """Configures and builds the CMake tree inside build_temp, then copies the module into place."""

    def build_extension(self, ext: Extension) -> None:
        if not isinstance(ext, CMakeExtension):
            return super().build_extension(ext)
        build_dir = Path(self.build_temp).resolve() / "cmake"
        # CMake writes the module here; its exact file name (SOABI suffix) is CMake's choice, so the
        # one it made is found by pattern and renamed to what setuptools expects.
        stage = build_dir / "stage"
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
        config = "Debug" if self.debug else "Release"
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja",
            f"-DCMAKE_BUILD_TYPE={config}",
            f"-DPython3_EXECUTABLE={sys.executable}",
            f"-DFASTJSON_PY_OUTPUT_DIR={stage}",
            "-DFASTJSON_BUILD_TESTS=OFF",
        ] + shlex.split(os.environ.get("FASTJSON_CMAKE_ARGS", ""))
        jobs = self.parallel if isinstance(self.parallel, int) and self.parallel > 0 else os.cpu_count()
        build = ["cmake", "--build", str(build_dir), "--target", ext.target, "-j", str(jobs or 1)]
        for cmd in (configure, build):
            print(" ".join(shlex.quote(c) for c in cmd), flush=True)
            subprocess.run(cmd, check=True)
        built = sorted(stage.glob(f"{ext.target}*.so"), key=lambda p: p.stat().st_mtime)
        if not built:
            raise RuntimeError(f"CMake built no {ext.target}*.so in {stage}")
        dest = Path(self.get_ext_fullpath(ext.name))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[-1], dest)
        print(f"copying {built[-1]} -> {dest}", flush=True)


setup(
    version=read_version(),
    # _jit (LLVM) is a module of its own so `import fastjson` never loads LLVM.
    ext_modules=[
        CMakeExtension("fastjson._fastjson", target="_fastjson"),
        CMakeExtension("fastjson._jit", target="_jit"),
    ],
    cmdclass={"build_ext": CMakeBuild},
    # Keep setuptools out of build/, which is the Makefile's CMake build directory.
    options={"build": {"build_base": "build-setuptools"}},
)
