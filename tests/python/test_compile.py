# fastjson.compile(schema): enc.dumps(x) == fastjson.dumps(x) for every matching x (exact bytes,
# hypothesis-drawn schema/value pairs), each mismatch error message exactly, the Encoder object,
# the JIT fallback, and no reference leaks.
import collections
import contextlib
import dataclasses
import enum
import gc
import json
import logging
import sys
import types
import weakref
from typing import Any, Literal, NotRequired, Optional, TypedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastjson
from fastjson import _fastjson

from conftest import _load_bench_corpora


def ref(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def error_of(enc: fastjson.Encoder, value: object) -> str:
    with pytest.raises(fastjson.JSONEncodeError) as info:
        enc.dumps(value)
    return str(info.value)


def dumps_error_of(value: object) -> str:
    with pytest.raises(fastjson.JSONEncodeError) as info:
        fastjson.dumps(value)
    return str(info.value)


@contextlib.contextmanager
def jit_hidden():
    """compile() inside gives the interpreter: `import fastjson._jit` finds nothing."""
    saved = sys.modules.get("fastjson._jit", _ABSENT)
    sys.modules["fastjson._jit"] = None
    try:
        yield
    finally:
        if saved is _ABSENT:
            del sys.modules["fastjson._jit"]
        else:
            sys.modules["fastjson._jit"] = saved


_ABSENT = object()


def interpreter_compile(schema: object) -> fastjson.Encoder:
    with jit_hidden():
        enc = fastjson.compile(schema)
    assert enc.jit is False
    return enc


@pytest.fixture(params=["default", "interpreter"])
def compile(request):
    """fastjson.compile as users get it (native code once the JIT is built), and the interpreter."""
    return fastjson.compile if request.param == "default" else interpreter_compile


def encoders_for(nodes: list, root: int) -> list[fastjson.Encoder]:
    """The interpreter for a description, plus a JIT-compiled encoder when the JIT installs one."""
    interpreter = _fastjson._make_encoder(nodes, root, None)
    native = _fastjson._make_encoder(nodes, root, None)
    fastjson._install_jit(native)
    return [interpreter, native] if native.jit else [interpreter]


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


class Kind(TypedDict):
    kind: Literal["a", "b"]


class Color(enum.Enum):
    RED = "red"
    GREEN = 2
    BLUE = (1, [2.5, None])


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 10


@dataclasses.dataclass
class Point:
    x: int
    y: float = 0.0


@dataclasses.dataclass(slots=True)
class Slotted:
    name: str
    tags: list[str] = dataclasses.field(default_factory=list)
    point: Optional[Point] = None


class Tree(TypedDict):
    value: int
    children: list["Tree"]


# --- exact bytes ----------------------------------------------------------------------------------


def test_records_match_dumps(compile):
    records = _load_bench_corpora().records(2000)
    enc = compile(list[Record])
    assert enc.dumps(records) == fastjson.dumps(records) == ref(records)
    one = compile(Record)
    assert all(one.dumps(r) == fastjson.dumps(r) for r in records[:200])


@pytest.mark.parametrize(
    "schema, value, expected",
    [
        (int, 5, b"5"),
        (int, -(2**70), b"-1180591620717411303424"),
        (float, 2.5, b"2.5"),
        (float, 3, b"3"),  # an int in a float field is written as the int, as dumps does
        (float, 1e16, b"1e+16"),
        (str, 'é"\n\x00', b'"\xc3\xa9\\"\\n\\u0000"'),
        (bool, False, b"false"),
        (None, None, b"null"),
        (list[int], (1, 2), b"[1,2]"),
        (tuple[int, str], [1, "a"], b'[1,"a"]'),
        (tuple[()], (), b"[]"),
        (dict[str, float], {"a": 1.5, "b c": 2}, b'{"a":1.5,"b c":2}'),
        (int | None, None, b"null"),
        (Literal["a", 1, True, None], True, b"true"),
        (Color, Color.BLUE, b'[1,[2.5,null]]'),
        (Level, Level.HIGH, b"10"),
        (Any, {"x": (1, {"y": None})}, b'{"x":[1,{"y":null}]}'),
        (list[Any], [{1: 2}, 2.5], b'[{"1":2},2.5]'),
        (Point, Point(1, 2.5), b'{"x":1,"y":2.5}'),
        (Slotted, Slotted("s", ["t"], Point(3)), b'{"name":"s","tags":["t"],"point":{"x":3,"y":0.0}}'),
        ({"id": int, "tags": [str]}, {"tags": [], "id": 1}, b'{"tags":[],"id":1}'),
        ({"type": "array", "items": {"type": "integer"}}, [1, 2], b"[1,2]"),
    ],
)
def test_exact_bytes(compile, schema, value, expected):
    assert compile(schema).dumps(value) == expected


def test_keys_are_written_in_the_dicts_order(compile):
    enc = compile(User)
    for value in ({"id": 1, "email": "e"}, {"email": "e", "id": 1}, {"nickname": "n", "email": "e", "id": 1}):
        assert enc.dumps(value) == fastjson.dumps(value)


def test_not_required_keys_may_be_absent(compile):
    enc = compile(list[User])
    value = [{"id": 1, "email": "e"}, {"id": 2, "email": "f", "nickname": "n"}]
    assert enc.dumps(value) == fastjson.dumps(value)


def test_keys_that_are_not_interned_match_by_value(compile):
    # json.loads and str operations make fresh key objects: matched by value, written the same.
    enc = compile(list[User])
    value = json.loads('[{"email": "e", "id": 1}, {"id": 2, "email": "f", "nickname": "n"}]')
    value.append({"".join(["i", "d"]): 3, "em" + "ail": "g"})
    assert enc.dumps(value) == fastjson.dumps(value)


def test_subclasses_are_written_like_dumps(compile):
    class MyStr(str):
        pass

    class MyInt(int):
        pass

    class MyFloat(float):
        pass

    class MyList(list):
        def __iter__(self):
            return iter(list(list.__iter__(self))[::-1])

    class MyDict(dict):
        pass

    ordered = collections.OrderedDict([("email", MyStr("e")), ("id", Level.HIGH)])
    ordered.move_to_end("email")
    cases = [
        (list[str], MyList([MyStr("a"), "b"])),
        (list[int], [MyInt(3), Level.LOW, 2]),
        (list[float], [MyFloat(1.5), MyInt(2)]),
        (User, MyDict(id=1, email="e")),
        (User, ordered),
        (dict[str, int], MyDict({MyStr("k"): 1})),
        (tuple[int, int], MyList([1, 2])),
        (Literal["a"], "a"),
    ]
    for schema, value in cases:
        assert compile(schema).dumps(value) == fastjson.dumps(value), (schema, value)


def test_recursive_schemas_recurse(compile):
    enc = compile(Tree)
    tree = {"value": 1, "children": [{"value": 2, "children": []}, {"children": [], "value": 3}]}
    assert enc.dumps(tree) == fastjson.dumps(tree)
    # A JSON-like recursive alias through a dict literal that contains itself.
    node: dict = {"name": str}
    node["kids"] = [node]
    value = {"name": "a", "kids": [{"name": "b", "kids": []}]}
    assert compile(node).dumps(value) == fastjson.dumps(value)


def test_depth_limit_and_cycles_match_dumps(compile):
    enc = compile(Tree)
    tree: dict = {"value": 0, "children": []}
    for i in range(511):  # 512 trees of two levels each: 1024 levels, the limit
        tree = {"value": i, "children": [tree]}
    assert enc.dumps(tree) == fastjson.dumps(tree)
    deeper = {"value": -1, "children": [tree]}
    assert error_of(enc, deeper) == dumps_error_of(deeper)
    assert error_of(enc, deeper).startswith("Maximum nesting depth exceeded (1024) - at $.children[0]")
    cyclic: dict = {"value": 0, "children": []}
    cyclic["children"].append({"value": 1, "children": [cyclic]})
    assert error_of(enc, cyclic) == dumps_error_of(cyclic) == (
        "Circular reference detected - at $.children[0].children[0]")
    cyclic["children"].clear()
    anything = compile(list[Any])
    loop: list = [1]
    loop.append(loop)
    assert error_of(anything, [loop]) == dumps_error_of([loop]) == "Circular reference detected - at $[0][1]"
    loop.clear()


@pytest.mark.parametrize("n", [63, 64, 65, 200])
def test_objects_with_many_fields(compile, n):
    enc = compile({f"k{i}": int for i in range(n)})
    value = {f"k{i}": i for i in reversed(range(n))}
    assert enc.dumps(value) == fastjson.dumps(value)
    del value["k7"]
    assert error_of(enc, value) == 'missing required key "k7" - at $'
    value["k7"] = 7
    value["zz"] = 1
    assert error_of(enc, value) == 'unexpected key "zz" - at $'


def test_python_code_mutating_the_input_does_not_crash(compile):
    @dataclasses.dataclass
    class Evil:
        x: int

    enc = compile(list[Evil])
    items = [Evil(0), Evil(0), Evil(0)]
    pairs = {"a": Evil(0), "b": Evil(0)}
    # Reading x (a property from now on) empties the container being written, dropping the last
    # references to the items still to come.
    Evil.x = property(lambda self: (items.clear(), 1)[1])
    assert enc.dumps(items) == b'[{"x":1}]'  # the list is re-read after each item, as dumps does
    Evil.x = property(lambda self: (pairs.clear(), 1)[1])
    assert compile(dict[str, Evil]).dumps(pairs) == b'{"a":{"x":1}}'  # iteration just stops


# --- errors ---------------------------------------------------------------------------------------


def user(**overrides):
    return {"id": 1, "email": "e", **overrides}


def test_error_messages(compile):
    users = compile(list[User])
    assert error_of(users, [user(), user(), user(), user(id="7")]) == "expected int, got str - at $[3].id"
    assert error_of(users, [user(id=True)]) == "expected int, got bool - at $[0].id"
    assert error_of(users, [user(id=1.0)]) == "expected int, got float - at $[0].id"
    assert error_of(users, [user(), user(), user(), {"id": 1}]) == 'missing required key "email" - at $[3]'
    assert error_of(users, [user(), user(), user(), user(foo=1)]) == 'unexpected key "foo" - at $[3]'
    assert error_of(users, [user(**{'a "q"': 1})]) == 'unexpected key "a \\"q\\"" - at $[0]'
    assert error_of(users, [{**user(), 5: 1}]) == "unexpected key 5 - at $[0]"
    assert error_of(users, [user(nickname=None)]) == "expected str, got NoneType - at $[0].nickname"
    assert error_of(users, {"id": 1}) == "expected list[User], got dict - at $"
    assert error_of(users, [[1]]) == "expected User, got list - at $[0]"

    maps = compile({"m": dict[str, int]})
    assert error_of(maps, {"m": {1: 2}}) == "expected str key, got int - at $.m"
    assert error_of(maps, {"m": {"a b": "x"}}) == 'expected int, got str - at $.m["a b"]'

    kinds = compile(Kind)
    assert error_of(kinds, {"kind": "c"}) == "expected Literal['a', 'b'], got 'c' - at $.kind"
    assert error_of(kinds, {"kind": 1}) == "expected Literal['a', 'b'], got 1 - at $.kind"
    assert error_of(kinds, {"kind": "x" * 100}) == (
        "expected Literal['a', 'b'], got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... - at $.kind")
    assert error_of(compile(Literal[1]), True) == "expected Literal[1], got True - at $"
    assert error_of(compile(Color), "red") == "expected Color, got 'red' - at $"
    assert error_of(compile(list[Level]), [1]) == "expected Level, got 1 - at $[0]"

    assert error_of(compile({"p": int | None}), {"p": "x"}) == "expected int | None, got str - at $.p"
    assert error_of(compile(Literal["a"] | None), "b") == "expected Literal['a'] | None, got 'b' - at $"
    assert error_of(compile(tuple[int, str]), (1, "a", 2)) == (
        "expected tuple[int, str], got tuple of length 3 - at $")
    assert error_of(compile(list[Point]), [Point(1), {"x": 1}]) == "expected Point, got dict - at $[1]"
    assert error_of(compile(Point), Point("1")) == "expected int, got str - at $.x"
    assert error_of(compile(bool), 1) == "expected bool, got int - at $"
    assert error_of(compile(None), 0) == "expected None, got int - at $"
    assert error_of(compile(list[str]), "abc") == "expected list[str], got str - at $"
    assert error_of(compile(dict[str, list[int]]), {"k": [1, None]}) == (
        "expected int, got NoneType - at $.k[1]")


def test_missing_attribute_keeps_the_attribute_error_as_cause(compile):
    point = Point(1)
    del point.x
    with pytest.raises(fastjson.JSONEncodeError) as info:
        compile(Point).dumps(point)
    assert str(info.value) == 'missing required attribute "x" - at $'
    assert isinstance(info.value.__cause__, AttributeError)
    slotted = Slotted("n")
    del slotted.tags  # optional (has a default factory): left out
    assert compile(Slotted).dumps(slotted) == b'{"name":"n","point":null}'


def test_generic_errors_read_like_dumps(compile):
    floats = compile({"x": float})
    assert error_of(floats, {"x": float("nan")}) == "Out of range float values are not JSON compliant: nan - at $.x"
    assert error_of(floats, {"x": float("-inf")}) == "Out of range float values are not JSON compliant: -inf - at $.x"
    assert error_of(compile(list[str]), ["a", "\ud800"]) == (
        "str is not valid UTF-8: surrogates not allowed - at $[1]")
    assert error_of(compile(dict[str, int]), {"\udfff": 1}) == (
        "str is not valid UTF-8: surrogates not allowed - at $")
    value = {"items": [1, 2, 3, object()]}
    assert error_of(compile({"items": list[Any]}), value) == dumps_error_of(value) == (
        "Type is not JSON serializable: object - at $.items[3]")
    # An enum is written by its value, through dumps' own encoder.
    assert error_of(compile(list[_Weird]), [_Weird.X]) == "Type is not JSON serializable: object - at $[0]"


class _Weird(enum.Enum):
    X = object()


def test_encode_error_is_a_type_error(compile):
    with pytest.raises(TypeError):
        compile(int).dumps("x")


# --- differential: hypothesis-drawn schemas and matching values -----------------------------------

texts = st.text(max_size=12) | st.text(st.sampled_from('"\\\n\x00\x1fé日😀a'), max_size=6)
identifiers = st.sampled_from(["a", "b", "id", "name", "x_1", "value", "tags", "Ωmega"])


class _IntSub(int):
    pass


class _StrSub(str):
    pass


_ENUMS = (Color, Level)
_dataclasses: dict[tuple, type] = {}


def _dataclass_for(fields: tuple) -> type:
    # One class per field layout (classes are reused across examples: making them is slow).
    if fields not in _dataclasses:
        spec = [(name, object) if required else (name, object, dataclasses.field(default=None))
                for name, required in fields]
        # kw_only: a required field may follow an optional one.
        _dataclasses[fields] = dataclasses.make_dataclass(f"D{len(_dataclasses)}", spec, kw_only=True)
    return _dataclasses[fields]


# A schema tree is a tuple like the normalized description, with children inline.
def schema_trees(depth: int = 0):
    leaves = st.sampled_from([("any",), ("null",), ("bool",), ("int",), ("float",), ("str",)])
    literal = st.lists(st.none() | st.booleans() | st.integers(-3, 3) | texts, min_size=1, max_size=4,
                       unique_by=lambda v: (type(v), v)).map(lambda vs: ("literal", tuple(vs)))
    enums = st.sampled_from(_ENUMS).map(lambda cls: ("enum", cls))
    if depth >= 3:
        return leaves | literal | enums
    child = st.deferred(lambda: schema_trees(depth + 1))
    fields = st.lists(st.tuples(texts, child, st.booleans()), max_size=5, unique_by=lambda f: f[0])
    dc_fields = st.lists(st.tuples(identifiers, child, st.booleans()), min_size=1, max_size=4,
                         unique_by=lambda f: f[0])
    return st.one_of(
        leaves, literal, enums,
        child.map(lambda c: ("list", c)),
        st.lists(child, max_size=4).map(lambda cs: ("tuple", tuple(cs))),
        child.map(lambda c: ("dict", c)),
        st.tuples(fields, st.none() | st.just("Title")).map(lambda ft: ("object", tuple(ft[0]), ft[1])),
        dc_fields.map(lambda fs: ("dataclass", tuple(fs))),
        unions(child),
    )


def _group(tree: tuple) -> object:
    # Alternatives of one union must not shadow each other: the first whose kind matches is used.
    kind = tree[0]
    return {"int": "num", "float": "num", "list": "seq", "tuple": "seq", "dict": "map",
            "object": "map", "literal": object()}.get(kind, kind)


def unions(child):
    def build(alts):
        seen, out = set(), []
        for alt in alts:
            group = _group(alt)
            if alt[0] in ("any", "union") or group in seen:
                continue  # any would take every value; normalized unions are flat
            seen.add(group)
            out.append(alt)
        return ("union", tuple(out or [("null",)]))

    return st.lists(child, min_size=1, max_size=4).map(build)


def to_description(tree: tuple) -> tuple[list, int]:
    nodes: list = []

    def add(t: tuple) -> int:
        index = len(nodes)
        nodes.append(None)
        kind = t[0]
        if kind in ("list", "dict"):
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
    """(value, plain): a value matching `tree`, and the same data as plain JSON types for dumps."""
    kind = tree[0]
    same = lambda s: s.map(lambda v: (v, v))  # noqa: E731
    if kind == "any":
        return same(any_values)
    if kind == "null":
        return st.just((None, None))
    if kind == "bool":
        return same(st.booleans())
    if kind == "int":
        return same(st.integers() | st.integers(-(2**70), 2**70).map(_IntSub))
    if kind == "float":
        return same(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**64), 2**64))
    if kind == "str":
        return same(texts | texts.map(_StrSub))
    if kind == "literal":
        return same(st.sampled_from(tree[1]))
    if kind == "enum":
        return st.sampled_from(list(tree[1])).map(lambda m: (m, m.value))
    if kind == "list":
        return st.lists(values_for(tree[1]), max_size=4).flatmap(
            lambda pairs: st.sampled_from([list, tuple]).map(
                lambda seq: (seq(v for v, _ in pairs), [p for _, p in pairs])))
    if kind == "tuple":
        return st.tuples(*(values_for(c) for c in tree[1])).flatmap(
            lambda pairs: st.sampled_from([list, tuple]).map(
                lambda seq: (seq(v for v, _ in pairs), [p for _, p in pairs])))
    if kind == "dict":
        return st.dictionaries(texts, values_for(tree[1]), max_size=4).map(
            lambda d: ({k: v for k, (v, _) in d.items()}, {k: p for k, (_, p) in d.items()}))
    if kind == "object":
        present = [st.tuples(st.just(n), values_for(c), st.booleans() if not r else st.just(True))
                   for n, c, r in tree[1]]
        return st.tuples(*present).flatmap(lambda items: st.permutations(
            [(n, vp) for n, vp, keep in items if keep]).map(
            lambda kept: ({n: v for n, (v, _) in kept}, {n: p for n, (_, p) in kept})))
    if kind == "dataclass":
        cls = _dataclass_for(tuple((n, r) for n, _, r in tree[1]))
        return st.tuples(*(values_for(c) for _, c, _ in tree[1])).map(
            lambda pairs: (cls(**{n: v for (n, _, _), (v, _) in zip(tree[1], pairs)}),
                           {n: p for (n, _, _), (_, p) in zip(tree[1], pairs)}))
    if kind == "union":
        return st.one_of(*(values_for(c) for c in tree[1]))
    raise AssertionError(kind)


