# fastjson._schema.normalize: each schema form -> its exact normalized graph; exact SchemaErrors.
import collections.abc
import dataclasses
import enum
import json
import typing
from typing import (
    Annotated, Any, Dict, List, Literal, Mapping, NewType, NotRequired, Optional, Required, Tuple,
    TypedDict, Union,
)

import pytest

from fastjson import _schema
from fastjson._schema import SchemaError, normalize

KINDS = {"any", "null", "bool", "int", "float", "str", "list", "tuple_of", "tuple", "dict",
         "object", "dataclass", "union", "literal", "enum", "instance", "set", "frozenset"}


def children(node: tuple) -> list[int]:
    kind = node[0]
    if kind in ("list", "tuple_of", "dict", "set", "frozenset"):
        return [node[1]]
    if kind in ("tuple", "union"):
        return list(node[1])
    if kind == "object":
        return [f[1] for f in node[1]]
    if kind == "dataclass":
        return [f[1] for f in node[2]]
    return []


def check(nodes: list, root: int) -> None:
    """The graph is well formed, canonical (no repeated node) and holds only reachable nodes."""
    assert isinstance(nodes, list) and 0 <= root < len(nodes)
    for node in nodes:
        assert type(node) is tuple and node[0] in KINDS, node
        assert all(type(c) is int and 0 <= c < len(nodes) for c in children(node)), node
        if node[0] == "object":
            assert len(node) == 3 and (node[2] is None or type(node[2]) is str)
            assert all(type(n) is str and type(r) is bool for n, _, r in node[1])
        if node[0] == "dataclass":
            assert dataclasses.is_dataclass(node[1])
        if node[0] == "union":
            assert len(node[1]) >= 2 and len(set(node[1])) == len(node[1])
            assert all(nodes[c][0] != "union" for c in node[1])
    assert len({repr(n) for n in nodes}) == len(nodes)  # repr: 1 and True are different literals
    seen, queue = {root}, [root]
    for i in queue:
        for c in children(nodes[i]):
            if c not in seen:
                seen.add(c)
                queue.append(c)
    assert len(seen) == len(nodes)


def resolve(nodes: list, root: int) -> tuple:
    """The graph as nested tuples; a cycle shows as ("^", k): back to the k-th node on the path."""
    def go(i: int, path: list[int]) -> tuple:
        if i in path:
            return ("^", path.index(i))
        node, path = nodes[i], path + [i]
        kind = node[0]
        if kind in ("list", "tuple_of", "dict", "set", "frozenset"):
            return (kind, go(node[1], path))
        if kind in ("tuple", "union"):
            return (kind, tuple(go(c, path) for c in node[1]))
        if kind == "object":
            return (kind, tuple((n, go(c, path), r) for n, c, r in node[1]), node[2])
        if kind == "dataclass":
            return (kind, node[1], tuple((n, go(c, path), r) for n, c, r in node[2]))
        return node
    return go(root, [])


def norm(schema: object) -> tuple:
    nodes, root = normalize(schema)
    check(nodes, root)
    assert normalize(schema) == (nodes, root)  # deterministic
    return resolve(nodes, root)


def error(schema: object) -> str:
    with pytest.raises(SchemaError) as info:
        normalize(schema)
    return str(info.value)


def untitled(tree: object) -> object:
    """`tree` with every object title set to None."""
    if type(tree) is tuple and tree and tree[0] == "object":
        return ("object", tuple((n, untitled(c), r) for n, c, r in tree[1]), None)
    if type(tree) is tuple:
        return tuple(untitled(x) for x in tree)
    return tree


ANY, NULL, BOOL, INT, FLOAT, STR = ("any",), ("null",), ("bool",), ("int",), ("float",), ("str",)


def obj(*fields: tuple, title: str | None = None) -> tuple:
    return ("object", tuple(fields), title)


# --- module-level types (string annotations resolve in this module) -------------------------------

class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1


class Empty(enum.Enum):
    pass


UserId = NewType("UserId", int)


class Owner(TypedDict):
    name: str


class User(TypedDict):
    id: int
    name: str
    tags: list[str]
    owner: Owner
    score: float | None


class Partial(TypedDict, total=False):
    a: int
    b: Required[str]


