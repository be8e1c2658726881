# fastjson.dumps errors: exact exception types and messages, JSON paths, default= and arguments.
import json
import math
import re
import subprocess
import sys

import pytest

import fastjson


class Foo:
    pass


class Bar:
    pass


class Outer:
    class Inner:
        pass


def encode_error(obj: object, **kwargs) -> str:
    """The message of the fastjson.JSONEncodeError that dumps(obj) must raise."""
    with pytest.raises(fastjson.JSONEncodeError) as info:
        fastjson.dumps(obj, **kwargs)
    assert type(info.value) is fastjson.JSONEncodeError
    return str(info.value)


def test_encode_error_is_a_type_error():
    assert issubclass(fastjson.JSONEncodeError, TypeError)
    with pytest.raises(TypeError):
        fastjson.dumps({1, 2})


# --- unsupported types ----------------------------------------------------------------------------

UNSUPPORTED = [
    ({1}, "set"),
    (frozenset(), "frozenset"),
    (b"x", "bytes"),
    (bytearray(b"x"), "bytearray"),
    (memoryview(b"x"), "memoryview"),
    (object(), "object"),
    (1j, "complex"),
    (range(3), "range"),
    (Foo(), "Foo"),
    (Outer.Inner(), "Inner"),  # tp_name of a heap type is its __name__, not its __qualname__
    (Foo, "type"),
    (len, "builtin_function_or_method"),
    (lambda: 0, "function"),
    (iter([]), "list_iterator"),
    (Ellipsis, "ellipsis"),
]


@pytest.mark.parametrize(("value", "name"), UNSUPPORTED, ids=[n for _, n in UNSUPPORTED])
def test_unsupported_type_at_root(value, name):
    assert encode_error(value) == f"Type is not JSON serializable: {name} - at $"


@pytest.mark.parametrize(("value", "name"), UNSUPPORTED, ids=[n for _, n in UNSUPPORTED])
def test_unsupported_type_nested(value, name):
    doc = {"items": [0, 1, "two", value]}
    assert encode_error(doc) == f"Type is not JSON serializable: {name} - at $.items[3]"


def test_enum_whose_value_is_unsupported_names_the_value_type():
    # Enum members are written by value (test_types.py); a value fastjson cannot write is reported
    # as its own type, at the member's path.
    import enum

    class Mood(enum.Enum):
        HAPPY = object()

    assert encode_error([Mood.HAPPY]) == "Type is not JSON serializable: object - at $[0]"


# --- JSON paths -----------------------------------------------------------------------------------

PATHS = [
    ({"a": [1, {"b c": {1}}]}, '$.a[1]["b c"]'),
    ({"a": {1}}, "$.a"),
    ({"_": {1}}, "$._"),
    ({"_x9": {1}}, "$._x9"),
    ({"A1_b": {1}}, "$.A1_b"),
    ({"a b": {1}}, '$["a b"]'),
    ({"1a": {1}}, '$["1a"]'),
    ({"a-b": {1}}, '$["a-b"]'),
    ({"a.b": {1}}, '$["a.b"]'),
    ({"": {1}}, '$[""]'),
    ({"é": {1}}, '$["é"]'),
    ({"日本": {1}}, '$["日本"]'),
    ({'q"t': {1}}, '$["q\\"t"]'),
    ({"back\\slash": {1}}, '$["back\\\\slash"]'),
    ({"new\nline": {1}}, '$["new\\nline"]'),
    ({"\x01": {1}}, '$["\\u0001"]'),
    ({1: {1}}, '$["1"]'),
    ({-7: {1}}, '$["-7"]'),
    ({1.5: {1}}, '$["1.5"]'),
    ({2**70: {1}}, f'$["{2**70}"]'),
    ([[0, [1, 2, {1}]]], "$[0][1][2]"),
    ((0, (1, {1})), "$[1][1]"),
    ({"t": (1, {1})}, "$.t[1]"),
    ({"a": {"b": {"c": [[{"d": {1}}]]}}}, "$.a.b.c[0][0].d"),
    ([{}, {"x": 1, "y": [None, {1}]}], "$[1].y[1]"),
    (list(range(12345)) + [{1}], "$[12345]"),
]


@pytest.mark.parametrize(("doc", "path"), PATHS, ids=[p for _, p in PATHS])
def test_path(doc, path):
    assert encode_error(doc) == f"Type is not JSON serializable: set - at {path}"


def nested_keys(n: int, leaf: object) -> object:
    """{"k0": {"k1": ... {"k<n-1>": leaf}}}: the leaf's path has n components."""
    for i in reversed(range(n)):
        leaf = {f"k{i}": leaf}
    return leaf


