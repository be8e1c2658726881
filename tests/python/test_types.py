# The types beyond JSON's own (issue 6): datetime/date/time, UUID, Enum, Decimal, dataclasses,
# NamedTuple, set/frozenset, numpy, Fragment. Exact bytes out (against the stdlib's own text forms
# and orjson's documented output), exact errors, identical bytes from dumps, compile() (native code
# and interpreter), and no leaked references.
import dataclasses
import datetime
import decimal
import enum
import json
import sys
import typing
import uuid
import zoneinfo

import numpy as np  # python3-numpy: a test dependency (scripts/deps.sh)
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastjson
from test_compile import interpreter_compile
from test_leaks import assert_no_leak

UTC = datetime.timezone.utc


def encode_error(obj: object, **options) -> str:
    with pytest.raises(fastjson.JSONEncodeError) as info:
        fastjson.dumps(obj, **options)
    return str(info.value)


def same_everywhere(schema: object, value: object, **options) -> bytes:
    """dumps(value) after checking that both compiled paths give exactly the same bytes."""
    out = fastjson.dumps(value, **options)
    assert fastjson.compile(schema).dumps(value, **options) == out
    assert interpreter_compile(schema).dumps(value, **options) == out
    return out


# --- datetime -------------------------------------------------------------------------------------

DATETIMES = [
    (datetime.datetime(2024, 6, 11, 8, 30), b'"2024-06-11T08:30:00"'),
    (datetime.datetime(1970, 1, 1, 0, 0, 0, 1), b'"1970-01-01T00:00:00.000001"'),  # orjson's doc
    (datetime.datetime(2024, 6, 11, 8, 30, 0, 120000), b'"2024-06-11T08:30:00.120000"'),
    (datetime.datetime(2024, 6, 11, 8, 30, tzinfo=UTC), b'"2024-06-11T08:30:00+00:00"'),
    (datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))),
     b'"0001-01-01T00:00:00-05:30"'),
    (datetime.datetime(9999, 12, 31, 23, 59, 59, 999999,
                       tzinfo=datetime.timezone(datetime.timedelta(hours=5, seconds=15))),
     b'"9999-12-31T23:59:59.999999+05:00:15"'),
    (datetime.datetime(2018, 12, 1, 2, 3, 4, 9, tzinfo=zoneinfo.ZoneInfo("Australia/Adelaide")),
     b'"2018-12-01T02:03:04.000009+10:30"'),  # orjson's documented example
    (datetime.datetime(2024, 3, 31, 2, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin")),
     b'"2024-03-31T02:30:00+01:00"'),
    (datetime.date(2024, 1, 2), b'"2024-01-02"'),
    (datetime.date(1, 1, 1), b'"0001-01-01"'),
    (datetime.time(1, 2, 3), b'"01:02:03"'),
    (datetime.time(12, 0, 0, 15), b'"12:00:00.000015"'),
    (datetime.time(23, 59, 59, tzinfo=UTC), b'"23:59:59+00:00"'),
]


@pytest.mark.parametrize(("value", "expected"), DATETIMES)
def test_datetime_date_time_rfc3339(value, expected):
    assert fastjson.dumps(value) == expected
    assert expected == json.dumps(value.isoformat()).encode()  # isoformat's layout exactly
    assert fastjson.dumps([value]) == b"[" + expected + b"]"


@settings(max_examples=300)
@given(st.datetimes(timezones=st.none() | st.timezones() | st.just(UTC)))
def test_datetimes_match_isoformat(value):
    assert fastjson.dumps(value) == json.dumps(value.isoformat()).encode()


def test_datetime_subclass_and_tzinfo_without_offset():
    class MyDatetime(datetime.datetime):
        pass

    class NoOffset(datetime.tzinfo):
        def utcoffset(self, dt):
            return None

    assert fastjson.dumps(MyDatetime(2020, 1, 2)) == b'"2020-01-02T00:00:00"'
    assert fastjson.dumps(datetime.datetime(2020, 1, 2, tzinfo=NoOffset())) == b'"2020-01-02T00:00:00"'


