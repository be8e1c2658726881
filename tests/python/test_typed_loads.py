# Encoder.loads: typed decoding into exactly the schema's values (dicts, dataclass instances, enum
# members, tuples), every mismatch as ValidationError with its exact message and JSON path,
# malformed JSON exactly as fastjson.loads reports it, a hypothesis round trip over generated
# schemas, and no reference leaks on success or error paths.
import dataclasses
import enum
import json
import pickle
from typing import Any, Literal, NotRequired, Optional, TypedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastjson
from fastjson import _fastjson
from conftest import _load_bench_corpora
from test_leaks import ERROR_CALLS, assert_no_leak, expect_error


class Record(TypedDict):
    id: int
    name: str
    email: str
    score: float
    active: bool
    tags: list[str]
    parent: int | None


class User(TypedDict):
    id: int
    email: str
    nickname: NotRequired[str]


class Color(enum.Enum):
    RED = "red"
    GREEN = 2
    BLUE = (1, 2)  # no JSON scalar decodes to a tuple: never produced


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 10


@dataclasses.dataclass
class Point:
    x: int
    y: float = 0.0


@dataclasses.dataclass
class Tagged:
    name: str
    tags: list[str] = dataclasses.field(default_factory=list)
    point: Optional[Point] = None
    seen: int = dataclasses.field(default=0, init=True)

    def __post_init__(self):
        self.seen += 1


class Cat(TypedDict):
    meow: int


class Dog(TypedDict):
    bark: int


class NodeA(TypedDict):
    v: "NodeA | NodeB | None"
    a: int


class NodeB(TypedDict):
    v: "NodeA | NodeB | None"
    b: int


def validation_error(enc: fastjson.Encoder, data: bytes | str, **kw) -> str:
    with pytest.raises(fastjson.ValidationError) as info:
        enc.loads(data, **kw)
    assert type(info.value) is fastjson.ValidationError
    return str(info.value)


def record(**overrides) -> dict:
    r = {"id": 1, "name": "Ann", "email": "a@example.com", "score": 1.5, "active": True,
         "tags": ["x"], "parent": None}
    r.update(overrides)
    return r


# --- values -----------------------------------------------------------------------------------------

def test_records_corpus_decodes_like_json_loads():
    corpora = _load_bench_corpora()
    data = json.dumps(corpora.records(2000), separators=(",", ":"), ensure_ascii=False).encode()
    got = fastjson.compile(list[corpora.Record]).loads(data)
    assert got == json.loads(data)
    assert all(type(r["score"]) is float for r in got)


@pytest.mark.parametrize("schema, text, expected", [
    (int, "-12", -12),
    (int, "123456789012345678901234567890", 123456789012345678901234567890),
    (float, "3", 3.0),
    (float, "-2.5e-3", -0.0025),
    (float, "18446744073709551615", 18446744073709551615.0),
    (float, "1e400", float("inf")),
    (str, '"a\\u00e9\\n"', "a\u00e9\n"),
    (bool, "false", False),
    (None, "null", None),
    (Any, '{"a":[1,2.5,null]}', {"a": [1, 2.5, None]}),
    (list[int], "[]", []),
    (list[int], "[1, 2 ,3]", [1, 2, 3]),
    (tuple[int, str], '[1,"a"]', (1, "a")),
    (tuple[()], "[]", ()),
    (tuple[int, ...], "[1,2]", (1, 2)),
    (tuple[int, ...], "[]", ()),
    (dict[str, int], '{"a":1,"b c":2}', {"a": 1, "b c": 2}),
    (Optional[int], "null", None),
    (int | str, '"x"', "x"),
    (Literal["a", 1, True, None], "true", True),
    (Literal["a", 1, True, None], "1", 1),
    (Literal["a", 1, True, None], '"a"', "a"),
    ({"id": int, "tags": [str]}, '{"tags":["t"],"id":7}', {"tags": ["t"], "id": 7}),
    (User, '{"id":1,"email":"e"}', {"id": 1, "email": "e"}),
    ({"$defs": {}, "type": "object", "properties": {"a": {"type": "integer"}}}, "{}", {}),
    (User, '{"nickname":"n","id":1,"email":"e"}', {"nickname": "n", "id": 1, "email": "e"}),
])
def test_values(schema, text, expected):
    enc = fastjson.compile(schema)
    for data in (text, text.encode(), bytearray(text.encode()), memoryview(text.encode())):
        got = enc.loads(data)
        assert got == expected
        assert type(got) is type(expected)


