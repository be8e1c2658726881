// The schema interpreter. Type checks mirror dumps' dispatch (exact types first, subclasses through
// the same cold paths), so for every value that matches, the bytes equal fastjson.dumps(value).
#include "runtime/schema_encoder.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "runtime/encode_types.h"
#include "runtime/escape.h"

namespace fastjson::encode {

namespace {

using py::Ref;
using schema::Field;
using schema::Kind;
using schema::Node;
using schema::NodeId;

// int or a subclass, but never bool (bool subclasses int).
inline bool is_int(PyObject* obj) noexcept {
  return PyLong_CheckExact(obj) || (PyLong_Check(obj) && !PyBool_Check(obj));
}

inline bool is_sequence(PyObject* obj) noexcept { return PyList_Check(obj) || PyTuple_Check(obj); }

inline bool is_instance(PyObject* obj, const Ref& cls) noexcept {
  return PyObject_TypeCheck(obj, reinterpret_cast<PyTypeObject*>(cls.get()));
}

// kInstance: of cls, and not of the excluded subclass (a date node does not take a datetime).
inline bool is_instance_of(PyObject* obj, const Node& node) noexcept {
  return is_instance(obj, node.cls) && !(node.exclude && is_instance(obj, node.exclude));
}

// Literal values are exact str/int/bool/None, so these comparisons never run Python code.
bool literal_matches(const Node& node, PyObject* obj) noexcept {
  for (const Ref& literal : node.literals) {
    PyObject* v = literal.get();
    if (v == obj) return true;
    if (Py_TYPE(v) != Py_TYPE(obj)) continue;  // 1 is not True, and a str subclass is not str
    if (PyUnicode_CheckExact(v)
            ? PyUnicode_Compare(v, obj) == 0
            : PyLong_CheckExact(v) && PyObject_RichCompareBool(v, obj, Py_EQ) == 1) {
      return true;
    }
  }
  return false;
}

// The name/key as JSON writes it: "email".
std::string quoted(const char* data, size_t n) {
  std::string out(escape::max_quoted_size(n), '\0');
  out.resize(size_t(escape::write_quoted(out.data(), data, n) - out.data()));
  return out;
}

// repr(obj), cut to 40 characters ("...") so a huge value does not swamp the message.
std::string short_repr(PyObject* obj) {
  constexpr Py_ssize_t kMaxChars = 40;
  Ref text = Ref::steal(PyObject_Repr(obj));
  if (text && PyUnicode_GET_LENGTH(text.get()) > kMaxChars) {
    Ref head = Ref::steal(PyUnicode_Substring(text.get(), 0, kMaxChars - 3));
    text = head ? Ref::steal(PyUnicode_FromFormat("%U...", head.get())) : Ref();
  }
  Py_ssize_t n = 0;
  const char* data = text ? PyUnicode_AsUTF8AndSize(text.get(), &n) : nullptr;
  if (data == nullptr) {
    PyErr_Clear();
    return std::string("<") + Py_TYPE(obj)->tp_name + " object>";
  }
  return std::string(data, size_t(n));
}

// Which of an object node's fields a dict has supplied, and how many of them are required, so
// "all required present" is one comparison. Insert returns false for a field already seen (a
// second key equal to the same name: only str subclasses with their own __hash__ can do that).
class SmallFieldSet {  // up to 64 fields: one register
 public:
  static constexpr size_t kMaxFields = 64;
  explicit SmallFieldSet(size_t) noexcept {}
  bool insert(size_t i, bool required) noexcept {
    const uint64_t bit = uint64_t(1) << i;
    if (bits_ & bit) return false;
    bits_ |= bit;
    required_ += required;
    return true;
  }
  bool contains(size_t i) const noexcept { return (bits_ >> i) & 1; }
  uint32_t required() const noexcept { return required_; }

 private:
  uint64_t bits_ = 0;
  uint32_t required_ = 0;
};

class LargeFieldSet {
 public:
  explicit LargeFieldSet(size_t n) : seen_(std::make_unique<bool[]>(n)) {}
  bool insert(size_t i, bool required) noexcept {
    if (seen_[i]) return false;
    seen_[i] = true;
    required_ += required;
    return true;
  }
  bool contains(size_t i) const noexcept { return seen_[i]; }
  uint32_t required() const noexcept { return required_; }

