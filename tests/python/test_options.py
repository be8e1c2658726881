# dumps' keyword options (issue 6): indent and sort_keys against json.dumps byte for byte,
# append_newline, non_str_keys, allow_nan, dumps_str, argument errors, and identical output from
# compile() (native code and interpreter) with the same options.
import datetime
import enum
import json
import sys
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastjson
from test_compile import interpreter_compile
from test_differential import any_values, round_trip_values
from test_leaks import assert_no_leak


def ref(obj: object, **kwargs) -> bytes:
    return json.dumps(obj, ensure_ascii=False, **kwargs).encode()


def encode_error(obj: object, **options) -> str:
    with pytest.raises(fastjson.JSONEncodeError) as info:
        fastjson.dumps(obj, **options)
    return str(info.value)


DOC = {"b": [1, 2.5, {"z": None, "a": []}, {}], "a": {"é": "x\n\"y\""}, "c": [[[]]], 1: True}


# --- indent / sort_keys ---------------------------------------------------------------------------

@pytest.mark.parametrize("indent", [0, 1, 2, 4, 7])
@pytest.mark.parametrize("sort_keys", [False, True])
def test_indent_and_sort_keys_match_json(indent, sort_keys):
    doc = {k if k != 1 else "1": v for k, v in DOC.items()}  # sortable keys
    assert fastjson.dumps(doc, indent=indent, sort_keys=sort_keys) == ref(
        doc, indent=indent, sort_keys=sort_keys)
    assert fastjson.dumps_str(doc, indent=indent, sort_keys=sort_keys) == json.dumps(
        doc, indent=indent, sort_keys=sort_keys, ensure_ascii=False)


def test_indent_exact_layout():
    assert fastjson.dumps({"a": [1, {}], "b": []}, indent=2) == (
        b'{\n  "a": [\n    1,\n    {}\n  ],\n  "b": []\n}')
    assert fastjson.dumps([], indent=2) == b"[]"
    assert fastjson.dumps("a,b:[c]{d}", indent=2) == b'"a,b:[c]{d}"'  # structure inside strings
    assert fastjson.dumps({'q"\\': ['\\"', "]"]}, indent=1) == ref({'q"\\': ['\\"', "]"]}, indent=1)
    assert fastjson.dumps(1, indent=None) == b"1"


def test_indent_over_large_output():
    doc = [{"id": i, "name": "x" * (i % 50), "v": [i / 3, None]} for i in range(3000)]
    assert fastjson.dumps(doc, indent=3) == ref(doc, indent=3)
    assert fastjson.dumps_str(doc, indent=3) == json.dumps(doc, indent=3)


def test_indent_relays_out_fragments():
    frag = fastjson.Fragment(b'{ "a" : [ 1 , 2 ] ,\n "b" : { } }')
    assert fastjson.dumps([frag], indent=2) == ref([{"a": [1, 2], "b": {}}], indent=2)


@settings(max_examples=200)
@given(round_trip_values, st.integers(min_value=0, max_value=6), st.booleans())
def test_indent_sort_keys_property(value, indent, sort_keys):
    assert fastjson.dumps(value, indent=indent, sort_keys=sort_keys) == ref(
        value, indent=indent, sort_keys=sort_keys)


@settings(max_examples=200)
@given(any_values)
def test_sort_keys_compact_property(value):
    try:
        expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except TypeError as exc:  # keys of types that do not compare: the same TypeError
        with pytest.raises(TypeError) as info:
            fastjson.dumps(value, sort_keys=True)
        assert str(info.value) == str(exc)
        return
    assert fastjson.dumps(value, sort_keys=True) == expected


def test_sort_keys_incomparable_keys_raise_like_json():
    with pytest.raises(TypeError, match="^'<' not supported between instances of 'str' and 'int'$"):
        fastjson.dumps({1: 1, "a": 2}, sort_keys=True)