class Tree(TypedDict):
    value: int
    children: list["Tree"]


def test_recursive_and_json_schema_forms():
    tree = fastjson.compile(Tree)
    doc = '{"value":1,"children":[{"value":2,"children":[]},{"children":[],"value":3}]}'
    assert tree.loads(doc) == json.loads(doc)
    assert validation_error(tree, '{"value":1,"children":[{"value":2,"children":[{}]}]}') == (
        "Object missing required field `value` - at `$.children[0].children[0]`")
    schema = {"$defs": {"Node": {"type": "object", "properties": {
        "id": {"type": "integer"}, "next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
        "kind": {"enum": ["a", "b"]}}, "required": ["id"]}}, "$ref": "#/$defs/Node"}
    enc = fastjson.compile(schema)
    doc = '{"id":1,"next":{"id":2,"next":null,"kind":"b"}}'
    assert enc.loads(doc) == json.loads(doc)
    assert validation_error(enc, '{"id":1,"next":{"id":2,"kind":"c"}}') == (
        "Invalid enum value 'c' - at `$.next.kind`")


def test_types_produced():
    got = fastjson.compile(tuple[int, ...]).loads(b"[1]")
    assert type(got) is tuple
    assert fastjson.compile(Color).loads(b'"red"') is Color.RED
    assert fastjson.compile(Color).loads(b"2") is Color.GREEN
    assert fastjson.compile(Level).loads(b"10") is Level.HIGH
    assert fastjson.compile(list[Level]).loads(b"[1,10]") == [Level.LOW, Level.HIGH]


def test_dataclasses_get_defaults_and_post_init():
    enc = fastjson.compile(list[Tagged])
    got = enc.loads(b'[{"name":"a"},{"point":{"x":1},"name":"b","tags":["t"]},'
                    b'{"name":"c","point":{"y":2,"x":3},"seen":5}]')
    assert got == [Tagged("a", [], None, 0), Tagged("b", ["t"], Point(1, 0.0), 0),
                   Tagged("c", [], Point(3, 2.0), 5)]
    assert [t.seen for t in got] == [1, 1, 6]  # __post_init__ ran once each
    assert type(got[2].point.y) is float


def test_dataclass_init_errors_propagate():
    @dataclasses.dataclass
    class Positive:
        n: int

        def __post_init__(self):
            if self.n < 0:
                raise ValueError("n must be >= 0")

    with pytest.raises(ValueError, match="^n must be >= 0$") as info:
        fastjson.compile(list[Positive]).loads(b'[{"n":1},{"n":-1}]')
    assert type(info.value) is ValueError


def test_duplicate_keys_keep_the_last_value_like_json_loads():
    assert fastjson.compile(User).loads(b'{"id":1,"id":2,"email":"e"}') == {"id": 2, "email": "e"}
    assert fastjson.compile(Point).loads(b'{"x":1,"x":3}') == Point(3)


def test_keys_in_any_order_and_escaped_keys():
    enc = fastjson.compile(Record)
    data = json.dumps(dict(reversed(record().items()))).replace('"email"', '"\\u0065mail"')
    assert enc.loads(data) == record()


def test_keys_are_the_schemas_interned_strs():
    got = fastjson.compile(list[Record]).loads(fastjson.dumps([record(), record(id=2)]))
    assert [k for k in got[0]] == [k for k in got[1]]
    assert all(a is b for a, b in zip(got[0], got[1]))


def test_unions_of_objects_try_each_alternative():
    enc = fastjson.compile(list[Cat | Dog])
    assert enc.loads(b'[{"meow":1},{"bark":2}]') == [{"meow": 1}, {"bark": 2}]
    # The last alternative's mismatch is reported when none matches.
    assert validation_error(enc, b'[{"meow":1},{"purr":2}]') == (
        "Object contains unknown field `purr` - at `$[1]`")


