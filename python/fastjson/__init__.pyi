import json
import os
from typing import Any, Callable, Iterable

__version__: str

class JSONEncodeError(TypeError): ...
class JSONDecodeError(json.JSONDecodeError): ...
class SchemaError(TypeError): ...
class ValidationError(JSONDecodeError):
    def __init__(self, msg: str, doc: str, pos: int) -> None: ...

class Fragment:
    """Already-encoded JSON that dumps writes verbatim (not validated)."""

    def __init__(self, contents: bytes | str) -> None: ...
    @property
    def contents(self) -> bytes | str: ...

class Encoder:
    """An encoder specialized for one schema; made by compile(schema), not instantiable."""

    @property
    def schema(self) -> Any: ...
    @property
    def jit(self) -> bool: ...
    def dumps(
        self,
        obj: Any,
        /,
        *,
        default: Callable[[Any], Any] | None = ...,
        indent: int | None = ...,
        sort_keys: bool = ...,
        append_newline: bool = ...,
        non_str_keys: bool = ...,
        allow_nan: bool = ...,
        decimal_as_number: bool = ...,
        sets: bool = ...,
    ) -> bytes: ...
    def dumps_str(
        self,
        obj: Any,
        /,
        *,
        default: Callable[[Any], Any] | None = ...,
        indent: int | None = ...,
        sort_keys: bool = ...,
        append_newline: bool = ...,
        non_str_keys: bool = ...,
        allow_nan: bool = ...,
        decimal_as_number: bool = ...,
        sets: bool = ...,
    ) -> str: ...
    def loads(
        self, data: bytes | bytearray | memoryview | str, /, *, ignore_unknown: bool = ...
    ) -> Any: ...

def dumps(
    obj: Any,
    /,
    *,
    default: Callable[[Any], Any] | None = ...,
    indent: int | None = ...,
    sort_keys: bool = ...,
    append_newline: bool = ...,
    non_str_keys: bool = ...,
    allow_nan: bool = ...,
    decimal_as_number: bool = ...,
    sets: bool = ...,
) -> bytes: ...
def dumps_str(
    obj: Any,
    /,
    *,
    default: Callable[[Any], Any] | None = ...,
    indent: int | None = ...,
    sort_keys: bool = ...,
    append_newline: bool = ...,
    non_str_keys: bool = ...,
    allow_nan: bool = ...,
    decimal_as_number: bool = ...,
    sets: bool = ...,
) -> str: ...
def loads(data: bytes | bytearray | memoryview | str, /) -> Any: ...
def compile(schema: Any) -> Encoder: ...
def configure(
    *,
    jit: bool | None = ...,
    threshold: int | None = ...,
    max_shapes: int | None = ...,
    background: bool | None = ...,
    trials: int | None = ...,
    cache_dir: str | os.PathLike[str] | bool | None = ...,
) -> dict[str, Any]: ...
def jit_stats() -> dict[str, Any]: ...
def warmup(schemas: Iterable[Any]) -> list[Encoder]: ...
