// Typed decoding: a recursive descent over the structural index driven by the schema IR. Each
// node reads its token where stage 1 found it, checks the token's JSON kind against the node
// and builds the node's Python value; a mismatch is recorded as data and its JSON path
// collected while the recursion unwinds (nothing is recorded on success). Malformed JSON is
// left to the exact scanner, so it is reported exactly as fastjson.loads reports it.
#include "runtime/schema_decoder.h"

#include <cstring>
#include <new>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "runtime/decode_indexed.h"
#include "runtime/decode_input.h"
#include "runtime/decode_instance.h"
#include "runtime/decode_stage2.h"
#include "runtime/dict_template.h"
#include "runtime/errors.h"
#include "runtime/json_path.h"

namespace fastjson::decode {

namespace {

using py::Ref;
using schema::Field;
using schema::Kind;
using schema::Node;
using schema::NodeId;

enum class TypedResult { kValue, kMismatch, kPyError, kSyntax };

// The fields of one object seen so far: a bit mask up to 64 fields, else a byte per field.
class SeenFields {
 public:
  explicit SeenFields(size_t n) : small_(n <= 64) {
    if (!small_) large_.assign(n, 0);
  }
  // Marks field i; true if it was already marked (a duplicate key).
  bool mark(size_t i) noexcept {
    if (small_) [[likely]] {
      const uint64_t bit = uint64_t(1) << i;
      const bool was = (bits_ & bit) != 0;
      bits_ |= bit;
      return was;
    }
    const bool was = large_[i] != 0;
    large_[i] = 1;
    return was;
  }
  bool has(size_t i) const noexcept { return small_ ? (bits_ >> i) & 1 : large_[i] != 0; }

 private:
  bool small_;
  uint64_t bits_ = 0;
  std::vector<uint8_t> large_;
};

class TypedStage2 : public Stage2 {
 public:
  TypedStage2(ParserState& state, const uint8_t* buf, size_t len, const schema::Schema& schema,
              const DecodePlan& plan, const DecodeOptions& options) noexcept
      : Stage2(state, buf, len), nodes_(schema.nodes), plan_(plan.nodes), options_(options) {}

  TypedResult run(NodeId root, PyObject** out) noexcept {
    PyObject* value = decode(root, 0);
    if (value && next_ == end_) {
      *out = value;
      return TypedResult::kValue;
    }
    Py_XDECREF(value);  // a complete value followed by more tokens
    drop_pending(0);
    if (PyErr_Occurred()) return TypedResult::kPyError;
    return value == nullptr && problem_ != Problem::kNone ? TypedResult::kMismatch
                                                          : TypedResult::kSyntax;
  }

  // Raises fastjson.ValidationError for the recorded mismatch (cold).
  void raise(const Input& input) noexcept;

 private:
  enum class Problem : uint8_t { kNone, kType, kLength, kMissing, kUnknown, kValue, kInvalid };

  // The value at the next token, as node `id`. nullptr with a Python error set, a mismatch
  // recorded (problem_), or neither: malformed JSON. Strings and numbers, nearly every field,
  // are read inline in the caller's loop; the rest goes through one call (callgrind: the call
  // per scalar was ~8% of the 10k records).
  [[gnu::always_inline]] inline PyObject* decode(NodeId id, size_t depth) {
    const Kind kind = nodes_[id].kind;
    const uint32_t pos = *next_;
    const uint8_t c = buf_[pos];
    if (kind == Kind::kStr && c == '"') [[likely]] {
      ++next_;
      return string(pos);
    }
    if ((kind == Kind::kInt || kind == Kind::kFloat) && (c == '-' || is_digit(c))) {
      ++next_;
      return kind == Kind::kInt ? decode_int(id, pos) : decode_float(pos);
    }
    return decode_node(id, depth);
  }

  [[gnu::noinline]] PyObject* decode_node(NodeId id, size_t depth) {
    const Node& node = nodes_[id];
    const uint32_t pos = *next_++;
    const uint8_t c = buf_[pos];
    switch (node.kind) {
      case Kind::kStr:
        if (c == '"') [[likely]]
          return string(pos);
        break;
      case Kind::kInt:
        if (c == '-' || is_digit(c)) [[likely]]
          return decode_int(id, pos);
        break;
      case Kind::kFloat:
        if (c == '-' || is_digit(c)) [[likely]]
          return decode_float(pos);
        break;
      case Kind::kBool:
        if (c == 't') return literal(pos, "true", 4, Py_True);
        if (c == 'f') return literal(pos, "false", 5, Py_False);
        break;
      case Kind::kNull:
        if (c == 'n') return literal(pos, "null", 4, Py_None);
        break;
      case Kind::kAny:
        --next_;
        return value(depth);
      case Kind::kList:
        if (c == '[') return decode_list(node, depth + 1);
        break;
      case Kind::kTuple:
        if (c == '[') return decode_tuple(node, pos, depth + 1);
        break;
      case Kind::kDict:
        if (c == '{') return decode_dict(node, depth + 1);
        break;
      case Kind::kObject:
        if (c == '{') return decode_object(node, pos, depth + 1);
        break;
      case Kind::kDataclass:
        if (c == '{') return decode_dataclass(node, pos, depth + 1);
        break;
      case Kind::kUnion:
        return decode_union(id, pos, depth);
      case Kind::kLiteral:
      case Kind::kEnum:
        return decode_choice(id, pos);
      case Kind::kInstance:
        return decode_instance(id, pos);
      case Kind::kSet:
        if (c == '[') return decode_set(node, depth + 1);
        break;
    }
    return type_mismatch(id, pos);
  }