def test_nested_unions_told_apart_late_decode_in_linear_time():
    # Each level's first alternative fails only at its last key, after decoding everything
    # inside: without remembering inner outcomes this takes 2**depth attempts.
    enc = fastjson.compile(NodeA | NodeB)
    depth = 200
    doc = '{"v":' * depth + '{"v":null,"b":0}' + ',"b":1}' * depth
    got = enc.loads(doc)
    for _ in range(depth):
        assert list(got) == ["v", "b"]
        got = got["v"]
    assert got == {"v": None, "b": 0}
    bad = '{"v":' * depth + '{"v":null,"c":0}' + ',"b":1}' * depth
    # paths deeper than 32 components show their first and last 16
    assert validation_error(enc, bad) == (
        "Object contains unknown field `c` - at `$" + ".v" * 16 + "..." + ".v" * 16 + "`")
    assert enc.loads(doc) == json.loads(doc)


def test_float_or_int_union_takes_the_first_that_fits():
    assert type(fastjson.compile(int | float).loads(b"1")) is int
    assert type(fastjson.compile(float | int).loads(b"1")) is float
    got = fastjson.compile(list[int | float]).loads(b"[1,2.5]")
    assert got == [1, 2.5] and type(got[0]) is int


def test_ignore_unknown_skips_unknown_values():
    enc = fastjson.compile(list[User])
    data = b'[{"id":1,"x":{"deep":[1,{"y":null}]},"email":"e","z":"\\u00e9"}]'
    assert enc.loads(data, ignore_unknown=True) == [{"id": 1, "email": "e"}]
    assert validation_error(enc, data) == "Object contains unknown field `x` - at `$[0]`"
    with pytest.raises(fastjson.JSONDecodeError, match="Expecting value"):
        enc.loads(b'[{"id":1,"x":[1,],"email":"e"}]', ignore_unknown=True)


# --- errors -----------------------------------------------------------------------------------------

def test_error_messages():
    records = fastjson.compile(list[Record])
    rows = [record(id=i) for i in range(5)]
    rows[3]["id"] = "3"
    assert validation_error(records, fastjson.dumps(rows)) == "Expected `int`, got `str` - at `$[3].id`"
    rows[3] = record(parent="p")
    assert validation_error(records, fastjson.dumps(rows)) == (
        "Expected `int | null`, got `str` - at `$[3].parent`")
    rows[3] = record(tags=["a", 7])
    assert validation_error(records, fastjson.dumps(rows)) == "Expected `str`, got `int` - at `$[3].tags[1]`"
    rows[3] = record(score="1")
    assert validation_error(records, fastjson.dumps(rows)) == "Expected `float`, got `str` - at `$[3].score`"
    rows[3] = record(active=1)
    assert validation_error(records, fastjson.dumps(rows)) == "Expected `bool`, got `int` - at `$[3].active`"
    rows[3] = record()
    del rows[3]["email"]
    assert validation_error(records, fastjson.dumps(rows)) == (
        "Object missing required field `email` - at `$[3]`")
    rows[3] = record(foo=1)
    assert validation_error(records, fastjson.dumps(rows)) == (
        "Object contains unknown field `foo` - at `$[3]`")
    assert validation_error(records, b'{"id":1}') == "Expected `array`, got `object` - at `$`"
    assert validation_error(records, b"[1]") == "Expected `object`, got `int` - at `$[0]`"
    assert validation_error(fastjson.compile(int), b"1.0") == "Expected `int`, got `float` - at `$`"
    assert validation_error(fastjson.compile(int), b"1e400") == "Expected `int`, got `float` - at `$`"
    assert validation_error(fastjson.compile(int), b"null") == "Expected `int`, got `null` - at `$`"
    assert validation_error(fastjson.compile(str), b"true") == "Expected `str`, got `bool` - at `$`"
    assert validation_error(fastjson.compile(None), b"[]") == "Expected `null`, got `array` - at `$`"
    assert validation_error(fastjson.compile(dict[str, int]), b'{"a b":"x"}') == (
        'Expected `int`, got `str` - at `$["a b"]`')
    assert validation_error(fastjson.compile({"a": {"b c": int}}), b'{"a":{"b c":[]}}') == (
        'Expected `int`, got `array` - at `$.a["b c"]`')
    assert validation_error(fastjson.compile(tuple[int, str]), b'[1,"a",3]') == (
        "Expected `array` of length 2, got 3 - at `$`")
    assert validation_error(fastjson.compile({"pair": tuple[int, str]}), b'{"pair":[1]}') == (
        "Expected `array` of length 2, got 1 - at `$.pair`")
    assert validation_error(fastjson.compile(tuple[int, str]), b'[1,2]') == (
        "Expected `str`, got `int` - at `$[1]`")
    assert validation_error(fastjson.compile({"color": Color}), b'{"color":"purple"}') == (
        "Invalid enum value 'purple' - at `$.color`")
    assert validation_error(fastjson.compile({"color": Color}), b'{"color":5}') == (
        "Invalid enum value 5 - at `$.color`")
    assert validation_error(fastjson.compile({"color": Color}), b'{"color":1.5}') == (
        "Expected `str | int`, got `float` - at `$.color`")
    assert validation_error(fastjson.compile(Level), b'"LOW"') == "Expected `int`, got `str` - at `$`"
    assert validation_error(fastjson.compile(Literal["a", "b"]), b'"c"') == "Invalid enum value 'c' - at `$`"
    assert validation_error(fastjson.compile(Literal["a", 1]), b"true") == (
        "Expected `str | int`, got `bool` - at `$`")
    assert validation_error(fastjson.compile(Literal[True]), b"false") == "Invalid enum value False - at `$`"
    assert validation_error(fastjson.compile(Point), b'{"y":1}') == "Object missing required field `x` - at `$`"
    assert validation_error(fastjson.compile(Point), b"{ }") == "Object missing required field `x` - at `$`"
    assert validation_error(fastjson.compile(list[User]), b"[{}]") == (
        "Object missing required field `id` - at `$[0]`")
    assert validation_error(fastjson.compile(list[Point]), b'[{"x":1},{"x":"1"}]') == (
        "Expected `int`, got `str` - at `$[1].x`")
    assert validation_error(fastjson.compile(Cat | None), b"[]") == (
        "Expected `object | null`, got `array` - at `$`")