@st.composite
def schema_and_value(draw):
    tree = draw(schema_trees())
    value, plain = draw(values_for(tree))
    return tree, value, plain


@settings(max_examples=400)
@given(schema_and_value())
def test_matching_values_encode_like_dumps(case):
    tree, value, plain = case
    nodes, root = to_description(tree)
    expected = fastjson.dumps(plain)
    assert expected == ref(plain)
    for enc in encoders_for(nodes, root):
        assert enc.dumps(value) == expected
    if not any(isinstance(v, (enum.Enum,)) or dataclasses.is_dataclass(v) for v in _walk(value)):
        assert fastjson.dumps(value) == expected


def _walk(value):
    yield value
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _walk(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _walk(getattr(value, f.name))


@settings(max_examples=200)
@given(schema_and_value(), any_values)
def test_values_of_another_shape_raise_encode_errors(case, other):
    # Any value either encodes exactly as dumps would, or raises JSONEncodeError: never a crash,
    # never silently different bytes.
    tree, _, _ = case
    nodes, root = to_description(tree)
    for enc in encoders_for(nodes, root):
        try:
            out = enc.dumps(other)
        except fastjson.JSONEncodeError as exc:
            assert " - at $" in str(exc)
        else:
            assert out == fastjson.dumps(other)


# --- the Encoder object and compile() -------------------------------------------------------------


def test_encoder_attributes():
    enc = interpreter_compile(list[User])
    assert isinstance(enc, fastjson.Encoder)
    assert enc.schema == list[User]
    assert enc.jit is False
    assert repr(enc) == "<fastjson.Encoder list[User] jit=False>"
    assert repr(interpreter_compile({"a": int})) == "<fastjson.Encoder object jit=False>"
    assert repr(interpreter_compile(int | None)) == "<fastjson.Encoder int | None jit=False>"
    assert _fastjson._make_encoder([("int",)], 0, None).schema is None
    with pytest.raises(TypeError, match="cannot create 'fastjson.Encoder' instances"):
        fastjson.Encoder()
    with pytest.raises(TypeError, match=r"dumps\(\) takes exactly 1 positional argument \(0 given\)"):
        enc.dumps()
    with pytest.raises(TypeError, match=r"dumps\(\) takes exactly 1 positional argument \(2 given\)"):
        enc.dumps([], [])
    with pytest.raises(TypeError, match=r"^dumps\(\) takes exactly 1 positional argument \(0 given\)$"):
        enc.dumps(obj=[])
    with pytest.raises(TypeError, match=r"^dumps\(\) got an unexpected keyword argument 'foo'$"):
        enc.dumps([], foo=1)
    with pytest.raises(AttributeError):
        enc.jit = True


def test_schema_errors():
    assert issubclass(fastjson.SchemaError, TypeError)
    from fastjson import SchemaError

    with pytest.raises(SchemaError, match=r"unsupported type: bytes - at \$\[\*\]"):
        fastjson.compile(set[bytes])


def test_malformed_descriptions_raise_type_error_naming_the_node():
    with pytest.raises(TypeError, match=r"^schema node 1: child must be a node index in range\(2\), got 9$"):
        _fastjson._make_encoder([("list", 1), ("list", 9)], 0, None)
    with pytest.raises(TypeError, match=r"^schema root must be a node index"):
        _fastjson._make_encoder([("int",)], -1, None)


def test_import_does_not_load_the_schema_module_or_the_jit():
    import subprocess

    code = "import sys, fastjson; print('fastjson._schema' in sys.modules, 'fastjson._jit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def _fake_jit(monkeypatch, module):
    # `import fastjson._jit as _jit` reads the package attribute once the real module has been
    # imported, so both places must point at the fake.
    monkeypatch.setitem(sys.modules, "fastjson._jit", module)
    monkeypatch.setattr(fastjson, "_jit", module, raising=False)


def test_jit_failure_logs_a_warning_and_keeps_the_interpreter(monkeypatch, caplog):
    broken = types.ModuleType("fastjson._jit")

    def install(enc):
        raise RuntimeError("no native target")

    broken.install = install
    _fake_jit(monkeypatch, broken)
    with caplog.at_level(logging.WARNING, logger="fastjson"):
        enc = fastjson.compile(list[int])
    assert enc.jit is False and enc.dumps([1]) == b"[1]"
    [record] = caplog.records
    assert record.name == "fastjson" and "JIT compilation failed" in record.getMessage()
    assert isinstance(record.exc_info[1], RuntimeError)


def test_jit_install_is_called_with_the_encoder(monkeypatch, caplog):
    seen = []
    jit = types.ModuleType("fastjson._jit")
    jit.install = seen.append
    _fake_jit(monkeypatch, jit)
    with caplog.at_level(logging.DEBUG, logger="fastjson"):
        enc = fastjson.compile(int)
    assert seen == [enc] and not caplog.records


def test_missing_jit_is_silent(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "fastjson._jit", None)  # import raises ModuleNotFoundError
    with caplog.at_level(logging.DEBUG, logger="fastjson"):
        enc = fastjson.compile(int)
    assert enc.dumps(1) == b"1" and not caplog.records


# --- references -----------------------------------------------------------------------------------


def _tracked(*roots) -> list:
    """Every object under roots (dataclass fields too), singletons and small ints left out."""
    seen: dict[int, object] = {}
    stack = list(roots)
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen[id(o)] = o
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, (list, tuple)):
            stack.extend(o)
        elif dataclasses.is_dataclass(o) and not isinstance(o, type):
            stack.extend(getattr(o, f.name) for f in dataclasses.fields(o))
    return [o for o in seen.values() if o is not None and o is not True and o is not False
            and not (type(o) is int and -5 <= o <= 256)]