  // datetime, date, time and UUID from strings; Decimal from strings and numbers.
  PyObject* decode_instance(NodeId id, uint32_t pos) {
    const DecodePlan::NodePlan& plan = plan_[id];
    const uint8_t c = buf_[pos];
    if (c == '"') {
      const Span span = scan(pos);
      const uint8_t* data = span.data;
      size_t len = span.len;
      if (span.escaped) [[unlikely]] {
        const ptrdiff_t n = unescape(pos);
        if (n < 0) return nullptr;
        data = scratch_;
        len = size_t(n);
      }
      const std::string_view text(reinterpret_cast<const char*>(data), len);
      PyObject* value = instance_from_text(plan.instance, nodes_[id].cls.get(), text);
      if (value || PyErr_Occurred()) return value;
      return invalid_value(pos, instance_invalid(plan.instance));
    }
    if (plan.instance == InstanceKind::kDecimal && (c == '-' || is_digit(c))) {
      // The number's own digits, never a double: 0.1 stays Decimal("0.1").
      const size_t n = number_length(pos);
      if (n == 0) return nullptr;  // malformed: a syntax error
      return instance_from_text(plan.instance, nodes_[id].cls.get(),
                                std::string_view(reinterpret_cast<const char*>(buf_ + pos), n));
    }
    return type_mismatch(id, pos);
  }

  // The length of the JSON number at `pos` (RFC 8259 grammar, ended as a scalar must be), 0 if
  // it is malformed.
  size_t number_length(uint32_t pos) const noexcept {
    const uint8_t* s = buf_ + pos;
    size_t i = s[0] == '-' ? 1 : 0;
    if (s[i] == '0') {
      ++i;
    } else if (s[i] >= '1' && s[i] <= '9') {
      while (is_digit(s[i])) ++i;
    } else {
      return 0;
    }
    if (s[i] == '.') {
      if (!is_digit(s[++i])) return 0;
      while (is_digit(s[i])) ++i;
    }
    if (s[i] == 'e' || s[i] == 'E') {
      ++i;
      if (s[i] == '+' || s[i] == '-') ++i;
      if (!is_digit(s[i])) return 0;
      while (is_digit(s[i])) ++i;
    }
    return kEndsScalar[s[i]] ? i : 0;
  }

  // Items are added as they are decoded, so an unhashable one is reported at its index.
  PyObject* decode_set(const Node& node, size_t depth) {
    if (depth > kMaxDepth) return nullptr;
    // A new frozenset is not shared yet, so PySet_Add may fill it (as CPython's own code does).
    Ref set = Ref::steal(node.frozen ? PyFrozenSet_New(nullptr) : PySet_New(nullptr));
    if (!set) return nullptr;
    if (buf_[*next_] == ']') {
      ++next_;
      return set.release();
    }
    const NodeId item_node = node.children[0];
    for (Py_ssize_t i = 0;; ++i) {
      const uint32_t item_pos = *next_;
      Ref item = Ref::steal(decode(item_node, depth));
      if (!item) return fail_at(i);
      if (Py_TYPE(item.get())->tp_hash == PyObject_HashNotImplemented) [[unlikely]] {
        unhashable(item_pos, item.get());
        return fail_at(i);
      }
      if (PySet_Add(set.get(), item.get()) < 0) {
        // A hash that refuses this value (Decimal("sNaN")) is the same problem, with a path.
        if (!PyErr_ExceptionMatches(PyExc_TypeError)) return nullptr;
        PyErr_Clear();
        unhashable(item_pos, item.get());
        return fail_at(i);
      }
      const uint8_t c = buf_[*next_++];
      if (c == ']') break;
      if (c != ',') return nullptr;
    }
    return set.release();
  }

  PyObject* decode_int(NodeId id, uint32_t pos) {
    Number num;
    NumberSink sink{&num};
    if (simdjson::fallback::numberparsing::parse_number(buf_ + pos, sink) == simdjson::SUCCESS)
        [[likely]] {
      switch (num.kind) {
        case Number::Kind::kInt64:
          return PyLong_FromLongLong(num.i);
        case Number::Kind::kUint64:
          return PyLong_FromUnsignedLongLong(num.u);
        case Number::Kind::kDouble:
          return type_mismatch(id, pos);
        case Number::Kind::kNone:
          break;
      }
      return nullptr;
    }
    // Beyond 64 bits (an exact int), a float beyond the double range, or not a number.
    if (kind_of(pos) == kJsonFloat) return type_mismatch(id, pos);
    return big_number(pos);
  }

  // Floats take ints too (as dumps writes them), and make them floats, as the schema says.
  PyObject* decode_float(uint32_t pos) {
    Number num;
    NumberSink sink{&num};
    if (simdjson::fallback::numberparsing::parse_number(buf_ + pos, sink) == simdjson::SUCCESS)
        [[likely]] {
      switch (num.kind) {
        case Number::Kind::kInt64:
          return PyFloat_FromDouble(double(num.i));  // rounded to nearest, as float(int)
        case Number::Kind::kUint64:
          return PyFloat_FromDouble(double(num.u));
        case Number::Kind::kDouble:
          return new_float(num.d);
        case Number::Kind::kNone:
          break;
      }
      return nullptr;
    }
    Ref big = Ref::steal(big_number(pos));
    if (!big || PyFloat_CheckExact(big.get())) return big.release();
    return PyNumber_Float(big.get());  // OverflowError past the double range, as float(int)
  }