class Mixed(TypedDict):
    a: int
    b: NotRequired[str]
    c: "NotRequired[int]"  # a string: __required_keys__ wrongly lists it in 3.11
    d: Annotated[NotRequired[bool], "doc"]


class MixedChild(Mixed, total=False):
    e: float


class TreeDict(TypedDict):
    value: int
    children: list["TreeDict"]


class A(TypedDict):
    b: "B | None"


class B(TypedDict):
    a: list["A"]


@dataclasses.dataclass
class Point:
    x: float
    y: float = 0.0
    tags: list[str] = dataclasses.field(default_factory=list)
    limit: typing.ClassVar[int] = 3


@dataclasses.dataclass(slots=True)
class Slotted:
    x: "int"
    note: Optional[str] = None


@dataclasses.dataclass
class Node:
    name: str
    children: list["Node"]
    parent: "Node | None" = None


@dataclasses.dataclass
class Record:
    id: UserId
    tags: bytes


@dataclasses.dataclass
class Inner:
    bad: complex


@dataclasses.dataclass
class Outer:
    ok: int
    inner: Inner


@dataclasses.dataclass
class Broken:
    ok: int
    owner: "Missing"  # noqa: F821 - the unresolvable name is the point


@dataclasses.dataclass
class Misplaced:
    x: NotRequired[int]


# --- Python types ---------------------------------------------------------------------------------

@pytest.mark.parametrize("t, node", [
    (int, INT), (float, FLOAT), (str, STR), (bool, BOOL), (None, NULL), (type(None), NULL),
    (Any, ANY), (object, ANY),
])
def test_leaf_types(t, node):
    assert normalize(t) == ([node], 0)


@pytest.mark.parametrize("t, tree", [
    (list, ("list", ANY)), (List, ("list", ANY)), (tuple, ("tuple_of", ANY)),
    (Tuple, ("tuple_of", ANY)),
    (dict, ("dict", ANY)), (Dict, ("dict", ANY)), (Mapping, ("dict", ANY)),
    (list[int], ("list", INT)), (List[str], ("list", STR)),
    (list[list[int]], ("list", ("list", INT))),
    (tuple[int, ...], ("tuple_of", INT)), (Tuple[str, ...], ("tuple_of", STR)),
    (tuple[int, str], ("tuple", (INT, STR))), (Tuple[int, int], ("tuple", (INT, INT))),
    (tuple[()], ("tuple", ())),
    (dict[str, int], ("dict", INT)), (Dict[str, list[str]], ("dict", ("list", STR))),
    (Mapping[str, float], ("dict", FLOAT)), (collections.abc.Mapping[str, bool], ("dict", BOOL)),
])
def test_containers(t, tree):
    assert norm(t) == tree


def test_containers_share_leaves():
    assert normalize(tuple[int, int, list[int]]) == ([("tuple", (1, 1, 2)), INT, ("list", 1)], 0)
    assert normalize(dict[str, list[int]]) == ([("dict", 1), ("list", 2), INT], 0)


@pytest.mark.parametrize("t, tree", [
    (int | None, ("union", (INT, NULL))),
    (Optional[str], ("union", (STR, NULL))),
    (Union[None, int, str], ("union", (NULL, INT, STR))),
    (Optional[Optional[int]], ("union", (INT, NULL))),
    # typing cannot flatten or dedupe through Annotated; normalize does
    (Union[int, Annotated[str | int | None, "x"]], ("union", (INT, STR, NULL))),
    (Union[int, Annotated[int, "x"]], INT),
    (Union[list[int], List[int]], ("list", INT)),
    (tuple[int | None, ...], ("tuple_of", ("union", (INT, NULL)))),
])
def test_unions(t, tree):
    assert norm(t) == tree


def test_union_nodes():
    assert normalize(Optional[list[int]]) == ([("union", (1, 2)), ("list", 3), NULL, INT], 0)


def test_literal():
    assert norm(Literal["a", "b"]) == ("literal", ("a", "b"))
    assert norm(Literal["a", None, 3, False]) == ("literal", ("a", None, 3, False))
    assert norm(Optional[Literal["x"]]) == ("union", (("literal", ("x",)), NULL))
    # 1 and True are different values: both kept, in order
    nodes, root = normalize(Literal[1, True])
    assert nodes == [("literal", (1, True))] and [type(v) for v in nodes[root][1]] == [int, bool]


