# Floats and short lists of floats ([lon, lat] pairs), which dumps writes without the generic list
# walk: exact bytes against stdlib json (repr), over a million doubles, and the cases the short
# path must hand back to the walk (other items, NaN, length, depth limit, subclasses).
import json
import math
import random
import struct

import pytest

import fastjson


def ref(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def encode_error(obj: object, **kwargs) -> str:
    with pytest.raises(fastjson.JSONEncodeError) as info:
        fastjson.dumps(obj, **kwargs)
    assert type(info.value) is fastjson.JSONEncodeError
    return str(info.value)


def random_doubles(rng: random.Random, n: int) -> list[float]:
    """Half random bit patterns (every exponent, subnormals), half decimal-looking values (1 to 17
    significant digits at exponents around the repr layout switches and beyond)."""
    values: list[float] = []
    while len(values) < n // 2:
        (x,) = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))
        if math.isfinite(x):
            values.append(x)
    while len(values) < n:
        digits = rng.randint(1, 17)
        mantissa = rng.randrange(10 ** (digits - 1), 10**digits)
        exp = rng.choice((rng.randint(-30, 30), rng.randint(-330, 310)))
        x = float(f"{'-' if rng.random() < 0.5 else ''}{mantissa}e{exp}")
        if math.isfinite(x):
            values.append(x)
    return values


def test_a_million_random_doubles_match_repr():
    values = random_doubles(random.Random(20261121), 1_000_000)
    assert fastjson.dumps(values) == ref(values)  # the flat list walk
    pairs = [values[i : i + 2] for i in range(0, len(values), 2)]
    assert fastjson.dumps(pairs) == ref(pairs)  # the short float-list path


EDGES = [
    0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308,
    1.7976931348623157e308, -1.7976931348623157e308, 1e16, 9999999999999998.0, 1e15, 1e-5,
    0.0001, 0.00010000000000000002, 1e22, 1e23, 2.0**53, 2.0**53 - 1, 2.0**53 + 2, 2.0**63,
    0.1, 0.3, 1 / 3, 123456789012345680.0, 1.5, -65.61361699999998, 43.42027300000001,
]


@pytest.mark.parametrize("value", EDGES, ids=repr)
def test_edge_doubles_alone_in_lists_and_pairs(value):
    for obj in (value, [value], [value, -value], [[value, value]], {"c": [[value, 1.0]]}):
        assert fastjson.dumps(obj) == ref(obj)


@pytest.mark.parametrize("n", range(0, 20))
def test_every_length_around_the_short_list_cap(n):
    values = [float(i) / 7 for i in range(n)]
    obj = [values, [values], values]
    assert fastjson.dumps(obj) == ref(obj)


class F(float):
    pass


@pytest.mark.parametrize(
    "item",
    [[1.5, 2], [2, 1.5], [1.5, True], [1.5, None], [1.5, "x"], [1.5, [2.5]], [1.5, F(2.5)],
     [F(2.5)], [1.5, 2.5, {"a": 1.0}], (1.5, 2.5)],
    ids=repr,
)
def test_lists_with_other_items_take_the_walk(item):
    obj = [item, [item]]
    assert fastjson.dumps(obj) == ref(obj)


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_non_finite_in_a_pair_names_its_path(bad):
    pairs = [[1.0, 2.0], [3.0, 4.0], [5.0, float(bad)]]
    expected = f"Out of range float values are not JSON compliant: {bad} - at $[2][1]"
    assert encode_error(pairs) == expected
    assert encode_error({"c": [pairs]}) == expected.replace("$[2]", "$.c[0][2]")


def test_pairs_with_default_are_unchanged():
    obj = [[1.5, 2.5], [object(), 1.5]]
    assert fastjson.dumps(obj, default=lambda o: 0.25) == b"[[1.5,2.5],[0.25,1.5]]"


def nested(inner: list, levels: int) -> list:
    value = inner
    for _ in range(levels):
        value = [value]
    return value


def test_a_pair_at_the_depth_limit():
    # 1023 lists around the pair: it is level 1024, the deepest allowed.
    assert fastjson.dumps(nested([1.5, 2.5], 1023)) == b"[" * 1024 + b"1.5,2.5" + b"]" * 1024
    # One more and the pair is level 1025: the same error as any list there.
    msg = encode_error(nested([1.5, 2.5], 1024))
    assert msg == "Maximum nesting depth exceeded (1024) - at $" + "[0]" * 16 + "..." + "[0]" * 16