  // Items collect in pending_ until ']', so the list (or tuple) is allocated at its exact size.
  PyObject* decode_list(const Node& node, size_t depth) {
    if (depth > kMaxDepth) return nullptr;
    if (buf_[*next_] == ']') {
      ++next_;
      return node.as_tuple ? PyTuple_New(0) : PyList_New(0);
    }
    const NodeId item_node = node.children[0];
    const size_t base = pending_.size();
    for (Py_ssize_t i = 0;; ++i) {
      PyObject* item = decode(item_node, depth);
      if (!item) return fail_at(i);
      if (!push(item)) return nullptr;
      const uint8_t c = buf_[*next_++];
      if (c == ']') break;
      if (c != ',') return nullptr;
    }
    return node.as_tuple ? take_tuple(base) : take_list(base);
  }

  PyObject* decode_tuple(const Node& node, uint32_t pos, size_t depth) {
    if (depth > kMaxDepth) return nullptr;
    const size_t want = node.children.size();
    const size_t base = pending_.size();
    size_t got = 0;
    if (buf_[*next_] == ']') {
      ++next_;
    } else {
      for (;;) {
        if (got == want) return count_rest(want, got, pos, depth);
        PyObject* item = decode(node.children[got], depth);
        if (!item) return fail_at(Py_ssize_t(got));
        if (!push(item)) return nullptr;
        ++got;
        const uint8_t c = buf_[*next_++];
        if (c == ']') break;
        if (c != ',') return nullptr;
      }
    }
    if (got != want) return length_mismatch(want, got, pos);
    return take_tuple(base);
  }

  // A fixed-length array with more items than the schema's: reads the rest (they must still be
  // valid JSON) to say how many there are.
  [[gnu::cold, gnu::noinline]] PyObject* count_rest(size_t want, size_t got, uint32_t pos,
                                                    size_t depth) {
    for (;;) {
      Ref item = Ref::steal(value(depth));
      if (!item) return nullptr;
      ++got;
      const uint8_t c = buf_[*next_++];
      if (c == ']') break;
      if (c != ',') return nullptr;
    }
    return length_mismatch(want, got, pos);
  }

  PyObject* decode_dict(const Node& node, size_t depth) {
    if (depth > kMaxDepth) return nullptr;
    Ref dict = Ref::steal(PyDict_New());
    if (!dict) return nullptr;
    if (buf_[*next_] == '}') {
      ++next_;
      return dict.release();
    }
    const NodeId value_node = node.children[0];
    uint32_t chain = KeyCache::kNoChain, first = KeyCache::kNoChain;
    for (;;) {
      const uint32_t pos = *next_++;
      if (buf_[pos] != '"') return nullptr;
      Ref key = Ref::steal(key_string(pos, chain));
      if (first == KeyCache::kNoChain) first = chain;
      if (!key || buf_[*next_++] != ':') return nullptr;
      Ref item = Ref::steal(decode(value_node, depth));
      if (!item) return fail_at_key(key.get());
      if (PyDict_SetItem(dict.get(), key.get(), item.get()) < 0) return nullptr;
      const uint8_t c = buf_[*next_++];
      if (c == '}') {
        keys_.link(chain, first);
        return dict.release();
      }
      if (c != ',') return nullptr;
    }
  }

  // The object key at `pos` (a '"'), unescaped if need be (into scratch_, valid until the next
  // unescape), and the index of the field it names: node.fields.size() if none. Keys arriving
  // in schema order match `hint` with one compare.
  bool read_field(const Node& node, uint32_t pos, size_t hint, std::string_view& key,
                  size_t& index) {
    const Span span = scan(pos);
    const uint8_t* data = span.data;
    size_t len = span.len;
    if (span.escaped) [[unlikely]] {
      const ptrdiff_t n = unescape(pos);
      if (n < 0) return false;
      data = scratch_;
      len = size_t(n);
    }
    key = std::string_view(reinterpret_cast<const char*>(data), len);
    const std::vector<Field>& fields = node.fields;
    if (hint < fields.size() && fields[hint].name.size() == len &&
        bytes::equal(reinterpret_cast<const uint8_t*>(fields[hint].name.data()), data, len))
        [[likely]] {
      index = hint;
      return true;
    }
    index = find_field(fields, key);
    return true;
  }