def test_enum_newtype_annotated():
    assert normalize(Color) == ([("enum", Color)], 0)
    assert normalize(Level) == ([("enum", Level)], 0)  # an IntEnum is an enum, not an int
    assert norm(UserId) == INT
    assert norm(Annotated[list[Annotated[int, "id"]], "ids"]) == ("list", INT)


def test_typed_dict():
    owner = obj(("name", STR, True), title="Owner")
    assert norm(User) == obj(
        ("id", INT, True), ("name", STR, True), ("tags", ("list", STR), True),
        ("owner", owner, True),
        ("score", ("union", (FLOAT, NULL)), True), title="User")


def test_typed_dict_required_keys():
    assert norm(Partial) == obj(("a", INT, False), ("b", STR, True), title="Partial")
    mixed = [("a", INT, True), ("b", STR, False), ("c", INT, False), ("d", BOOL, False)]
    assert norm(Mixed) == obj(*mixed, title="Mixed")
    assert norm(MixedChild) == obj(*mixed, ("e", FLOAT, False), title="MixedChild")


def test_dataclass():
    assert norm(Point) == ("dataclass", Point, (
        ("x", FLOAT, True), ("y", FLOAT, False), ("tags", ("list", STR), False)))
    assert norm(Slotted) == ("dataclass", Slotted, (
        ("x", INT, True), ("note", ("union", (STR, NULL)), False)))
    assert norm(list[Point]) == ("list", norm(Point))


def test_same_class_is_one_node():
    nodes, root = normalize(tuple[Point, list[Point], Optional[Point]])
    point = nodes[root][1][0]
    assert nodes[nodes[root][1][1]] == ("list", point)
    assert nodes[nodes[root][1][2]] == ("union", (point, nodes.index(NULL)))


# --- recursion ------------------------------------------------------------------------------------

def test_recursive_dataclass_is_a_cycle():
    nodes, root = normalize(Node)
    assert nodes == [
        ("dataclass", Node, (("name", 1, True), ("children", 2, True), ("parent", 3, False))),
        STR, ("list", 0), ("union", (0, 4)), NULL,
    ]
    assert root == 0
    assert norm(Node) == ("dataclass", Node, (
        ("name", STR, True), ("children", ("list", ("^", 0)), True),
        ("parent", ("union", (("^", 0), NULL)), False)))


def test_recursive_typed_dict():
    assert norm(TreeDict) == obj(
        ("value", INT, True), ("children", ("list", ("^", 0)), True), title="TreeDict")
    assert norm(A) == obj(
        ("b", ("union", (obj(("a", ("list", ("^", 0)), True), title="B"), NULL)), True), title="A")


def test_recursive_local_class_resolves_its_own_name():
    @dataclasses.dataclass
    class LocalNode:
        value: int
        next: "Optional[LocalNode]"

    assert norm(LocalNode) == ("dataclass", LocalNode, (
        ("value", INT, True), ("next", ("union", (("^", 0), NULL)), True)))


def test_recursive_dict_literal():
    node = {"name": str}
    node["children"] = [node]
    assert normalize(node) == (
        [("object", (("name", 1, True), ("children", 2, True)), None), STR, ("list", 0)], 0)