 private:
  std::unique_ptr<bool[]> seen_;
  uint32_t required_ = 0;
};

// Copies n bytes with two overlapping fixed-size moves when n is small (keys are: `"id":` is 5
// bytes), instead of a call into libc's memcpy; never reads past src + n.
inline void copy_short(char* dst, const char* src, size_t n) noexcept {
  if (n >= 8 && n <= 16) {
    uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4 && n < 8) {
    uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
  } else {
    std::memcpy(dst, src, n);
  }
}

}  // namespace

inline bool SchemaEncoder::encode_value(NodeId id, PyObject* obj) noexcept {
  const Node& node = schema_.nodes[id];
  switch (node.kind) {
    case Kind::kStr:
      if (PyUnicode_Check(obj)) return generic_.encode_str(obj);
      break;
    case Kind::kInt:
      if (is_int(obj)) return generic_.encode_int(obj);
      break;
    case Kind::kFloat:
      if (PyFloat_Check(obj)) return generic_.encode_float(obj);
      if (is_int(obj)) return generic_.encode_int(obj);
      break;
    case Kind::kBool:
      if (obj == Py_True) return generic_.put_literal("true", 4);
      if (obj == Py_False) return generic_.put_literal("false", 5);
      break;
    case Kind::kNull:
      if (obj == Py_None) return generic_.put_literal("null", 4);
      break;
    // The common containers go straight to their writer; their subclasses and every other kind
    // through encode_other.
    case Kind::kObject:
      if (PyDict_CheckExact(obj)) return encode_object(node, obj);
      return encode_other(id, obj);
    case Kind::kList:
      if (PyList_CheckExact(obj)) return encode_items(id, obj);
      return encode_other(id, obj);
    case Kind::kUnion:
      return encode_union(id, obj);
    default:
      return encode_other(id, obj);
  }
  return mismatch(Mismatch::kType, id, obj);
}

bool SchemaEncoder::encode(NodeId id, PyObject* obj) noexcept { return encode_value(id, obj); }

bool SchemaEncoder::encode_other(NodeId id, PyObject* obj) noexcept {
  const Node& node = schema_.nodes[id];
  switch (node.kind) {
    case Kind::kAny:
      return generic_.encode(obj);
    case Kind::kList:
      if (PyList_CheckExact(obj) || PyTuple_CheckExact(obj)) return encode_items(id, obj);
      if (is_sequence(obj)) return encode_sequence_subclass(id, obj);
      break;
    case Kind::kTuple:
      if (PyList_CheckExact(obj) || PyTuple_CheckExact(obj)) return encode_tuple(id, obj);
      if (is_sequence(obj)) return encode_sequence_subclass(id, obj);
      break;
    case Kind::kDict:
      if (PyDict_CheckExact(obj)) return encode_dict(node, obj);
      if (PyDict_Check(obj)) return encode_mapping_subclass(id, obj);
      break;
    case Kind::kObject:
      if (PyDict_CheckExact(obj)) return encode_object(node, obj);
      if (PyDict_Check(obj)) return encode_mapping_subclass(id, obj);
      break;
    case Kind::kDataclass:
      if (is_instance(obj, node.cls)) return encode_dataclass(node, obj);
      break;
    case Kind::kUnion:
      return encode_union(id, obj);
    case Kind::kLiteral:
      // Written by the generic encoder: the value is one of the literals, so dumps' own bytes.
      if (literal_matches(node, obj)) return generic_.encode(obj);
      return mismatch_value(id, obj);
    case Kind::kEnum:
      if (is_instance(obj, node.cls)) return encode_enum(obj);
      return mismatch_value(id, obj);
    case Kind::kInstance:
      // datetime, UUID, Decimal: dumps' own writers (runtime/encode_*.cpp), so the same bytes.
      if (is_instance_of(obj, node)) return generic_.encode(obj);
      break;
    case Kind::kSet:
      if (PyAnySet_Check(obj)) return encode_set(id, obj);
      break;
    default:  // the scalars: encode_value's own
      break;
  }
  return mismatch(Mismatch::kType, id, obj);
}

// --- sequences
// ------------------------------------------------------------------------------------

// The items of an exact list or tuple; like dumps, one level for the sequence.
bool SchemaEncoder::encode_items(NodeId id, PyObject* seq) noexcept {
  if (!generic_.enter(seq, false) || !generic_.open('[')) return false;
  const Node& node = schema_.nodes[id];
  Writer& w = generic_.writer();
  const bool is_list = PyList_Check(seq);
  const bool is_tuple = node.kind == Kind::kTuple;
  const bool guard_items = schema_.runs_python;
  // Size and items are re-read each step: Python code (a dataclass property, a subclass's
  // __iter__ inside an `any` item) may mutate the list meanwhile.
  for (Py_ssize_t i = 0; i < Py_SIZE(seq); ++i) {
    if (is_tuple && size_t(Py_SIZE(seq)) != node.children.size()) [[unlikely]] {
      mismatch_length_ = Py_SIZE(seq);
      return mismatch(Mismatch::kLength, id, seq);
    }
    PyObject* item = is_list ? PyList_GET_ITEM(seq, i) : PyTuple_GET_ITEM(seq, i);
    const Ref guard = guard_items ? Ref::borrow(item) : Ref();
    if (!encode_value(is_tuple ? node.children[size_t(i)] : node.children[0], item)) {
      generic_.path().push_index(i);
      return false;
    }
    if (!w.reserve(1)) return generic_.fail_python();
    w.put(',');
  }
  return generic_.close(']');
}

bool SchemaEncoder::encode_tuple(NodeId id, PyObject* seq) noexcept {
  if (size_t(Py_SIZE(seq)) != schema_.nodes[id].children.size()) {
    mismatch_length_ = Py_SIZE(seq);
    return mismatch(Mismatch::kLength, id, seq);
  }
  return encode_items(id, seq);
}

bool SchemaEncoder::encode_sequence_subclass(NodeId id, PyObject* seq) noexcept {
  // Like dumps: through iteration (a subclass may define __iter__), on a level of its own without
  // a path component, then the items of the resulting list.
  if (!generic_.enter(seq, true)) return false;
  Ref items = Ref::steal(PySequence_List(seq));
  if (!items) return generic_.fail_python();
  const Node& node = schema_.nodes[id];
  bool ok;
  if (node.kind == Kind::kTuple) {
    if (size_t(PyList_GET_SIZE(items.get())) != node.children.size()) {
      mismatch_length_ = PyList_GET_SIZE(items.get());
      return mismatch(Mismatch::kLength, id, seq);
    }
    ok = encode_tuple(id, items.get());
  } else {
    ok = encode_items(id, items.get());
  }
  if (!ok) return false;
  generic_.leave();
  return true;
}

// A set or frozenset as an array of its items in iteration order (what dumps(sets=True) writes):
// a level of its own without a path component, then the items of a list copy.
bool SchemaEncoder::encode_set(NodeId id, PyObject* set) noexcept {
  if (!generic_.enter(set, true)) return false;
  Ref items = Ref::steal(PySequence_List(set));
  if (!items) return generic_.fail_python();
  if (!encode_items(id, items.get())) return false;
  generic_.leave();
  return true;
}

// --- dicts and objects
// ----------------------------------------------------------------------------

// One `"key":value,` of a dict[str, T]. A key fault is reported at the dict's own path.
bool SchemaEncoder::encode_entry(NodeId value_node, PyObject* key, PyObject* value) noexcept {
  const Ref key_guard = schema_.runs_python ? Ref::borrow(key) : Ref();
  const Ref value_guard = schema_.runs_python ? Ref::borrow(value) : Ref();
  if (!PyUnicode_Check(key)) return mismatch(Mismatch::kKeyType, 0, key);
  if (!generic_.encode_str(key)) return false;
  Writer& w = generic_.writer();
  if (!w.reserve(1)) return generic_.fail_python();
  w.put(':');
  if (!encode_value(value_node, value)) {
    generic_.path_push_key(key);
    return false;
  }
  if (!w.reserve(1)) return generic_.fail_python();
  w.put(',');
  return true;
}

bool SchemaEncoder::encode_dict(const Node& node, PyObject* dict) noexcept {
  if (generic_.options().sort_keys) [[unlikely]]
    return encode_mapping_subclass(NodeId(&node - schema_.nodes.data()), dict);
  if (!generic_.enter(dict, false) || !generic_.open('{')) return false;
  const NodeId value_node = node.children[0];
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    if (!encode_entry(value_node, key, value)) return false;
  }
  return generic_.close('}');
}