  [[gnu::noinline]] static size_t find_field(const std::vector<Field>& fields,
                                             std::string_view key) noexcept {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].name == key) return i;
    }
    return fields.size();
  }

  // An object key the schema does not name: an error, or with ignore_unknown its value is read
  // (it must be valid JSON) and dropped. False when decoding stops.
  [[gnu::noinline]] bool unknown_field(std::string_view key, uint32_t pos, size_t depth) {
    if (!options_.ignore_unknown) {
      problem_ = Problem::kUnknown;
      offset_ = pos;
      name_.assign(key);
      return false;
    }
    Ref ignored = Ref::steal(value(depth));
    return bool(ignored);
  }

  // Which fields an object had, and in what order they came.
  struct Members {
    uint32_t present = 0;   // distinct fields
    uint32_t required = 0;  // distinct required fields
    // True while the fields came exactly in schema order from the first (each once): then the
    // arrival order is 0..present-1 and `order` stays empty. Otherwise `order` lists the fields
    // in the order they first came.
    bool in_order = true;
    std::vector<uint32_t> order;
  };

  // Reads an object's members (after its '{') into slots: pending_[base + field index] holds
  // each field's value (a repeated key replaces the earlier value, as json.loads does).
  // False when decoding stops.
  bool read_members(const Node& node, size_t base, size_t depth, Members& m) {
    const std::vector<Field>& fields = node.fields;
    SeenFields seen(fields.size());
    size_t hint = 0;
    if (buf_[*next_] == '}') {
      ++next_;  // {}: no members, yet required fields are still missing
    } else {
      for (;;) {
        const uint32_t key_pos = *next_++;
        if (buf_[key_pos] != '"') return false;
        std::string_view key;
        size_t index;
        if (!read_field(node, key_pos, hint, key, index)) return false;
        if (buf_[*next_++] != ':') return false;
        if (index == fields.size()) [[unlikely]] {
          if (!unknown_field(key, key_pos, depth)) return false;
        } else {
          const Field& field = fields[index];
          PyObject* item = decode(field.node, depth);
          if (!item) {
            fail_at_key(field.name);
            return false;
          }
          PyObject*& slot = pending_[base + index];
          Py_XSETREF(slot, item);
          if (index != hint || !m.in_order) [[unlikely]] {
            if (!note_order(m, index, hint, seen.has(index))) return false;
          }
          if (!seen.mark(index)) {
            ++m.present;
            m.required += field.required;
          }
          hint = index + 1;
        }
        const uint8_t c = buf_[*next_++];
        if (c == '}') break;
        if (c != ',') return false;
      }
    }
    if (m.required != node.required_count) [[unlikely]] {
      missing_field(node, seen);
      return false;
    }
    return true;
  }

  [[gnu::noinline]] bool note_order(Members& m, size_t index, size_t hint, bool repeated) {
    try {
      if (m.in_order) {
        m.in_order = false;
        for (uint32_t i = 0; i < hint; ++i) m.order.push_back(i);
      }
      if (!repeated) m.order.push_back(uint32_t(index));
    } catch (const std::bad_alloc&) {
      PyErr_NoMemory();
      return false;
    }
    return true;
  }

  // Makes room for an object's field slots on pending_; false with MemoryError set.
  bool reserve_slots(size_t base, size_t n) {
    try {
      pending_.resize(base + n, nullptr);
      return true;
    } catch (const std::bad_alloc&) {
      PyErr_NoMemory();
      return false;
    }
  }

  PyObject* decode_object(const Node& node, uint32_t pos, size_t depth) {
    if (depth > kMaxDepth) return nullptr;
    const size_t base = pending_.size();
    const size_t n = node.fields.size();
    if (!reserve_slots(base, n)) return nullptr;
    Members m;
    if (!read_members(node, base, depth, m)) return missing_at(pos);
    const DictTemplate& tmpl = plan_of(node).dict_template;
    if (m.in_order && m.present == n && tmpl.usable()) [[likely]] {
      // Every field, in schema order (the common case): the template's clone.
      PyObject* dict = tmpl.make(pending_.data() + base);
      if (dict) pending_.resize(base);  // the values went into the dict
      return dict;
    }
    PyObject* dict = build_dict(node, base, m);
    drop_pending(base);
    return dict;
  }

  // The dict in the order the keys came (a repeated key where it first came), as json.loads.
  [[gnu::noinline]] PyObject* build_dict(const Node& node, size_t base, const Members& m) {
    Ref dict = Ref::steal(PyDict_New());
    if (!dict) return nullptr;
    const size_t count = m.in_order ? m.present : m.order.size();
    for (size_t k = 0; k < count; ++k) {
      const size_t i = m.in_order ? k : m.order[k];
      if (PyDict_SetItem(dict.get(), node.fields[i].key.get(), pending_[base + i]) < 0)
        return nullptr;
    }
    return dict.release();
  }

  // Dataclasses are made by calling the class with the fields present as keyword arguments,
  // so defaults, default factories and __post_init__ apply as in Python code.
  PyObject* decode_dataclass(const Node& node, uint32_t pos, size_t depth) {
    if (depth > kMaxDepth) return nullptr;
    const size_t base = pending_.size();
    if (!reserve_slots(base, node.fields.size())) return nullptr;
    Members m;
    if (!read_members(node, base, depth, m)) return missing_at(pos);
    return construct(node, base);
  }

  // A missing field is found at the object's end; its offset is the object's start.
  [[gnu::cold, gnu::noinline]] PyObject* missing_at(uint32_t pos) {
    if (problem_ == Problem::kMissing) offset_ = pos;
    return nullptr;
  }

  const DecodePlan::NodePlan& plan_of(const Node& node) const noexcept {
    return plan_[size_t(&node - nodes_.data())];
  }

  PyObject* construct(const Node& node, size_t base) {
    const size_t n = node.fields.size();
    std::vector<PyObject*> args;
    Ref kwnames;
    try {
      args.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        if (pending_[base + i]) args.push_back(pending_[base + i]);
      }
    } catch (const std::bad_alloc&) {
      PyErr_NoMemory();
      return nullptr;
    }
    const DecodePlan::NodePlan& plan = plan_of(node);
    if (args.size() == n) {
      kwnames = Ref::borrow(plan.all_kwnames.get());
    } else {
      kwnames = Ref::steal(PyTuple_New(Py_ssize_t(args.size())));
      if (!kwnames) return nullptr;
      Py_ssize_t k = 0;
      for (size_t i = 0; i < n; ++i) {
        if (pending_[base + i])
          PyTuple_SET_ITEM(kwnames.get(), k++, Py_NewRef(node.fields[i].key.get()));
      }
    }
    PyObject* obj = PyObject_Vectorcall(node.cls.get(), args.data(), 0, kwnames.get());
    drop_pending(base);
    return obj;
  }

  // The JSON kind of the token at `pos`, 0 if it starts no value. Numbers are floats when
  // they have a fraction or an exponent.
  uint8_t kind_of(uint32_t pos) const noexcept {
    switch (buf_[pos]) {
      case '"':
        return kJsonStr;
      case '{':
        return kJsonObject;
      case '[':
        return kJsonArray;
      case 't':
      case 'f':
        return kJsonBool;
      case 'n':
        return kJsonNull;
      default:
        break;
    }
    const uint8_t* s = buf_ + pos;
    size_t i = s[0] == '-' ? 1 : 0;
    if (!is_digit(s[i])) return 0;
    while (is_digit(s[i])) ++i;
    return (s[i] == '.' || s[i] == 'e' || s[i] == 'E') ? kJsonFloat : kJsonInt;
  }

  // Alternatives are chosen by the token's kind; when several take it, each is tried in order
  // (the first that decodes wins, as dumps writes with the first that matches).
  PyObject* decode_union(NodeId id, uint32_t pos, size_t depth) {
    const NodeId other = plan_[id].non_null;
    if (other != kNoNode) {  // T | None: null, or else T decides
      --next_;
      if (buf_[pos] == 'n') return decode_node(plan_[id].null_node, depth);
      PyObject* value = decode(other, depth);
      // A token of a kind T does not take: the union's kinds are what was expected.
      if (!value && problem_ == Problem::kType && offset_ == pos) {
        expected_ = plan_[id].accepts;
        expected_text_ = plan_[id].expected.c_str();
      }
      return value;
    }
    const uint8_t kind = kind_of(pos);
    if (kind == 0) return nullptr;
    --next_;  // each alternative reads the token again
    // Inside another union's trial this token may be decoded again, once per alternative of
    // each enclosing union: exponential in the nesting of such unions (a recursive A | B of
    // objects told apart by their last key). The outcome at (union, token) is always the
    // same, so it is remembered for the duration of the outermost trial.
    const uint64_t key = (uint64_t(id) << 32) | pos;
    if (trials_ > 0) {
      if (auto it = memo_.find(key); it != memo_.end()) return replay(it->second);
    }
    ++trials_;
    PyObject* value = try_alternatives(id, pos, depth, kind);
    --trials_;
    if (trials_ > 0 && (value || (problem_ != Problem::kNone && !PyErr_Occurred()))) {
      remember(key, value);
    } else if (trials_ == 0 && !memo_.empty()) {
      forget_all();
    }
    return value;
  }

  PyObject* try_alternatives(NodeId id, uint32_t pos, size_t depth, uint8_t kind) {
    const Node& node = nodes_[id];
    const uint32_t* const start = next_;
    const size_t base = pending_.size();
    NodeId last = 0;
    size_t candidates = 0;
    for (NodeId alt : node.children) {
      if (plan_[alt].accepts & kind) {
        last = alt;
        ++candidates;
      }
    }
    if (candidates == 0) {
      ++next_;
      return type_mismatch(id, pos);
    }
    for (NodeId alt : node.children) {
      if (!(plan_[alt].accepts & kind)) continue;
      if (alt == last) return decode(alt, depth);
      PyObject* value = decode(alt, depth);
      if (value || PyErr_Occurred() || problem_ == Problem::kNone) return value;
      // This alternative does not match: forget it and try the next from the same token.
      problem_ = Problem::kNone;
      path_ = JsonPath();
      value_ = Ref();
      next_ = start;
      drop_pending(base);
    }
    return nullptr;  // unreachable: the last candidate returned
  }

  // A union's outcome at one token: its value and where it ended, or its mismatch.
  struct Outcome {
    Ref value;
    const uint32_t* end = nullptr;
    Problem problem = Problem::kNone;
    uint8_t expected = 0, got = 0;
    const char* expected_text = nullptr;
    size_t want_length = 0, got_length = 0;
    std::string name;
    Ref bad_value;
    uint32_t offset = 0;
    JsonPath path;
  };

  [[gnu::noinline]] void remember(uint64_t key, PyObject* value) noexcept {
    try {
      Outcome o;
      if (value) {
        o.value = Ref::borrow(value);
        o.end = next_;
      } else {
        o.problem = problem_;
        o.expected = expected_;
        o.expected_text = expected_text_;
        o.got = got_;
        o.want_length = want_length_;
        o.got_length = got_length_;
        o.name = name_;
        o.bad_value = Ref::borrow(value_.get());
        o.offset = offset_;
        o.path = path_;
      }
      memo_.emplace(key, std::move(o));
    } catch (const std::bad_alloc&) {
      // Only the shortcut is lost.
    }
  }

  [[gnu::noinline]] PyObject* replay(const Outcome& o) {
    if (o.value) {
      next_ = o.end;
      return Py_NewRef(o.value.get());
    }
    problem_ = o.problem;
    expected_ = o.expected;
    expected_text_ = o.expected_text;
    got_ = o.got;
    want_length_ = o.want_length;
    got_length_ = o.got_length;
    name_ = o.name;
    value_ = Ref::borrow(o.bad_value.get());
    offset_ = o.offset;
    path_ = o.path;
    return nullptr;
  }

  [[gnu::noinline]] void forget_all() noexcept { memo_.clear(); }

  // Literal and Enum: the token's value, then the member equal to it (same exact type).
  PyObject* decode_choice(NodeId id, uint32_t pos) {
    const uint8_t kind = kind_of(pos);
    if (!(plan_[id].accepts & kind)) return type_mismatch(id, pos);
    Ref value = Ref::steal(scalar(pos));
    if (!value) return nullptr;
    const Node& node = nodes_[id];
    if (node.kind == Kind::kEnum) {
      PyObject* member = PyDict_GetItemWithError(plan_[id].members.get(), value.get());
      if (member) return Py_NewRef(member);
      if (PyErr_Occurred()) return nullptr;
    } else {
      for (const Ref& literal : node.literals) {
        PyObject* lit = literal.get();
        if (Py_TYPE(lit) != Py_TYPE(value.get())) continue;
        if (lit == value.get()) return Py_NewRef(lit);  // True, False, None, small ints
        const int eq = PyObject_RichCompareBool(lit, value.get(), Py_EQ);
        if (eq < 0) return nullptr;
        if (eq) return Py_NewRef(lit);
      }
    }
    problem_ = Problem::kValue;
    offset_ = pos;
    value_ = std::move(value);
    return nullptr;
  }

  // The scalar at `pos` as the generic path builds it; nullptr without an error if malformed.
  PyObject* scalar(uint32_t pos) {
    switch (buf_[pos]) {
      case '"':
        return string(pos);
      case 't':
        return literal(pos, "true", 4, Py_True);
      case 'f':
        return literal(pos, "false", 5, Py_False);
      case 'n':
        return literal(pos, "null", 4, Py_None);
      default:
        return number(pos);
    }
  }

  PyObject* take_tuple(size_t base) {
    const size_t n = pending_.size() - base;
    PyObject* tuple = PyTuple_New(Py_ssize_t(n));
    if (!tuple) return nullptr;
    std::memcpy(reinterpret_cast<PyTupleObject*>(tuple)->ob_item, pending_.data() + base,
                n * sizeof(PyObject*));
    pending_.resize(base);
    return tuple;
  }

  void drop_pending(size_t base) noexcept {
    for (size_t i = base; i < pending_.size(); ++i) Py_XDECREF(pending_[i]);
    pending_.resize(base);
  }

  // --- mismatches: recorded as data; the message is built once, in raise() ---

  // The token at `pos` is of a kind node `id` does not take. A malformed token is a syntax
  // error instead (nullptr, nothing recorded): it is checked by reading it.
  [[gnu::cold, gnu::noinline]] PyObject* type_mismatch(NodeId id, uint32_t pos) {
    const uint8_t kind = kind_of(pos);
    if (kind == 0) return nullptr;
    if (!(kind & (kJsonArray | kJsonObject))) {
      Ref value = Ref::steal(scalar(pos));
      if (!value) return nullptr;
    }
    problem_ = Problem::kType;
    expected_ = plan_[id].accepts;
    expected_text_ = plan_[id].expected.c_str();
    got_ = kind;
    offset_ = pos;
    return nullptr;
  }

  // A string of the right JSON kind whose text is no valid value (a bad datetime or UUID).
  [[gnu::cold, gnu::noinline]] PyObject* invalid_value(uint32_t pos, const char* message) {
    problem_ = Problem::kInvalid;
    name_ = message;
    offset_ = pos;
    return nullptr;
  }

  [[gnu::cold, gnu::noinline]] void unhashable(uint32_t pos, PyObject* item) {
    problem_ = Problem::kInvalid;
    name_ = std::string("Unhashable set item of type `") + Py_TYPE(item)->tp_name + "`";
    offset_ = pos;
  }

  [[gnu::cold, gnu::noinline]] PyObject* length_mismatch(size_t want, size_t got, uint32_t pos) {
    problem_ = Problem::kLength;
    want_length_ = want;
    got_length_ = got;
    offset_ = pos;
    return nullptr;
  }

  [[gnu::cold, gnu::noinline]] void missing_field(const Node& node, const SeenFields& seen) {
    for (size_t i = 0; i < node.fields.size(); ++i) {
      if (node.fields[i].required && !seen.has(i)) {
        problem_ = Problem::kMissing;
        name_ = node.fields[i].name;
        return;
      }
    }
  }

  // A failure inside item `index` of an array: adds the index to a mismatch's path.
  [[gnu::cold, gnu::noinline]] PyObject* fail_at(Py_ssize_t index) {
    if (problem_ != Problem::kNone) path_.push_index(index);
    return nullptr;
  }
  [[gnu::cold, gnu::noinline]] PyObject* fail_at_key(std::string_view key) {
    if (problem_ != Problem::kNone) path_.push_key(key);
    return nullptr;
  }
  [[gnu::cold, gnu::noinline]] PyObject* fail_at_key(PyObject* key) {
    if (problem_ == Problem::kNone) return nullptr;
    Py_ssize_t n;
    const char* utf8 = PyUnicode_AsUTF8AndSize(key, &n);  // keys made here are valid UTF-8
    if (utf8 == nullptr) return nullptr;
    path_.push_key(std::string_view(utf8, size_t(n)));
    return nullptr;
  }

  std::string message() const;

  const std::vector<Node>& nodes_;
  const std::vector<DecodePlan::NodePlan>& plan_;
  const DecodeOptions& options_;

  Problem problem_ = Problem::kNone;
  uint8_t expected_ = 0, got_ = 0;           // kType
  const char* expected_text_ = nullptr;      // kType: the plan's `expected`, or "" (use the mask)
  size_t want_length_ = 0, got_length_ = 0;  // kLength
  std::string name_;                         // kMissing, kUnknown: the field; kInvalid: message
  Ref value_;                                // kValue: the value no member equals
  uint32_t offset_ = 0;                      // where: the byte offset of the token
  JsonPath path_;

  size_t trials_ = 0;                           // unions trying alternatives, outermost included
  std::unordered_map<uint64_t, Outcome> memo_;  // (union, token) -> outcome, during trials
};