def test_equal_cycles_merge():
    # T, U and the two-step cycle V -> W -> V all describe the same infinite tree: one node.
    def tree(ref: str) -> dict:
        return {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": ref}}}}

    doc = {
        "$defs": {"T": tree("#/$defs/T"), "U": tree("#/$defs/U"), "V": tree("#/$defs/W"),
                  "W": tree("#/$defs/V")},
        "type": "array", "items": False,
        "prefixItems": [{"$ref": "#/$defs/T"}, {"$ref": "#/$defs/U"}, {"$ref": "#/$defs/V"}],
    }
    assert normalize(doc) == (
        [("tuple", (1, 1, 1)), ("object", (("kids", 2, False),), None), ("list", 1)], 0)


# --- dict literal shorthand -----------------------------------------------------------------------

def test_dict_literal():
    assert norm({"id": int, "tags": [str], "owner": {"name": str}}) == obj(
        ("id", INT, True), ("tags", ("list", STR), True), ("owner", obj(("name", STR, True)), True))
    assert norm([{"x": float}]) == ("list", obj(("x", FLOAT, True)))
    assert norm({"p": Point, "c": Color, "n": None, "u": int | None, "m": [[int]]}) == obj(
        ("p", norm(Point), True), ("c", ("enum", Color), True), ("n", NULL, True),
        ("u", ("union", (INT, NULL)), True), ("m", ("list", ("list", INT)), True))


def test_equal_dict_literals_are_one_node():
    assert normalize({"a": {"x": int}, "b": {"x": int}}) == (
        [("object", (("a", 1, True), ("b", 1, True)), None), ("object", (("x", 2, True),), None), INT],
        0)


# --- which dicts are JSON Schema ------------------------------------------------------------------

@pytest.mark.parametrize("schema, tree", [
    ({}, ANY),                                       # JSON Schema's "anything"
    ({"type": "string"}, STR),
    ({"type": str}, obj(("type", STR, True))),        # a Python type: a key named "type"
    ({"type": str, "name": str}, obj(("type", STR, True), ("name", STR, True))),
    ({"type": None}, obj(("type", NULL, True))),      # null is not a valid "type", so a dict literal
    ({"const": None}, ("literal", (None,))),          # ... but it is a valid "const"
    ({"items": [int]}, obj(("items", ("list", INT), True))),  # [int] holds a type: not JSON data
    ({"items": {"a": int}}, obj(("items", obj(("a", INT, True)), True))),
    ({"items": {}}, ("list", ANY)),                   # {} is JSON data: JSON Schema wins
    ({"enum": ["a", None]}, ("literal", ("a", None))),
    ({"enum": [str]}, obj(("enum", ("list", STR), True))),
    ({"properties": {"a": {}}}, obj(("a", ANY, False))),
    ({"meta": {}}, obj(("meta", ANY, True))),         # a nested {} is JSON Schema too
    ({"description": "d"}, "error"),                  # no keyword: a dict literal (an error here)
    ({"not": {"type": "null"}}, obj(("not", NULL, True))),  # "not" is no detection keyword
    ({"owner": {"type": "string"}, "id": int}, obj(("owner", STR, True), ("id", INT, True))),
    (True, ANY),
])
def test_detection(schema, tree):
    if tree == "error":
        assert error(schema) == "unresolved forward reference 'd' - at $.description"
    else:
        assert norm(schema) == tree


def test_detection_errors_point_at_the_reading_chosen():
    # JSON Schema (a keyword has a JSON value), so the Python type inside is an error ...
    assert error({"type": "object", "properties": {"a": int}}) == (
        "expected a JSON Schema (an object or a boolean), got int - at #/properties/a")
    assert error({"type": "string", "name": str}) == "unknown keyword 'name'"
    # ... and a dict literal (no keyword has a JSON value), so the string is an error.
    assert error({"id": int, "title": "Point"}) == "unresolved forward reference 'Point' - at $.title"


# --- JSON Schema ----------------------------------------------------------------------------------

@pytest.mark.parametrize("schema, tree", [
    ({"type": "integer"}, INT), ({"type": "number"}, FLOAT), ({"type": "boolean"}, BOOL),
    ({"type": "null"}, NULL), ({"type": "string", "format": "date", "maxLength": 10}, STR),
    ({"type": ["string", "null"]}, ("union", (STR, NULL))),
    ({"type": ["null", "integer", "null"]}, ("union", (NULL, INT))),
    ({"type": ["integer"]}, INT),
    ({"type": "array"}, ("list", ANY)),
    ({"type": "array", "items": {"type": "integer"}, "minItems": 1}, ("list", INT)),
    ({"type": "array", "items": True}, ("list", ANY)),
    ({"type": "array", "items": False}, ("tuple", ())),
    ({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False},
     ("tuple", (INT, STR))),
    ({"type": "array", "items": [{"type": "integer"}], "additionalItems": False}, ("tuple", (INT,))),
    ({"items": {"type": "string"}}, ("list", STR)),
    ({"type": "object"}, ("dict", ANY)),
    ({"type": "object", "additionalProperties": True}, ("dict", ANY)),
    ({"type": "object", "additionalProperties": {"type": "integer"}}, ("dict", INT)),
    ({"additionalProperties": {"type": "integer"}}, ("dict", INT)),
    ({"type": "object", "additionalProperties": False, "title": "Nothing"}, obj(title="Nothing")),
    ({"type": "object", "properties": {}}, obj()),
    ({"type": "object", "title": "P", "properties": {"x": {"type": "number"}, "y": {}},
      "required": ["x"], "additionalProperties": False},
     obj(("x", FLOAT, True), ("y", ANY, False), title="P")),
    ({"type": ["object", "null"], "properties": {"a": {"type": "integer"}}, "required": ["a"]},
     ("union", (obj(("a", INT, True)), NULL))),
    ({"type": ["array", "object"], "items": {"type": "integer"}, "additionalProperties": False},
     ("union", (("list", INT), obj()))),
    ({"enum": ["a", "b", "a"]}, ("literal", ("a", "b"))),
    ({"type": "string", "enum": ["a", "b"]}, ("literal", ("a", "b"))),
    ({"type": ["integer", "null"], "enum": [1, None]}, ("literal", (1, None))),
    ({"type": "number", "const": 2}, ("literal", (2,))),
    ({"enum": [1, True, 1]}, ("literal", (1, True))),
    ({"const": "x", "description": "d"}, ("literal", ("x",))),
    ({"anyOf": [{"type": "integer"}, {"type": "string"}]}, ("union", (INT, STR))),
    ({"oneOf": [{"type": "integer"}, {"type": ["string", "integer"]}]}, ("union", (INT, STR))),
    ({"anyOf": [{"type": "integer"}, {"type": "integer", "minimum": 0}]}, INT),
    ({"anyOf": [{"anyOf": [{"type": "null"}, True]}, {"type": "null"}]}, ("union", (NULL, ANY))),
    ({"allOf": [{"type": "string"}], "title": "t"}, STR),
    ({"$schema": "https://json-schema.org/draft/2020-12/schema", "description": "anything",
      "$comment": "c", "x-vendor": {"any": "thing"}}, ANY),
    ({"type": "string", "pattern": "^a", "default": "a", "examples": ["a"], "deprecated": True}, STR),
])
def test_json_schema(schema, tree):
    assert norm(schema) == tree
    assert norm(json.loads(json.dumps(schema))) == tree  # as a parsed document, too


def test_json_schema_refs():
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {"Owner": {"type": "object", "title": "Owner",
                            "properties": {"name": {"type": "string"}}, "required": ["name"]}},
        "definitions": {"Id": {"type": "integer"}},
        "type": "object",
        "properties": {
            "id": {"$ref": "#/definitions/Id"},
            "owner": {"$ref": "#/$defs/Owner", "description": "who"},
            "backup": {"anyOf": [{"$ref": "#/$defs/Owner"}, {"type": "null"}]},
            "first": {"$ref": "#/properties/id"},
        },
        "required": ["id", "owner"],
    }
    owner = obj(("name", STR, True), title="Owner")
    assert norm(doc) == obj(
        ("id", INT, True), ("owner", owner, True), ("backup", ("union", (owner, NULL)), False),
        ("first", INT, False))
    nodes, root = normalize(doc)
    fields = nodes[root][1]
    assert fields[1][1] == nodes[fields[2][1]][1][0]  # one Owner node


