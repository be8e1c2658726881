# The RFC 8259 conformance corpus (tests/conformance/): every y_ document is accepted and equals
# json.loads, every n_ document raises JSONDecodeError at the position rejected.json states (which is
# json.loads's own msg and pos wherever json.loads raises JSONDecodeError), and every i_ document
# (implementation-defined) gives exactly the outcome implementation_defined.json records.
import json
import math
from pathlib import Path

import pytest

import fastjson

CONFORMANCE = Path(__file__).resolve().parents[1] / "conformance"
CASES = CONFORMANCE / "cases"
REJECTED = json.loads((CONFORMANCE / "rejected.json").read_text())
IMPLEMENTATION_DEFINED = json.loads((CONFORMANCE / "implementation_defined.json").read_text())


def names(prefix: str) -> list[str]:
    return sorted(p.name for p in CASES.glob(f"{prefix}_*.json"))


def same(a: object, b: object) -> bool:
    """Equality that also tells True from 1, 1 from 1.0, -0.0 from 0.0 and keeps key order.

    Iterative: the corpus nests deeper than Python's recursion limit allows a recursive walk."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, float):
            if not (x == y and math.copysign(1, x) == math.copysign(1, y)):
                return False
        elif isinstance(x, list):
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


def inputs(data: bytes) -> list:
    """The document as every input type loads takes; as str too when it is UTF-8."""
    given = [data, bytearray(data), memoryview(data)]
    try:
        given.append(data.decode())
    except UnicodeDecodeError:
        pass
    return given


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def nested_obj(depth: int) -> dict:
    value: object = 0
    for _ in range(depth):
        value = {"a": value}
    return value


def test_corpus_is_complete():
    # Every file is classified, every manifest entry has its file: nothing silently skipped.
    files = {p.name for p in CASES.iterdir()}
    assert files == set(names("y")) | set(names("n")) | set(names("i"))
    assert set(REJECTED) == set(names("n"))
    assert set(IMPLEMENTATION_DEFINED) == set(names("i"))
    assert len(names("y")) >= 100 and len(names("n")) >= 100 and len(names("i")) >= 30


@pytest.mark.parametrize("name", names("y"))
def test_accepted(name):
    data = (CASES / name).read_bytes()
    expected = json.loads(data)
    for given in inputs(data):
        assert same(fastjson.loads(given), expected), type(given)


@pytest.mark.parametrize("name", names("n"))
def test_rejected(name):
    data = (CASES / name).read_bytes()
    want = REJECTED[name]
    # The classification holds: json.loads rejects it too, and where it says where, it agrees.
    if want["json.loads"] == "JSONDecodeError":
        with pytest.raises(json.JSONDecodeError) as theirs:
            json.loads(data)
        assert (theirs.value.msg, theirs.value.pos) == (want["error"], want["pos"])
    else:
        with pytest.raises(UnicodeDecodeError):
            json.loads(data)
    for given in inputs(data):
        with pytest.raises(fastjson.JSONDecodeError) as err:
            fastjson.loads(given)
        assert (err.value.msg, err.value.pos) == (want["error"], want["pos"]), type(given)
        assert isinstance(err.value, json.JSONDecodeError)


@pytest.mark.parametrize("name", names("i"))
def test_implementation_defined(name):
    data = (CASES / name).read_bytes()
    want = IMPLEMENTATION_DEFINED[name]
    # What json.loads does is recorded too, so the difference stays deliberate.
    theirs = want["json.loads"]
    if theirs == "accepts":
        their_value = json.loads(data)
    else:
        exc_type = {"raises RecursionError": RecursionError, "raises ValueError": ValueError}[theirs]
        with pytest.raises(exc_type):
            json.loads(data)
    ours = want["fastjson"]
    for given in inputs(data):
        if "accepts" in ours:
            expected = eval(ours["accepts"], {"nested": nested, "nested_obj": nested_obj})  # noqa: S307
            assert same(fastjson.loads(given), expected), type(given)
            if theirs == "accepts":
                assert same(their_value, expected)  # an accepted i_ case is only about limits
        elif "error" in ours:
            with pytest.raises(fastjson.JSONDecodeError) as err:
                fastjson.loads(given)
            assert (err.value.msg, err.value.pos) == (ours["error"], ours["pos"]), type(given)
        else:
            with pytest.raises(ValueError) as err:
                fastjson.loads(given)
            assert type(err.value).__name__ == ours["raises"]
            assert str(err.value) == ours["message"]
