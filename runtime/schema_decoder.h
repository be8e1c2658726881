// Typed decoding for compiled schemas (Encoder.loads): one walk over simdjson's structural index
// that parses, validates against the schema IR and builds exactly the schema's Python values.
// The walk reuses the generic stage 2's token readers (decode_stage2.h) and its value() for
// `any` subtrees; object keys the schema names are the IR's interned strs, so a record costs no
// key strings, and a field arriving where the schema lists it is matched by one compare.
#pragma once
#include <Python.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/decode_instance.h"
#include "runtime/dict_template.h"
#include "runtime/py_ref.h"
#include "runtime/schema.h"

namespace fastjson::decode {

// What a JSON token is, as a bit, so a node's accepted tokens are one mask.
enum JsonKind : uint8_t {
  kJsonNull = 1,
  kJsonBool = 2,
  kJsonInt = 4,  // a number without fraction or exponent
  kJsonFloat = 8,
  kJsonStr = 16,
  kJsonArray = 32,
  kJsonObject = 64,
  kJsonAll = 127,
};

inline constexpr schema::NodeId kNoNode = ~schema::NodeId(0);

// Decode-only tables for one schema, built once per compile().
struct DecodePlan {
  struct NodePlan {
    uint8_t accepts = 0;  // JsonKind mask of the tokens this node can take
    // kEnum: {value: member} for members whose value is an exact str or int (others cannot
    // come from JSON scalars); kLiteral: unused (values are compared in place).
    py::Ref members;
    // kLiteral: the UTF-8 of each str literal, in node.literals' order ("" for other values).
    std::vector<std::string> literal_text;
    // kObject, kDataclass: every field's key, in order (the kwnames of a dataclass call with
    // every field present).
    py::Ref all_kwnames;
    // kUnion of null and one other node (T | None): the two, so the token picks one directly.
    schema::NodeId null_node = kNoNode, non_null = kNoNode;
    // kObject: clones into the dict of all fields in schema order.
    DictTemplate dict_template;
    // kInstance: which class it builds (node.cls is that class or a subclass of it).
    InstanceKind instance = InstanceKind::kNone;
    // What a type mismatch says was expected when the JSON kinds would not say it: kInstance
    // "datetime", a union with such alternatives "datetime | null". Empty: describe_kinds.
    std::string expected;
  };
  std::vector<NodePlan> nodes;
  // Decoding calls Python code (dataclass __init__): the collector stays on meanwhile.
  bool runs_python = false;

  // nullptr with a Python error set (MemoryError, or a failing enum iteration).
  static std::unique_ptr<DecodePlan> build(const schema::Schema& schema) noexcept;
  // For tp_traverse: the Python objects the plan holds.
  int traverse(visitproc visit, void* arg) const noexcept;
};

struct DecodeOptions {
  bool ignore_unknown = false;  // skip object keys the schema does not name instead of raising
};

// Encoder.loads: parses `data` (bytes, bytearray, memoryview or str) as `schema`'s root node.
// Returns a new reference; or nullptr with fastjson.ValidationError (a value does not match:
// expected vs got and the JSON path), fastjson.JSONDecodeError (malformed JSON, as loads
// reports it), TypeError (input type) or an error raised by a dataclass's __init__.
PyObject* typed_loads(const schema::Schema& schema, const DecodePlan& plan, PyObject* data,
                      const DecodeOptions& options) noexcept;

// The mask's JSON kinds as messages name them: "object | null", "int", "float" ("float" takes
// ints too, so an int bit beside it is not named).
std::string describe_kinds(uint8_t mask);

}  // namespace fastjson::decode