def test_json_schema_recursive_refs():
    tree = {
        "$defs": {"Tree": {"type": "object", "properties": {
            "value": {"type": "integer"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/Tree"}},
        }, "required": ["value", "children"]}},
        "$ref": "#/$defs/Tree",
    }
    nodes, root = normalize(tree)
    assert nodes == [
        ("object", (("value", 1, True), ("children", 2, True)), None), INT, ("list", 0)]
    linked = {"type": "object",
              "properties": {"next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}}}
    assert norm(linked) == obj(("next", ("union", (("^", 0), NULL)), False))
    # a union that contains itself: the self-reference adds no alternative
    assert norm({"$defs": {"U": {"anyOf": [{"$ref": "#/$defs/U"}, {"type": "integer"}]}},
                 "$ref": "#/$defs/U"}) == INT
    # a ref chain through aliases
    assert norm({"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"allOf": [{"$ref": "#/$defs/C"}]},
                           "C": {"type": "string"}}, "$ref": "#/$defs/A"}) == STR


def test_pydantic_style_document():
    doc = json.loads("""{
      "$defs": {"Pet": {"properties": {"kind": {"const": "cat", "title": "Kind", "type": "string"},
                                       "age": {"anyOf": [{"type": "integer"}, {"type": "null"}],
                                               "default": null, "title": "Age"}},
                        "required": ["kind"], "title": "Pet", "type": "object"}},
      "properties": {"name": {"title": "Name", "type": "string"},
                     "pets": {"items": {"$ref": "#/$defs/Pet"}, "title": "Pets", "type": "array"}},
      "required": ["name", "pets"], "title": "Person", "type": "object"}""")
    pet = obj(("kind", ("literal", ("cat",)), True), ("age", ("union", (INT, NULL)), False),
              title="Pet")
    assert norm(doc) == obj(("name", STR, True), ("pets", ("list", pet), True), title="Person")


def test_json_schema_nested_in_dict_literal():
    assert norm({"id": int, "meta": {"type": "object", "additionalProperties": {"type": "string"}}}
                ) == obj(("id", INT, True), ("meta", ("dict", STR), True))
    # $ref resolves within the nested document
    assert norm({"x": {"$defs": {"N": {"type": "number"}}, "$ref": "#/$defs/N"}}) == obj(
        ("x", FLOAT, True))


# --- the three forms agree ------------------------------------------------------------------------

USER_LITERAL = {"id": int, "name": str, "tags": [str], "owner": {"name": str},
                "score": float | None}
USER_JSON_SCHEMA = json.loads("""{
  "type": "object", "title": "User", "additionalProperties": false,
  "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"},
    "tags": {"type": "array", "items": {"type": "string"}},
    "owner": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
    "score": {"type": ["number", "null"]}
  },
  "required": ["id", "name", "tags", "owner", "score"]
}""")


def test_three_forms_same_graph():
    typed = norm(User)
    assert untitled(typed) == norm(USER_LITERAL) == untitled(norm(USER_JSON_SCHEMA))
    assert norm(USER_JSON_SCHEMA)[2] == "User"
    assert len(normalize(User)[0]) == len(normalize(USER_LITERAL)[0]) == 8


def test_three_forms_same_recursive_graph():
    literal = {"value": int}
    literal["children"] = [literal]
    schema = {"$defs": {"T": {"type": "object", "properties": {
        "value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/T"}}},
        "required": ["value", "children"]}}, "$ref": "#/$defs/T"}
    assert untitled(norm(TreeDict)) == norm(literal) == norm(schema)
    assert normalize(literal) == normalize(schema)


