// The schema interpreter: writes a value as a compiled schema describes it, or fails with the
// path-named mismatch. It is the always-available path of fastjson.Encoder, and the JIT's fallback
// (fj_encode_node) and only source of error messages. It embeds the generic encoder, whose writer,
// depth count, JSON path and fault it shares, so `any` subtrees are written by dumps' own code.
#pragma once
#include <Python.h>

#include <cstdint>
#include <string>

#include "runtime/generic_encoder.h"
#include "runtime/jit_abi.h"
#include "runtime/schema.h"

namespace fastjson::encode {

class SchemaEncoder {
 public:
  // `options` (dumps' keyword options) must outlive the encoder.
  explicit SchemaEncoder(const schema::Schema& schema,
                         const Options& options = kDefaults) noexcept
      : generic_(options), schema_(schema) {}
  SchemaEncoder(const SchemaEncoder&) = delete;
  SchemaEncoder& operator=(const SchemaEncoder&) = delete;

  // Writes obj as node `id`; false with the fault recorded (raise() reports it).
  bool encode(schema::NodeId id, PyObject* obj) noexcept;

  GenericEncoder& generic() noexcept { return generic_; }
  const schema::Schema& schema() const noexcept { return schema_; }
  PyObject* finish() noexcept { return generic_.finish(); }
  // Raises fastjson.JSONEncodeError for the recorded fault (cold).
  void raise() noexcept;

 private:
  static constexpr Options kDefaults{};

  enum class Mismatch : uint8_t {
    kNone,
    kType,           // expected <node>, got <type name>
    kValue,          // expected <node>, got <repr>: literals and enums
    kLength,         // expected tuple[...], got <type> of length n
    kKeyType,        // expected str key, got <type>
    kMissingKey,     // missing required key "k"
    kUnexpectedKey,  // unexpected key "k"
    kMissingAttribute,
  };

  // Scalars inline (the hot case inside objects and lists), everything else by call.
  [[gnu::always_inline]] inline bool encode_value(schema::NodeId id, PyObject* obj) noexcept;
  [[gnu::noinline]] bool encode_other(schema::NodeId id, PyObject* obj) noexcept;

  [[gnu::noinline]] bool encode_items(schema::NodeId id, PyObject* seq) noexcept;
  [[gnu::noinline]] bool encode_tuple(schema::NodeId id, PyObject* seq) noexcept;
  [[gnu::noinline]] bool encode_dict(const schema::Node& node, PyObject* dict) noexcept;
  [[gnu::noinline]] bool encode_object(const schema::Node& node, PyObject* dict) noexcept;
  [[gnu::noinline]] bool encode_dataclass(const schema::Node& node, PyObject* obj) noexcept;
  [[gnu::noinline]] bool encode_union(schema::NodeId id, PyObject* obj) noexcept;
  [[gnu::noinline]] bool encode_enum(PyObject* obj) noexcept;
  [[gnu::cold, gnu::noinline]] bool encode_set(schema::NodeId id, PyObject* set) noexcept;
  [[gnu::cold, gnu::noinline]] bool encode_sequence_subclass(schema::NodeId id,
                                                             PyObject* seq) noexcept;
  [[gnu::cold, gnu::noinline]] bool encode_mapping_subclass(schema::NodeId id,
                                                            PyObject* dict) noexcept;

  bool encode_entry(schema::NodeId value_node, PyObject* key, PyObject* value) noexcept;
  // Object members against a set of the fields seen so far (a bit mask up to 64 fields).
  template <class Seen>
  bool encode_object_with(const schema::Node& node, PyObject* dict) noexcept;
  template <class Seen>
  bool encode_field(const schema::Node& node, Seen& seen, size_t& hint, PyObject* key,
                    PyObject* value, bool guard) noexcept;
  template <class Seen>
  bool check_required(const schema::Node& node, const Seen& seen) noexcept;
  [[gnu::noinline]] const schema::Field* find_field(const schema::Node& node,
                                                    PyObject* key) noexcept;

  [[gnu::always_inline]] inline bool matches(schema::NodeId id, PyObject* obj) const noexcept;
  [[gnu::noinline]] bool matches_any(const schema::Node& node, PyObject* obj) const noexcept;

  [[gnu::cold, gnu::noinline]] bool mismatch(Mismatch kind, schema::NodeId id, PyObject* value,
                                             const schema::Field* field = nullptr) noexcept;
  [[gnu::cold, gnu::noinline]] bool mismatch_value(schema::NodeId id, PyObject* value) noexcept;
  std::string mismatch_message();

  GenericEncoder generic_;
  const schema::Schema& schema_;
  // The mismatch, kept as data until raise(): building its message may run repr(), which must not
  // run while the recursion unwinds over borrowed references.
  Mismatch mismatch_ = Mismatch::kNone;
  schema::NodeId mismatch_node_ = 0;
  const schema::Field* mismatch_field_ = nullptr;
  Py_ssize_t mismatch_length_ = 0;
  py::Ref mismatch_value_;
};

}  // namespace fastjson::encode

// The C ABI's opaque call state (runtime/jit_abi.h) is the interpreter itself.
struct fj_ctx : fastjson::encode::SchemaEncoder {
  using SchemaEncoder::SchemaEncoder;
};