// One member of an object node: the key names a field (by pointer, trying the field after the
// previous one first, so keys in schema order cost one comparison), written as the field's
// precomputed `"key":`. Output follows the dict's order, as dumps does.
template <class Seen>
inline bool SchemaEncoder::encode_field(const Node& node, Seen& seen, size_t& hint, PyObject* key,
                                        PyObject* value, bool guard) noexcept {
  const Field* field = hint < node.fields.size() ? &node.fields[hint] : nullptr;
  if (field == nullptr || field->key.get() != key) [[unlikely]] {
    field = find_field(node, key);
    if (field == nullptr) return mismatch(Mismatch::kUnexpectedKey, 0, key);
  }
  const size_t i = size_t(field - node.fields.data());
  if (!seen.insert(i, field->required)) return mismatch(Mismatch::kUnexpectedKey, 0, key);
  hint = i + 1;
  const Ref key_guard = guard ? Ref::borrow(key) : Ref();
  const Ref value_guard = guard ? Ref::borrow(value) : Ref();
  Writer& w = generic_.writer();
  const size_t n = field->encoded.size();
  if (!w.reserve(n)) return generic_.fail_python();
  copy_short(w.cursor(), field->encoded.data(), n);
  w.advance_to(w.cursor() + n);
  if (!encode_value(field->node, value)) {
    generic_.path_push_key(key);
    return false;
  }
  if (!w.reserve(1)) return generic_.fail_python();
  w.put(',');
  return true;
}