# --- errors: Python types -------------------------------------------------------------------------

def test_unsupported_types():
    assert error(bytes) == "unsupported type: bytes"
    assert error(Record) == "unsupported type: bytes - at Record.tags"
    assert error(Outer) == "unsupported type: complex - at Outer.inner.bad"
    assert error(list[Inner]) == "unsupported type: complex - at $[*].bad"
    assert error(dict[str, Optional[bytes]]) == "unsupported type: bytes - at $[*]"
    assert error(tuple[int, complex]) == "unsupported type: complex - at $[1]"
    assert error({"a b": {"c": [bytearray]}}) == 'unsupported type: bytearray - at $["a b"].c[*]'
    assert error(Union[int, typing.Set[bytes]]) == "unsupported type: bytes - at $[*]"
    assert error(typing.Sequence[int]) == "unsupported type: Sequence[int]"
    assert error(typing.TypeVar("T")) == "unsupported type: ~T"
    assert error(list[int, str]) == "unsupported type: list[int, str]"
    assert error(dict[str]) == "unsupported type: dict[str]"
    assert error(tuple[..., int]) == "unsupported type: ... - at $[0]"
    assert error(3) == "unsupported type: 3"
    assert error((int, str)) == "unsupported type: (<class 'int'>, <class 'str'>)"
    assert error({"ok": True}) == "unsupported type: True - at $.ok"


