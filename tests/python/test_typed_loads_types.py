# Encoder.loads for the types dumps writes as strings: datetime, date and time from RFC 3339,
# UUID, Decimal (from strings and from numbers' exact digits), and set / frozenset from arrays.
# Exact values and messages, subclasses, a hypothesis round trip enc.loads(enc.dumps(x)) == x,
# and no reference leaks on success or error paths.
import datetime
import decimal
import pickle
import typing
import uuid
from datetime import timedelta, timezone
from decimal import Decimal
from typing import TypedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastjson
from test_leaks import ERROR_CALLS, assert_no_leak, expect_error

UTC = timezone.utc


def validation_error(enc: fastjson.Encoder, data: bytes | str) -> str:
    with pytest.raises(fastjson.ValidationError) as info:
        enc.loads(data)
    assert type(info.value) is fastjson.ValidationError
    return str(info.value)


def same(a: object, b: object) -> bool:
    """Equal, of the same type, and for temporal values with the same offset (== alone compares
    aware values by instant); Decimals by their exact text (Decimal("1.0") == Decimal("1"))."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, Decimal):
        return str(a) == str(b)
    if isinstance(a, (datetime.datetime, datetime.time)):
        return a == b and a.utcoffset() == b.utcoffset() and (a.tzinfo is None) == (b.tzinfo is None)
    return a == b


class Event(TypedDict):
    when: datetime.datetime


# --- datetime, date, time ------------------------------------------------------------------------

def test_datetime_values():
    enc = fastjson.compile(datetime.datetime)
    got = enc.loads(b'"2024-06-11T08:30:00"')
    assert type(got) is datetime.datetime and got.tzinfo is None
    assert got == datetime.datetime(2024, 6, 11, 8, 30)
    got = enc.loads(b'"2024-06-11T08:30:00.000123+02:00"')
    assert same(got, datetime.datetime(2024, 6, 11, 8, 30, 0, 123,
                                       tzinfo=timezone(timedelta(hours=2))))
    assert enc.loads(b'"2024-06-11T08:30:00Z"').tzinfo is UTC
    assert enc.loads(b'"2024-06-11t08:30:00z"').tzinfo is UTC
    assert enc.loads(b'"2024-06-11T08:30:00+00:00"').tzinfo is UTC
    assert enc.loads(b'"2024-06-11 08:30:00"') == datetime.datetime(2024, 6, 11, 8, 30)
    got = enc.loads(b'"2024-06-11T08:30:00.5-05:30"')
    assert same(got, datetime.datetime(2024, 6, 11, 8, 30, 0, 500000,
                                       tzinfo=timezone(-timedelta(hours=5, minutes=30))))
    # Fractions past microseconds are truncated, as the datetime cannot hold them.
    assert enc.loads(b'"2024-06-11T08:30:00.123456789Z"').microsecond == 123456
    # Escapes in the string are read like any JSON string's.
    assert enc.loads(b'"\\u0032024-06-11T08:30:00"') == datetime.datetime(2024, 6, 11, 8, 30)
    # isoformat's offsets with seconds and microseconds, as dumps writes them.
    tz = timezone(timedelta(hours=5, minutes=30, seconds=15, microseconds=7))
    got = enc.loads(b'"2024-06-11T08:30:00+05:30:15.000007"')
    assert same(got, datetime.datetime(2024, 6, 11, 8, 30, tzinfo=tz))


def test_date_and_time_values():
    assert fastjson.compile(datetime.date).loads(b'"2024-02-29"') == datetime.date(2024, 2, 29)
    assert type(fastjson.compile(datetime.date).loads(b'"2024-02-29"')) is datetime.date
    enc = fastjson.compile(datetime.time)
    assert same(enc.loads(b'"08:30:00"'), datetime.time(8, 30))
    assert same(enc.loads(b'"23:59:59.25Z"'), datetime.time(23, 59, 59, 250000, tzinfo=UTC))
    assert same(enc.loads(b'"01:02:03-01:00"'),
                datetime.time(1, 2, 3, tzinfo=timezone(-timedelta(hours=1))))


@pytest.mark.parametrize("schema, data, message", [
    (list[Event], b'[{"when":1}]', "Expected `datetime`, got `int` - at `$[0].when`"),
    (dict[str, datetime.datetime], b'{"created":"2024-13-01T00:00:00"}',
     "Invalid RFC 3339 encoded datetime - at `$.created`"),
    (datetime.datetime, b'"2024-06-11"', "Invalid RFC 3339 encoded datetime - at `$`"),
    (datetime.datetime, b'"2024-06-11T08:30:60"', "Invalid RFC 3339 encoded datetime - at `$`"),
    (datetime.datetime, b'"2024-06-11T08:30:00+24:00"',
     "Invalid RFC 3339 encoded datetime - at `$`"),
    (datetime.datetime, b'"2023-02-29T08:30:00"', "Invalid RFC 3339 encoded datetime - at `$`"),
    (datetime.datetime, b'" 2024-06-11T08:30:00"', "Invalid RFC 3339 encoded datetime - at `$`"),
    (datetime.datetime, b'null', "Expected `datetime`, got `null` - at `$`"),
    (list[datetime.date], b'["2024-01-01","2024-01-01T00:00:00"]',
     "Invalid RFC 3339 encoded date - at `$[1]`"),
    (datetime.date, b'20240101', "Expected `date`, got `int` - at `$`"),
    (datetime.time, b'"8:30:00"', "Invalid RFC 3339 encoded time - at `$`"),
    (datetime.time, b'[]', "Expected `time`, got `array` - at `$`"),
    (list[datetime.datetime | None], b'[null,1.5]',
     "Expected `datetime | null`, got `float` - at `$[1]`"),
    (datetime.datetime | int, b'true', "Expected `datetime | int`, got `bool` - at `$`"),
    (list[datetime.datetime | None], b'[null,"x"]',
     "Invalid RFC 3339 encoded datetime - at `$[1]`"),
])
def test_temporal_errors(schema, data, message):
    assert validation_error(fastjson.compile(schema), data) == message


def test_unions_of_temporal_types_pick_the_one_that_parses():
    enc = fastjson.compile(list[datetime.datetime | datetime.date])
    got = enc.loads(b'["2024-01-02","2024-01-02T03:04:05"]')
    assert same(got, [datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 3, 4, 5)])
    enc = fastjson.compile(list[datetime.date | str])
    assert same(enc.loads(b'["2024-01-02","soon"]'), [datetime.date(2024, 1, 2), "soon"])
    enc = fastjson.compile(list[str | datetime.date])  # the first that matches wins
    assert same(enc.loads(b'["2024-01-02"]'), ["2024-01-02"])


class MyDateTime(datetime.datetime):
    pass


class MyDate(datetime.date):
    pass


class MyUUID(uuid.UUID):
    pass


class MyDecimal(Decimal):
    pass


def test_subclasses_are_constructed():
    got = fastjson.compile(MyDateTime).loads(b'"2024-06-11T08:30:00Z"')
    assert type(got) is MyDateTime and same(datetime.datetime(2024, 6, 11, 8, 30, tzinfo=UTC),
                                            datetime.datetime.fromisoformat(got.isoformat()))
    got = fastjson.compile(MyDate).loads(b'"2024-06-11"')
    assert type(got) is MyDate and got == datetime.date(2024, 6, 11)
    u = "12345678-1234-5678-1234-567812345678"
    got = fastjson.compile(MyUUID).loads(f'"{u}"')
    assert type(got) is MyUUID and got == uuid.UUID(u)
    got = fastjson.compile(MyDecimal).loads(b'[1.50]'[1:-1])
    assert type(got) is MyDecimal and str(got) == "1.50"


# --- UUID --------------------------------------------------------------------------------------------

def test_uuid_values():
    enc = fastjson.compile(uuid.UUID)
    u = uuid.UUID("12345678-9abc-def0-1234-56789abcdef0")
    for text in ("12345678-9abc-def0-1234-56789abcdef0", "12345678-9ABC-DEF0-1234-56789ABCDEF0",
                 "123456789abcdef0123456789abcdef0"):
        got = enc.loads(f'"{text}"')
        assert type(got) is uuid.UUID and got == u
        # Made without UUID.__init__: the same slots it sets.
        assert type(got.int) is int and got.int == u.int and got.is_safe is uuid.SafeUUID.unknown
        assert hash(got) == hash(u) and str(got) == str(u) and repr(got) == repr(u)
        assert pickle.loads(pickle.dumps(got)) == u
        with pytest.raises(TypeError, match="UUID objects are immutable"):
            got.int = 1
    assert enc.loads(b'"ffffffff-ffff-ffff-ffff-ffffffffffff"').int == 2 ** 128 - 1
    assert enc.loads(b'"00000000000000000000000000000000"').int == 0


@pytest.mark.parametrize("text", [
    "{12345678-9abc-def0-1234-56789abcdef0}", "urn:uuid:12345678-9abc-def0-1234-56789abcdef0",
    "12345678-9abc-def0-1234-56789abcdef", "12345678-9abc-def01234-56789abcdef0-",
    "123456789abcdef0123456789abcdefg", "", " 123456789abcdef0123456789abcdef0",
    "12345678_9abc_def0_1234_56789abcdef0", "１２345678-9abc-def0-1234-56789abcdef0",
])
def test_uuid_errors(text):
    enc = fastjson.compile(dict[str, uuid.UUID])
    data = fastjson.dumps({"id": text})
    assert validation_error(enc, data) == "Invalid UUID - at `$.id`"


def test_uuid_type_error():
    assert (validation_error(fastjson.compile(list[uuid.UUID]), b'[1]')
            == "Expected `uuid`, got `int` - at `$[0]`")


# --- Decimal ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, text", [
    (b'"1.10"', "1.10"), (b'"-0"', "-0"), (b'"1E+2"', "1E+2"), (b'"NaN"', "NaN"),
    (b'"-Infinity"', "-Infinity"), (b'"sNaN12"', "sNaN12"), (b'"inf"', "Infinity"),
    (b'".5"', "0.5"), (b'"5."', "5"),
    (b'0.1', "0.1"), (b'1.10', "1.10"), (b'-0', "-0"), (b'1e400', "1E+400"),
    (b'123456789012345678901234567890', "123456789012345678901234567890"),
    (b'2.5E-3', "0.0025"),
])
def test_decimal_values(data, text):
    got = fastjson.compile(Decimal).loads(data)
    assert type(got) is Decimal and str(got) == text


@pytest.mark.parametrize("data, message", [
    (b'" 1"', "Invalid decimal string - at `$`"),
    (b'"1_000"', "Invalid decimal string - at `$`"),
    (b'"1e"', "Invalid decimal string - at `$`"),
    (b'"abc"', "Invalid decimal string - at `$`"),
    (b'""', "Invalid decimal string - at `$`"),
    (b'"NaNx"', "Invalid decimal string - at `$`"),
    (b'true', "Expected `decimal`, got `bool` - at `$`"),
    (b'{}', "Expected `decimal`, got `object` - at `$`"),
])
def test_decimal_errors(data, message):
    assert validation_error(fastjson.compile(Decimal), data) == message


def test_decimal_malformed_numbers_are_syntax_errors():
    enc = fastjson.compile(list[Decimal])
    for data in (b'[01]', b'[1.]', b'[-]', b'[1e+]', b'[1x]'):
        with pytest.raises(fastjson.JSONDecodeError) as typed:
            enc.loads(data)
        with pytest.raises(fastjson.JSONDecodeError) as plain:
            fastjson.loads(data)
        assert str(typed.value) == str(plain.value)


def test_decimal_ignores_the_context():
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        got = fastjson.compile(Decimal).loads(b'3.14159265358979')
    assert str(got) == "3.14159265358979"


# --- set and frozenset ------------------------------------------------------------------------------

def test_set_values():
    got = fastjson.compile(set[int]).loads(b'[3,1,3,2]')
    assert type(got) is set and got == {1, 2, 3}
    got = fastjson.compile(frozenset[str]).loads(b'["a","b","a"]')
    assert type(got) is frozenset and got == frozenset({"a", "b"})
    got = fastjson.compile(frozenset[int]).loads(b'[]')
    assert type(got) is frozenset and got == frozenset()
    assert type(fastjson.compile(set[int]).loads(b'[]')) is set
    assert type(fastjson.compile(typing.AbstractSet[int]).loads(b'[1]')) is set
    got = fastjson.compile(frozenset).loads(b'[1,"a",null]')
    assert type(got) is frozenset and got == frozenset({1, "a", None})
    got = fastjson.compile(set).loads(b'[1.5]')
    assert type(got) is set and got == {1.5}
    got = fastjson.compile(set[uuid.UUID]).loads(b'["12345678123456781234567812345678"]')
    assert got == {uuid.UUID(int=0x12345678123456781234567812345678)}


@pytest.mark.parametrize("schema, data, message", [
    (set[int], b'[1,"a"]', "Expected `int`, got `str` - at `$[1]`"),
    (dict[str, frozenset[int]], b'{"tags":{}}', "Expected `array`, got `object` - at `$.tags`"),
    (set, b'[1,[2]]', "Unhashable set item of type `list` - at `$[1]`"),
    (list[set[dict[str, int]]], b'[[],[{"a":1}]]',
     "Unhashable set item of type `dict` - at `$[1][0]`"),
    (set[Decimal], b'["1","sNaN"]', "Unhashable set item of type `decimal.Decimal` - at `$[1]`"),
    (set[datetime.date] | None, b'["2024-01-01","x"]', "Invalid RFC 3339 encoded date - at `$[1]`"),
])
def test_set_errors(schema, data, message):
    assert validation_error(fastjson.compile(schema), data) == message


# --- round trip ------------------------------------------------------------------------------------

class Record(TypedDict):
    when: datetime.datetime
    day: datetime.date
    at: datetime.time
    id: uuid.UUID
    amount: Decimal
    maybe: Decimal | None
    tags: frozenset[str]
    nums: set[int]


_OFFSETS = st.timedeltas(min_value=-timedelta(hours=23, minutes=59, seconds=59),
                         max_value=timedelta(hours=23, minutes=59, seconds=59))
_ZONES = st.none() | st.just(UTC) | st.builds(timezone, _OFFSETS)
_RECORDS = st.fixed_dictionaries({
    "when": st.datetimes(timezones=_ZONES),
    "day": st.dates(),
    "at": st.times(timezones=_ZONES),
    "id": st.uuids(),
    "amount": st.decimals(allow_nan=False),
    "maybe": st.none() | st.decimals(allow_nan=False, places=4),
    "tags": st.frozensets(st.text(max_size=5), max_size=4),
    "nums": st.sets(st.integers(), max_size=4),
})


@settings(max_examples=300, deadline=None)
@given(st.lists(_RECORDS, max_size=3))
def test_round_trip(records):
    enc = fastjson.compile(list[Record])
    got = enc.loads(enc.dumps(records))
    assert same(got, records)


def test_round_trip_nan_decimal():
    got = fastjson.compile(Decimal).loads(fastjson.dumps(Decimal("NaN")))
    assert got.is_nan() and not got.is_snan()


# --- references --------------------------------------------------------------------------------------

def test_no_reference_leaks():
    enc = fastjson.compile(list[Record])
    tz = timezone(timedelta(hours=-3))
    rows = [{"when": datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=tz),
             "day": datetime.date(2024, 1, 2), "at": datetime.time(1, 2, 3, tzinfo=UTC),
             "id": uuid.UUID(int=12345), "amount": Decimal("1.25"), "maybe": None,
             "tags": frozenset({"a", "b"}), "nums": {1, 2}}] * 3
    data = enc.dumps(rows)
    assert same(enc.loads(data), rows)
    assert_no_leak(lambda: enc.loads(data), [data, enc, UTC], calls=20_000)
    subclasses = fastjson.compile(tuple[MyDateTime, MyUUID, MyDecimal, set[int]])
    doc = b'["2024-01-02T03:04:05Z","12345678123456781234567812345678",1.5,[1,2]]'
    assert_no_leak(lambda: subclasses.loads(doc), [doc, subclasses, MyDateTime, MyUUID],
                   calls=20_000)


@pytest.mark.parametrize("schema, data", [
    (list[Record], b'[{"when":"2024-01-02T03:04:05","day":"2024-01-32"}]'),
    (list[datetime.datetime | None], b'[null,"2024-01-02T03:04:05Z",1]'),
    (list[uuid.UUID], b'["12345678123456781234567812345678","x"]'),
    (list[Decimal], b'[1.5,"1.5","x"]'),
    (list[set[int]], b'[[1,2],[3,"a"]]'),
    (list[frozenset], b'[[1,2],[3,[4]]]'),
])
def test_error_paths_do_not_leak(schema, data):
    enc = fastjson.compile(schema)
    assert_no_leak(expect_error(lambda: enc.loads(data), fastjson.ValidationError), [data, enc],
                   ERROR_CALLS // 10)