def expected_path(components: list[str]) -> str:
    if len(components) > 32:
        components = components[:16] + ["..."] + components[-16:]
    return "$" + "".join(components)


@pytest.mark.parametrize("n", [1, 16, 31, 32, 33, 34, 40, 100, 1000])
def test_long_paths_elided(n):
    components = [f".k{i}" for i in range(n)]
    msg = encode_error(nested_keys(n, {1}))
    assert msg == "Type is not JSON serializable: set - at " + expected_path(components)


def test_path_elision_literal():
    msg = encode_error(nested_keys(40, {1}))
    head = "".join(f".k{i}" for i in range(16))
    tail = "".join(f".k{i}" for i in range(24, 40))
    assert msg == f"Type is not JSON serializable: set - at ${head}...{tail}"
    assert encode_error(nested_keys(32, {1})).endswith(".k15.k16.k17" + "".join(f".k{i}" for i in range(18, 32)))


def test_path_mixes_keys_and_indexes_when_elided():
    doc: object = {1}
    components = []
    for i in reversed(range(50)):
        if i % 2:
            doc = [0, doc]
            components.append("[1]")
        else:
            doc = {f"k {i}": doc}
            components.append(f'["k {i}"]')
    components.reverse()
    assert encode_error(doc) == "Type is not JSON serializable: set - at " + expected_path(components)


# --- floats out of range --------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "text"), [(math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf")])
def test_non_finite_float(value, text):
    prefix = f"Out of range float values are not JSON compliant: {text} - at "
    assert encode_error(value) == prefix + "$"
    assert encode_error({"x": value}) == prefix + "$.x"
    assert encode_error([1.0, 2.0, value]) == prefix + "$[2]"
    assert encode_error({"a": [{"b c": value}]}) == prefix + '$.a[0]["b c"]'


def test_non_finite_float_subclass():
    class F(float):
        pass

    assert encode_error({"x": F("nan")}) == "Out of range float values are not JSON compliant: nan - at $.x"


# --- dict keys ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("key", "name"), [((1, 2), "tuple"), (frozenset(), "frozenset"), (b"k", "bytes"), (Foo(), "Foo"), (1j, "complex")]
)
def test_bad_dict_key(key, name):
    prefix = f"Dict keys must be str, int, float, bool or None, not {name} - at "
    assert encode_error({key: 1}) == prefix + "$"
    assert encode_error({"a": {key: 1}}) == prefix + "$.a"
    assert encode_error({"a": [0, {"ok": 1, key: 2}]}) == prefix + "$.a[1]"
    assert encode_error([{"x": {"y z": {key: 1}}}]) == prefix + '$[0].x["y z"]'


@pytest.mark.parametrize(
    ("key", "shown"),
    [(math.nan, ".NaN"), (math.inf, ".Infinity"), (-math.inf, '["-Infinity"]'), (2.5, '["2.5"]'),
     (True, ".true"), (None, ".null"), (10**30, '["' + "1" + "0" * 30 + '"]')],
)
def test_path_shows_non_str_keys_as_written(key, shown):
    # The path names a key exactly as the output spells it (NaN keys are written "NaN", not "nan").
    assert fastjson.dumps({key: 1}) == json.dumps({key: 1}, separators=(",", ":")).encode()
    assert encode_error({key: {1j}}) == "Type is not JSON serializable: set - at $" + shown


def test_bad_dict_key_not_passed_to_default():
    calls = []

    def default(obj):
        calls.append(obj)
        return str(obj)

    msg = encode_error({"a": {(1, 2): 1}}, default=default)
    assert msg == "Dict keys must be str, int, float, bool or None, not tuple - at $.a"
    assert calls == []


# --- circular references and depth ----------------------------------------------------------------

def test_circular_list():
    a: list = []
    a.append(a)
    assert encode_error(a) == "Circular reference detected - at $[0]"


def test_circular_dict():
    d: dict = {}
    d["x"] = d
    assert encode_error(d) == "Circular reference detected - at $.x"


def test_circular_deeper():
    inner: list = [1]
    inner.append({"k": inner})
    assert encode_error({"a": inner}) == "Circular reference detected - at $.a[1].k"
    t: list = []
    outer = {"a b": (0, t)}
    t.append(outer)
    assert encode_error(outer) == 'Circular reference detected - at $["a b"][1][0]'


def nested_lists(n: int) -> list:
    value: list = []
    for _ in range(n - 1):
        value = [value]
    return value