def test_utcoffset_errors_propagate_with_the_path():
    class Broken(datetime.tzinfo):
        def utcoffset(self, dt):
            raise RuntimeError("no offset")

    with pytest.raises(RuntimeError, match="^no offset$"):
        fastjson.dumps({"at": datetime.datetime(2020, 1, 2, tzinfo=Broken())})


# --- UUID -----------------------------------------------------------------------------------------

def test_uuid_canonical_lowercase():
    u = uuid.UUID("F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6")
    assert fastjson.dumps(u) == b'"f81d4fae-7dec-11d0-a765-00a0c91e6bf6"'  # orjson's doc
    assert fastjson.dumps([uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)]) == (
        b'["00000000-0000-0000-0000-000000000000","ffffffff-ffff-ffff-ffff-ffffffffffff"]')
    for _ in range(200):
        u = uuid.uuid4()
        assert fastjson.dumps(u) == f'"{u}"'.encode()


# --- Enum -----------------------------------------------------------------------------------------

class Color(enum.Enum):
    RED = "red"
    ONE = 1
    PI = 3.5
    NOTHING = None
    PAIR = (1, "two")
    WHEN = datetime.date(2020, 1, 1)


class Level(enum.IntEnum):
    LOW = 1


class Flags(enum.Flag):
    A = 1
    B = 2


def test_enum_by_value_recursively():
    assert fastjson.dumps([c for c in Color]) == b'["red",1,3.5,null,[1,"two"],"2020-01-01"]'
    assert fastjson.dumps({"l": Level.LOW, "f": Flags.A | Flags.B}) == b'{"l":1,"f":3}'


def test_enum_value_errors_name_the_value():
    class Bad(enum.Enum):
        NAN = float("nan")
        OBJ = object()

    assert encode_error({"x": [Bad.NAN]}) == (
        "Out of range float values are not JSON compliant: nan - at $.x[0]")
    assert encode_error([Bad.OBJ]) == "Type is not JSON serializable: object - at $[0]"
    # default= sees the unsupported value, never the (supported) member itself.
    seen = []
    assert fastjson.dumps(Bad.OBJ, default=lambda o: seen.append(o) or "d") == b'"d"'
    assert seen == [Bad.OBJ.value]


# --- Decimal --------------------------------------------------------------------------------------

def test_decimal_as_string_and_as_number():
    values = [decimal.Decimal(t) for t in ("1.10", "-0", "1E+2", "0.000001", "1e-7", "123456789012345678901234567890.5")]
    assert fastjson.dumps(values) == json.dumps([str(v) for v in values]).encode().replace(b", ", b",")
    assert fastjson.dumps(values, decimal_as_number=True) == (
        b"[1.10,-0,1E+2,0.000001,1E-7,123456789012345678901234567890.5]")
    for v in values:  # valid JSON numbers with the Decimal's exact value
        assert json.loads(fastjson.dumps(v, decimal_as_number=True), parse_float=decimal.Decimal,
                          parse_int=decimal.Decimal) == v


def test_decimal_non_finite():
    nan, inf = decimal.Decimal("NaN"), decimal.Decimal("-Infinity")
    assert fastjson.dumps([nan, inf]) == b'["NaN","-Infinity"]'
    assert encode_error({"d": [nan]}, decimal_as_number=True) == (
        "Out of range Decimal values are not JSON compliant: NaN - at $.d[0]")
    assert fastjson.dumps([nan, inf], decimal_as_number=True, allow_nan=True) == b"[null,null]"


# --- dataclasses ----------------------------------------------------------------------------------

@dataclasses.dataclass
class Point:
    x: int
    y: float
    _hidden: str = "h"
    label: typing.ClassVar[str] = "not a field"
    init_only: dataclasses.InitVar[int] = 0


@dataclasses.dataclass(slots=True)
class Slotted:
    name: str
    points: list[Point]
    tags: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class WithProperty:
    a: int

    @property
    def b(self) -> int:
        return self.a * 2


