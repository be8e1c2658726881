# fastjson against stdlib json on generated values (hypothesis and seeded random sweeps) and on the
# bundled corpora: dumps must give stdlib's compact bytes, loads must give stdlib's objects.
import json
import math
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastjson

CORPORA = ("twitter", "github", "citm_catalog", "canada")


def ref(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


# --- hypothesis -----------------------------------------------------------------------------------

# st.text() draws no surrogates (category Cs), so every generated str is valid UTF-8.
texts = st.text() | st.text(st.characters(max_codepoint=0x7F)) | st.text(st.sampled_from('"\\\n\x00\x1f\x7f\u2028é日😀a'))
finite_floats = st.floats(allow_nan=False, allow_infinity=False)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**64) - 1, max_value=2**64 + 1)
    | st.integers(min_value=-(10**120), max_value=10**120)
    | finite_floats
    | texts
)
# Values that survive a JSON round trip unchanged: lists and str-keyed dicts.
round_trip_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=8) | st.dictionaries(texts, children, max_size=8),
    max_leaves=40,
)
# Values only the differential test can take: tuples and non-str keys come back as lists and strs.
dict_keys = texts | st.integers() | finite_floats | st.booleans() | st.none()
any_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=8)
    | st.lists(children, max_size=5).map(tuple)
    | st.dictionaries(dict_keys, children, max_size=8),
    max_leaves=40,
)


@settings(max_examples=250)
@given(round_trip_values)
def test_round_trip(value):
    out = fastjson.dumps(value)
    assert out == ref(value)
    assert fastjson.loads(out) == value
    assert json.loads(out) == value


@settings(max_examples=250)
@given(any_values)
def test_dumps_matches_stdlib(value):
    assert fastjson.dumps(value) == ref(value)


@settings(max_examples=300)
@given(texts)
def test_str_matches_stdlib(text):
    assert fastjson.dumps(text) == ref(text)
    assert fastjson.loads(fastjson.dumps(text)) == text


@settings(max_examples=300)
@given(st.lists(finite_floats, min_size=1, max_size=20))
def test_floats_match_repr(values):
    out = fastjson.dumps(values)
    assert out == ref(values)
    assert fastjson.loads(out) == values


# --- seeded sweeps (many values per call, so they are cheap) --------------------------------------

def test_random_float_bit_patterns():
    rng = random.Random(20240611)
    values = []
    while len(values) < 100_000:
        (x,) = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))
        if math.isfinite(x):
            values.append(x)
    out = fastjson.dumps(values)
    assert out == ref(values)
    assert fastjson.loads(out) == values


def test_floats_every_decade():
    # Shortest-digit formatting and the switch to exponent form at 1e-4 / 1e16 (repr's rules).
    rng = random.Random(7)
    values = []
    for exp in range(-325, 309):
        for digits in (1, 2, 3, 5, 8, 12, 15, 16, 17):
            mantissa = rng.randrange(10 ** (digits - 1), 10**digits)
            values.append(float(f"{mantissa}e{exp - digits + 1}"))
            values.append(float(f"1e{exp}"))
    values += [float(i) for i in range(-1000, 1000)] + [i / 8 for i in range(-1000, 1000)]
    values = [v for v in values if math.isfinite(v)]
    out = fastjson.dumps(values)
    assert out == ref(values)
    assert fastjson.loads(out) == values


def test_random_ints():
    rng = random.Random(99)
    values = []
    for bits in range(0, 300):
        for _ in range(20):
            v = rng.getrandbits(bits) if bits else 0
            values += [v, -v]
    out = fastjson.dumps(values)
    assert out == ref(values)
    assert fastjson.loads(out) == values


def test_random_strings():
    rng = random.Random(5)
    pools = [
        [chr(c) for c in range(0x80)],
        [chr(c) for c in range(0x20)] + ['"', "\\", "a"],
        [chr(c) for c in range(0x80, 0x100)] + ["a", "\n"],
        [chr(c) for c in range(0x100, 0x3000, 7)] + ["a", '"', "\u2028"],
        ["😀", "🇫", "𝄞", "\U0010ffff", "a", "é", "日", "\x00"],
    ]
    values = []
    for pool in pools:
        for length in list(range(0, 80)) + [127, 128, 129, 255, 256, 1000, 4097, 65537]:
            values.append("".join(rng.choice(pool) for _ in range(length)))
    out = fastjson.dumps(values)
    assert out == ref(values)
    assert fastjson.loads(out) == values
    doc = {v: i for i, v in enumerate(values)}
    assert fastjson.dumps(doc) == ref(doc)


# --- corpora --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CORPORA)
def test_corpus_dumps_matches_stdlib(name, corpus_bytes):
    doc = json.loads(corpus_bytes(name))
    assert fastjson.dumps(doc) == ref(doc)


@pytest.mark.parametrize("name", CORPORA)
def test_corpus_loads_matches_stdlib(name, corpus_bytes):
    raw = corpus_bytes(name)
    expected = json.loads(raw)
    assert fastjson.loads(raw) == expected
    assert fastjson.loads(raw.decode()) == expected
    assert fastjson.loads(fastjson.dumps(expected)) == expected