def test_no_reference_leaks(compile):
    enc = compile(list[Record])
    records = _load_bench_corpora().records(50)
    slotted = compile(list[Slotted | Color])
    objs = [Slotted("a" * 3, ["b" * 3], Point(1000, 2.5)) for _ in range(5)] + [Color.BLUE]
    bad = [{**records[0], "id": "x" * 3}]
    tracked = _tracked(records, objs, bad) + [Slotted, Point, Color]

    def run(calls: int) -> None:
        for _ in range(calls):
            enc.dumps(records)
            slotted.dumps(objs)
            with pytest.raises(fastjson.JSONEncodeError):
                enc.dumps(bad)
            with pytest.raises(fastjson.JSONEncodeError):
                slotted.dumps(bad)

    run(100)  # caches and free lists settle; earlier tests' garbage goes
    gc.collect()
    before = [sys.getrefcount(o) for o in tracked]
    run(2000)
    gc.collect()
    after = [sys.getrefcount(o) for o in tracked]
    assert after == before, [(repr(o)[:40], b, a) for o, b, a in zip(tracked, before, after) if a != b]


def test_encoder_releases_its_classes(compile):
    @dataclasses.dataclass
    class Local:
        x: int

    enc = compile(Local)
    if compile is fastjson.compile and not enc.jit:
        # A JIT that failed to load logged a traceback, which holds this frame until the test ends.
        pytest.skip("the JIT is not active: the interpreter case covers this")
    assert enc.dumps(Local(1)) == b'{"x":1}'
    Local.encoder = enc  # a cycle through the class: the collector must see it
    alive = weakref.ref(Local)
    del Local, enc
    gc.collect()
    assert alive() is None
