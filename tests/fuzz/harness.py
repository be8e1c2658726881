"""The fuzz targets' checks, in Python so libFuzzer (fuzz/) and pytest run the same ones.

Each check_*(data) turns fuzzer bytes into an input, runs fastjson on it and compares against an
oracle; a broken promise raises AssertionError (the fuzz target turns that into a crash report).
Coverage guidance comes from the instrumented C++ runtime underneath.
"""

from __future__ import annotations

import enum
import json
import math
import struct
import typing

import fastjson
from fastjson import _fastjson
from fastjson._schema import normalize

# fastjson's own messages for documents json.loads accepts (runtime/decode_exact.cpp, decoder.cpp).
NON_FINITE = "NaN and Infinity are not valid JSON"
LONE_ESCAPE = "Lone surrogate in \\u escape"
LONE_CHAR = "Lone surrogate in string"
INVALID_UTF8 = "Invalid UTF-8"
BOM = "Unexpected UTF-8 BOM (decode using utf-8-sig)"
TOO_DEEP = "Maximum nesting depth exceeded (1024)"
EXTENSIONS = {NON_FINITE, LONE_ESCAPE, LONE_CHAR, INVALID_UTF8, BOM}


def same(a: object, b: object) -> bool:
    """Equality that tells True from 1, 1 from 1.0 and -0.0 from 0.0, and keeps key order."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, float):
            if not (x == y and math.copysign(1, x) == math.copysign(1, y)) and not (x != x and y != y):
                return False
        elif isinstance(x, (list, tuple)):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif isinstance(x, dict):
            if list(x) != list(y):
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif x != y:
            return False
    return True


class Source:
    """Fuzzer bytes read as a stream of small decisions; zeros once exhausted, so every input is whole."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += len(chunk)
        return chunk

    def left(self) -> int:
        return len(self.data) - self.pos

    def pick(self, seq: typing.Sequence) -> object:
        return seq[self.byte() % len(seq)]


# --- loads -----------------------------------------------------------------------------------------


def _loads_outcome(fn: typing.Callable, doc: object) -> tuple:
    try:
        return ("ok", fn(doc))
    except json.JSONDecodeError as exc:
        return ("decode_error", exc)
    except RecursionError as exc:
        return ("recursion", exc)
    except UnicodeDecodeError as exc:
        return ("unicode", exc)
    except ValueError as exc:  # CPython's int_max_str_digits limit
        return ("value_error", exc)


def check_loads_doc(doc: bytes | bytearray | memoryview | str, raw: bytes) -> None:
    ours = _loads_outcome(fastjson.loads, doc)
    theirs = _loads_outcome(json.loads, doc if not isinstance(doc, memoryview) else bytes(doc))
    kind, value = ours
    assert kind != "recursion" and kind != "unicode", ours  # fastjson never recurses, never raises those
    if kind == "ok":
        # Accepted: json.loads accepts it too (unless it ran out of recursion) and builds the same value.
        if theirs[0] == "recursion":
            return
        assert theirs[0] == "ok", (raw, theirs)
        assert same(value, theirs[1]), raw
        return
    if kind == "value_error":
        assert type(value) is ValueError and "integer string conversion" in str(value), value
        assert theirs[0] in ("value_error", "recursion", "unicode"), (raw, theirs)
        return
    assert kind == "decode_error" and type(value) is fastjson.JSONDecodeError, ours
    assert isinstance(value.doc, str) and 0 <= value.pos <= len(value.doc), (raw, value.pos)
    their_kind, their_value = theirs
    utf8 = isinstance(doc, str) or json.detect_encoding(bytes(doc)) == "utf-8"
    if not isinstance(doc, str) and bytes(doc).startswith(b"\xef\xbb\xbf"):
        # RFC 8259 forbids the BOM; json.loads strips it from bytes, so its positions would be shifted.
        assert (value.msg, value.pos) == (BOM, 0), (raw, value)
        return
    if not utf8:
        # json.loads read these bytes as UTF-16 or UTF-32: its verdict is about another document.
        return
    if their_kind == "decode_error":
        # Wherever json.loads says where, fastjson says the same.
        assert (value.msg, value.pos) == (their_value.msg, their_value.pos), (raw, value, their_value)
    elif their_kind == "unicode":
        assert value.msg in (INVALID_UTF8, BOM, "Expecting value"), (raw, value)
    elif their_kind == "ok":
        # Only json.loads's documented extensions: NaN/Infinity, lone surrogates.
        assert value.msg in EXTENSIONS, (raw, value)
    # their_kind "recursion": json.loads cannot say; any JSONDecodeError with a sane position is fine.