def test_sort_keys_applies_to_subclasses_and_dataclasses():
    import collections
    import dataclasses

    @dataclasses.dataclass
    class D:
        zeta: int
        alpha: int

    doc = collections.OrderedDict([("b", 1), ("a", D(1, 2))])
    assert fastjson.dumps(doc, sort_keys=True) == b'{"a":{"alpha":2,"zeta":1},"b":1}'


# --- append_newline -------------------------------------------------------------------------------

def test_append_newline():
    assert fastjson.dumps([1], append_newline=True) == b"[1]\n"
    assert fastjson.dumps({"a": 1}, append_newline=True, indent=1) == b'{\n "a": 1\n}\n'
    assert fastjson.dumps_str("x" * 10000, append_newline=True) == '"' + "x" * 10000 + '"\n'


# --- allow_nan ------------------------------------------------------------------------------------

def test_allow_nan_writes_null():
    doc = {"a": [float("nan"), float("inf"), -float("inf"), 1.5]}
    assert encode_error(doc) == "Out of range float values are not JSON compliant: nan - at $.a[0]"
    assert fastjson.dumps(doc, allow_nan=True) == b'{"a":[null,null,null,1.5]}'
    assert encode_error(doc, allow_nan=False) == encode_error(doc)
    # Keys are text, not numbers: written as json writes them whatever the option.
    assert fastjson.dumps({float("nan"): 1}, allow_nan=True) == b'{"NaN":1}'


# --- non_str_keys ---------------------------------------------------------------------------------

class Color(enum.Enum):
    RED = "red"
    ONE = 1
    HALF = 0.5


def test_non_str_keys():
    u = uuid.UUID(int=1)
    doc = {Color.RED: 1, Color.ONE: 2, Color.HALF: 3, u: 4, datetime.date(2020, 1, 2): 5,
           datetime.datetime(2020, 1, 2, 3, 4, tzinfo=datetime.timezone.utc): 6,
           datetime.time(1, 2): 7, 8: 8, 1.5: 9, None: 10, True: 11}
    assert fastjson.dumps(doc, non_str_keys=True) == (
        b'{"red":1,"1":2,"0.5":3,"00000000-0000-0000-0000-000000000001":4,"2020-01-02":5,'
        b'"2020-01-02T03:04:00+00:00":6,"01:02:00":7,"8":8,"1.5":9,"null":10,"true":11}')
    # Without the option: the stdlib's key types only, as before.
    assert encode_error({"a": {u: 1}}) == (
        "Dict keys must be str, int, float, bool or None, not UUID - at $.a")
    assert encode_error({(1,): 1}, non_str_keys=True) == (
        "Dict keys must be str, int, float, bool or None, not tuple - at $")


def test_non_str_key_path_in_errors():
    u = uuid.UUID(int=2)
    assert encode_error({u: [float("nan")]}, non_str_keys=True) == (
        'Out of range float values are not JSON compliant: nan - at $["00000000-0000-0000-0000-000000000002"][0]')


# --- dumps_str ------------------------------------------------------------------------------------

@pytest.mark.parametrize("doc", [
    [], "", {"a": "b"}, "x" * 100_000, ["é" * 3000, "x" * 5000], ["😀"] * 2000, {"k": list(range(5000))},
])
def test_dumps_str_equals_decoded_bytes(doc):
    out = fastjson.dumps_str(doc)
    assert type(out) is str
    assert out == fastjson.dumps(doc).decode()
    assert out == json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    assert hash(out) == hash(fastjson.dumps(doc).decode())  # a well-formed str
    assert out.isascii() == fastjson.dumps(doc).isascii()


def test_dumps_str_ascii_result_is_compact_and_exact_size():
    doc = {"k": list(range(20000))}
    out = fastjson.dumps_str(doc)
    expected = fastjson.dumps(doc).decode()
    assert sys.getsizeof(out) == sys.getsizeof(expected)  # no spare capacity left behind
    assert out + "!" == expected + "!" and out.encode() == expected.encode()