def test_validation_error_is_a_decode_error_pointing_at_the_value():
    data = '[1,\n "x"]'
    with pytest.raises(fastjson.ValidationError) as info:
        fastjson.compile(list[int]).loads(data)
    e = info.value
    assert isinstance(e, fastjson.JSONDecodeError) and isinstance(e, json.JSONDecodeError)
    assert isinstance(e, ValueError)
    assert (e.msg, e.doc, e.pos, e.lineno, e.colno) == (
        "Expected `int`, got `str` - at `$[1]`", data, 5, 2, 2)
    assert e.args == ("Expected `int`, got `str` - at `$[1]`",)
    assert repr(e) == "ValidationError('Expected `int`, got `str` - at `$[1]`')"
    again = pickle.loads(pickle.dumps(e))
    assert type(again) is fastjson.ValidationError and str(again) == str(e) and again.pos == 5
    assert fastjson.ValidationError.__module__ == "fastjson"
    # pos counts code points, not bytes
    with pytest.raises(fastjson.ValidationError) as info:
        fastjson.compile(list[int]).loads('["é", 1]'.encode())
    assert info.value.pos == 1
    with pytest.raises(fastjson.ValidationError) as info:
        fastjson.compile(list[int]).loads('[1, "é"]'.encode())
    assert info.value.pos == 4


def json_error(data) -> tuple[str, int]:
    with pytest.raises(json.JSONDecodeError) as info:
        json.loads(data)
    return info.value.msg, info.value.pos