std::string TypedStage2::message() const {
  std::string out;
  switch (problem_) {
    case Problem::kType:
      out = "Expected `" +
            (expected_text_ && *expected_text_ ? std::string(expected_text_)
                                               : describe_kinds(expected_)) +
            "`, got `" + describe_kinds(got_) + "`";
      break;
    case Problem::kLength:
      out = "Expected `array` of length " + std::to_string(want_length_) + ", got " +
            std::to_string(got_length_);
      break;
    case Problem::kMissing:
      out = "Object missing required field `" + name_ + "`";
      break;
    case Problem::kUnknown:
      out = "Object contains unknown field `" + name_ + "`";
      break;
    case Problem::kInvalid:
      out = name_;
      break;
    case Problem::kValue: {
      out = "Invalid enum value ";
      Ref text = Ref::steal(PyObject_Repr(value_.get()));
      Py_ssize_t n = 0;
      const char* data = text ? PyUnicode_AsUTF8AndSize(text.get(), &n) : nullptr;
      if (data == nullptr) {
        PyErr_Clear();
        out += "?";
      } else {
        out.append(data, size_t(n));
      }
      break;
    }
    case Problem::kNone:
      break;
  }
  out += " - at `" + path_.render() + "`";
  return out;
}

void TypedStage2::raise(const Input& input) noexcept {
  std::string text;
  try {
    text = message();
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
    return;
  }
  Ref doc = input.document();
  if (!doc) return;
  py::raise_validation_error(text, doc.get(), input.code_point_index(offset_));
}

