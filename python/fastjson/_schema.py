"""Schema normalization for fastjson.compile(): any accepted schema form -> one (nodes, root) graph.

The graph format is documented in runtime/schema.h, which builds the C++ schema IR from it. Three
input forms are accepted and may be nested in one another:

* Python types: None, bool, int, float, str, object / typing.Any, list / list[T] / List[T],
  tuple[T, ...], tuple[A, B], tuple[()], dict / dict[str, T] / Mapping[str, T], T | U, Optional[T],
  Union[...], Literal[...] (str, int, bool and None values), enum.Enum subclasses, TypedDict
  (total=, Required[...], NotRequired[...]), dataclasses (slots or not), Annotated[T, ...] (read
  as T) and NewType (read as its supertype); datetime.datetime, date, time, uuid.UUID and
  decimal.Decimal (and subclasses; a date node does not take a datetime), written as dumps writes
  them; typing.NamedTuple classes (as the fixed tuple of their field types); set[T] /
  frozenset[T] / AbstractSet[T] (a set or frozenset, written as an array; typed decoding makes
  a frozenset for frozenset[T], else a set). String annotations in a TypedDict or dataclass are
  resolved in the class's module, where the class's own name also resolves (so a class defined
  in a function can refer to itself).
* Dict-literal shorthand: {"id": int, "tags": [str], "owner": {"name": str}} is an object whose
  keys are all required; [T] (a list of exactly one element) is list[T]; a nested dict is read
  by the same rule as any dict (below), so it is usually a nested object. A dict literal that
  contains itself is a recursive object.
* JSON Schema documents (draft 2020-12, plus draft-07's "definitions" and array-form "items").

Which dicts are JSON Schema: a dict is read as JSON Schema iff it is empty, or one of its keys is
a keyword in _DETECT ($schema, $ref, $defs, definitions, type, properties, additionalProperties,
required, items, prefixItems, enum, const, anyOf, oneOf, allOf) whose value is JSON data (None,
bool, int, float, str, or lists/dicts of those, recursively); a None value counts only for
"const", since null is not a valid value of any other of these keywords. Otherwise it is a
dict literal. So {"type": "string"} and {"items": {}} are JSON Schema, while {"type": str,
"name": str}, {"items": [int]} and {"type": None} are dict literals with a key named "type" or
"items", and so is {"description": "x"} (no detection keyword; its str value is then an
error). {} is JSON Schema's "any value". Inside a JSON Schema document every subschema is JSON
Schema (Python types there are an error); true is "any value" and false an error (it accepts
nothing), except as items: false.

JSON Schema keywords:
* Used: type (also arrays of types, read as a union in that order), properties, required,
  additionalProperties, items, prefixItems, additionalItems (only false, after array items),
  enum, const, anyOf, oneOf (encoded like anyOf), allOf (exactly one schema), $ref (JSON
  pointers within the document: "#", "#/$defs/Name", "#/definitions/Name", ...), $defs /
  definitions (as $ref targets), title (an object's title).
* Ignored (_JS_IGNORED), because they constrain values without changing how an accepted value
  is written: format, pattern, minLength, maxLength, minimum, maximum, exclusiveMinimum,
  exclusiveMaximum, multipleOf, minItems, maxItems, uniqueItems, contains, minContains,
  maxContains, minProperties, maxProperties, propertyNames, dependentRequired; annotations:
  $id, $anchor, $comment, $vocabulary, description, default, examples, deprecated, readOnly,
  writeOnly, contentEncoding, contentMediaType, contentSchema, discriminator; and any key
  starting with "x-" (vendor extensions). $id is ignored: references are resolved against the
  document given, never against a base URI.
* Errors (_JS_UNSUPPORTED): not, if, then, else, patternProperties, dependentSchemas,
  dependencies, unevaluatedProperties, unevaluatedItems, $dynamicRef, $dynamicAnchor,
  $recursiveRef, $recursiveAnchor; and any unknown keyword (a typo must not silently widen a
  schema to "any value").

Choices that keep data from being silently dropped or the schema silently widened:
* An object with properties and additionalProperties false or absent is an "object" node, which
  rejects keys it does not list. additionalProperties true (or {}) or a schema alongside
  properties cannot be represented and raises SchemaError, rather than dropping or rejecting
  the extra keys the schema allows.
* Without "type", properties/additionalProperties/required imply "object" and
  items/prefixItems imply "array"; a keyword for a type the schema does not allow is an error.
* enum/const values must be str, int, bool or None, and must match "type" when both are given.
* prefixItems (and draft-07 array "items") are supported only as fixed-length tuples, i.e. with
  items: false (additionalItems: false).

The result is canonical: unions are flattened and deduplicated, a one-alternative union is its
alternative, and structurally identical nodes (including identical cycles) share one index.
Nodes are numbered breadth-first from the root, so `root` is currently always 0.

Errors are SchemaError (a TypeError) whose message ends with " - at <where>", left out when the
problem is the whole schema: for Python types a path from the root, which is the class name when
the root is a dataclass or TypedDict and "$" otherwise, then ".field" (or '["odd key"]'), "[*]"
for list items and dict values, and "[i]" for fixed tuple items, e.g. "Record.tags[*]"; for JSON
Schema a JSON pointer to where the offending subschema is written, e.g. "#/properties/owner"
(inside a $ref target, the target's pointer: "#/$defs/Owner/type"), prefixed by the Python path
when the document is nested in a dict literal: "$.owner#/type". A class or $ref target used in
several places is checked once, so its errors carry the path of its first use.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import decimal
import enum
import json
import sys
import types
import typing
import uuid
from urllib.parse import unquote

__all__ = ["SchemaError", "normalize"]


class SchemaError(TypeError):
    """A schema fastjson.compile() cannot use; the message names the offending part and where."""


_NoneType = type(None)
_MISSING = object()
_LEAVES = {
    _NoneType: ("null",),
    bool: ("bool",),
    int: ("int",),
    float: ("float",),
    str: ("str",),
    object: ("any",),
}
_LITERAL_TYPES = (str, int, bool, _NoneType)
# Classes written by dumps' own serializers (runtime/encode_*.cpp): ("instance", cls, exclude).
_INSTANCE_TYPES = (datetime.date, datetime.time, uuid.UUID, decimal.Decimal)
_SET_ORIGINS = (set, frozenset, collections.abc.Set)

# Keys that make a dict JSON Schema when their value is JSON data (see the module docstring).
_DETECT = frozenset({
    "$schema", "$ref", "$defs", "definitions", "type", "properties", "additionalProperties",
    "required", "items", "prefixItems", "enum", "const", "anyOf", "oneOf", "allOf",
})
_JS_OBJECT_KEYWORDS = ("properties", "additionalProperties", "required")
_JS_ARRAY_KEYWORDS = ("items", "prefixItems", "additionalItems")
_JS_USED = _DETECT | {"title", "additionalItems"}
_JS_IGNORED = frozenset({
    # annotations
    "$id", "$anchor", "$comment", "$vocabulary", "description", "default", "examples",
    "deprecated", "readOnly", "writeOnly", "contentEncoding", "contentMediaType", "contentSchema",
    "discriminator",
    # value constraints that never change how an accepted value is written
    "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "contains",
    "minContains", "maxContains", "minProperties", "maxProperties", "propertyNames",
    "dependentRequired",
})
_JS_UNSUPPORTED = frozenset({
    "not", "if", "then", "else", "patternProperties", "dependentSchemas", "dependencies",
    "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$dynamicAnchor",
    "$recursiveRef", "$recursiveAnchor",
})
_JS_TYPES = {
    "null": ("null",),
    "boolean": ("bool",),
    "integer": ("int",),
    "number": ("float",),  # the float node also takes ints, as JSON Schema's number does
    "string": ("str",),
    "array": None,
    "object": None,
}


def normalize(schema: object) -> tuple[list[tuple], int]:
    """Return (nodes, root), the normalized graph of `schema` (see the module docstring)."""
    if isinstance(schema, bool) or (isinstance(schema, dict) and _is_json_schema(schema)):
        builder = _Builder("#")
        root = builder.json_schema(schema, schema, "", "")
    else:
        named = isinstance(schema, type) and (
            typing.is_typeddict(schema) or dataclasses.is_dataclass(schema))
        label = schema.__name__ if named else "$"
        builder = _Builder(label)
        root = builder.python(schema, label)
    return builder.finish(root)


def _is_json_schema(d: dict) -> bool:
    if not d:
        return True
    return any(
        k in _DETECT and (v is not None or k == "const") and _is_json_data(v, set())
        for k, v in d.items())


def _is_json_data(v: object, seen: set) -> bool:
    if v is None or type(v) in (bool, int, float, str):
        return True
    if type(v) not in (list, dict) or id(v) in seen:
        return id(v) in seen
    seen.add(id(v))
    if type(v) is list:
        return all(_is_json_data(x, seen) for x in v)
    return all(type(k) is str and _is_json_data(x, seen) for k, x in v.items())


def _describe(t: object) -> str:
    """`t` as a user writes it in an annotation: "set[int]", "int | None", "Record"."""
    if t is None or t is _NoneType:
        return "None"
    if t is Ellipsis:
        return "..."
    if isinstance(t, str):
        return repr(t)
    if isinstance(t, typing.ForwardRef):
        return repr(t.__forward_arg__)
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin is typing.Union or origin is types.UnionType:
        return " | ".join(_describe(a) for a in args)
    if origin is typing.Literal:
        return f"Literal[{', '.join(map(repr, args))}]"
    if origin is not None:
        name = getattr(t, "_name", None) or getattr(origin, "__name__", None) or repr(origin)
        if not args:
            return f"{name}[()]" if origin is tuple and t is not typing.Tuple else name
        return f"{name}[{', '.join(_describe(a) for a in args)}]"
    if isinstance(t, type) and t is not typing.Any:
        return t.__name__
    return repr(t).replace("typing.", "")


def _field_path(path: str, name: str) -> str:
    return f"{path}.{name}" if name.isidentifier() else f"{path}[{json.dumps(name)}]"


def _pointer_token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _children(node: tuple) -> list[int]:
    kind = node[0]
    if kind in ("list", "tuple_of", "dict", "set", "frozenset", "="):
        return [node[1]]
    if kind in ("tuple", "union"):
        return list(node[1])
    if kind == "object":
        return [f[1] for f in node[1]]
    if kind == "dataclass":
        return [f[1] for f in node[2]]
    return []


def _remap(node: tuple, new: typing.Callable[[int], int]) -> tuple:
    kind = node[0]
    if kind in ("list", "tuple_of", "dict", "set", "frozenset", "="):
        return (kind, new(node[1]))
    if kind in ("tuple", "union"):
        return (kind, tuple(new(c) for c in node[1]))
    if kind == "object":
        return (kind, tuple((n, new(c), r) for n, c, r in node[1]), node[2])
    if kind == "dataclass":
        return (kind, node[1], tuple((n, new(c), r) for n, c, r in node[2]))
    return node


def _label(node: tuple) -> tuple:
    """Everything about a node but its children: equal labels + equivalent children = same node."""
    kind = node[0]
    if kind in ("tuple", "union"):
        return (kind, len(node[1]))
    if kind == "object":
        return (kind, tuple((n, r) for n, _, r in node[1]), node[2])
    if kind == "dataclass":
        return (kind, id(node[1]), tuple((n, r) for n, _, r in node[2]))
    if kind == "enum":
        return (kind, id(node[1]))
    if kind == "instance":
        return (kind, id(node[1]), id(node[2]))
    if kind == "literal":
        return (kind, tuple((type(v), v) for v in node[1]))  # 1 and True are different values
    return (kind,)


class _Builder:
    """Builds the raw graph: nodes may be ("=", target) aliases and unions are not yet flat."""

    def __init__(self, root_path: str) -> None:
        self.root_path = root_path
        self.nodes: list[tuple | None] = []
        self.where: dict[int, str] = {}  # path of each reserved node, for errors found later
        self.memo: dict[int, int] = {}  # id(class, dict literal, list, JSON Schema dict) -> node
        self.leaves: dict[tuple, int] = {}

    # --- graph ------------------------------------------------------------------------------------

    def fail(self, message: str, path: str) -> typing.NoReturn:
        raise SchemaError(message if path == self.root_path else f"{message} - at {path}")

    def add(self, node: tuple) -> int:
        if len(node) == 1:
            if node not in self.leaves:
                self.leaves[node] = len(self.nodes)
                self.nodes.append(node)
            return self.leaves[node]
        self.nodes.append(node)
        return len(self.nodes) - 1

    def reserve(self, obj: object, path: str) -> int:
        # Reserved before recursing into obj's children, so a reference back to obj is a cycle.
        index = len(self.nodes)
        self.nodes.append(None)
        self.memo[id(obj)] = index
        self.where[index] = path
        return index

    # --- Python types -----------------------------------------------------------------------------

    def python(self, t: object, path: str) -> int:
        if id(t) in self.memo and isinstance(t, (type, dict, list)):
            return self.memo[id(t)]
        if t is None or t is typing.Any:
            return self.add(("null",) if t is None else ("any",))
        if isinstance(t, type) and t in _LEAVES:
            return self.add(_LEAVES[t])
        if isinstance(t, dict):
            if _is_json_schema(t):
                return self.json_schema(t, t, path, "")
            return self.dict_literal(t, path)
        if isinstance(t, list):
            if len(t) != 1:
                self.fail(f"list shorthand must have exactly one element, got {len(t)}", path)
            index = self.reserve(t, path)
            self.nodes[index] = ("list", self.python(t[0], path + "[*]"))
            return index
        if isinstance(t, (str, typing.ForwardRef)):
            self.fail(f"unresolved forward reference {_describe(t)}", path)
        if isinstance(t, typing.NewType):
            return self.python(t.__supertype__, path)
        origin = typing.get_origin(t)
        if origin is not None:
            return self.generic(t, origin, typing.get_args(t), path)
        if isinstance(t, type):
            if issubclass(t, enum.Enum):
                if not len(t):
                    self.fail(f"enum {t.__name__} has no members", path)
                return self.add(("enum", t))
            if issubclass(t, _INSTANCE_TYPES):
                # A date is not a datetime here, though datetime subclasses date: dumps writes a
                # datetime with its time, so a date field given one is a mismatch, not a date.
                exclude = datetime.datetime if t is datetime.date else None
                return self.add(("instance", t, exclude))
            if typing.is_typeddict(t):
                return self.typed_dict(t, path)
            if issubclass(t, tuple) and hasattr(t, "_fields") and hasattr(t, "__annotations__"):
                return self.named_tuple(t, path)
            if t is set or t is frozenset:
                return self.add((t.__name__, self.add(("any",))))
            if dataclasses.is_dataclass(t):
                return self.dataclass(t, path)
            if t is list or t is tuple:
                return self.add(("list" if t is list else "tuple_of", self.add(("any",))))
            if t is dict:
                return self.add(("dict", self.add(("any",))))
        self.fail(f"unsupported type: {_describe(t)}", path)

    def generic(self, t: object, origin: object, args: tuple, path: str) -> int:
        if origin is typing.Annotated:
            return self.python(args[0], path)
        if origin is typing.Union or origin is types.UnionType:
            return self.add(("union", tuple(self.python(a, path) for a in args)))
        if origin is typing.Literal:
            values = []
            for v in args:
                if type(v) not in _LITERAL_TYPES:
                    self.fail(f"Literal values must be str, int, bool or None, got {v!r}", path)
                if (type(v), v) not in [(type(w), w) for w in values]:
                    values.append(v)
            return self.add(("literal", tuple(values)))
        if origin is list and len(args) < 2:
            item = self.python(args[0], path + "[*]") if args else self.add(("any",))
            return self.add(("list", item))
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                # Written like a list; the tag keeps it apart so typed decoding makes a tuple.
                return self.add(("tuple_of", self.python(args[0], path + "[*]")))
            if not args and t is typing.Tuple:
                return self.add(("tuple_of", self.add(("any",))))
            items = tuple(self.python(a, f"{path}[{i}]") for i, a in enumerate(args))
            return self.add(("tuple", items))
        if (origin is dict or origin is collections.abc.Mapping) and len(args) in (0, 2):
            if not args:
                return self.add(("dict", self.add(("any",))))
            if args[0] is not str:
                key = _describe(args[0])
                self.fail(f"dict keys must be str, got {key} in {_describe(t)}", path)
            return self.add(("dict", self.python(args[1], path + "[*]")))
        if origin in _SET_ORIGINS and len(args) < 2:
            item = self.python(args[0], path + "[*]") if args else self.add(("any",))
            # Written alike; the tag keeps frozenset apart so typed decoding makes one.
            return self.add(("frozenset" if origin is frozenset else "set", item))
        if origin is typing.Required or origin is typing.NotRequired:
            self.fail(f"{_describe(t)} is only allowed on TypedDict keys", path)
        self.fail(f"unsupported type: {_describe(t)}", path)

    def dict_literal(self, d: dict, path: str) -> int:
        index = self.reserve(d, path)
        fields = []
        for key, value in d.items():
            if type(key) is not str:
                self.fail(f"dict literal keys must be str, got {key!r}", path)
            fields.append((key, self.python(value, _field_path(path, key)), True))
        self.nodes[index] = ("object", tuple(fields), None)
        return index

    def typed_dict(self, cls: type, path: str) -> int:
        index = self.reserve(cls, path)
        fields = []
        for name, t in self.hints(cls, path).items():
            # __required_keys__ misses Required/NotRequired written as strings, so read them here.
            required = name in cls.__required_keys__
            while (origin := typing.get_origin(t)) in (
                    typing.Annotated, typing.Required, typing.NotRequired):
                if origin is not typing.Annotated:
                    required = origin is typing.Required
                t = typing.get_args(t)[0]
            fields.append((name, self.python(t, _field_path(path, name)), required))
        self.nodes[index] = ("object", tuple(fields), cls.__name__)
        return index

    def dataclass(self, cls: type, path: str) -> int:
        index = self.reserve(cls, path)
        hints = self.hints(cls, path)
        fields = []
        for f in dataclasses.fields(cls):
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            fields.append((f.name, self.python(hints[f.name], _field_path(path, f.name)), required))
        self.nodes[index] = ("dataclass", cls, tuple(fields))
        return index

    def named_tuple(self, cls: type, path: str) -> int:
        # Written as an array (a NamedTuple is a tuple), so its schema is the fixed tuple of its
        # field types, in field order.
        index = self.reserve(cls, path)
        hints = self.hints(cls, path)
        items = tuple(self.python(hints.get(name, typing.Any), f"{path}.{name}")
                      for name in cls._fields)
        self.nodes[index] = ("tuple", items)
        return index

    def hints(self, cls: type, path: str) -> dict[str, object]:
        localns = {cls.__name__: cls}
        try:
            return typing.get_type_hints(cls, localns=localns, include_extras=True)
        except Exception as exc:
            message = f"cannot resolve type hints of {cls.__name__}: {exc}"
            # Name the field: resolve each annotation alone, as get_type_hints would.
            for base in reversed(cls.__mro__):
                module = sys.modules.get(base.__module__)
                globalns = getattr(module, "__dict__", {})
                for name, ann in base.__dict__.get("__annotations__", {}).items():
                    probe = type(cls.__name__, (), {"__annotations__": {name: ann}})
                    try:
                        typing.get_type_hints(probe, globalns, localns, include_extras=True)
                    except Exception:
                        self.fail(message, _field_path(path, name))
            self.fail(message, path)

    # --- JSON Schema ------------------------------------------------------------------------------

    def json_schema(self, s: object, doc: object, base: str, pointer: str) -> int:
        path = f"{base}#{pointer}"
        if s is True:
            return self.add(("any",))
        if s is False:
            self.fail("schema false accepts no value", path)
        if not isinstance(s, dict):
            self.fail(f"expected a JSON Schema (an object or a boolean), got {_describe(s)}", path)
        if id(s) in self.memo:
            return self.memo[id(s)]
        index = self.reserve(s, path)
        self.nodes[index] = self.json_schema_node(s, doc, base, pointer)
        return index

    def json_schema_node(self, s: dict, doc: object, base: str, pointer: str) -> tuple:
        path = f"{base}#{pointer}"
        for k in s:
            if k in _JS_USED or k in _JS_IGNORED or (isinstance(k, str) and k.startswith("x-")):
                continue
            self.fail(f"{'unsupported' if k in _JS_UNSUPPORTED else 'unknown'} keyword {k!r}", path)

        def sub(value: object, *tokens: object) -> int:
            return self.json_schema(
                value, doc, base, pointer + "".join(f"/{_pointer_token(str(t))}" for t in tokens))

        shape = [k for k in ("$ref", "allOf", "anyOf", "oneOf", "enum", "const") if k in s]
        typed = [k for k in ("type", *_JS_OBJECT_KEYWORDS, *_JS_ARRAY_KEYWORDS) if k in s]
        if len(shape) > 1:
            self.fail(f"{shape[0]!r} cannot be combined with {shape[1]!r}", path)
        if shape and shape[0] not in ("enum", "const") and typed:
            self.fail(f"{shape[0]!r} cannot be combined with {typed[0]!r}", path)

        if "$ref" in s:
            return ("=", self.resolve_ref(s["$ref"], doc, base, path))
        if "allOf" in s:
            alts = self.schema_array(s, "allOf", path)
            if len(alts) != 1:
                self.fail("allOf with more than one schema is not supported", path)
            return ("=", sub(alts[0], "allOf", 0))
        if "anyOf" in s or "oneOf" in s:
            kw = shape[0]
            alts = self.schema_array(s, kw, path)
            return ("union", tuple(sub(a, kw, i) for i, a in enumerate(alts)))

        types_ = self.json_types(s, path)
        if "enum" in s or "const" in s:
            other = [k for k in typed if k != "type"]
            if other:
                self.fail(f"{shape[0]!r} cannot be combined with {other[0]!r}", path)
            return self.json_literal(s, shape[0], types_, path)
        if types_ is None:
            is_object = any(k in s for k in _JS_OBJECT_KEYWORDS)
            is_array = any(k in s for k in _JS_ARRAY_KEYWORDS)
            if is_object and is_array:
                self.fail("cannot infer the type from both object and array keywords; "
                          "add 'type'", path)
            if not is_object and not is_array:
                return ("any",)
            types_ = ["object" if is_object else "array"]
        for kws, needs in ((_JS_OBJECT_KEYWORDS, "object"), (_JS_ARRAY_KEYWORDS, "array")):
            for k in kws:
                if k in s and needs not in types_:
                    self.fail(f"{k!r} applies only to type '{needs}'", path)

        alts = []
        for name in types_:
            if name == "object":
                alts.append(self.json_object(s, sub, path))
            elif name == "array":
                alts.append(self.json_array(s, sub, path))
            else:
                alts.append(_JS_TYPES[name])
        if len(alts) == 1:
            return alts[0]
        return ("union", tuple(self.add(a) for a in alts))

    def resolve_ref(self, ref: object, doc: object, base: str, path: str) -> int:
        if not isinstance(ref, str):
            self.fail(f"'$ref' must be a string, got {_describe(ref)}", path)
        fragment = unquote(ref[1:])
        if not ref.startswith("#") or (fragment and not fragment.startswith("/")):
            self.fail(f"unsupported $ref {ref!r}: only JSON pointers within the document "
                      "('#/...') are supported", path)
        target = doc
        for token in fragment.split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and token in target:
                target = target[token]
            elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                target = target[int(token)]
            else:
                self.fail(f"unknown $ref {ref!r}", path)
        return self.json_schema(target, doc, base, fragment)

    def schema_array(self, s: dict, kw: str, path: str) -> list:
        value = s[kw]
        if not isinstance(value, list) or not value:
            self.fail(f"{kw!r} must be a non-empty array, got {_describe(value)}", path)
        return value

    def json_types(self, s: dict, path: str) -> list[str] | None:
        if "type" not in s:
            return None
        t = s["type"]
        names = [t] if isinstance(t, str) else t
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            self.fail(f"'type' must be a string or a non-empty array of strings, got {t!r}", path)
        for i, name in enumerate(names):
            if name not in _JS_TYPES:
                where = f"{path}/type/{i}" if names is t else f"{path}/type"
                self.fail(f"unknown type {name!r}", where)
        return list(dict.fromkeys(names))

    def json_literal(self, s: dict, kw: str, types_: list[str] | None, path: str) -> tuple:
        values = [s["const"]] if kw == "const" else s["enum"]
        if not isinstance(values, list) or not values:
            self.fail(f"'enum' must be a non-empty array, got {_describe(values)}", path)
        unique: list = []
        for i, v in enumerate(values):
            where = f"{path}/const" if kw == "const" else f"{path}/enum/{i}"
            if type(v) not in _LITERAL_TYPES:
                self.fail(f"{kw} value {v!r} is not a string, integer, boolean or null", where)
            if types_ is not None and not any(_json_type_matches(name, v) for name in types_):
                self.fail(f"{kw} value {v!r} does not match type {s['type']!r}", where)
            if (type(v), v) not in [(type(w), w) for w in unique]:
                unique.append(v)
        return ("literal", tuple(unique))

    def json_object(self, s: dict, sub: typing.Callable[..., int], path: str) -> tuple:
        props = s.get("properties", _MISSING)
        extra = s.get("additionalProperties", _MISSING)
        required = s.get("required", [])
        title = s.get("title")
        if props is not _MISSING and not isinstance(props, dict):
            self.fail(f"'properties' must be an object, got {_describe(props)}", path)
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            self.fail(f"'required' must be an array of strings, got {required!r}", path)
        if title is not None and not isinstance(title, str):
            self.fail(f"'title' must be a string, got {title!r}", path)
        for i, name in enumerate(required):
            if props is _MISSING or name not in props:
                self.fail(f"required key {name!r} is not in properties", f"{path}/required/{i}")
        if props is _MISSING:
            if extra is False:
                return ("object", (), title)
            if extra is _MISSING or extra is True:
                return ("dict", self.add(("any",)))
            return ("dict", sub(extra, "additionalProperties"))
        if extra is True or extra == {}:
            self.fail("additionalProperties: true is not supported with properties", path)
        if extra is not _MISSING and extra is not False:
            self.fail("additionalProperties: a schema is not supported with properties", path)
        fields = tuple((name, sub(value, "properties", name), name in required)
                       for name, value in props.items())
        return ("object", fields, title)

    def json_array(self, s: dict, sub: typing.Callable[..., int], path: str) -> tuple:
        items = s.get("items", _MISSING)
        if "prefixItems" in s or isinstance(items, list):
            kw, rest, rest_kw = (
                ("prefixItems", items, "items") if "prefixItems" in s
                else ("items as an array", s.get("additionalItems", _MISSING), "additionalItems"))
            key = kw.split()[0]
            prefix = s[key]
            if not isinstance(prefix, list):
                self.fail(f"'prefixItems' must be an array, got {_describe(prefix)}", path)
            if rest is not False:
                self.fail(f"{kw} is only supported with {rest_kw}: false", path)
            return ("tuple", tuple(sub(p, key, i) for i, p in enumerate(prefix)))
        if items is _MISSING or items is True:
            return ("list", self.add(("any",)))
        if items is False:
            return ("tuple", ())
        return ("list", sub(items, "items"))

    # --- canonical form ---------------------------------------------------------------------------

    def finish(self, root: int) -> tuple[list[tuple], int]:
        nodes = self.nodes
        # Aliases ($ref, allOf) point at their target; a cycle of them describes no value.
        final: dict[int, int] = {}
        for i in range(len(nodes)):
            chain = []
            j = i
            while nodes[j][0] == "=" and j not in final:
                if j in chain:
                    self.fail("schema refers only to itself", self.where.get(j, self.root_path))
                chain.append(j)
                j = nodes[j][1]
            target = final.get(j, j)
            for k in chain:
                final[k] = target
        nodes = [_remap(n, lambda c: final.get(c, c)) for n in nodes]
        root = final.get(root, root)

        # Flatten unions into unions (they may be cyclic through $ref: A = anyOf[$ref A, null]).
        def alternatives(u: int, seen: set, out: list) -> list:
            seen.add(u)
            for c in nodes[u][1]:
                if nodes[c][0] != "union":
                    out.append(c)
                elif c not in seen:
                    alternatives(c, seen, out)
            return out

        flat = {}
        for i, n in enumerate(nodes):
            if n[0] == "union":
                flat[i] = alternatives(i, set(), [])
                if not flat[i]:
                    self.fail("schema refers only to itself", self.where.get(i, self.root_path))
        for i, alts in flat.items():
            nodes[i] = ("union", tuple(alts))

        # Merge equivalent nodes (Moore's partition refinement, so equal cycles merge too), then
        # drop repeated union alternatives; a union left with one alternative becomes that
        # alternative, which may allow more merging, so repeat until nothing changes.
        while True:
            block = self.partition(nodes, root)
            reps: dict[int, int] = {}
            for i in sorted(block, key=block.get):
                reps.setdefault(block[i], i)
            alias: dict[int, int] = {}
            for b, i in reps.items():
                n = nodes[i]
                if n[0] == "union":
                    alts = tuple(dict.fromkeys(reps[block[c]] for c in n[1]))
                    if len(alts) == 1:
                        alias[i] = alts[0]
            # Aliases point at non-unions (alternatives are flat), so one step resolves them.
            canon = {i: alias.get(reps[block[i]], reps[block[i]]) for i in block}
            nodes = [_remap(n, lambda c: canon.get(c, c)) if i in block else n
                     for i, n in enumerate(nodes)]
            for i, n in enumerate(nodes):
                if n[0] == "union":
                    nodes[i] = ("union", tuple(dict.fromkeys(n[1])))
            root = canon[root]
            if not alias and len(reps) == len(block):
                break

        # Number the reachable nodes breadth-first from the root.
        order = {root: 0}
        queue = [root]
        for i in queue:
            for c in _children(nodes[i]):
                if c not in order:
                    order[c] = len(queue)
                    queue.append(c)
        return [_remap(nodes[i], order.__getitem__) for i in queue], 0

    @staticmethod
    def partition(nodes: list[tuple], root: int) -> dict[int, int]:
        """Block number of each node reachable from root; equal blocks = equivalent nodes."""
        reachable = [root]
        seen = {root}
        for i in reachable:
            for c in _children(nodes[i]):
                if c not in seen:
                    seen.add(c)
                    reachable.append(c)
        block = _numbered({i: _label(nodes[i]) for i in reachable})
        while True:
            refined = _numbered(
                {i: (block[i], tuple(block[c] for c in _children(nodes[i]))) for i in reachable})
            if len(set(refined.values())) == len(set(block.values())):
                return refined
            block = refined


def _numbered(keys: dict[int, typing.Hashable]) -> dict[int, int]:
    numbers: dict[typing.Hashable, int] = {}
    return {i: numbers.setdefault(k, len(numbers)) for i, k in keys.items()}


def _json_type_matches(name: str, v: object) -> bool:
    if name == "null":
        return v is None
    if name == "boolean":
        return type(v) is bool
    if name in ("integer", "number"):
        return type(v) is int
    return name == "string" and type(v) is str