def test_dict_key_errors():
    assert error(dict[int, str]) == "dict keys must be str, got int in dict[int, str]"
    assert error(list[Dict[Color, int]]) == (
        "dict keys must be str, got Color in Dict[Color, int] - at $[*]")
    assert error(Mapping[Any, int]) == "dict keys must be str, got Any in Mapping[Any, int]"
    assert error({1: int}) == "dict literal keys must be str, got 1"
    assert error({"a": {2: int}}) == "dict literal keys must be str, got 2 - at $.a"


def test_shorthand_errors():
    assert error({"tags": [int, str]}) == "list shorthand must have exactly one element, got 2 - at $.tags"
    assert error([]) == "list shorthand must have exactly one element, got 0"


def test_literal_and_enum_errors():
    assert error(Literal[1.5]) == "Literal values must be str, int, bool or None, got 1.5"
    assert error({"c": Literal[Color.RED]}) == (
        "Literal values must be str, int, bool or None, got <Color.RED: 'red'> - at $.c")
    assert error(Empty) == "enum Empty has no members"


def test_forward_reference_errors():
    assert error("int") == "unresolved forward reference 'int'"
    assert error(list["Node"]) == "unresolved forward reference 'Node' - at $[*]"
    assert error(Broken) == (
        "cannot resolve type hints of Broken: name 'Missing' is not defined - at Broken.owner")
    assert error(list[Broken]) == (
        "cannot resolve type hints of Broken: name 'Missing' is not defined - at $[*].owner")


def test_required_outside_typed_dict():
    assert error(Misplaced) == "NotRequired[int] is only allowed on TypedDict keys - at Misplaced.x"
    assert error(Required[int]) == "Required[int] is only allowed on TypedDict keys"


def test_schema_error_is_a_type_error():
    assert issubclass(SchemaError, TypeError)
    assert _schema.__all__ == ["SchemaError", "normalize"]


# --- errors: JSON Schema --------------------------------------------------------------------------