// Keys out of schema order: by pointer, then (str keys only) by value.
const Field* SchemaEncoder::find_field(const Node& node, PyObject* key) noexcept {
  for (const Field& field : node.fields) {
    if (field.key.get() == key) return &field;
  }
  if (!PyUnicode_Check(key)) return nullptr;
  for (const Field& field : node.fields) {
    if (PyUnicode_Compare(field.key.get(), key) == 0) return &field;
  }
  return nullptr;
}

template <class Seen>
bool SchemaEncoder::check_required(const Node& node, const Seen& seen) noexcept {
  if (seen.required() == node.required_count) [[likely]]
    return true;
  for (size_t i = 0; i < node.fields.size(); ++i) {
    if (node.fields[i].required && !seen.contains(i)) {
      return mismatch(Mismatch::kMissingKey, 0, nullptr, &node.fields[i]);
    }
  }
  return true;
}

template <class Seen>
bool SchemaEncoder::encode_object_with(const Node& node, PyObject* dict) noexcept {
  if (!generic_.enter(dict, false) || !generic_.open('{')) return false;
  Seen seen(node.fields.size());
  const bool guard = schema_.runs_python;
  size_t hint = 0;
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    if (!encode_field(node, seen, hint, key, value, guard)) return false;
  }
  if (!check_required(node, seen)) return false;
  return generic_.close('}');
}

bool SchemaEncoder::encode_object(const Node& node, PyObject* dict) noexcept {
  if (generic_.options().sort_keys) [[unlikely]]
    return encode_mapping_subclass(NodeId(&node - schema_.nodes.data()), dict);
  if (node.fields.size() <= SmallFieldSet::kMaxFields) [[likely]] {
    return encode_object_with<SmallFieldSet>(node, dict);
  }
  return encode_object_with<LargeFieldSet>(node, dict);
}