def test_dataclasses_fields_in_definition_order():
    p = Point(1, 2.5)
    assert fastjson.dumps(p) == b'{"x":1,"y":2.5,"_hidden":"h"}'
    assert fastjson.dumps(p) == json.dumps(dataclasses.asdict(p), separators=(",", ":")).encode()
    s = Slotted("s", [p], {"k": [Point(3, 4.0)]})
    assert not hasattr(s, "__dict__")
    assert fastjson.dumps(s) == (
        b'{"name":"s","points":[{"x":1,"y":2.5,"_hidden":"h"}],'
        b'"tags":{"k":[{"x":3,"y":4.0,"_hidden":"h"}]}}')
    assert fastjson.dumps(WithProperty(2)) == b'{"a":2}'
    assert encode_error([Point]) == "Type is not JSON serializable: type - at $[0]"  # the class


def test_dataclass_errors_have_paths():
    assert encode_error(Slotted("s", [Point(1, float("inf"))])) == (
        "Out of range float values are not JSON compliant: inf - at $.points[0].y")
    s = Slotted.__new__(Slotted)
    s.name = "n"
    # points has no default: what compile() says for the same object.
    message = 'missing required attribute "points" - at $'
    assert encode_error(s) == message
    with pytest.raises(fastjson.JSONEncodeError) as info:
        interpreter_compile(Slotted).dumps(s)
    assert str(info.value) == message


def test_dataclass_cycle_is_reported():
    @dataclasses.dataclass
    class Node:
        child: object = None

    n = Node()
    n.child = n
    d = {}
    d["child"] = d
    # Where the cycle closes, as for dicts.
    assert encode_error(n) == encode_error(d) == "Circular reference detected - at $.child"


# --- NamedTuple, sets -----------------------------------------------------------------------------

class Pair(typing.NamedTuple):
    a: int
    b: str


def test_named_tuple_is_an_array():
    assert fastjson.dumps(Pair(1, "x")) == b'[1,"x"]'
    assert same_everywhere(list[Pair], [Pair(1, "x"), Pair(2, "y")]) == b'[[1,"x"],[2,"y"]]'


def test_sets_by_option():
    assert encode_error({"s": {1}}) == "Type is not JSON serializable: set - at $.s"
    assert fastjson.dumps({"s": {1}}, default=sorted) == b'{"s":[1]}'
    assert fastjson.dumps({"s": {1}, "f": frozenset(["a"])}, sets=True) == b'{"s":[1],"f":["a"]}'
    s = {3, 1, 2, 100}
    assert fastjson.dumps(s, sets=True) == json.dumps(list(s), separators=(",", ":")).encode()
    assert fastjson.dumps(set(), sets=True) == b"[]"


# --- Fragment -------------------------------------------------------------------------------------

def test_fragment_written_verbatim():
    frag = fastjson.Fragment(b'{"cached":[1,2]}')
    assert frag.contents == b'{"cached":[1,2]}'
    assert repr(frag) == "fastjson.Fragment(b'{\"cached\":[1,2]}')"
    assert fastjson.dumps({"a": frag, "b": fastjson.Fragment("[\"é\"]")}) == (
        '{"a":{"cached":[1,2]},"b":["é"]}'.encode())
    assert fastjson.dumps_str([frag]) == '[{"cached":[1,2]}]'
    with pytest.raises(TypeError, match="^Fragment contents must be bytes or str, not int$"):
        fastjson.Fragment(1)
    with pytest.raises(TypeError):
        class Sub(fastjson.Fragment):  # final: recognized by exact type
            pass


# --- numpy ----------------------------------------------------------------------------------------

def test_numpy_arrays_as_nested_lists():
    # orjson's documented example.
    assert fastjson.dumps(np.array([[1, 2, 3], [4, 5, 6]])) == b"[[1,2,3],[4,5,6]]"
    for dtype in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float64", "bool"):
        a = (np.arange(-3, 9) * 7).astype(dtype).reshape(3, 4)
        assert fastjson.dumps(a) == json.dumps(a.tolist(), separators=(",", ":")).encode(), dtype
    assert fastjson.dumps(np.array([np.iinfo("int64").min, np.iinfo("int64").max])) == (
        b"[-9223372036854775808,9223372036854775807]")
    assert fastjson.dumps(np.array([2**64 - 1], dtype="uint64")) == b"[18446744073709551615]"
    assert fastjson.dumps(np.zeros((2, 0))) == b"[[],[]]"
    assert fastjson.dumps(np.arange(12).reshape(3, 4)[::2, ::-2]) == b"[[3,1],[11,9]]"  # strides
    assert fastjson.dumps(np.array(5)) == b"5"


