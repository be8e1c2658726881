"""fastjson: fast JSON for Python, with a C++ core and LLVM-compiled encoders per schema."""

import os as _os

from fastjson._fastjson import Encoder, JSONDecodeError, JSONEncodeError, _make_encoder, dumps, loads

__all__ = ["Encoder", "JSONDecodeError", "JSONEncodeError", "SchemaError", "compile", "dumps", "loads"]
__version__ = "0.1.0"


def compile(schema: object) -> Encoder:  # noqa: A001 - the API's name, like re.compile
    """An Encoder whose dumps(obj) writes objects matching `schema` with code specialized for it.

    `schema`: a Python type (int, str, list[T], dict[str, T], T | None, Literal, Enum, TypedDict,
    dataclass, ...), a dict-literal shorthand ({"id": int, "tags": [str]}) or a JSON Schema
    document. For every matching object, enc.dumps(obj) == fastjson.dumps(obj); a mismatch raises
    JSONEncodeError naming it and its JSON path. Raises SchemaError for a schema it cannot use.
    """
    from fastjson._schema import normalize

    nodes, root = normalize(schema)
    encoder = _make_encoder(nodes, root, schema)
    _install_jit(encoder)
    return encoder


_jit_imports_in_flight = 0


def _install_jit(encoder: Encoder) -> None:
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