bool SchemaEncoder::encode_mapping_subclass(NodeId id, PyObject* dict) noexcept {
  // Like dumps: through items(), since an OrderedDict's order (move_to_end) lives outside the
  // hash table PyDict_Next walks, and a subclass may define items() itself. Exact dicts come here
  // too under sort_keys, sorted like dumps sorts them (sorted(d.items())).
  if (!generic_.enter(dict, false)) return false;
  Ref items = Ref::steal(PyMapping_Items(dict));
  if (!items || (generic_.options().sort_keys && PyList_Sort(items.get()) < 0) ||
      !generic_.open('{')) {
    return generic_.fail_python();
  }
  const Node& node = schema_.nodes[id];
  LargeFieldSet seen(node.fields.size());
  size_t hint = 0;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items.get()); ++i) {
    PyObject* pair = PyList_GET_ITEM(items.get(), i);
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
      PyErr_SetString(PyExc_ValueError, "items must return 2-tuples");
      return generic_.fail_python();
    }
    PyObject* key = PyTuple_GET_ITEM(pair, 0);
    PyObject* value = PyTuple_GET_ITEM(pair, 1);
    const bool ok = node.kind == Kind::kDict
                        ? encode_entry(node.children[0], key, value)
                        : encode_field(node, seen, hint, key, value, schema_.runs_python);
    if (!ok) return false;
  }
  if (node.kind == Kind::kObject && !check_required(node, seen)) return false;
  return generic_.close('}');
}

// --- dataclasses, unions, enums
// -------------------------------------------------------------------

bool SchemaEncoder::encode_dataclass(const Node& node, PyObject* obj) noexcept {
  if (!generic_.enter(obj, false) || !generic_.open('{')) return false;
  Writer& w = generic_.writer();
  std::vector<const Field*> sorted;
  if (generic_.options().sort_keys) [[unlikely]] {
    // As dumps sorts a dataclass's (name, value) pairs: names are str, and UTF-8 byte order is
    // code point order, which is str's.
    for (const Field& field : node.fields) sorted.push_back(&field);
    std::sort(sorted.begin(), sorted.end(),
              [](const Field* a, const Field* b) { return a->name < b->name; });
  }
  for (size_t i = 0; i < node.fields.size(); ++i) {
    const Field& field = sorted.empty() ? node.fields[i] : *sorted[i];
    Ref value = Ref::steal(PyObject_GetAttr(obj, field.key.get()));
    if (!value) {
      if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return generic_.fail_python();
      if (field.required) return mismatch(Mismatch::kMissingAttribute, 0, nullptr, &field);
      PyErr_Clear();  // an optional field without a value is left out
      continue;
    }
    if (!w.reserve(field.encoded.size())) return generic_.fail_python();
    w.put(field.encoded.data(), field.encoded.size());
    if (!encode_value(field.node, value.get())) {
      generic_.path_push_key(field.key.get());
      return false;
    }
    if (!w.reserve(1)) return generic_.fail_python();
    w.put(',');
  }
  return generic_.close('}');
}

// The cheap type-level check a union uses to pick its alternative; the chosen alternative then
// decides (and reports) everything below.
bool SchemaEncoder::matches(NodeId id, PyObject* obj) const noexcept {
  const Node& node = schema_.nodes[id];
  switch (node.kind) {
    case Kind::kAny:
      return true;
    case Kind::kNull:
      return obj == Py_None;
    case Kind::kBool:
      return PyBool_Check(obj);
    case Kind::kInt:
      return is_int(obj);
    case Kind::kFloat:
      return PyFloat_Check(obj) || is_int(obj);
    case Kind::kStr:
      return PyUnicode_Check(obj);
    case Kind::kList:
      return is_sequence(obj);
    case Kind::kTuple:
      return is_sequence(obj) && size_t(Py_SIZE(obj)) == node.children.size();
    case Kind::kDict:
    case Kind::kObject:
      return PyDict_Check(obj);
    case Kind::kDataclass:
    case Kind::kEnum:
      return is_instance(obj, node.cls);
    case Kind::kInstance:
      return is_instance_of(obj, node);
    case Kind::kSet:
      return PyAnySet_Check(obj);
    case Kind::kLiteral:
      return literal_matches(node, obj);
    case Kind::kUnion:  // normalized unions are flat; nested ones still work (no union cycles)
      return matches_any(node, obj);
  }
  return false;
}