def test_numpy_float32_shortest_digits():
    assert fastjson.dumps(np.array([0.1, 1e-5, 3.4e38, 100.0], dtype="float32")) == (
        b"[0.1,1e-05,3.4e+38,100.0]")
    assert fastjson.dumps(np.float32(0.1)) == b"0.1"
    for v in np.random.default_rng(6).standard_normal(200).astype("float32"):
        out = fastjson.dumps(v)
        assert np.float32(float(out)) == v  # round-trips as float32
        assert len(out) <= len(repr(float(v)).encode())


def test_numpy_scalars():
    assert fastjson.dumps([np.int8(-3), np.uint64(2**64 - 1), np.bool_(True), np.bool_(False),
                           np.float64(0.5), np.float16(1.5)]) == (
        b"[-3,18446744073709551615,true,false,0.5,1.5]")


def test_numpy_non_finite_and_other_dtypes():
    assert encode_error({"a": np.array([1.0, np.nan])}) == (
        "Out of range float values are not JSON compliant: nan - at $.a[1]")
    assert fastjson.dumps(np.array([1.0, np.inf], dtype="float32"), allow_nan=True) == b"[1.0,null]"
    assert fastjson.dumps(np.array(["a", "é"])) == '["a","é"]'.encode()  # through tolist()
    assert fastjson.dumps(np.array([1, "x", None], dtype=object)) == b'[1,"x",null]'
    assert fastjson.dumps(np.array([1.5], dtype=">f8")) == b"[1.5]"  # big-endian: tolist()
    assert encode_error(np.array([1 + 2j])) == "Type is not JSON serializable: complex - at $[0]"


# --- default= is never called for a supported type ------------------------------------------------

def test_default_not_called_for_supported_types():
    def default(o):
        raise AssertionError(f"default called with {o!r}")

    values = [datetime.datetime(2020, 1, 1), uuid.UUID(int=1), Color.RED, decimal.Decimal(1),
              Point(1, 2.0), Pair(1, "a"), fastjson.Fragment(b"1"), np.arange(2), np.int32(1)]
    assert fastjson.dumps(values, default=default) == (
        b'["2020-01-01T00:00:00","00000000-0000-0000-0000-000000000001","red","1",'
        b'{"x":1,"y":2.0,"_hidden":"h"},[1,"a"],1,[0,1],1]')


def test_default_chain_ends_in_a_supported_type():
    class A: pass
    class B: pass

    steps = {A: lambda o: B(), B: lambda o: uuid.UUID(int=3)}
    assert fastjson.dumps([A()], default=lambda o: steps[type(o)](o)) == (
        b'["00000000-0000-0000-0000-000000000003"]')


# --- compile(schema) ------------------------------------------------------------------------------

class Kind(enum.Enum):
    A = "a"
    B = "b"


@dataclasses.dataclass
class Event:
    id: uuid.UUID
    at: datetime.datetime
    day: datetime.date
    start: datetime.time
    kind: Kind
    amount: decimal.Decimal
    tags: frozenset[str]
    pair: Pair
    note: str | None = None


def make_event(i: int) -> Event:
    return Event(uuid.UUID(int=i * 7919), datetime.datetime(2024, 1, 1, i % 24, tzinfo=UTC),
                 datetime.date(2024, 1, 1 + i % 28), datetime.time(i % 24, 30, 0, i),
                 Kind.A if i % 2 else Kind.B, decimal.Decimal(i) / 8, frozenset({"x"}),
                 Pair(i, "p"))


