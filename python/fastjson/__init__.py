"""fastjson: fast JSON for Python, with a C++ core and LLVM-compiled encoders per schema."""

import os as _os
import sys as _sys

from fastjson import _fastjson
from fastjson._fastjson import (
    Encoder,
    Fragment,
    JSONDecodeError,
    JSONEncodeError,
    ValidationError,
    _make_encoder,
    dumps,
    dumps_str,
    loads,
)

__all__ = [
    "Encoder", "Fragment", "JSONDecodeError", "JSONEncodeError", "SchemaError", "ValidationError",
    "compile", "configure", "dumps", "dumps_str", "jit_stats", "loads", "warmup",
]
__version__ = "0.1.0"


def configure(
    *,
    jit: bool | None = None,
    threshold: int | None = None,
    max_shapes: int | None = None,
    background: bool | None = None,
    trials: int | None = None,
    cache_dir: str | _os.PathLike[str] | bool | None = None,
) -> dict[str, object]:
    """Set the transparent shape JIT of fastjson.dumps and the code cache; arguments left out
    keep their value.

    jit: observe shapes and run compiled encoders for hot ones (False: dumps is the generic
    encoder only). threshold: calls of one shape before it is compiled. max_shapes: how many
    shapes the table holds (least recently used ones are evicted). background: compile on a
    worker thread (False: on the calling thread, which then waits; for tests). trials: calls
    timed on each side (compiled, generic, alternating) before a compiled shape is kept; it is
    kept only when faster (0: kept untimed). cache_dir: the directory of the persistent code
    cache (False: no cache; True: the default, $XDG_CACHE_HOME/fastjson or ~/.cache/fastjson).
    Returns the configuration in force (cache_dir: the directory's absolute path, or False).
    """
    global _cache_dir
    new_cache_dir = _cache_dir if cache_dir is None else _cache_dir_setting(cache_dir)
    config = _fastjson._shape_configure(jit, threshold, max_shapes, background, trials, None)
    if cache_dir is not None:  # after the other values were accepted: all or nothing
        _cache_dir = new_cache_dir
        jit_module = _sys.modules.get("fastjson._jit")
        if jit_module is not None:
            jit_module.cache_configure(*_cache_settings())
    config["cache_dir"] = False if _cache_dir is None else _cache_dir
    return config


def jit_stats() -> dict[str, object]:
    """Counters of the transparent shape JIT: shapes observed and live, compiled, hits, guard
    failures, evictions, give-ups, compile time (total/median/max ms) and code bytes; and under
    "cache" the code cache's: hits, misses, writes, write_failures, evictions and stale_removed
    (entries and dead writers' temporary files the size limit's trim removed), rejects (by
    reason)."""
    stats = _fastjson._shape_stats()
    jit_module = _sys.modules.get("fastjson._jit")
    stats["cache"] = (
        jit_module.cache_stats()
        if jit_module is not None
        else {"hits": 0, "misses": 0, "writes": 0, "write_failures": 0, "evictions": 0,
              "stale_removed": 0, "rejects": {}}
    )
    return stats


def _default_cache_dir() -> str:
    base = _os.environ.get("XDG_CACHE_HOME") or _os.path.join(_os.path.expanduser("~"), ".cache")
    return _os.path.abspath(_os.path.join(base, "fastjson"))


def _cache_dir_setting(value: object) -> str | None:
    if value is False:
        return None
    if value is True:
        return _default_cache_dir()
    if isinstance(value, (str, _os.PathLike)) and not isinstance(value, bool):
        path = _os.fspath(value)
        if isinstance(path, str) and path:
            return _os.path.abspath(path)
    raise TypeError(
        f"cache_dir must be a non-empty str, an os.PathLike or a bool, not {type(value).__name__}"
    )


def _cache_dir_from_env() -> str | None:
    # FASTJSON_CACHE=0 switches the cache off; FASTJSON_CACHE_DIR moves it.
    if _env_flag("FASTJSON_CACHE") is False:
        return None
    path = _os.environ.get("FASTJSON_CACHE_DIR")
    return _os.path.abspath(path) if path else _default_cache_dir()


def _cache_settings() -> tuple[str | None, str]:
    # Read by fastjson._jit at its import and pushed to it by configure(): the directory, and the
    # runtime's part of every cache key (code compiled for another interpreter or fastjson
    # version is never loaded).
    identity = f"fastjson {__version__} {_sys.implementation.cache_tag} {_sys.version}"
    return _cache_dir, identity


def _kick_shape_worker(now: bool) -> None:
    # The runtime calls this when a shape becomes hot; the worker module (threads, fork hooks)
    # is imported only then.
    from fastjson._transparent import _kick

    _kick(now)