// The kinds each node takes, unions last (their alternatives first; cycles of unions alone
// are rejected when the IR is built, so the recursion ends).
uint8_t accepts_of(const schema::Schema& schema, std::vector<DecodePlan::NodePlan>& plans,
                   NodeId id) {
  const Node& node = schema.nodes[id];
  if (node.kind != Kind::kUnion) return plans[id].accepts;
  uint8_t mask = 0;
  for (NodeId alt : node.children) mask |= accepts_of(schema, plans, alt);
  return mask;
}

bool build_enum(const Node& node, DecodePlan::NodePlan& plan) {
  plan.members = Ref::steal(PyDict_New());
  Ref members = Ref::steal(PyObject_GetIter(node.cls.get()));
  if (!plan.members || !members) return false;
  while (Ref member = Ref::steal(PyIter_Next(members.get()))) {
    Ref value = Ref::steal(PyObject_GetAttrString(member.get(), "value"));
    if (!value) return false;
    // Only values JSON scalars decode to exactly: str, and int that is not bool.
    uint8_t kind = PyUnicode_CheckExact(value.get()) ? kJsonStr
                   : PyLong_CheckExact(value.get())  ? kJsonInt
                                                     : 0;
    if (kind == 0) continue;
    PyObject* existing = PyDict_SetDefault(plan.members.get(), value.get(), member.get());
    if (existing == nullptr) return false;
    plan.accepts |= kind;
  }
  return !PyErr_Occurred();
}