@pytest.mark.parametrize("schema, data", [
    (int, b""), (list[int], b"[1,2,"), (User, b'{"id": tru}'), (list[int], b"[1] 2"),
    (User, b'{"id" 1}'), (list[int], b"[01]"), (dict[str, int], b'{"a":1,}'), (str, b'"\\x"'),
    (list[int], b"[-]"), (list[float], b"[1.]"), (list[str], b'["abc'), (None, b"nul"),
    (User, b'{"id":1,"email":"e"'), (list[int], b"[1,]"), (tuple[int, int], b"[1,2,3,]"),
    (User, b'{"id":1,"x":[1,]}'), (Literal["a"], b'"a'), (Color, b"2x"), (int, b"-"),
    (list[Point], b'[{"x":1}, {"x":2]'),
])
def test_malformed_json_is_reported_like_loads(schema, data):
    for enc in (fastjson.compile(schema), fastjson.compile(Any)):
        with pytest.raises(fastjson.JSONDecodeError) as info:
            enc.loads(data, ignore_unknown=True)
        assert type(info.value) is fastjson.JSONDecodeError
        assert (info.value.msg, info.value.pos) == json_error(data)


def test_malformed_json_behind_a_mismatch_reports_the_first_problem():
    enc = fastjson.compile(list[int])
    assert validation_error(enc, b'["a", tru') == "Expected `int`, got `str` - at `$[0]`"
    # A bad token where a mismatch would be is malformed JSON first.
    with pytest.raises(fastjson.JSONDecodeError) as info:
        enc.loads(b"[tru]")
    assert type(info.value) is fastjson.JSONDecodeError
    # Stage 1 sees invalid UTF-8 anywhere in the document before any value is read.
    with pytest.raises(fastjson.JSONDecodeError, match="Invalid UTF-8") as info:
        enc.loads(b'["a", "\xff"]')
    assert type(info.value) is fastjson.JSONDecodeError


def test_nesting_limit():
    tree = fastjson.compile(Any)
    with pytest.raises(fastjson.JSONDecodeError):
        tree.loads(b"[" * 1100 + b"]" * 1100)
    nested = fastjson.compile(list[list[Any]])
    assert nested.loads(b"[[" + b"[" * 1000 + b"]" * 1000 + b"]]") is not None


def test_loads_arguments():
    enc = fastjson.compile(int)
    with pytest.raises(TypeError, match=r"^loads\(\) takes exactly 1 positional argument \(0 given\)$"):
        enc.loads()
    with pytest.raises(TypeError, match=r"^loads\(\) got an unexpected keyword argument 'strict'$"):
        enc.loads(b"1", strict=True)
    with pytest.raises(TypeError, match="^Input must be bytes, bytearray, memoryview, or str, not int$"):
        enc.loads(1)


# --- round trip on generated schemas ------------------------------------------------------------------

texts = st.text(max_size=12) | st.text(st.sampled_from('"\\\n\x00\x1fé日😀a'), max_size=6)
identifiers = st.sampled_from(["a", "b", "id", "name", "x_1", "value", "tags", "Ωmega"])
_dataclasses: dict[tuple, type] = {}


def _dataclass_for(fields: tuple) -> type:
    if fields not in _dataclasses:
        spec = [(name, object) if required else (name, object, dataclasses.field(default=None))
                for name, required in fields]
        _dataclasses[fields] = dataclasses.make_dataclass(f"R{len(_dataclasses)}", spec, kw_only=True)
    return _dataclasses[fields]


# JSON kinds a tree's values can have: union alternatives must not share one, or which of them
# decodes a value would depend on more than its kind.
def _kinds(tree: tuple) -> set:
    kind = tree[0]
    return {"null": {"null"}, "bool": {"bool"}, "int": {"num"}, "float": {"num"}, "str": {"str"},
            "list": {"array"}, "tuple_of": {"array"}, "tuple": {"array"}, "dict": {"object"},
            "object": {"object"}, "dataclass": {"object"}}[kind]


def _nullable(tree: tuple) -> tuple:
    """`tree`, or a tree that also takes None: the type of a dataclass field whose default (when
    the document leaves it out) is None, so that the decoded instance encodes back."""
    kind = tree[0]
    if kind in ("any", "null"):
        return tree
    if kind == "literal":
        return tree if None in tree[1] else ("literal", (*tree[1], None))
    if kind == "union":
        return tree if ("null",) in tree[1] else ("union", (*tree[1], ("null",)))
    if kind == "enum":
        return ("any",)  # a union may not hold an enum (the generator keeps alternatives apart)
    return ("union", (tree, ("null",)))


