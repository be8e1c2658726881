# fastjson.loads: json.loads' values exactly, json.loads' error messages and positions where it
# rejects too, and fastjson's own errors where RFC 8259 is stricter than json.loads.
import gc
import json
import lzma
import math
import random
import struct
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastjson

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPORA = ("twitter", "github", "citm_catalog", "canada")

BOM = "Unexpected UTF-8 BOM (decode using utf-8-sig)"
LONE_ESCAPE = "Lone surrogate in \\u escape"
LONE_CHAR = "Lone surrogate in string"
NON_FINITE = "NaN and Infinity are not valid JSON"
TOO_DEEP = "Maximum nesting depth exceeded (1024)"
INVALID_UTF8 = "Invalid UTF-8"


def corpus(name: str) -> bytes:
    packed = REPO_ROOT / "bench" / "data" / f"{name}.json.xz"
    if packed.is_file():
        return lzma.decompress(packed.read_bytes())
    plain = Path("/work/shared/data") / f"{name}.json"
    if not plain.is_file():
        pytest.skip(f"corpus {name} not available")
    return plain.read_bytes()


def same(a: object, b: object) -> bool:
    """Equality that also tells int from float from bool, -0.0 from 0.0, and dict key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


def assert_same_as_json(doc) -> object:
    expected = json.loads(doc)
    got = fastjson.loads(doc)
    assert same(got, expected), (doc, got, expected)
    return got


def decode_error(doc) -> fastjson.JSONDecodeError:
    with pytest.raises(fastjson.JSONDecodeError) as info:
        fastjson.loads(doc)
    assert type(info.value) is fastjson.JSONDecodeError
    return info.value


# --- values ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CORPORA)
def test_corpus_equals_json_loads(name):
    data = corpus(name)
    assert_same_as_json(data)
    assert_same_as_json(data.decode())
    assert_same_as_json(bytearray(data))
    assert same(fastjson.loads(memoryview(data)), json.loads(data))


VALUE_DOCS = [
    # numbers: ints stay exact ints of any size; -0 is int 0; floats are correctly rounded
    "0", "-0", "-0.0", "0.0", "0e0", "-0e-5", "1E2", "1e2", "1e+2", "1e-2", "1.5E-3",
    "1e400", "-1e400", "1e-400", "-1e-400", "0e999999999999999999999",
    str(2**63 - 1), str(2**63), str(-(2**63)), str(-(2**63) - 1), str(2**64 - 1), str(2**64),
    str(-(2**64)), str(10**100), str(-(10**100)), "1" + "0" * 400,
    "1.7976931348623157e308", "1.7976931348623159e308", "5e-324", "2e-324",
    "2.2250738585072011e-308", "2.2250738585072014e-308", "0.1", "0.30000000000000004",
    "3.14159265358979323846264338327950288419716939937510582097494459",
    "123456789012345678901234567890.5", "9007199254740993", "9007199254740993.0",
    "1" + "0" * 30 + "e-30", "0." + "0" * 400 + "1",
    # strings
    '""', '"a"', '"\\u0000"', '"\\"\\\\\\/\\b\\f\\n\\r\\t"', '"\\u00e9"', '"\\u00E9\\u2028"',
    '"\\ud83d\\ude00"', '"\\uD83D\\uDE00"', '"é日😀"', '"\x7f"', '"\\u0041\\u0042"',
    '"' + "x" * 1000 + '"', '"' + "é" * 1000 + '"', '"' + "😀" * 100 + "a" * 100 + '"',
    '"\xff\u0100"', '"\u0100\U00010000"', '"a\\nb\\u00e9c\\ud83d\\ude00d"',
    # literals, containers, whitespace
    "true", "false", "null", "[]", "{}", "[[]]", "[{}]", '{"":""}', " \t\n\r[ \t\n\r1 \t\n\r] \t\n\r",
    '{"a": [1, 2.5, "x", null, true, false, {}, []]}', '[1, [2, [3, [4, [5]]]]]',
    # duplicate keys keep the last value in the first key's place
    '{"a": 1, "b": 2, "a": 3}', '{"a": 1, "a": {"x": 1}, "a": [2]}',
    # keys: empty, escaped, non-ASCII, longer than the key cache takes, many per object
    '{"": 1, "\\u0041": 2, "é": 3, "日本": 4, "😀": 5}',
    '{"' + "k" * 65 + '": 1, "' + "k" * 64 + '": 2, "' + "é" * 40 + '": 3}',
    "{" + ", ".join(f'"key{i}": {i}' for i in range(100)) + "}",
    "[" + ", ".join(f'{{"id": {i}, "name": "n{i}", "ok": true}}' for i in range(50)) + "]",
]


@pytest.mark.parametrize("doc", VALUE_DOCS)
def test_value_equals_json_loads(doc):
    assert_same_as_json(doc)
    assert_same_as_json(doc.encode())


def test_exact_values():
    assert fastjson.loads("-0") == 0 and type(fastjson.loads("-0")) is int
    assert math.copysign(1.0, fastjson.loads("-0.0")) == -1.0
    assert fastjson.loads("1e400") == math.inf and fastjson.loads("-1e400") == -math.inf
    assert fastjson.loads("1E2") == 100.0 and type(fastjson.loads("1E2")) is float
    assert fastjson.loads(str(2**64)) == 2**64
    assert fastjson.loads(str(10**100)) == 10**100
    assert fastjson.loads(str(-(2**63) - 1)) == -(2**63) - 1
    assert fastjson.loads("[18446744073709551616, 1.5]") == [2**64, 1.5]
    assert fastjson.loads('{"a": 1, "a": 2}') == {"a": 2}
    assert fastjson.loads('"\\ud83d\\ude00"') == "\U0001f600"


def test_int_digit_limit_like_json_loads():
    doc = "1" * 5000
    with pytest.raises(ValueError) as ours:
        fastjson.loads(doc)
    with pytest.raises(ValueError) as theirs:
        json.loads(doc)
    assert type(ours.value) is type(theirs.value) is ValueError
    assert str(ours.value) == str(theirs.value)


def test_key_cache_many_distinct_and_repeated_keys():
    # More distinct keys than the cache has slots, then the same keys again (now cached or
    # evicted): every object must still get exactly its own keys.
    keys = [f"k{i}" for i in range(5000)] + ["é" + str(i) for i in range(100)] + ["x" * 64]
    doc = json.dumps([{k: i} for i, k in enumerate(keys)])
    for _ in range(2):
        assert fastjson.loads(doc) == [{k: i} for i, k in enumerate(keys)]
    assert fastjson.loads('{"é0": 1, "k1": 2}') == {"é0": 1, "k1": 2}


@pytest.mark.parametrize("length", range(0, 72))
def test_strings_and_keys_of_every_length(length):
    # Lengths around the 8/16-byte word and SSE2 boundaries, the 16-byte inline key slot and
    # the 64-byte cache limit; an escape or a non-ASCII character at the start, middle and end.
    base = "".join(chr(ord("a") + i % 26) for i in range(length))
    variants = [base]
    for at in {0, length // 2, max(length - 1, 0)}:
        for insert in ("\n", '"', "é", "日", "😀"):
            variants.append(base[:at] + insert + base[at:])
    for text in variants:
        doc = json.dumps({text: [text, text.upper()], text.upper(): text}, ensure_ascii=False)
        for given_doc in (doc, doc.encode(), json.dumps(json.loads(doc))):
            assert same(fastjson.loads(given_doc), json.loads(given_doc)), given_doc
    # keys equal except in one middle byte must stay distinct
    if length >= 3:
        other = base[: length // 2] + "#" + base[length // 2 + 1 :]
        doc = json.dumps([{base: 1}, {other: 2}, {base: 3}])
        assert fastjson.loads(doc) == [{base: 1}, {other: 2}, {base: 3}]


@pytest.mark.parametrize("n", [1, 2, 3, 17, 1000])
def test_decoded_lists_are_ordinary_lists(n):
    """loads hands its arrays' slots to empty lists (runtime/list_of.h): the lists must be sized
    exactly for their items and grow, shrink and free like any other list."""
    doc = ("[" + ",".join(str(i) for i in range(n)) + "]").encode()
    typed = fastjson.compile(list[int])
    for got in (fastjson.loads(doc), typed.loads(doc)):
        assert got == list(range(n))
        # n slots allocated, no more, no fewer: as PyList_New(n) leaves a list
        assert sys.getsizeof(got) == sys.getsizeof([]) + n * struct.calcsize("P")
        got.append(-1)
        got.extend(range(3))
        del got[0]
        got.insert(0, "x")
        assert got == ["x", *range(1, n), -1, 0, 1, 2]
        got.clear()
        assert got == [] and sys.getsizeof(got) == sys.getsizeof([])


def test_decoded_floats_are_ordinary_traced_floats():
    """loads allocates its floats itself (runtime/new_float.h): they must be exact floats that
    tracemalloc sees, as a memory profile of a service would need, and that free like any other."""
    import gc
    import tracemalloc

    doc = ("[" + ",".join(f"{i}.25" for i in range(10_000)) + "]").encode()
    typed = fastjson.compile(list[float])
    for load in (fastjson.loads, typed.loads):
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            got = load(doc)
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert got == json.loads(doc) and all(type(x) is float for x in got)
        assert hash(got[3]) == hash(3.25) and got[3] + 1 == 4.25
        # 10,000 float objects of 24 bytes, plus the list's 8-byte slots
        assert grown >= 10_000 * (sys.getsizeof(1.0) + 8), grown
        del got


def test_repeated_keys_share_one_object():
    first, second = fastjson.loads('[{"name": 1}, {"name": 2}]')
    assert next(iter(first)) is next(iter(second))


# --- input types -----------------------------------------------------------------------------------


def test_input_types():
    assert fastjson.loads(b"[1]") == [1]
    assert fastjson.loads(bytearray(b"[1]")) == [1]
    assert fastjson.loads(memoryview(b"[1]")) == [1]
    assert fastjson.loads(memoryview(b"xx[3]yy")[2:5]) == [3]
    assert fastjson.loads("[1]") == [1]

    class B(bytes):
        pass

    class S(str):
        pass

    assert fastjson.loads(B(b'{"a": 1}')) == {"a": 1}
    assert fastjson.loads(S('{"a": 1}')) == {"a": 1}


@pytest.mark.parametrize(
    "value, name", [(1, "int"), (None, "NoneType"), ([b"1"], "list"), (1.5, "float"), (object(), "object")]
)
def test_wrong_input_type(value, name):
    with pytest.raises(TypeError) as info:
        fastjson.loads(value)
    assert type(info.value) is TypeError
    assert str(info.value) == f"Input must be bytes, bytearray, memoryview, or str, not {name}"


def test_non_contiguous_memoryview():
    with pytest.raises(BufferError):
        fastjson.loads(memoryview(b"[1, 2]")[::2])


def test_call_signature():
    with pytest.raises(TypeError):
        fastjson.loads()
    with pytest.raises(TypeError):
        fastjson.loads(b"1", b"2")
    with pytest.raises(TypeError):
        fastjson.loads(data=b"1")


# --- errors json.loads reports too: same msg and pos -------------------------------------------------

SHARED_ERRORS = [
    ("", "Expecting value", 0),
    ("   ", "Expecting value", 3),
    ("[", "Expecting value", 1),
    ("[1,]", "Expecting value", 3),
    ("[,1]", "Expecting value", 1),
    ("[1 2]", "Expecting ',' delimiter", 3),
    ("[1", "Expecting ',' delimiter", 2),
    ("[1}", "Expecting ',' delimiter", 2),
    ("{", "Expecting property name enclosed in double quotes", 1),
    ('{"a":1,}', "Expecting property name enclosed in double quotes", 7),
    ("{1: 2}", "Expecting property name enclosed in double quotes", 1),
    ("{'a': 1}", "Expecting property name enclosed in double quotes", 1),
    ('{"a" 1}', "Expecting ':' delimiter", 5),
    ('{"a"', "Expecting ':' delimiter", 4),
    ('{"a":}', "Expecting value", 5),
    ('{"a":1', "Expecting ',' delimiter", 6),
    ('{"a":1 "b":2}', "Expecting ',' delimiter", 7),
    ('{"a":1]', "Expecting ',' delimiter", 6),
    ("[1]]", "Extra data", 3),
    ("[1] x", "Extra data", 4),
    ("1 2", "Extra data", 2),
    ("nulll", "Extra data", 4),
    ("truex", "Extra data", 4),
    ("[nullx]", "Expecting ',' delimiter", 5),
    ("nul", "Expecting value", 0),
    ("tru", "Expecting value", 0),
    ("True", "Expecting value", 0),
    ("none", "Expecting value", 0),
    ("// c\n1", "Expecting value", 0),
    ("[1, /* c */ 2]", "Expecting value", 4),
    ("01", "Extra data", 1),
    ("[01]", "Expecting ',' delimiter", 2),
    ("1.", "Extra data", 1),
    ("[1.]", "Expecting ',' delimiter", 2),
    (".5", "Expecting value", 0),
    ("+1", "Expecting value", 0),
    ("-", "Expecting value", 0),
    ("-a", "Expecting value", 0),
    ("1e", "Extra data", 1),
    ("1e+", "Extra data", 1),
    ("[1e+]", "Expecting ',' delimiter", 2),
    ("1.5e", "Extra data", 3),
    ("0x10", "Extra data", 1),
    ("-Inf", "Expecting value", 0),
    ("nan", "Expecting value", 0),
    ('"abc', "Unterminated string starting at", 0),
    ('["abc', "Unterminated string starting at", 1),
    ('"\\', "Unterminated string starting at", 0),
    ('"ab\nc"', "Invalid control character at", 3),
    ('"a\x00"', "Invalid control character at", 2),
    ('"a\x1f', "Invalid control character at", 2),
    ('"\\x"', "Invalid \\escape", 1),
    ('"\\a"', "Invalid \\escape", 1),
    ('"é\\q"', "Invalid \\escape", 2),
    ('"\\U0041"', "Invalid \\escape", 1),
    ('"\\u12"', "Invalid \\uXXXX escape", 2),
    ('"\\u0041', "Invalid \\uXXXX escape", 2),
    ('"\\u12G4"', "Invalid \\uXXXX escape", 2),
    ('"\\ud800\\u12x4"', "Invalid \\uXXXX escape", 8),
    ('"\\ud800\\u12"', "Invalid \\uXXXX escape", 8),
    ('["é", x]', "Expecting value", 6),
    ('{"日本": [1, 2,, 3]}', "Expecting value", 13),
    ('"😀" "', "Extra data", 4),
    ("\u00a01", "Expecting value", 0),
]


@pytest.mark.parametrize("doc, msg, pos", SHARED_ERRORS)
def test_error_matches_json_loads(doc, msg, pos):
    with pytest.raises(json.JSONDecodeError) as theirs:
        json.loads(doc)
    assert (theirs.value.msg, theirs.value.pos) == (msg, pos)  # the table is stdlib's behaviour
    for given_doc in (doc, doc.encode()):
        err = decode_error(given_doc)
        assert (err.msg, err.pos) == (msg, pos)
        assert (err.lineno, err.colno) == (theirs.value.lineno, theirs.value.colno)
        assert err.doc == doc
    assert decode_error(doc).doc is doc


def test_error_position_multiline():
    doc = '{\n  "a": [1, 2],\n  "b" 2\n}'
    err = decode_error(doc)
    assert (err.msg, err.pos, err.lineno, err.colno) == ("Expecting ':' delimiter", 23, 3, 7)
    assert str(err) == "Expecting ':' delimiter: line 3 column 7 (char 23)"
    err = decode_error('[\n"é日",\n  "😀"\n  , tru]')
    assert (err.msg, err.pos, err.lineno, err.colno) == ("Expecting value", 18, 4, 5)
    # bytes: pos counts code points of the decoded doc, not bytes
    err = decode_error(b'{"k\xc3\xa9y":\r\n\t[1,\n2,]}')
    assert (err.msg, err.pos, err.lineno, err.colno) == ("Expecting value", 16, 3, 3)


def test_decode_error_type():
    err = decode_error("[1,]")
    assert isinstance(err, json.JSONDecodeError) and isinstance(err, ValueError)
    assert issubclass(fastjson.JSONDecodeError, json.JSONDecodeError)
    with pytest.raises(ValueError):
        fastjson.loads(b"{")


# --- stricter than json.loads: fastjson's own messages ---------------------------------------------

STRICT_ERRORS = [
    # lone surrogate escapes: the resulting str could not be encoded as UTF-8
    ('"\\ud800"', LONE_ESCAPE, 1),
    ('"\\udc00"', LONE_ESCAPE, 1),
    ('"\\uDBFF"', LONE_ESCAPE, 1),
    ('"ab\\ud800\\u0041"', LONE_ESCAPE, 3),
    ('"\\ud800\\ud800"', LONE_ESCAPE, 1),
    ('"\\ud800x\\udc00"', LONE_ESCAPE, 1),
    ('"\\udc00\\ud800"', LONE_ESCAPE, 1),
    ('{"\\ud800": 1}', LONE_ESCAPE, 2),
    ('["é", "\\ude00"]', LONE_ESCAPE, 7),
    # NaN and Infinity are not JSON
    ("NaN", NON_FINITE, 0),
    ("Infinity", NON_FINITE, 0),
    ("-Infinity", NON_FINITE, 0),
    ('[1, NaN]', NON_FINITE, 4),
    ('{"a": -Infinity}', NON_FINITE, 6),
]


@pytest.mark.parametrize("doc, msg, pos", STRICT_ERRORS)
def test_stricter_than_json_loads(doc, msg, pos):
    json.loads(doc)  # json.loads accepts these
    for given_doc in (doc, doc.encode()):
        err = decode_error(given_doc)
        assert (err.msg, err.pos, err.doc) == (msg, pos, doc)


def test_json_loads_error_wins_over_a_strictness_fault_before_it():
    # json.loads rejects this doc at pos 11; fastjson reports that, not the lone surrogate at 2.
    err = decode_error('["\\ud800", ]')
    assert (err.msg, err.pos) == ("Expecting value", 11)
    err = decode_error("[NaN, 1 2]")
    assert (err.msg, err.pos) == ("Expecting ',' delimiter", 8)


def test_bom():
    for doc in ("\ufeff[1]", b"\xef\xbb\xbf[1]"):
        err = decode_error(doc)
        assert (err.msg, err.pos) == (BOM, 0)
    assert json.loads(b"\xef\xbb\xbf[1]") == [1]  # json.loads strips it from bytes; RFC 8259 forbids it
    with pytest.raises(json.JSONDecodeError) as theirs:
        json.loads("\ufeff[1]")
    assert theirs.value.msg == BOM
    assert fastjson.loads('"\ufeff"') == "\ufeff"  # inside a string it is just a character


@pytest.mark.parametrize(
    "data, pos",
    [
        (b"\xff", 0),
        (b'"\xff"', 1),
        (b'["\xc3\xa9", "\xc3"]', 7),  # truncated sequence
        (b'"\xc0\x80"', 1),  # overlong NUL
        (b'"\xe0\x80\xaf"', 1),  # overlong '/'
        (b'"\xf4\x90\x80\x80"', 1),  # beyond U+10FFFF
        (b'"\xf8\x88\x80\x80\x80"', 1),
        (b'[1, 2] \x80', 7),
        (b"[1,\xff]", 3),  # json.loads fails decoding before it sees the syntax
    ],
)
def test_invalid_utf8(data, pos):
    with pytest.raises(UnicodeDecodeError):
        json.loads(data)
    err = decode_error(data)
    assert (err.msg, err.pos) == (INVALID_UTF8, pos)
    assert err.doc == data.decode("utf-8", "replace")


def test_encoded_surrogates_in_bytes():
    # json.loads decodes bytes with 'surrogatepass': an encoded surrogate in a string is accepted
    # there and rejected here; outside a string both reject it the same way.
    assert json.loads(b'"\xed\xa0\x80"') == "\ud800"
    err = decode_error(b'["a", "\xed\xa0\x80"]')
    assert (err.msg, err.pos, err.doc) == (INVALID_UTF8, 7, '["a", "\ud800"]')
    err = decode_error(b"[\xed\xa0\x80]")
    assert (err.msg, err.pos) == ("Expecting value", 1)


def test_lone_surrogates_in_str_input():
    doc = '["\ud800"]'
    assert json.loads(doc) == ["\ud800"]
    err = decode_error(doc)
    assert (err.msg, err.pos) == (LONE_CHAR, 2)
    assert err.doc is doc
    err = decode_error("[\udc00]")
    assert (err.msg, err.pos) == ("Expecting value", 1)


def test_control_characters_rejected_del_accepted():
    for c in range(0x20):
        err = decode_error(f'"a{chr(c)}"')
        assert (err.msg, err.pos) == ("Invalid control character at", 2)
    assert fastjson.loads('"\x7f\x80"') == "\x7f\x80"


# --- nesting -----------------------------------------------------------------------------------------


def test_nesting_1024_is_accepted():
    value = fastjson.loads("[" * 1024 + "]" * 1024)
    for _ in range(1023):
        value = value[0]
    assert value == []
    # Objects too, and a scalar at the bottom (simdjson's DOM would count these as deeper).
    doc = '{"a":' * 1024 + "1" + "}" * 1024
    value = fastjson.loads(doc)
    for _ in range(1024):
        value = value["a"]
    assert value == 1
    value = fastjson.loads("[" * 1024 + "1" + "]" * 1024)
    for _ in range(1024):
        value = value[0]
    assert value == 1


@pytest.mark.parametrize(
    "doc, pos",
    [
        ("[" * 1025 + "]" * 1025, 1024),
        ("[" * 100_000, 1024),
        ("[" * 100_000 + "]" * 100_000, 1024),
        ('{"a":' * 100_000, 5 * 1024),
        ('{"a":[' * 50_000, 6 * 512),
        (" [" * 2000, 2 * 1024 + 1),
    ],
)
def test_nesting_beyond_1024_is_an_error(doc, pos):
    for given_doc in (doc, doc.encode()):
        err = decode_error(given_doc)
        assert (err.msg, err.pos) == (TOO_DEEP, pos)


# --- robustness --------------------------------------------------------------------------------------


def test_errors_do_not_leak():
    # Rejected documents, including ones that fail after building part of the value.
    docs = ["[1,]", '{"a": [1, 2, {"b": "' + "x" * 100 + '"}], "c": 18446744073709551616, }', "[" * 2000,
            '["\\ud800", 1e400]', b"[1, \xff]", '{"k": 1e400, "k2": [NaN]}']
    import tracemalloc

    def run():
        for doc in docs:
            with pytest.raises(fastjson.JSONDecodeError):
                fastjson.loads(doc)

    run()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for _ in range(2000):
        run()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert grown < 64 * 1024, grown


def test_reentrant_loads_from_finalizers():
    # A finalizer run by a GC pass in the middle of a loads may call loads itself. The fast path
    # keeps the collector off while it builds; the exact path does not, and it builds everything
    # before a fault at the very end (here a raw control character, which sends the document
    # there from simdjson's stage 1).
    inside = []

    class Reenter:
        loading = False

        def __init__(self):
            self.cycle = self

        def __del__(self):
            if Reenter.loading:
                inside.append(fastjson.loads(b'{"nested": [1, 2, {"k": "v"}]}'))

    body = json.dumps([{"k": i, "big": 2**70 + i, "l": [i, "s"]} for i in range(3000)])
    bad = body[:-1] + ', "\x01"]'  # a raw U+0001 inside the last string
    old = gc.get_threshold()
    try:
        for _ in range(3):
            gc.disable()
            garbage = [Reenter() for _ in range(200)]
            del garbage
            gc.set_threshold(10)
            gc.enable()
            Reenter.loading = True
            try:
                err = decode_error(bad)
            finally:
                Reenter.loading = False
            assert (err.msg, err.pos) == ("Invalid control character at", len(bad) - 3)
            assert fastjson.loads(body) == json.loads(body)
    finally:
        gc.set_threshold(*old)
        gc.enable()
        gc.collect()
    assert len(inside) >= 200 and all(r == {"nested": [1, 2, {"k": "v"}]} for r in inside)


def test_gc_state_is_restored():
    assert gc.isenabled()
    fastjson.loads(b'[{"a": [1]}]')
    assert gc.isenabled()
    gc.disable()
    try:
        fastjson.loads(b'[{"a": [1]}]')
        assert not gc.isenabled()
    finally:
        gc.enable()
    value = fastjson.loads(b'[{"a": [1]}, [[]]]')
    assert gc.is_tracked(value) and gc.is_tracked(value[1])


# --- generated documents -------------------------------------------------------------------------

texts = st.text() | st.text(st.characters(max_codepoint=0x7F)) | st.text(st.sampled_from('"\\\n\x00\x1f\x7fé日😀a'))
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**64) - 1, max_value=2**64 + 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
)
values = st.recursive(
    scalars, lambda children: st.lists(children, max_size=6) | st.dictionaries(texts, children, max_size=6),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(values, st.booleans(), st.sampled_from([None, 0, 2]))
def test_generated_documents(value, ensure_ascii, indent):
    doc = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)
    assert same(fastjson.loads(doc), json.loads(doc))
    assert same(fastjson.loads(doc.encode()), json.loads(doc))


MUTATION_SEEDS = [
    '{"a": [1, 2.5, -0, -0.0, 1e400, "x\\u00e9\\ud83d\\ude00", null, true, false], "b": {"c": "\\n\\"\\\\"}}',
    '[18446744073709551616, -9223372036854775809, 1E2, 0.1e-5]',
    '{"k": "v", "k": "w", "\\u0041": [[], {}, [{}]]}',
    ' "\\ud800\\udc00" ',
    '["é日😀", 12, -1.5e+10, "\\u00"]',
]
MUTATION_ALPHABET = list('{}[],:"\\ \t\n0123456789-+.eEuntrfalsNI') + [
    "\\u", "\\ud800", "\\udc00", "é", "\x00", "\x1f", "true", "null", "1e999", "NaN"]


def mutate(rnd: random.Random, doc: str) -> str:
    chars = list(doc)
    for _ in range(rnd.randint(1, 3)):
        i = rnd.randint(0, len(chars))
        op = rnd.random()
        if op < 0.4 and chars:
            del chars[min(i, len(chars) - 1)]
        elif op < 0.8:
            chars.insert(i, rnd.choice(MUTATION_ALPHABET))
        elif chars:
            chars[min(i, len(chars) - 1)] = rnd.choice(MUTATION_ALPHABET)
    return "".join(chars)


OWN_MESSAGES = {LONE_ESCAPE, LONE_CHAR, NON_FINITE}


def test_mutated_documents_match_json_loads():
    # Wherever json.loads raises JSONDecodeError, the same msg and pos; wherever it accepts,
    # the same value or one of fastjson's documented strictness errors.
    rnd = random.Random(20240611)
    for _ in range(4000):
        doc = rnd.choice(MUTATION_SEEDS)
        for _ in range(rnd.randint(1, 3)):
            doc = mutate(rnd, doc)
        try:
            expected, expected_err = json.loads(doc), None
        except json.JSONDecodeError as e:
            expected_err = (e.msg, e.pos)
        try:
            got, got_err = fastjson.loads(doc), None
        except fastjson.JSONDecodeError as e:
            got_err = (e.msg, e.pos)
        if expected_err is not None:
            assert got_err == expected_err, doc
        elif got_err is not None:
            assert got_err[0] in OWN_MESSAGES, (doc, got_err)
        else:
            assert same(got, expected), doc