@pytest.mark.parametrize("schema, message", [
    ({"$ref": "#/$defs/Missing"}, "unknown $ref '#/$defs/Missing'"),
    ({"type": "object", "properties": {"owner": {"$ref": "#/$defs/Missing"}}},
     "unknown $ref '#/$defs/Missing' - at #/properties/owner"),
    ({"$defs": {"A": {"type": "array", "items": {"$ref": "#/$defs/B"}}}, "$ref": "#/$defs/A"},
     "unknown $ref '#/$defs/B' - at #/$defs/A/items"),
    ({"$defs": {"Owner": {"type": "strin"}}, "properties": {"o": {"$ref": "#/$defs/Owner"}}},
     "unknown type 'strin' - at #/$defs/Owner/type"),  # where the target is written
    ({"$ref": "other.json#/$defs/A"},
     "unsupported $ref 'other.json#/$defs/A': only JSON pointers within the document ('#/...') "
     "are supported"),
    ({"$ref": "#anchor"},
     "unsupported $ref '#anchor': only JSON pointers within the document ('#/...') are supported"),
    ({"$ref": 3}, "'$ref' must be a string, got 3"),
    ({"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}, "$ref": "#/$defs/A"},
     "schema refers only to itself - at #/$defs/A"),
    ({"$defs": {"U": {"anyOf": [{"$ref": "#/$defs/U"}]}}, "$ref": "#/$defs/U"},
     "schema refers only to itself - at #/$defs/U"),
    ({"type": "str"}, "unknown type 'str' - at #/type"),
    ({"type": ["string", "int"]}, "unknown type 'int' - at #/type/1"),
    ({"type": []}, "'type' must be a string or a non-empty array of strings, got []"),
    ({"type": "object", "properties": {"a/b": {"type": "strin"}}},
     "unknown type 'strin' - at #/properties/a~1b/type"),
    ({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": True},
     "additionalProperties: true is not supported with properties"),
    ({"properties": {"a": {}}, "additionalProperties": {}},
     "additionalProperties: true is not supported with properties"),
    ({"properties": {"a": {}}, "additionalProperties": {"type": "integer"}},
     "additionalProperties: a schema is not supported with properties"),
    ({"type": "object", "properties": {"a": {}}, "required": ["a", "b"]},
     "required key 'b' is not in properties - at #/required/1"),
    ({"type": "object", "required": ["a"]}, "required key 'a' is not in properties - at #/required/0"),
    ({"type": "object", "required": "a"}, "'required' must be an array of strings, got 'a'"),
    ({"type": "object", "properties": []}, "'properties' must be an object, got []"),
    ({"type": "object", "properties": {}, "title": 3}, "'title' must be a string, got 3"),
    ({"type": "array", "prefixItems": [{"type": "integer"}]},
     "prefixItems is only supported with items: false"),
    ({"type": "array", "prefixItems": [{}], "items": {"type": "string"}},
     "prefixItems is only supported with items: false"),
    ({"type": "array", "items": [{}]},
     "items as an array is only supported with additionalItems: false"),
    ({"type": "array", "prefixItems": {}, "items": False}, "'prefixItems' must be an array, got {}"),
    ({"type": "array", "items": {"type": "object", "patternProperties": {"^x": {}}}},
     "unsupported keyword 'patternProperties' - at #/items"),
    ({"type": "integer", "not": {"const": 3}}, "unsupported keyword 'not'"),
    ({"type": "string", "if": {}}, "unsupported keyword 'if'"),
    ({"type": "string", "nullable": True}, "unknown keyword 'nullable'"),
    ({"type": "object", "propertis": {}}, "unknown keyword 'propertis'"),
    ({"enum": []}, "'enum' must be a non-empty array, got []"),
    ({"enum": "a"}, "'enum' must be a non-empty array, got 'a'"),
    ({"enum": ["a", 1.5]}, "enum value 1.5 is not a string, integer, boolean or null - at #/enum/1"),
    ({"const": [1]}, "const value [1] is not a string, integer, boolean or null - at #/const"),
    ({"type": "string", "enum": ["a", 1]}, "enum value 1 does not match type 'string' - at #/enum/1"),
    ({"type": ["integer", "string"], "const": True},
     "const value True does not match type ['integer', 'string'] - at #/const"),
    ({"enum": [1], "const": 1}, "'enum' cannot be combined with 'const'"),
    ({"enum": [1], "items": {}}, "'enum' cannot be combined with 'items'"),
    ({"$ref": "#", "type": "object"}, "'$ref' cannot be combined with 'type'"),
    ({"anyOf": [{}], "properties": {}}, "'anyOf' cannot be combined with 'properties'"),
    ({"anyOf": [{}], "oneOf": [{}]}, "'anyOf' cannot be combined with 'oneOf'"),
    ({"anyOf": []}, "'anyOf' must be a non-empty array, got []"),
    ({"oneOf": {}}, "'oneOf' must be a non-empty array, got {}"),
    ({"allOf": [{"type": "string"}, {"maxLength": 3}]},
     "allOf with more than one schema is not supported"),
    ({"properties": {}, "items": {}},
     "cannot infer the type from both object and array keywords; add 'type'"),
    ({"type": "string", "items": {}}, "'items' applies only to type 'array'"),
    ({"type": ["array", "null"], "required": []}, "'required' applies only to type 'object'"),
    (False, "schema false accepts no value"),
    ({"type": "array", "items": {"anyOf": [False]}}, "schema false accepts no value - at #/items/anyOf/0"),
    ({"type": "object", "properties": {"a": 3}},
     "expected a JSON Schema (an object or a boolean), got 3 - at #/properties/a"),
    ({"x": {"type": "wat"}}, "unknown type 'wat' - at $.x#/type"),
])
def test_json_schema_errors(schema, message):
    assert error(schema) == message


def test_keyword_lists_are_documented():
    words = set(_schema.__doc__.replace(",", " ").replace(";", " ").replace(":", " ").split())
    assert _schema._JS_IGNORED <= words and _schema._JS_UNSUPPORTED <= words
    assert _schema._JS_IGNORED.isdisjoint(_schema._JS_UNSUPPORTED)
    assert _schema._JS_IGNORED.isdisjoint(_schema._JS_USED)
