"""fastjson: fast JSON for Python, with a C++ core and LLVM-compiled encoders per schema."""

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
    "compile", "dumps", "dumps_str", "loads",
]
__version__ = "0.1.0"


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


def _install_jit(encoder: Encoder) -> None:
    # Imported on first use, never at import time: the JIT loads LLVM (~50 MB of RSS).
    try:
        import fastjson._jit as _jit
    except ImportError as exc:
        if not (isinstance(exc, ModuleNotFoundError) and exc.name == "fastjson._jit"):
            _warn("fastjson: the JIT cannot be loaded; using the schema interpreter")
        return  # (built without the JIT: the interpreter is the encoder, silently)
    try:
        _jit.install(encoder)
    except Exception:  # any JIT failure falls back to the interpreter, never to an error
        _warn("fastjson: JIT compilation failed; using the schema interpreter")


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