def test_dumps_str_errors_and_leaks():
    with pytest.raises(fastjson.JSONEncodeError):
        fastjson.dumps_str([object()])
    with pytest.raises(UnicodeDecodeError):
        fastjson.dumps_str([fastjson.Fragment(b"\xff" * 5000)])
    big = ["x" * 10000]
    small = ["é"]
    assert_no_leak(lambda: fastjson.dumps_str(big), big, calls=20_000)
    assert_no_leak(lambda: fastjson.dumps_str(small, indent=2), small, calls=20_000)


# --- arguments ------------------------------------------------------------------------------------

def test_option_argument_errors():
    with pytest.raises(TypeError, match="^indent must be None or an int, not str$"):
        fastjson.dumps(1, indent="  ")
    with pytest.raises(TypeError, match="^indent must be None or an int, not bool$"):
        fastjson.dumps(1, indent=True)
    with pytest.raises(ValueError, match="^indent must be between 0 and 1024, got -1$"):
        fastjson.dumps(1, indent=-1)
    with pytest.raises(TypeError, match="^dumps_str\\(\\) got an unexpected keyword argument 'str'$"):
        fastjson.dumps_str(1, str=True)
    with pytest.raises(TypeError, match="^dumps_str\\(\\) takes exactly 1 positional argument \\(2 given\\)$"):
        fastjson.dumps_str(1, 2)


# --- compiled encoders take the same options ------------------------------------------------------

from typing import TypedDict  # noqa: E402


class Row(TypedDict):
    id: int
    name: str
    score: float
    tags: list[str]
    extra: dict[str, float]


ROWS = [{"id": i, "name": f"n{i}é", "score": i / 7, "tags": ["b", "a"][: i % 3],
         "extra": {"z": 1.0, "a": float("nan") if i == 5 else 2.0}} for i in range(40)]

OPTION_SETS = [
    {},
    {"indent": 2},
    {"indent": 0, "sort_keys": True},
    {"sort_keys": True},
    {"append_newline": True, "allow_nan": True},
    {"allow_nan": True, "indent": 3, "sort_keys": True},
]


@pytest.mark.parametrize("options", OPTION_SETS)
@pytest.mark.parametrize("compile", [fastjson.compile, interpreter_compile])
def test_compiled_options_equal_dumps(options, compile):
    enc = compile(list[Row])
    rows = ROWS if options.get("allow_nan") else [r for r in ROWS if r["id"] != 5]
    expected = fastjson.dumps(rows, **options)
    assert enc.dumps(rows, **options) == expected
    assert enc.dumps_str(rows, **options) == expected.decode()
    if "indent" in options:
        assert expected == ref(rows, indent=options["indent"], sort_keys=options.get("sort_keys", False),
                               allow_nan=True).replace(b"NaN", b"null") + (
            b"\n" if options.get("append_newline") else b"")


@pytest.mark.parametrize("compile", [fastjson.compile, interpreter_compile])
def test_compiled_dumps_str_large_output(compile):
    # Native code writes through the same writer: its growth in str mode, ASCII and not.
    enc = compile(list[Row])
    rows = [dict(r, name=f"n{r['id']}") for r in ROWS if r["id"] != 5] * 100
    assert enc.dumps_str(rows) == fastjson.dumps(rows).decode()
    rows[-1] = dict(rows[-1], name="é")
    assert enc.dumps_str(rows) == fastjson.dumps(rows).decode()


@pytest.mark.parametrize("compile", [fastjson.compile, interpreter_compile])
def test_compiled_nan_error_unchanged_without_option(compile):
    enc = compile(list[Row])
    with pytest.raises(fastjson.JSONEncodeError) as info:
        enc.dumps(ROWS)
    assert str(info.value) == "Out of range float values are not JSON compliant: nan - at $[5].extra.a"


def test_compiled_default_applies_to_any_nodes():
    enc = fastjson.compile({"a": object})
    assert enc.dumps({"a": {1j}}, default=lambda o: "c") == b'{"a":"c"}'