def test_depth_limit_lists():
    # 1024 nested lists are fine (test_dumps); the 1025th is at a path of 1024 components.
    msg = encode_error(nested_lists(1025))
    assert msg == "Maximum nesting depth exceeded (1024) - at $" + "[0]" * 16 + "..." + "[0]" * 16


def test_depth_limit_path_names_the_level():
    components = [f".k{i}" for i in range(1024)]
    msg = encode_error(nested_keys(1024, {}))
    assert msg == "Maximum nesting depth exceeded (1024) - at " + expected_path(components)
    # One level less is fine.
    assert fastjson.dumps(nested_keys(1023, {})).count(b"{") == 1024


DEEP_SCRIPT = """
import fastjson
for make in (lambda v: [v], lambda v: {"k": v}, lambda v: (v,)):
    value = []
    for _ in range(100_000):
        value = make(value)
    try:
        fastjson.dumps(value)
    except fastjson.JSONEncodeError as exc:
        print(exc)
    else:
        print("no error")
"""


def test_100k_nesting_raises_and_never_crashes():
    # In a child process so that a stack overflow is reported as a failure, not a dead test run.
    proc = subprocess.run([sys.executable, "-c", DEEP_SCRIPT], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    prefix = "Maximum nesting depth exceeded (1024) - at $"
    index_path, key_path = "[0]" * 16 + "..." + "[0]" * 16, ".k" * 16 + "..." + ".k" * 16
    assert proc.stdout.splitlines() == [prefix + index_path, prefix + key_path, prefix + index_path]


# --- strings that are not valid UTF-8 -------------------------------------------------------------

@pytest.mark.parametrize("text", ["\ud800", "\udfff", "a\udc80b", "x" * 100 + "\ud83d", "\ud83d\ude00", "é\ud800", "😀\udfff"])
def test_lone_surrogate(text):
    msg = "str is not valid UTF-8: surrogates not allowed - at "
    assert encode_error({"name": text}) == msg + "$.name"
    assert encode_error(text) == msg + "$"
    assert encode_error(["ok", text]) == msg + "$[1]"


# --- default= -------------------------------------------------------------------------------------

def test_default_result_is_serialized():
    def default(obj):
        if isinstance(obj, Foo):
            return {"foo": [1, 2]}
        if isinstance(obj, set):
            return sorted(obj)
        raise TypeError

    assert fastjson.dumps({"a": Foo(), "b": {3, 1, 2}}, default=default) == b'{"a":{"foo":[1,2]},"b":[1,2,3]}'
    assert fastjson.dumps(Foo(), default=lambda o: None) == b"null"
    assert fastjson.dumps(Foo(), default=lambda o: "é\n") == b'"\xc3\xa9\\n"'


def test_default_result_may_need_default_again():
    calls = []

    def default(obj):
        calls.append(type(obj).__name__)
        return Bar() if isinstance(obj, Foo) else "bar"

    assert fastjson.dumps([Foo()], default=default) == b'["bar"]'
    assert calls == ["Foo", "Bar"]


def test_default_not_called_for_supported_types():
    def default(obj):
        raise AssertionError(f"default called with {obj!r}")

    import collections
    import enum

    class E(enum.IntEnum):
        A = 1

    class S(str):
        pass

    doc = {
        "s": "x", "i": 1, "big": 2**100, "f": 1.5, "t": True, "n": None, "l": [1], "tu": (2,),
        "d": {"k": "v"}, "e": E.A, "sub": S("s"), "od": collections.OrderedDict(a=1), 3: 4, None: 5,
    }
    assert fastjson.dumps(doc, default=default) == fastjson.dumps(doc)


def test_default_raising_chains_cause():
    err = ValueError("boom")

    def default(obj):
        raise err

    with pytest.raises(fastjson.JSONEncodeError) as info:
        fastjson.dumps({"x": Foo()}, default=default)
    assert str(info.value) == "Type is not JSON serializable: Foo - at $.x"
    assert info.value.__cause__ is err


def test_default_raising_on_second_call_names_that_type():
    def default(obj):
        if isinstance(obj, Foo):
            return Bar()
        raise KeyError("no")

    with pytest.raises(fastjson.JSONEncodeError) as info:
        fastjson.dumps({"a": [0, Foo()]}, default=default)
    assert str(info.value) == "Type is not JSON serializable: Bar - at $.a[1]"
    assert type(info.value.__cause__) is KeyError


def test_default_result_errors_have_paths():
    assert encode_error({"x": Foo()}, default=lambda o: {"y": [math.nan]}) == (
        "Out of range float values are not JSON compliant: nan - at $.x.y[0]"
    )

    def default(obj):
        if isinstance(obj, Foo):
            return {"y": {1}}
        raise TypeError("unsupported")

    assert encode_error({"x": Foo()}, default=default) == "Type is not JSON serializable: set - at $.x.y"


def test_default_returning_new_objects_hits_depth_limit():
    # Each default call is one nesting level, so a default that never makes progress stops.
    assert encode_error(Foo(), default=lambda o: Foo()) == "Maximum nesting depth exceeded (1024) - at $"
    assert encode_error({"a": Foo()}, default=lambda o: Foo()) == "Maximum nesting depth exceeded (1024) - at $.a"
    msg = encode_error(Foo(), default=lambda o: [Foo()])
    assert re.fullmatch(r"Maximum nesting depth exceeded \(1024\) - at \$(\[0\]){16}\.\.\.(\[0\]){16}", msg), msg


def test_default_returning_its_argument_is_circular():
    # The object handed to default is on the encoder's stack until its result is written, so getting
    # it back (directly or inside a container) is a repeat like a container containing itself.
    assert encode_error(Foo(), default=lambda o: o) == "Circular reference detected - at $"
    assert encode_error({"a": Foo()}, default=lambda o: o) == "Circular reference detected - at $.a"
    assert encode_error({"a": Foo()}, default=lambda o: {"b": [o]}) == "Circular reference detected - at $.a.b[0]"


def test_default_calls_count_as_levels():
    # 1023 lists hold a Foo at depth 1023; default's call is level 1024, its list result level 1025.
    foo_in_lists: object = Foo()
    for _ in range(1023):
        foo_in_lists = [foo_in_lists]
    assert fastjson.dumps(foo_in_lists, default=lambda o: 0) == b"[" * 1023 + b"0" + b"]" * 1023
    assert encode_error(foo_in_lists, default=lambda o: [0]).startswith("Maximum nesting depth exceeded (1024) - at $")


def test_default_mutating_a_list_matches_stdlib():
    # The list is re-read at each step, as stdlib does; a dropped item must stay alive while in use.
    doc = [Foo(), 1, 2, 3]

    def default(obj):
        doc.clear()
        return "x"

    expected = json.dumps(doc, default=default, separators=(",", ":")).encode()
    doc[:] = [Foo(), 1, 2, 3]
    assert fastjson.dumps(doc, default=default) == expected == b'["x"]'


def test_default_mutating_a_dict_does_not_crash():
    doc = {"a": Foo(), "b": [1], "c": "s"}

    def default(obj):
        doc.clear()
        doc.update({f"k{i}": [i] for i in range(100)})
        return "x"

    try:
        out = fastjson.dumps(doc, default=default)
    except (RuntimeError, fastjson.JSONEncodeError):
        return
    assert json.loads(out)["a"] == "x"


def test_default_none_means_no_default():
    assert encode_error(Foo(), default=None) == "Type is not JSON serializable: Foo - at $"


# --- arguments ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "name"), [(1, "int"), ("f", "str"), ([], "list"), (Foo(), "Foo")])
def test_default_not_callable(value, name):
    with pytest.raises(TypeError) as info:
        fastjson.dumps({"a": 1}, default=value)
    assert str(info.value) == f"default must be callable, not {name}"


def test_unknown_keyword():
    with pytest.raises(TypeError) as info:
        fastjson.dumps(1, foo=1)
    assert str(info.value) == "dumps() got an unexpected keyword argument 'foo'"
    with pytest.raises(TypeError) as info:
        fastjson.dumps(1, default=None, ensure_ascii=True)
    assert str(info.value) == "dumps() got an unexpected keyword argument 'ensure_ascii'"


def test_positional_only_and_arity():
    with pytest.raises(TypeError):
        fastjson.dumps()
    with pytest.raises(TypeError):
        fastjson.dumps(1, None)
    with pytest.raises(TypeError):
        fastjson.dumps(obj=1)


def test_cycle_through_nested_lists_is_an_error_not_a_crash():
    # Found by the dumps fuzzer: the 1024 levels of "true,[[null," before the cycle is detected
    # ended a reservation exactly at the writer's usable end, and the writer then ran past it.
    x = [None]
    l = [True, [x]]
    x.append(l)
    with pytest.raises(fastjson.JSONEncodeError) as info:
        fastjson.dumps([l])
    assert str(info.value) == "Circular reference detected - at $[0][1][0][1]"
