// The schema IR: plain C++ data describing what a compiled encoder accepts and writes. Built once
// per fastjson.compile() from the normalized description that python/fastjson/_schema.py produces;
// read by the schema interpreter (runtime/schema_encoder) and by the LLVM emitter (jit/). No LLVM.
//
// The normalized description (Python -> C++) is a pair (nodes, root): `nodes` a list of tuples,
// `root` an index into it; children are referenced by index, so recursive schemas are cycles.
// Indexes are exact ints; every sequence inside a node is a tuple.
//   ("any",)                          any value, written by the generic encoder
//   ("null",) ("bool",) ("int",) ("str",)
//   ("float",)                        float, or int (written as the int, like dumps)
//   ("list", item)                    list or tuple of item
//   ("tuple_of", item)                the same, from tuple[T, ...]: typed decoding makes a tuple
//   ("tuple", (i0, i1, ...))          list or tuple of exactly these items (may be empty)
//   ("dict", value)                   dict with str keys and `value` values
//   ("object", ((name, node, required), ...), title)   dict with these keys, in any order; others
//                                     rejected; title: str (TypedDict name) or None, for messages
//   ("dataclass", cls, ((name, node, required), ...))   instance of cls, fields read as attributes
//                                     (an absent attribute is skipped when not required)
//   ("union", (n0, n1, ...))          the first alternative whose type matches (at least one)
//   ("literal", (v0, v1, ...))        one of these str/int/bool/None values (1 is not True)
//   ("enum", cls)                     a member of the enum.Enum subclass cls, written by value
//   ("instance", cls, exclude)        an instance of cls (datetime, date, time, UUID, Decimal) but
//                                     not of `exclude` (a class or None: date excludes datetime),
//                                     written by the generic encoder
//   ("set", item)                     set or frozenset of item, written as an array
//   ("frozenset", item)               the same, from frozenset[T]: typed decoding makes a frozenset
// Field names are str without lone surrogates, unique within their node; required is a bool. A
// cycle made only of unions (a union that is its own alternative) is rejected: it describes no
// value. Anything else malformed raises TypeError naming the node index.
#pragma once
#include <Python.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/py_ref.h"

namespace fastjson::schema {

enum class Kind : uint8_t {
  kAny,
  kNull,
  kBool,
  kInt,
  kFloat,
  kStr,
  kList,
  kTuple,
  kDict,
  kObject,
  kDataclass,
  kUnion,
  kLiteral,
  kEnum,
  kInstance,
  kSet,
};

using NodeId = uint32_t;

struct Field {
  std::string name;     // UTF-8
  py::Ref key;          // the interned str, compared by pointer first
  std::string encoded;  // the key as written: "\"name\":" (escaped, with quotes and colon)
  NodeId node;
  bool required;
};

struct Node {
  Kind kind;
  std::vector<NodeId> children;  // kList/kDict: [item]; kTuple: items; kUnion: alternatives
  std::vector<Field> fields;     // kObject, kDataclass (in the description's order)
  uint32_t required_count = 0;   // kObject, kDataclass: fields with required == true
  py::Ref cls;                   // kDataclass, kEnum, kInstance
  py::Ref exclude;               // kInstance: instances of this class do not match (or null)
  // The name messages use: kObject the TypedDict's title ("" for dict literals and untitled
  // JSON Schema objects), kDataclass/kEnum/kInstance cls.__name__, kLiteral "Literal['a', 1]".
  std::string title;
  std::vector<py::Ref> literals;  // kLiteral: exact str, int, bool or None objects
  bool as_tuple = false;          // kList written as tuple[T, ...]: decoded into a tuple
  bool frozen = false;            // kSet written as frozenset[T]: decoded into a frozenset
};

struct Schema {
  std::vector<Node> nodes;
  NodeId root = 0;
  // True when encoding may run Python code that can mutate the input (dataclass attribute reads,
  // enum .value): containers then hold a reference to each item while it is written.
  bool runs_python = false;
  // A shape the transparent JIT inferred (runtime/shape_table.h): a value that fails a guard is
  // written by the generic encoder (fastjson.dumps' bytes and errors), never rejected. So depth is
  // observable at every container, and Python code (a subclass's items()) may run below any
  // container value.
  bool generic_fallback = false;

  // Builds the IR from a normalized description. Returns nullptr with TypeError set (naming the
  // node index) when the description is malformed, or with MemoryError.
  // generic_fallback: an inferred shape (see the member).
  static std::unique_ptr<Schema> build(PyObject* nodes, PyObject* root,
                                       bool generic_fallback = false) noexcept;

  // The node as users write it, for error messages: "int", "list[str]", "int | None", "Point",
  // "tuple[int, str]", "dict[str, int]", "Literal['a', 1]", "object" for untitled objects,
  // "any". A node reached again inside its own description (a recursive alias) reads "...".
  std::string describe(NodeId id) const;
};

}  // namespace fastjson::schema