def check_loads(data: bytes) -> None:
    """fastjson.loads on arbitrary bytes, as bytes, bytearray, memoryview and (if UTF-8) str."""
    for doc in (data, bytearray(data), memoryview(data)):
        check_loads_doc(doc, data)
    try:
        text = data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return
    check_loads_doc(text, data)


# --- dumps ---------------------------------------------------------------------------------------


class IntSub(int):
    pass


class FloatSub(float):
    pass


class StrSub(str):
    pass


class ListSub(list):
    pass


class DictSub(dict):
    pass


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Opaque:
    """Not serializable: only `default` can write it."""

    def __init__(self, n: int) -> None:
        self.n = n


def _default(obj: object) -> object:
    if isinstance(obj, Opaque):
        # Sometimes another unsupported object: `default` is called again on it.
        return Opaque(obj.n - 1) if obj.n > 0 else {"opaque": obj.n}
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if isinstance(obj, complex):
        return [obj.real, obj.imag]
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def gen_str(src: Source) -> str:
    n = src.byte() % 24
    mode = src.byte() % 4
    if mode == 0:  # ASCII, escapes and controls included
        return src.take(n).decode("latin-1").translate({c: c & 0x7F for c in range(256)})
    if mode == 1:  # any code point, lone surrogates included
        return "".join(chr(int.from_bytes(src.take(3), "little") % 0x110000) for _ in range(n // 3))
    if mode == 2:  # a palette of troublesome characters
        return "".join(src.pick('"\\/\b\f\n\r\t\x00\x1f\x7f\x80é\u2028\ufeff\uffff日😀\U0010ffffa ') for _ in range(n))
    return src.take(n).decode("utf-8", "replace")


def gen_float(src: Source) -> float:
    mode = src.byte() % 4
    if mode == 0:
        return struct.unpack("<d", src.take(8).ljust(8, b"\0"))[0]  # any bit pattern: NaN, inf, subnormals
    if mode == 1:
        return int.from_bytes(src.take(3), "little", signed=True) / 10 ** (src.byte() % 8)
    if mode == 2:
        return float(int.from_bytes(src.take(2), "little", signed=True)) * 10.0 ** (src.byte() % 40 - 20)
    return src.pick([0.0, -0.0, 1e16, 1e-5, 1e-4, 0.1, 1.7976931348623157e308, 5e-324, 1e15, 123456789012345678.0])


def gen_int(src: Source) -> int:
    mode = src.byte() % 3
    if mode == 0:
        return int.from_bytes(src.take(1), "little", signed=True)
    if mode == 1:
        return int.from_bytes(src.take(8), "little", signed=True)
    return int.from_bytes(src.take(src.byte() % 40), "little", signed=src.byte() & 1 == 1)


def gen_key(src: Source) -> object:
    k = src.byte() % 8
    if k < 4:
        return gen_str(src)
    return [lambda: gen_int(src), lambda: gen_float(src), lambda: bool(src.byte() & 1), lambda: None][k - 4]()


def gen_value(src: Source, depth: int = 0, cycle: list | None = None) -> object:
    kinds = 17 if depth < 6 and src.left() > 0 else 9
    k = src.byte() % kinds
    if k == 0:
        return None
    if k == 1:
        return bool(src.byte() & 1)
    if k == 2:
        return gen_int(src)
    if k == 3:
        return gen_float(src)
    if k in (4, 5):
        return gen_str(src)
    if k == 6:
        return src.pick([IntSub(-5), FloatSub(2.5), StrSub("sub"), Level.HIGH, True])
    if k == 7:
        return src.pick([Opaque(2), Opaque(0), {1, 2, 3}, frozenset(), 1 + 2j, b"bytes", object()])
    if k == 8:
        return src.pick([[], {}, (), "", 0, -0.0])
    n = src.byte() % 6
    if k in (9, 10, 11):
        items = [gen_value(src, depth + 1, cycle) for _ in range(n)]
        out: object = items if k == 9 else tuple(items) if k == 10 else ListSub(items)
    elif k in (12, 13):
        out = {gen_str(src): gen_value(src, depth + 1, cycle) for _ in range(n)}
        if k == 13:
            out = DictSub(out)
    elif k in (14, 15):
        out = {}
        for _ in range(n):
            key = gen_key(src)
            # str and non-str keys that stdlib would write the same ("1" and 1): both kept, in order
            out[key] = gen_value(src, depth + 1, cycle)
    else:
        # A container that holds itself somewhere below: a cycle, which both must refuse.
        holder: list = []
        holder.append(gen_value(src, depth + 1, holder) if cycle is None else cycle)
        out = holder
    return out


def _has_non_finite_value(value: object) -> bool:
    """A NaN/inf float as a value (not as a dict key, which stdlib and fastjson write as "NaN")."""
    stack, seen = [value], set()
    while stack:
        v = stack.pop()
        if isinstance(v, float):
            if not math.isfinite(v):
                return True
        elif isinstance(v, (list, tuple, dict)):
            if id(v) in seen:
                continue
            seen.add(id(v))
            stack.extend(v.values() if isinstance(v, dict) else v)
    return False


def reference(value: object, default: typing.Callable | None) -> bytes | Exception:
    """The oracle: stdlib's compact bytes; where stdlib would write NaN/Infinity values, the error
    fastjson raises instead (strict JSON). Non-finite float keys are strings: "NaN", as stdlib."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=default)
        if _has_non_finite_value(value):
            try:
                text.encode()
            except UnicodeEncodeError:
                return _TwoFaults()
            return ValueError("Out of range float values are not JSON compliant")
        return text.encode()
    except (ValueError, TypeError, RecursionError) as exc:  # UnicodeEncodeError is a ValueError
        return exc


class _TwoFaults(ValueError):
    """A value with both an out-of-range float and a str that is not valid UTF-8 (a lone
    surrogate). fastjson refuses at whichever comes first in the output; stdlib finds the float
    while writing and the surrogate only when encoding, so its order tells nothing."""


def _expected_message(exc: Exception) -> str | tuple[str, ...] | None:
    """The start of fastjson's message for what stdlib raised (or the starts it may have), when
    the two are comparable."""
    text = str(exc)
    if isinstance(exc, _TwoFaults):
        return ("str is not valid UTF-8: surrogates not allowed",
                "Out of range float values are not JSON compliant")
    if isinstance(exc, UnicodeEncodeError):
        return "str is not valid UTF-8: surrogates not allowed"
    if text.startswith("Out of range float values are not JSON compliant"):
        return "Out of range float values are not JSON compliant"
    if text == "Circular reference detected":
        return None  # fastjson finds a cycle at its depth limit; the earliest fault may differ
    if text.startswith("Object of type"):
        return None  # stdlib names the type; fastjson too but in its own words (checked below)
    if text.startswith("keys must be str"):
        return "Dict keys must be str, int, float, bool or None, not "
    return None


def check_dumps(data: bytes) -> None:
    """fastjson.dumps on generated values equals stdlib's compact bytes, or both refuse; round trips."""
    src = Source(data)
    default = _default if src.byte() & 1 else None
    value = gen_value(src)
    expected = reference(value, default)
    try:
        out = fastjson.dumps(value, default=default)
    except fastjson.JSONEncodeError as exc:
        assert type(exc) is fastjson.JSONEncodeError
        assert isinstance(expected, Exception), (data, exc, expected)
        message = str(exc)
        assert " - at $" in message, message
        want = _expected_message(expected)
        if want is not None:
            assert message.startswith(want), (data, message, expected)
        return
    assert not isinstance(expected, Exception), (data, out, expected)
    assert out == expected, (data, out, expected)
    # Round trip: what fastjson wrote, fastjson and stdlib read back the same.
    assert same(fastjson.loads(out), json.loads(out)), data


# --- encoders: the generic path, the schema interpreter and JIT code on the same values ---------------

KEYS = ["id", "name", "a", "", "é", "key with space", "\"quoted\"", "x" * 40]
LITERALS = ["red", "", 0, 7, -1, True, False, None, 2**70]


def gen_schema(src: Source, depth: int = 0) -> tuple:
    """A schema description: a tuple tree, hashable (the encoder cache key) and turned into a schema."""
    k = src.byte() % (12 if depth < 4 else 6)
    if k < 6:
        return (("int",), ("float",), ("str",), ("bool",), ("none",), ("any",))[k]
    if k == 6:
        return ("list", gen_schema(src, depth + 1))
    if k == 7:
        return ("tuple", gen_schema(src, depth + 1))
    if k == 8:
        return ("dict", gen_schema(src, depth + 1))
    if k == 9:
        return ("optional", gen_schema(src, depth + 1))
    if k == 10:
        n = 1 + src.byte() % 4
        fields = {}
        for _ in range(n):
            fields[src.pick(KEYS)] = gen_schema(src, depth + 1)
        return ("object", tuple(fields.items()))
    n = 1 + src.byte() % 3
    return ("literal", tuple(dict.fromkeys(src.pick(LITERALS) for _ in range(n))))


def to_schema(desc: tuple) -> object:
    kind = desc[0]
    simple = {"int": int, "float": float, "str": str, "bool": bool, "none": None, "any": typing.Any}
    if kind in simple:
        return simple[kind]
    if kind == "list":
        return list[to_schema(desc[1])]
    if kind == "tuple":
        return tuple[to_schema(desc[1]), ...]
    if kind == "dict":
        return dict[str, to_schema(desc[1])]
    if kind == "optional":
        return typing.Optional[to_schema(desc[1])]
    if kind == "object":
        # A TypedDict, not the dict shorthand: it may sit inside Optional/Union, which need hashables.
        return typing.TypedDict("Obj", {key: to_schema(sub) for key, sub in desc[1]})
    return typing.Literal[desc[1]]


def gen_matching(src: Source, desc: tuple, depth: int = 0) -> object:
    """A value of the schema's shape; one decision in 16 puts any generated value there instead."""
    if src.byte() % 16 == 0:
        return gen_value(src, depth)
    kind = desc[0]
    if kind == "int":
        return src.pick([gen_int(src), IntSub(3), Level.LOW]) if src.byte() % 8 == 0 else gen_int(src)
    if kind == "float":
        return gen_float(src) if src.byte() % 4 else gen_int(src)
    if kind == "str":
        return gen_str(src) if src.byte() % 8 else StrSub(gen_str(src))
    if kind == "bool":
        return bool(src.byte() & 1)
    if kind == "none":
        return None
    if kind == "any":
        return gen_value(src, depth + 3)
    if kind in ("list", "tuple"):
        items = [gen_matching(src, desc[1], depth + 1) for _ in range(src.byte() % 5)]
        return tuple(items) if kind == "tuple" and src.byte() & 1 else items
    if kind == "dict":
        return {gen_str(src): gen_matching(src, desc[1], depth + 1) for _ in range(src.byte() % 4)}
    if kind == "optional":
        return None if src.byte() % 3 == 0 else gen_matching(src, desc[1], depth)
    if kind == "object":
        fields = list(desc[1])
        if src.byte() % 4 == 0:  # keys in another order
            fields.reverse()
        return {key: gen_matching(src, sub, depth + 1) for key, sub in fields}
    return src.pick(desc[1])


def _outcome(dumps: typing.Callable, value: object) -> tuple:
    try:
        return ("ok", dumps(value))
    except fastjson.JSONEncodeError as exc:
        return ("error", type(exc), str(exc), repr(exc.__cause__))


class Encoders:
    """Compiled encoders per schema, kept bounded so a long fuzz run's memory stays flat."""

    LIMIT = 256

    def __init__(self) -> None:
        self.cache: dict[tuple, dict[str, typing.Callable]] = {}

    def paths(self, desc: tuple) -> dict[str, typing.Callable] | None:
        if desc not in self.cache:
            if len(self.cache) >= self.LIMIT:
                self.cache.pop(next(iter(self.cache)))
            self.cache[desc] = self._build(desc)
        return self.cache[desc]

    @staticmethod
    def _build(desc: tuple) -> dict[str, typing.Callable] | None:
        import fastjson._jit as jit

        schema = to_schema(desc)
        try:
            nodes, root = normalize(schema)
        except fastjson.SchemaError:
            return None  # e.g. Literal[None] | None folding is the normalizer's business, not ours
        paths: dict[str, typing.Callable] = {}
        interpreter = _fastjson._make_encoder(nodes, root, schema)
        paths["interpreter"] = interpreter.dumps
        # Native code at both tiers the JIT installs (quick -O0, then optimized -O2).
        for name, tier in (("jit-O0", (0, "none")), ("jit-O2", (2, "full"))):
            enc = _fastjson._make_encoder(nodes, root, schema)
            jit._install_tuned(enc, *tier)
            assert enc.jit is True, desc
            paths[name] = enc.dumps
        # The transparent JIT: fastjson.dumps with the value's shape compiled (check_encoders
        # compares it with the generic encoder, not with the schema paths: it infers its own
        # schema from the value, and falls back to the generic encoder wherever a guard fails).
        return paths


def transparent_dumps(value: object) -> object:
    """fastjson.dumps after its transparent JIT has compiled `value`'s shape: threshold 1, on
    this thread, kept without timing trials; the JIT's configuration is restored afterwards."""
    before = fastjson.configure()
    fastjson.configure(jit=True, threshold=1, background=False, trials=0)
    failures = fastjson.jit_stats()["compile_failures"]
    try:
        try:
            fastjson.dumps(value)  # makes the shape hot and compiles it
        except fastjson.JSONEncodeError:
            pass
        # A shape the JIT could not compile is a JIT bug (or, as once in the fuzz targets, a JIT
        # that could not even be loaded): the comparison below would be generic against generic.
        assert fastjson.jit_stats()["compile_failures"] == failures, value
        return fastjson.dumps(value)
    finally:
        fastjson.configure(**{k: before[k] for k in ("jit", "threshold", "background", "trials")})


ENCODERS = Encoders()


def check_encoders(data: bytes) -> None:
    """Generic, interpreter, JIT and transparent-JIT paths: the same bytes and the same errors on
    the same values."""
    src = Source(data)
    desc = gen_schema(src)
    paths = ENCODERS.paths(desc)
    if paths is None:
        return
    for _ in range(1 + src.byte() % 4):
        value = gen_matching(src, desc)
        outcomes = {name: _outcome(dumps, value) for name, dumps in paths.items()}
        first = outcomes["interpreter"]
        for name, got in outcomes.items():
            assert got == first, (data, desc, name, got, first)
        generic = _outcome(_fastjson._generic_dumps, value)
        transparent = _outcome(transparent_dumps, value)
        assert transparent == generic, (data, desc, transparent, generic)
        if first[0] == "ok":
            # A value the schema takes is written exactly as fastjson.dumps writes it.
            assert generic == first, (data, desc, generic, first)
        elif generic[0] == "error":
            # Both refuse; the schema paths name the same path ("- at $...") or their own mismatch.
            assert " - at $" in first[2], first


CHECKS = {"loads": check_loads, "dumps": check_dumps, "encoders": check_encoders}
