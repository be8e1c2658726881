# fastjson.dumps output: exact bytes, checked against stdlib json (compact, ensure_ascii=False) and
# against literal bytes where stdlib cannot serve as the oracle (nesting past its recursion limit).
import collections
import enum
import json

import pytest

import fastjson


def ref(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def check(obj: object) -> None:
    out = fastjson.dumps(obj)
    assert type(out) is bytes
    assert out == ref(obj)


def short_id(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- scalars --------------------------------------------------------------------------------------

LITERALS = [
    (None, b"null"),
    (True, b"true"),
    (False, b"false"),
    (0, b"0"),
    (-1, b"-1"),
    (2**64, b"18446744073709551616"),
    (-(2**63), b"-9223372036854775808"),
    (10**100, b"1" + b"0" * 100),
    (-0.0, b"-0.0"),
    (0.0, b"0.0"),
    (1e16, b"1e+16"),
    (1e-5, b"1e-05"),
    (5e-324, b"5e-324"),
    (1.7976931348623157e308, b"1.7976931348623157e+308"),
    (0.1, b"0.1"),
    (1 / 3, b"0.3333333333333333"),
    ("", b'""'),
    ("a\u2028b", '"a\u2028b"'.encode()),
    ("\x7f", b'"\x7f"'),
    ("\U0001F600", '"\U0001F600"'.encode()),
    ([], b"[]"),
    ({}, b"{}"),
    ((), b"[]"),
]


@pytest.mark.parametrize(("value", "expected"), LITERALS, ids=[short_id(v) for v, _ in LITERALS])
def test_literal_bytes(value, expected):
    assert fastjson.dumps(value) == expected
    assert ref(value) == expected  # the oracle agrees, so the differential tests below mean this


INTS = [0, 1, -1, 7, 9, 10, 99, 100, 255, 256, -255, -256, 1000, 123456789]
for _k in (7, 8, 15, 16, 31, 32, 53, 62, 63, 64, 65, 100, 127, 128, 129, 200, 1000):
    INTS += [2**_k - 1, 2**_k, 2**_k + 1, -(2**_k) + 1, -(2**_k), -(2**_k) - 1]
for _k in range(1, 40):
    INTS += [10**_k - 1, 10**_k, -(10**_k)]
INTS += [10**100, -(10**100), 3**500, -(7**300)]


@pytest.mark.parametrize("value", INTS, ids=short_id)
def test_int(value):
    check(value)


FLOATS = [
    0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -1.5, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 3.141592653589793,
    1e15, 1e16, 1e17, 1e22, 1e23, 1e-4, 1e-5, 1e-7, 0.0001, 0.00012345, 1.5e-5,
    9999999999999998.0, 1234567890123456.0, 123456789012345680.0, 12345678901234567890.0,
    5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308,
    -1.7976931348623157e308, 4.35, 100.0, 123.456, 1e300, 1e-300, 2.0**53, 2.0**53 + 2, 2.0**63,
    2.0**64, 0.30000000000000004, 1.0000000000000002, 0.9999999999999999, 299792458.0, 6.02214076e23,
    1.602176634e-19, 39.7391, -122.4194, 1e21, 1e-6, 1.1e-6, 123e-7,
]


@pytest.mark.parametrize("value", FLOATS, ids=short_id)
def test_float(value):
    check(value)
    check([value, -value])


# --- strings --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", range(0x20))
def test_every_control_char_escaped_like_stdlib(code):
    check(chr(code))
    check("ab" + chr(code) + "cd")
    check({chr(code): chr(code)})


def test_control_char_escapes_exact():
    expected = (
        b'"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r'
        b'\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019'
        b'\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"'
    )
    assert fastjson.dumps("".join(map(chr, range(0x20)))) == expected
    assert fastjson.dumps('"\\/') == b'"\\"\\\\/"'


STRINGS = [
    "a", "hello world", '"', "\\", "/", '\\"', "\x7f", "\x80", "\xff", "é", "ñandú", "日本語",
    "\u2028", "\u2029", "\u2028\u2029", "\ufeff", "\uffff", "\ud7ff", "\ue000", "\U00010000",
    "\U0010ffff", "😀", "a😀b", "👩‍👩‍👧‍👦", "🇫🇷", "\U0001F600" * 100, "mixed é 日 😀 \n \x00",
    "x" * 15, "x" * 16, "x" * 17, "x" * 31, "x" * 32, "x" * 33, "x" * 63, "x" * 64, "x" * 65,
    "é" * 33, "日" * 33, "😀" * 33, "a" * 31 + '"', "a" * 32 + "\n", "a" * 63 + "\\",
]


@pytest.mark.parametrize("value", STRINGS, ids=short_id)
def test_str(value):
    check(value)
    check([value, {value: value}])


def test_escape_at_every_position_around_simd_widths():
    # Vectorized escape scans process 16/32/64-byte blocks; put each special char at each offset.
    specials = ['"', "\\", "\x00", "\x1f", "\n", "\x7f", "é", "日", "😀", "\u2028"]
    fills = ["a", "é", "日", "😀"]  # 1-, 2-, 3- and 4-byte UTF-8 (and each CPython str kind)
    values = []
    for fill in fills:
        for n in range(1, 72):
            for pos in range(n):
                for c in specials:
                    values.append(fill * pos + c + fill * (n - pos - 1))
    check(values)


LONG_STRINGS = {
    "ascii_100k": "abcdefghij" * 10_000,
    "ascii_70k_escapes": ('say "hi"\\\n\t' * 6_500),
    "ascii_then_control_past_64k": "a" * 70_000 + "\x01",
    "latin1_80k": "é" * 80_000,
    "bmp_70k": "日本" * 35_000,
    "astral_70k": "😀" * 70_000,
    "mixed_1m": ("a\"é\n日😀\x00" * 150_000),
}


@pytest.mark.parametrize("name", LONG_STRINGS)
def test_long_str(name):
    value = LONG_STRINGS[name]
    check(value)
    check({value: [value]})


# --- containers -----------------------------------------------------------------------------------

CONTAINERS = [
    [[]], [{}], {"a": []}, {"a": {}}, [1, "a", None, True, False, 1.5], (1, (2, (3,))),
    {"a": 1, "b": [1, 2, {"c": None}], "d": {"e": {"f": "g"}}}, [[[[[[[[]]]]]]]],
    {"": 0}, {"key with spaces": 1, "é": 2, "\n": 3, '"': 4},
    [list(range(100)), tuple(range(50)), {str(i): i for i in range(50)}],
]


@pytest.mark.parametrize("value", CONTAINERS, ids=short_id)
def test_container(value):
    check(value)


def test_same_object_twice_is_not_circular():
    shared = [1, {"a": 2}]
    check([shared, shared, {"x": shared, "y": shared}])


def test_dict_order_is_insertion_order():
    d = {"a": 1, "b": 2, "c": 3}
    del d["b"]
    d["b"] = 4
    d["z"] = 5
    assert fastjson.dumps(d) == b'{"a":1,"c":3,"b":4,"z":5}'
    check(d)


def test_many_keys():
    d = {f"key{i}": i for i in range(100_000)}
    check(d)
    check({i: str(i) for i in range(10_000)})


def test_large_list():
    check(list(range(200_000)))
    check([{"id": i, "name": f"n{i}", "v": i / 7, "ok": i % 2 == 0, "x": None} for i in range(20_000)])


def test_deep_nesting_within_limit():
    # 1024 levels are allowed; stdlib would hit its recursion limit, so compare with literal bytes.
    value: object = []
    for _ in range(1023):
        value = [value]
    assert fastjson.dumps(value) == b"[" * 1024 + b"]" * 1024
    value = {}
    for _ in range(1023):
        value = {"k": value}
    assert fastjson.dumps(value) == b'{"k":' * 1023 + b"{}" + b"}" * 1023
    value = 1
    for _ in range(1024):
        value = (value,)
    assert fastjson.dumps(value) == b"[" * 1024 + b"1" + b"]" * 1024


def test_moderate_nesting_matches_stdlib():
    value: object = "leaf"
    for i in range(300):
        value = [value, i] if i % 2 else {"k": value, "i": i}
    check(value)


# --- dict keys ------------------------------------------------------------------------------------

KEY_DICTS = [
    {1: "a"},
    {-1: "a"},
    {0: 0},
    {2**64: 1, -(2**63): 2, 10**30: 3},
    {1.5: 1},
    {-0.0: 1},
    {0.1: 1, 1e16: 2, 1e-5: 3, 5e-324: 4},
    {True: 1},
    {False: 1},
    {None: 1},
    {1: "int", "1": "str"},  # duplicate output keys, exactly as stdlib writes them
    {"a": 1, 2: 2, 3.5: 3, None: 4, True: 5, False: 6},
    {"é": 1, "😀": 2, "\x00": 3, "\u2028": 4},
]


@pytest.mark.parametrize("value", KEY_DICTS, ids=short_id)
def test_non_str_keys(value):
    check(value)


def test_non_str_keys_literal():
    assert fastjson.dumps({2: 1, 1.5: 2, True: 3, None: 4}) == b'{"2":1,"1.5":2,"true":3,"null":4}'
    assert fastjson.dumps({False: 0}) == b'{"false":0}'


# --- subclasses -----------------------------------------------------------------------------------


class MyInt(int):
    def __repr__(self):
        return "MyInt!"

    __str__ = __repr__


class MyFloat(float):
    def __repr__(self):
        return "MyFloat!"

    __str__ = __repr__


class MyStr(str):
    def __str__(self):
        return "MyStr!"


class MyDict(dict):
    pass


class MyList(list):
    pass


class MyTuple(tuple):
    pass


class Color(enum.IntEnum):
    RED = 1
    BIG = 2**70


class Perm(enum.IntFlag):
    R = 4
    W = 2


class Shade(float, enum.Enum):
    HALF = 0.5


class Name(str, enum.Enum):
    ALICE = "alice"


Point = collections.namedtuple("Point", "x y")

SUBCLASSES = [
    MyInt(5),
    MyInt(-(2**80)),
    MyFloat(2.5),
    MyFloat(1e-7),
    MyStr("text é\n"),
    MyDict(a=1, b=[2]),
    MyList([1, 2, MyList([3])]),
    MyTuple((1, "x")),
    Color.RED,
    Color.BIG,
    Perm.R | Perm.W,
    Shade.HALF,
    Name.ALICE,
    Point(1, 2),
    collections.OrderedDict([("b", 1), ("a", 2)]),
    collections.defaultdict(list, {"x": [1]}),
    collections.Counter("abracadabra"),
    {MyStr("k"): 1, MyInt(3): 2, MyFloat(0.5): 3, Color.RED: 4},
    [MyInt(1), MyFloat(1.0), MyStr("s"), MyDict(), MyList(), MyTuple()],
]


@pytest.mark.parametrize("value", SUBCLASSES, ids=short_id)
def test_subclasses(value):
    check(value)


def test_subclass_literal():
    assert fastjson.dumps([MyInt(5), MyFloat(2.5), MyStr("s"), Color.RED]) == b'[5,2.5,"s",1]'
    assert fastjson.dumps({Color.RED: Point(1, 2)}) == b'{"1":[1,2]}'


def test_ordered_dict_after_move_to_end():
    # OrderedDict keeps its own order; move_to_end does not move the key in the underlying dict.
    od = collections.OrderedDict([("a", 1), ("b", 2), ("c", 3)])
    od.move_to_end("a")
    assert ref(od) == b'{"b":2,"c":3,"a":1}'
    check(od)


class ReversedItems(dict):
    def items(self):
        return list(reversed(list(super().items())))


class ShoutingIter(list):
    def __iter__(self):
        return iter(["not", "these"])


def test_subclass_overrides_follow_stdlib():
    # json writes dict subclasses through items() and list/tuple subclasses through __iter__.
    d = ReversedItems(a=1, b=2)
    assert ref(d) == b'{"b":2,"a":1}'
    check(d)
    check({"x": ReversedItems({1: [ReversedItems(z=0, y=1)]})})
    items = ShoutingIter([1, 2])
    assert ref(items) == b'["not","these"]'
    check(items)
    check([ShoutingIter([1]), {"k": ShoutingIter()}])


def test_input_is_not_modified():
    value = {"a": [1, 2.5, "x"], 1: None}
    snapshot = repr(value)
    fastjson.dumps(value)
    assert repr(value) == snapshot


def test_bool_is_not_int():
    assert fastjson.dumps([True, False, 1, 0]) == b"[true,false,1,0]"


def test_repeated_calls_are_independent():
    # Encoder state (buffers, depth, path) must be reset between calls, including after an error.
    with pytest.raises(fastjson.JSONEncodeError):
        fastjson.dumps({"a": [1, 2, {"b": {1, 2}}]})
    assert fastjson.dumps({"a": [1]}) == b'{"a":[1]}'
    big = "x" * 100_000
    assert fastjson.dumps(big) == b'"' + big.encode() + b'"'
    assert fastjson.dumps(1) == b"1"


def test_dict_table_kinds_and_deleted_entries():
    # The encoder walks CPython's dict tables itself: deleted slots, str-only and general tables
    # (non-str keys) and split tables (instance __dict__) must all come out in insertion order.
    sparse = {f"k{i}": i for i in range(40)}
    for i in range(0, 40, 3):
        del sparse[f"k{i}"]
    sparse["late"] = "added after deletions"
    general = {1: "one", "two": 2, None: 3, 2.5: [4]}
    del general["two"]

    class Obj:
        def __init__(self):
            self.a = 1
            self.b = [2, {"c": 3}]

    objs = [Obj(), Obj()]
    del objs[1].a
    emptied = {"x": 1}
    del emptied["x"]
    for value in (sparse, general, objs[0].__dict__, objs[1].__dict__, emptied, [sparse, general]):
        check(value)