bool build_instance(const Node& node, DecodePlan::NodePlan& plan, bool& runs_python) {
  plan.instance = instance_kind(node.cls.get());
  if (plan.instance == InstanceKind::kNone) {
    if (!PyErr_Occurred())
      PyErr_Format(PyExc_TypeError, "typed decoding cannot make %R", node.cls.get());
    return false;
  }
  plan.accepts =
      plan.instance == InstanceKind::kDecimal ? kJsonStr | kJsonInt | kJsonFloat : kJsonStr;
  plan.expected = instance_name(plan.instance);
  // UUID's __hash__ (set items) and subclasses' constructors are Python code: the collector
  // stays on for them.
  const bool builtin_type =
      PyType_Check(node.cls.get()) &&
      !(reinterpret_cast<PyTypeObject*>(node.cls.get())->tp_flags & Py_TPFLAGS_HEAPTYPE);
  runs_python |= plan.instance == InstanceKind::kUuid || !builtin_type;
  return true;
}

// A union with instance alternatives names them ("datetime | null"): their JSON kinds alone
// ("str | null") would not say what was expected. Other unions: "" (the mask says it).
std::string union_expected(const schema::Schema& schema,
                           const std::vector<DecodePlan::NodePlan>& plans, NodeId id) {
  std::string out;
  uint8_t rest = 0;
  for (NodeId alt : schema.nodes[id].children) {
    if (schema.nodes[alt].kind == Kind::kInstance) {
      if (!out.empty()) out += " | ";
      out += plans[alt].expected;
    } else {
      rest |= plans[alt].accepts;
    }
  }
  if (out.empty() || rest == 0) return out;
  return out + " | " + describe_kinds(rest);
}

}  // namespace

std::string describe_kinds(uint8_t mask) {
  if (mask & kJsonFloat) mask &= uint8_t(~kJsonInt);
  static constexpr std::pair<uint8_t, const char*> kNames[] = {
      {kJsonObject, "object"}, {kJsonArray, "array"}, {kJsonStr, "str"},   {kJsonInt, "int"},
      {kJsonFloat, "float"},   {kJsonBool, "bool"},   {kJsonNull, "null"},
  };
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(mask & bit)) continue;
    if (!out.empty()) out += " | ";
    out += name;
  }
  return out;
}