def schema_trees(depth: int = 0):
    leaves = st.sampled_from([("any",), ("null",), ("bool",), ("int",), ("float",), ("str",)])
    literal = st.lists(st.none() | st.booleans() | st.integers(-3, 3) | texts, min_size=1, max_size=4,
                       unique_by=lambda v: (type(v), v)).map(lambda vs: ("literal", tuple(vs)))
    enums = st.sampled_from([Level, Color]).map(lambda cls: ("enum", cls))
    if depth >= 3:
        return leaves | literal | enums
    child = st.deferred(lambda: schema_trees(depth + 1))
    fields = st.lists(st.tuples(texts, child, st.booleans()), max_size=5, unique_by=lambda f: f[0])
    dc_fields = st.lists(st.tuples(identifiers, child, st.booleans()), min_size=1, max_size=4,
                         unique_by=lambda f: f[0])

    def union(alts):
        seen, out = set(), []
        for alt in alts:
            if alt[0] in ("any", "union", "literal", "enum") or _kinds(alt) & seen:
                continue
            seen |= _kinds(alt)
            out.append(alt)
        return ("union", tuple(out or [("null",)]))

    return st.one_of(
        leaves, literal, enums,
        child.map(lambda c: ("list", c)),
        child.map(lambda c: ("tuple_of", c)),
        st.lists(child, max_size=4).map(lambda cs: ("tuple", tuple(cs))),
        child.map(lambda c: ("dict", c)),
        st.tuples(fields, st.none() | st.just("Title")).map(lambda ft: ("object", tuple(ft[0]), ft[1])),
        dc_fields.map(
            lambda fs: ("dataclass", tuple((n, c if r else _nullable(c), r) for n, c, r in fs))),
        st.lists(child, min_size=1, max_size=4).map(union),
    )


def to_description(tree: tuple) -> tuple[list, int]:
    nodes: list = []

    def add(t: tuple) -> int:
        index = len(nodes)
        nodes.append(None)
        kind = t[0]
        if kind in ("list", "tuple_of", "dict"):
            nodes[index] = (kind, add(t[1]))
        elif kind in ("tuple", "union"):
            nodes[index] = (kind, tuple(add(c) for c in t[1]))
        elif kind == "object":
            nodes[index] = (kind, tuple((n, add(c), r) for n, c, r in t[1]), t[2])
        elif kind == "dataclass":
            cls = _dataclass_for(tuple((n, r) for n, _, r in t[1]))
            nodes[index] = (kind, cls, tuple((n, add(c), r) for n, c, r in t[1]))
        else:
            nodes[index] = t
        return index

    return nodes, add(tree)


any_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(texts, c, max_size=4),
    max_leaves=10,
)


def values_for(tree: tuple):
    """Valid values of `tree` in the form decoding builds (lists for lists, tuples for tuples)."""
    kind = tree[0]
    if kind == "any":
        return any_values
    if kind == "null":
        return st.none()
    if kind == "bool":
        return st.booleans()
    if kind == "int":
        return st.integers() | st.integers(-(2**80), 2**80)
    if kind == "float":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "str":
        return texts
    if kind == "literal":
        return st.sampled_from(tree[1])
    if kind == "enum":
        return st.sampled_from([m for m in tree[1] if type(m.value) in (str, int)])
    if kind == "list":
        return st.lists(values_for(tree[1]), max_size=4)
    if kind == "tuple_of":
        return st.lists(values_for(tree[1]), max_size=4).map(tuple)
    if kind == "tuple":
        return st.tuples(*(values_for(c) for c in tree[1]))
    if kind == "dict":
        return st.dictionaries(texts, values_for(tree[1]), max_size=4)
    if kind == "object":
        present = [st.tuples(st.just(n), values_for(c), st.booleans() if not r else st.just(True))
                   for n, c, r in tree[1]]
        return st.tuples(*present).flatmap(lambda items: st.permutations(
            [(n, v) for n, v, keep in items if keep]).map(dict))
    if kind == "dataclass":
        cls = _dataclass_for(tuple((n, r) for n, _, r in tree[1]))
        return st.tuples(*(values_for(c) for _, c, _ in tree[1])).map(
            lambda vs: cls(**{n: v for (n, _, _), v in zip(tree[1], vs)}))
    if kind == "union":
        return st.one_of(*(values_for(c) for c in tree[1]))
    raise AssertionError(kind)