bool SchemaEncoder::matches_any(const Node& node, PyObject* obj) const noexcept {
  for (NodeId alt : node.children) {
    if (matches(alt, obj)) return true;
  }
  return false;
}

bool SchemaEncoder::encode_union(NodeId id, PyObject* obj) noexcept {
  for (NodeId alt : schema_.nodes[id].children) {
    if (matches(alt, obj)) return encode_value(alt, obj);
  }
  return mismatch_value(id, obj);
}

bool SchemaEncoder::encode_enum(PyObject* obj) noexcept {
  // The value dumps reads (runtime/encode_enum.cpp); obj is an instance of the schema's Enum.
  Ref value = enum_value(obj);
  if (!value) return generic_.fail_python();
  // dumps' own encoder, at the member's path: an unsupported value reads as dumps would say it.
  return generic_.encode(value.get());
}

// --- errors
// ---------------------------------------------------------------------------------------

bool SchemaEncoder::mismatch(Mismatch kind, NodeId id, PyObject* value,
                             const Field* field) noexcept {
  mismatch_ = kind;
  mismatch_node_ = id;
  mismatch_field_ = field;
  mismatch_value_ = Ref::borrow(value);
  return generic_.fail_schema(std::string());
}

// A value of the right kind but not an allowed one reads better as its repr: got 'c', not got str.
bool SchemaEncoder::mismatch_value(NodeId id, PyObject* value) noexcept {
  const Node& node = schema_.nodes[id];
  bool by_value = node.kind == Kind::kLiteral || node.kind == Kind::kEnum;
  if (node.kind == Kind::kUnion) {
    for (NodeId alt : node.children) {
      const Kind k = schema_.nodes[alt].kind;
      by_value = by_value || k == Kind::kLiteral || k == Kind::kEnum;
    }
  }
  return mismatch(by_value ? Mismatch::kValue : Mismatch::kType, id, value);
}

std::string SchemaEncoder::mismatch_message() {
  PyObject* value = mismatch_value_.get();
  const Field* field = mismatch_field_;
  switch (mismatch_) {
    case Mismatch::kType:
      return "expected " + schema_.describe(mismatch_node_) + ", got " + Py_TYPE(value)->tp_name;
    case Mismatch::kValue:
      return "expected " + schema_.describe(mismatch_node_) + ", got " + short_repr(value);
    case Mismatch::kLength:
      return "expected " + schema_.describe(mismatch_node_) + ", got " + Py_TYPE(value)->tp_name +
             " of length " + std::to_string(mismatch_length_);
    case Mismatch::kKeyType:
      return std::string("expected str key, got ") + Py_TYPE(value)->tp_name;
    case Mismatch::kMissingKey:
      return "missing required key " + quoted(field->name.data(), field->name.size());
    case Mismatch::kMissingAttribute:
      return "missing required attribute " + quoted(field->name.data(), field->name.size());
    case Mismatch::kUnexpectedKey: {
      Py_ssize_t n;
      const char* data = PyUnicode_Check(value) ? PyUnicode_AsUTF8AndSize(value, &n) : nullptr;
      if (data == nullptr) {
        PyErr_Clear();
        return "unexpected key " + short_repr(value);
      }
      return "unexpected key " + quoted(data, size_t(n));
    }
    case Mismatch::kNone:
      break;
  }
  return std::string();
}

void SchemaEncoder::raise() noexcept {
  if (mismatch_ != Mismatch::kNone && generic_.fault() == Fault::kSchema) {
    // A pending error (the AttributeError of a missing attribute) stays the __cause__; repr()
    // must not run with it set.
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    std::string message = mismatch_message();
    PyErr_Clear();
    PyErr_Restore(type, value, traceback);
    generic_.fail_schema(std::move(message));
    mismatch_value_ = Ref();
  }
  generic_.raise();
}

}  // namespace fastjson::encode