std::unique_ptr<DecodePlan> DecodePlan::build(const schema::Schema& schema) noexcept {
  std::unique_ptr<DecodePlan> plan(new (std::nothrow) DecodePlan());
  if (!plan) {
    PyErr_NoMemory();
    return nullptr;
  }
  try {
    plan->nodes.resize(schema.nodes.size());
    for (size_t i = 0; i < schema.nodes.size(); ++i) {
      const Node& node = schema.nodes[i];
      NodePlan& p = plan->nodes[i];
      switch (node.kind) {
        case Kind::kAny:
          p.accepts = kJsonAll;
          break;
        case Kind::kNull:
          p.accepts = kJsonNull;
          break;
        case Kind::kBool:
          p.accepts = kJsonBool;
          break;
        case Kind::kInt:
          p.accepts = kJsonInt;
          break;
        case Kind::kFloat:
          p.accepts = kJsonInt | kJsonFloat;
          break;
        case Kind::kStr:
          p.accepts = kJsonStr;
          break;
        case Kind::kList:
        case Kind::kTuple:
        case Kind::kSet:
          p.accepts = kJsonArray;
          break;
        case Kind::kDict:
          p.accepts = kJsonObject;
          break;
        case Kind::kObject:
        case Kind::kDataclass: {
          p.accepts = kJsonObject;
          plan->runs_python |= node.kind == Kind::kDataclass;
          p.all_kwnames = Ref::steal(PyTuple_New(Py_ssize_t(node.fields.size())));
          if (!p.all_kwnames) return nullptr;
          for (size_t f = 0; f < node.fields.size(); ++f) {
            PyTuple_SET_ITEM(p.all_kwnames.get(), Py_ssize_t(f),
                             Py_NewRef(node.fields[f].key.get()));
          }
          if (node.kind == Kind::kObject &&
              !p.dict_template.init(&PyTuple_GET_ITEM(p.all_kwnames.get(), 0),
                                    node.fields.size())) {
            return nullptr;
          }
          break;
        }
        case Kind::kLiteral:
          for (const Ref& literal : node.literals) {
            PyObject* v = literal.get();
            p.accepts |= v == Py_None           ? kJsonNull
                         : PyBool_Check(v)      ? kJsonBool
                         : PyLong_CheckExact(v) ? kJsonInt
                                                : kJsonStr;
          }
          break;
        case Kind::kEnum:
          if (!build_enum(node, p)) return nullptr;
          break;
        case Kind::kInstance:
          if (!build_instance(node, p, plan->runs_python)) return nullptr;
          break;
        case Kind::kUnion:
          if (node.children.size() == 2) {
            for (size_t k = 0; k < 2; ++k) {
              const NodeId a = node.children[k], b = node.children[1 - k];
              if (schema.nodes[a].kind == Kind::kNull && schema.nodes[b].kind != Kind::kNull &&
                  schema.nodes[b].kind != Kind::kAny) {
                p.null_node = a;
                p.non_null = b;
              }
            }
          }
          break;
      }
    }
    for (NodeId i = 0; i < schema.nodes.size(); ++i) {
      if (schema.nodes[i].kind == Kind::kUnion) {
        plan->nodes[i].accepts = accepts_of(schema, plan->nodes, i);
        plan->nodes[i].expected = union_expected(schema, plan->nodes, i);
      }
    }
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
    return nullptr;
  }
  return plan;
}

int DecodePlan::traverse(visitproc visit, void* arg) const noexcept {
  for (const NodePlan& p : nodes) {
    Py_VISIT(p.members.get());
    Py_VISIT(p.all_kwnames.get());
    Py_VISIT(p.dict_template.object());
  }
  return 0;
}

PyObject* typed_loads(const schema::Schema& schema, const DecodePlan& plan, PyObject* data,
                      const DecodeOptions& options) noexcept {
  Input input;
  if (!input.open(data)) return nullptr;
  PyObject* value = nullptr;
  TypedResult result = TypedResult::kSyntax;
  const Indexed indexed =
      with_structural_index(input, [&](ParserState& state, const uint8_t* buf, size_t n) {
        // As in loads (decoder.cpp): the collector is paused while no Python code can run,
        // which is the case unless the schema makes dataclasses (their __init__ runs).
        const bool pause_gc = !plan.runs_python;
        const bool gc_was_enabled = pause_gc && PyGC_Disable();
        TypedStage2 walk(state, buf, n, schema, plan, options);
        result = walk.run(schema.root, &value);
        if (gc_was_enabled) PyGC_Enable();
        if (result == TypedResult::kMismatch) walk.raise(input);
      });
  if (indexed == Indexed::kNoMemory) return nullptr;
  switch (result) {
    case TypedResult::kValue:
      return value;
    case TypedResult::kPyError:
    case TypedResult::kMismatch:
      return nullptr;
    case TypedResult::kSyntax:
      break;
  }
  // Malformed JSON: the exact path says where, as fastjson.loads does. It accepts a document
  // only where the fast path cannot go (past simdjson's 4 GiB limit).
  value = loads_exact(input);
  if (value == nullptr) return nullptr;
  Py_DECREF(value);
  PyErr_SetString(PyExc_ValueError, "typed decoding is limited to documents of up to 4 GiB");
  return nullptr;
}

}  // namespace fastjson::decode