def same(a, b) -> bool:
    """Equal, with the exact types decoding promises (a tuple is not a list, 1.0 is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return a == b


@st.composite
def schema_and_value(draw):
    tree = draw(schema_trees())
    return tree, draw(values_for(tree))


@settings(max_examples=400)
@given(schema_and_value())
def test_round_trip(case):
    tree, value = case
    nodes, root = to_description(tree)
    enc = _fastjson._make_encoder(nodes, root, None)
    data = enc.dumps(value)
    got = enc.loads(data)
    assert same(got, value), (data, got, value)
    assert same(enc.loads(data.decode()), value)


@settings(max_examples=200)
@given(schema_and_value(), any_values)
def test_other_values_decode_or_raise_validation_error(case, other):
    # Any JSON document gives either a value that encodes back to a document that decodes to
    # the same value, or a ValidationError; nothing else.
    tree, _ = case
    nodes, root = to_description(tree)
    enc = _fastjson._make_encoder(nodes, root, None)
    try:
        got = enc.loads(fastjson.dumps(other))
    except fastjson.ValidationError as e:
        assert " - at `$" in str(e)
        return
    assert same(enc.loads(enc.dumps(got)), got)


# --- references and memory ----------------------------------------------------------------------------

def test_no_reference_leaks():
    corpora = _load_bench_corpora()
    rows = fastjson.compile(list[Record])
    data = fastjson.dumps(corpora.records(20))
    assert_no_leak(lambda: rows.loads(data), [data, rows], calls=20_000)
    tagged = fastjson.compile(list[Tagged | Point])
    doc = b'[{"name":"a","tags":["x"],"point":{"x":1}},{"x":2,"y":3.5},{"name":"b"}]'
    assert_no_leak(lambda: tagged.loads(doc), [doc, tagged, Tagged, Point], calls=20_000)
    enums = fastjson.compile(list[Color | Literal["z"] | tuple[int, ...]])
    doc2 = b'["red", 2, "z", [1, 2]]'
    assert_no_leak(lambda: enums.loads(doc2), [doc2, enums, Color, Color.RED], calls=50_000)


@pytest.mark.parametrize("data", [
    b'[{"id":1,"name":"a","email":"e","score":1,"active":true,"tags":["t","u"],"parent":"x"}]',
    b'[{"id":1,"name":"a","tags":["t",3]}]',
    b'[{"id":1,"name":"a","email":"e","score":1,"active":true,"tags":[],"parent":1,"zz":[1]}]',
    b'[{"id":1,"name":"a"}]',
    b'[{"id":1,"name":"a","email":"e","score":1,"active":true,"tags":["t"],',
    b'[{"id":1,"name":"\xff"}]',
])
def test_error_paths_do_not_leak(data):
    rows = fastjson.compile(list[Record])
    assert_no_leak(expect_error(lambda: rows.loads(data), fastjson.JSONDecodeError), [data, rows],
                   ERROR_CALLS // 5)


def test_union_retries_do_not_leak():
    enc = fastjson.compile(list[NodeA | NodeB])
    good = ('[' + '{"v":' * 20 + '{"v":null,"b":0}' + ',"b":1}' * 20 + "]").encode()
    bad = good.replace(b'"b":0', b'"c":0')
    assert_no_leak(lambda: enc.loads(good), [good, enc], calls=5_000)
    assert_no_leak(expect_error(lambda: enc.loads(bad), fastjson.ValidationError), [bad, enc], 5_000)


def test_error_paths_with_dataclasses_and_unions_do_not_leak():
    enc = fastjson.compile(list[Tagged | tuple[int, str]])
    for doc in (b'[[1,"a"],{"name":"n","tags":["x",1]}]', b'[{"name":"n"},[1,"a",{"x":[]}]]',
                b'[{"name":"n","point":{"x":1,"q":2}}]', b'[[1,"a"],{"name":"n","point":{"y":1}}]'):
        assert_no_leak(expect_error(lambda: enc.loads(doc), fastjson.ValidationError),
                       [doc, enc, Tagged, Point], ERROR_CALLS // 10)