def test_compiled_schemas_with_the_new_types():
    events = [make_event(i) for i in range(50)]
    out = same_everywhere(list[Event], events, sets=True)
    assert out.startswith(b'[{"id":"00000000-0000-0000-0000-000000000000","at":"2024-01-01T00:00:00+00:00",'
                          b'"day":"2024-01-01","start":"00:30:00","kind":"b","amount":"0",'
                          b'"tags":["x"],"pair":[0,"p"],"note":null},')
    assert same_everywhere(list[Event], events, sets=True, sort_keys=True, indent=2) == (
        json.dumps(json.loads(out), sort_keys=True, indent=2, ensure_ascii=False).encode())
    assert same_everywhere(list[Event], events, sets=True, decimal_as_number=True) == (
        out.replace(b'"amount":"', b'"amount":').replace(b'","tags"', b',"tags"'))


def test_compiled_set_written_without_the_option():
    # The schema names the set: it is written as an array whether or not dumps' sets= is given.
    enc = fastjson.compile({"s": set[int]})
    assert enc.dumps({"s": {5}}) == b'{"s":[5]}'
    assert interpreter_compile({"s": set[int]}).dumps({"s": {5}}) == b'{"s":[5]}'


@pytest.mark.parametrize("compile", [fastjson.compile, interpreter_compile])
def test_compiled_mismatches_name_the_type_and_path(compile):
    enc = compile(list[Event])
    good = make_event(1)

    def error(**changes) -> str:
        with pytest.raises(fastjson.JSONEncodeError) as info:
            enc.dumps([good, dataclasses.replace(good, **changes)])
        return str(info.value)

    assert error(id=str(good.id)) == "expected UUID, got str - at $[1].id"
    assert error(at=good.day) == "expected datetime, got datetime.date - at $[1].at"
    assert error(day=good.at) == "expected date, got datetime.datetime - at $[1].day"
    assert error(start="00:00") == "expected time, got str - at $[1].start"
    assert error(amount=1.5) == "expected Decimal, got float - at $[1].amount"
    assert error(tags=["x"]) == "expected frozenset[str], got list - at $[1].tags"
    assert error(tags={1}) == "expected str, got int - at $[1].tags[0]"
    assert error(pair=(1, 2)) == "expected str, got int - at $[1].pair[1]"
    assert error(kind="a") == "expected Kind, got 'a' - at $[1].kind"


def test_schema_forms_for_the_new_types():
    from fastjson._schema import normalize

    assert normalize(datetime.date) == ([("instance", datetime.date, datetime.datetime)], 0)
    assert normalize(uuid.UUID) == ([("instance", uuid.UUID, None)], 0)
    assert normalize(set[int]) == ([("set", 1), ("int",)], 0)
    assert normalize(typing.AbstractSet[str]) == ([("set", 1), ("str",)], 0)
    assert normalize(frozenset[str]) == ([("frozenset", 1), ("str",)], 0)
    assert normalize(frozenset) == ([("frozenset", 1), ("any",)], 0)
    assert normalize(Pair) == ([("tuple", (1, 2)), ("int",), ("str",)], 0)


# --- references -----------------------------------------------------------------------------------

def test_no_leaks_in_the_new_paths():
    class Broken(datetime.tzinfo):
        def utcoffset(self, dt):
            raise RuntimeError("no offset")

    values = [datetime.datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
              datetime.date(2020, 1, 1), datetime.time(1, 2), uuid.uuid4(), Color.PAIR,
              decimal.Decimal("1.5"), Point(1, 2.0), Slotted("a", []), Pair(1, "b"), frozenset({7}),
              np.arange(4.0), np.float32(1.5), fastjson.Fragment(b"[1]"), np.array(["x"])]
    enc = fastjson.compile(list[Event])
    events = [make_event(3)]
    assert_no_leak(lambda: fastjson.dumps(values, sets=True), values, calls=20_000)
    assert_no_leak(lambda: fastjson.dumps_str(values, sets=True, indent=1, sort_keys=False), values,
                   calls=20_000)
    assert_no_leak(lambda: enc.dumps(events, sort_keys=True), events, calls=20_000)
    bad = [datetime.datetime(2020, 1, 1, tzinfo=Broken()), Point(1, float("nan"))]

    def fails():
        for v in bad:
            try:
                fastjson.dumps([v])
            except (RuntimeError, fastjson.JSONEncodeError):
                pass
    assert_no_leak(fails, bad, calls=20_000)