def _env_flag(name: str) -> bool | None:
    value = _os.environ.get(name)
    return None if value is None else value.strip().lower() not in ("0", "false", "no", "off", "")


def _env_int(name: str) -> int | None:
    value = _os.environ.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None


_cache_dir = _cache_dir_from_env()
_fastjson._shape_configure(
    _env_flag("FASTJSON_SHAPE_JIT"),
    _env_int("FASTJSON_SHAPE_THRESHOLD"),
    _env_int("FASTJSON_SHAPE_MAX"),
    _env_flag("FASTJSON_SHAPE_BACKGROUND"),
    _env_int("FASTJSON_SHAPE_TRIALS"),
    _kick_shape_worker,
)


def compile(schema: object) -> Encoder:  # noqa: A001 - the API's name, like re.compile
    """An Encoder whose dumps(obj) writes objects matching `schema` with code specialized for it.

    `schema`: a Python type (int, str, list[T], dict[str, T], T | None, Literal, Enum, TypedDict,
    dataclass, ...), a dict-literal shorthand ({"id": int, "tags": [str]}) or a JSON Schema
    document. For every matching object, enc.dumps(obj) == fastjson.dumps(obj); a mismatch raises
    JSONEncodeError naming it and its JSON path. Raises SchemaError for a schema it cannot use.

    enc.loads(data) parses JSON into the schema's values (dicts, dataclass instances, enum
    members, tuples, ...) in one validating pass; a mismatch raises ValidationError naming
    expected vs got and the JSON path.
    """
    from fastjson._schema import normalize

    nodes, root = normalize(schema)
    encoder = _make_encoder(nodes, root, schema)
    _install_jit(encoder)
    return encoder


def warmup(schemas: object) -> list[Encoder]:
    """Compile ahead of time: an Encoder for each schema in the iterable `schemas`, with its best
    code (-O2) installed now, on this thread, and stored in the code cache (configure(cache_dir=)),
    or loaded from there. Call it at a service's import, or in a build step whose cache directory
    ships with the service: no request then waits for a compile. Returns the Encoders, in order.
    A schema that cannot be compiled to native code keeps the interpreter (logged, like compile).
    """
    from fastjson._schema import normalize

    encoders = []
    for schema in schemas:
        nodes, root = normalize(schema)
        encoder = _make_encoder(nodes, root, schema)
        _install_jit(encoder, warm=True)
        encoders.append(encoder)
    return encoders


_jit_imports_in_flight = 0


def _install_jit(encoder: Encoder, warm: bool = False) -> None:
    # Imported on first use, never at import time: the JIT loads LLVM (~50 MB of RSS).
    global _jit_imports_in_flight
    _jit_imports_in_flight += 1
    try:
        import fastjson._jit as _jit
    except ImportError as exc:
        if not (isinstance(exc, ModuleNotFoundError) and exc.name == "fastjson._jit"):
            _warn("fastjson: the JIT cannot be loaded; using the schema interpreter")
        return  # (built without the JIT: the interpreter is the encoder, silently)
    finally:
        _jit_imports_in_flight -= 1
    try:
        if warm:
            _jit.warmup(encoder)
        else:
            _jit.install(encoder)
    except Exception:  # any JIT failure falls back to the interpreter, never to an error
        _warn("fastjson: JIT compilation failed; using the schema interpreter")


def _finish_jit_import_before_fork() -> None:
    # A fork while another thread imports fastjson._jit (loading LLVM takes tens of ms) would copy
    # that import's module lock into the child, held by a thread that does not exist there: the
    # child's first compile would hang. Joining the import here waits for it to finish.
    if _jit_imports_in_flight:
        try:
            import fastjson._jit  # noqa: F401
        except ImportError:
            pass


_os.register_at_fork(before=_finish_jit_import_before_fork)
# Compiles run without the GIL, inside the runtime's fork gate: a fork waits for them, so that no
# child inherits LLVM's locks held by a thread it does not have (runtime/fork_gate.h).
_os.register_at_fork(
    before=_fastjson._fork_gate_close,
    after_in_parent=lambda: _fastjson._fork_gate_open(False),
    after_in_child=lambda: _fastjson._fork_gate_open(True),
)


def _warn(message: str) -> None:
    import logging

    logging.getLogger("fastjson").warning(message, exc_info=True)


def __getattr__(name: str) -> object:
    # SchemaError lives with the schema normalizer, which imports typing, dataclasses and enum:
    # loaded on first use so `import fastjson` stays cheap.
    if name == "SchemaError":
        from fastjson._schema import SchemaError

        return SchemaError
    raise AttributeError(f"module 'fastjson' has no attribute {name!r}")
