// The generic recursive encoder's state and hot paths, internal to the runtime. fastjson.dumps runs
// it alone (encoder.cpp); the schema interpreter (schema_encoder) embeds one and shares its writer,
// depth count, path and fault, so `any` nodes and literal/enum values are written by exactly this
// code and their errors read exactly like dumps' own.
// Type dispatch happens in one place (GenericEncoder::encode) by exact ob_type pointer for the
// common types; subclasses, default= and errors go through cold paths in encoder.cpp.
#pragma once
#include <Python.h>

#include <cmath>
#include <string>

#include "runtime/encoder.h"
#include "runtime/escape.h"
#include "runtime/format_float.h"
#include "runtime/format_int.h"
#include "runtime/json_path.h"
#include "runtime/py_ref.h"
#include "runtime/writer.h"

namespace fastjson::encode {

// Nesting limit for containers and default= calls. Python's own json stops near 1000 (the
// recursion limit), so everything stdlib can encode fits; 1024 frames of this encoder use well
// under 1 MB of C stack, safe on any thread.
inline constexpr int kMaxDepth = 1024;

enum class Fault {
  kNone,
  kUnsupported,      // no default=, or default raised
  kOutOfRangeFloat,  // NaN / ±Infinity
  kBadKey,           // dict key of a type JSON keys cannot come from
  kCircular,
  kTooDeep,
  kSurrogate,  // str that cannot be encoded to UTF-8
  kIntDigits,  // int beyond sys.get_int_max_str_digits()
  kSchema,     // a value that does not match a compiled schema; detail_ is the message
  kValue,      // a value of a supported type that cannot be written; detail_ is the message
  kPython,     // MemoryError and the like: re-raised unchanged
};

// What the rare-type dispatch (encode_rare.cpp) did with a value.
enum class Rare { kNotRare, kWritten, kFailed };

class GenericEncoder {
 public:
  explicit GenericEncoder(const Options& options) noexcept : options_(options) {}
  GenericEncoder(const GenericEncoder&) = delete;
  GenericEncoder& operator=(const GenericEncoder&) = delete;

  // Any supported value; the dispatch (by exact ob_type, in one place) lives in encoder.cpp so
  // that it is compiled once, as an ordinary function: GCC neither splits hot from cold code nor
  // inlines the same way in the inline (comdat) copies a header definition would produce.
  bool encode(PyObject* obj) noexcept;

  PyObject* finish() noexcept { return writer_.finish(); }

  // Raises the Python exception for the recorded fault (cold).
  void raise() noexcept;

  // --- the pieces the schema interpreter and the JIT helper ABI build on ---

  Writer& writer() noexcept { return writer_; }
  JsonPath& path() noexcept { return path_; }
  int depth() const noexcept { return depth_; }
  Fault fault() const noexcept { return fault_; }
  const Options& options() const noexcept { return options_; }

  bool put_literal(const char* text, size_t n) noexcept {
    if (!writer_.reserve(n)) return fail_python();
    writer_.put(text, n);
    return true;
  }

  bool write_utf8(const char* data, Py_ssize_t n) noexcept {
    if (!writer_.reserve(escape::max_quoted_size(size_t(n)))) return fail_python();
    writer_.advance_to(escape::write_quoted(writer_.cursor(), data, size_t(n)));
    return true;
  }

  // str or a subclass.
  bool encode_str(PyObject* s) noexcept {
    if (PyUnicode_IS_COMPACT_ASCII(s)) {
      // The characters follow the header in place: no conversion, no call.
      const size_t n = size_t(PyUnicode_GET_LENGTH(s));
      if (!writer_.reserve(escape::max_quoted_size(n))) return fail_python();
      const char* data = reinterpret_cast<const char*>(reinterpret_cast<PyASCIIObject*>(s) + 1);
      writer_.advance_to(escape::write_quoted_inline(writer_.cursor(), data, n));
      return true;
    }
    Py_ssize_t n;
    // CPython caches this UTF-8 form inside the str, so later dumps of the same str copy it.
    const char* data = PyUnicode_AsUTF8AndSize(s, &n);
    if (data == nullptr) return fail_str_conversion(s);
    return write_utf8(data, n);
  }

  // int or a subclass (bool included: callers that must refuse bool check first).
  // always_inline (here and for encode_float) keeps the inlining GCC chose when this class had
  // internal linkage in encoder.cpp; as an inline member of a header it would call them instead.
  [[gnu::always_inline]] bool encode_int(PyObject* i) noexcept {
    if (!writer_.reserve(format::kMaxIntChars)) return fail_python();
#if PY_VERSION_HEX < 0x030C0000
    // CPython 3.11 stores |value| as 30-bit digits and the sign in ob_size: values below 2**60
    // (one or two digits) are read directly, without PyLong_AsLongLong's call and overflow checks.
    const Py_ssize_t size = Py_SIZE(i);
    if (size >= -2 && size <= 2) {
      const digit* d = reinterpret_cast<PyLongObject*>(i)->ob_digit;
      uint64_t magnitude = size == 0 ? 0 : d[0];
      if (size == 2 || size == -2) magnitude |= uint64_t(d[1]) << PyLong_SHIFT;
      char* out = writer_.cursor();
      if (size < 0) *out++ = '-';
      writer_.advance_to(format::write_u64(out, magnitude));
      return true;
    }
#endif
    return encode_big_int(i);
  }

  // float or a subclass.
  [[gnu::always_inline]] bool encode_float(PyObject* f) noexcept {
    const double v = PyFloat_AS_DOUBLE(f);
    if (!std::isfinite(v)) [[unlikely]]
      return encode_nonfinite(v, f);
    if (!writer_.reserve(format::kMaxFloatChars)) return fail_python();
    writer_.advance_to(format::write_double_repr(writer_.cursor(), v));
    return true;
  }

  // Depth bookkeeping: stack_ holds the container (or the object handed to default=, or a
  // sequence subclass being iterated) at each level, so a cycle is found only once the depth
  // limit is hit, at no cost before. `no_component` marks levels whose child sits at the same
  // JSON path (default= replacements, iterated copies).
  bool enter(PyObject* obj, bool no_component) noexcept {
    if (depth_ == kMaxDepth) [[unlikely]]
      return fail_depth(obj, no_component);
    stack_[depth_] = obj;
    no_component_[depth_] = no_component;
    ++depth_;
    return true;
  }
  void leave() noexcept { --depth_; }

  bool open(char bracket) noexcept {
    if (!writer_.reserve(1)) return fail_python();
    writer_.put(bracket);
    return true;
  }
  // Replaces the trailing ',' after the last item (if any) with the closing bracket.
  bool close(char bracket) noexcept {
    writer_.unput_if(',');
    if (!writer_.reserve(1)) return fail_python();
    writer_.put(bracket);
    leave();
    return true;
  }

  [[gnu::cold]] bool fail(Fault fault, PyObject* culprit) noexcept {
    fault_ = fault;
    culprit_type_ = culprit ? Py_TYPE(culprit)->tp_name : "";
    return false;
  }
  [[gnu::cold]] bool fail_python() noexcept { return fail(Fault::kPython, nullptr); }
  // After PyUnicode_AsUTF8AndSize(s) failed: a lone surrogate, or MemoryError passed through.
  [[gnu::cold]] bool fail_str_conversion(PyObject* s) noexcept {
    if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return fail_python();
    return fail(Fault::kSurrogate, s);
  }
  // A schema mismatch; `message` is the text before " - at <path>".
  [[gnu::cold, gnu::noinline]] bool fail_schema(std::string message) noexcept;

  [[gnu::cold, gnu::noinline]] bool fail_value(std::string message, PyObject* culprit) noexcept;

  // An object's members from a list of (key, value) pairs (sorted first under sort_keys), between
  // braces; the caller has entered the object's level and leaves it after. Used by dict
  // subclasses, sort_keys and dataclasses.
  [[gnu::cold, gnu::noinline]] bool encode_pairs(PyObject* pairs) noexcept;
  // NaN/±Infinity: null under allow_nan, else the out-of-range fault.
  [[gnu::cold, gnu::noinline]] bool encode_nonfinite(double v, PyObject* f) noexcept;

  // Records a dict key as the current frame's path component while an error unwinds.
  [[gnu::cold, gnu::noinline]] void path_push_key(PyObject* key) noexcept;

 private:
  [[gnu::noinline]] bool encode_big_int(PyObject* i) noexcept;

  [[gnu::noinline]] bool encode_dict(PyObject* dict) noexcept;
  bool encode_member(PyObject* key, PyObject* value, bool guard) noexcept;
  bool encode_sequence(PyObject* seq) noexcept;

  [[gnu::cold, gnu::noinline]] bool encode_other(PyObject* obj) noexcept;
  [[gnu::cold, gnu::noinline]] Rare encode_rare(PyObject* obj) noexcept;  // encode_rare.cpp
  [[gnu::cold, gnu::noinline]] bool encode_dict_sorted(PyObject* dict) noexcept;
  [[gnu::cold, gnu::noinline]] bool encode_dict_subclass(PyObject* dict) noexcept;
  [[gnu::cold, gnu::noinline]] bool encode_sequence_subclass(PyObject* seq) noexcept;
  [[gnu::cold, gnu::noinline]] bool encode_key(PyObject* key) noexcept;

  [[gnu::cold]] bool fail_float(double v, PyObject* f) noexcept {
    detail_ = std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
    return fail(Fault::kOutOfRangeFloat, f);
  }
  [[gnu::cold, gnu::noinline]] bool fail_depth(PyObject* obj, bool no_component) noexcept;

  Writer writer_;
  const Options& options_;
  int depth_ = 0;
  PyObject* stack_[kMaxDepth + 1];  // borrowed: each is kept alive by its parent or a guard
  bool no_component_[kMaxDepth + 1];
  Fault fault_ = Fault::kNone;
  const char* culprit_type_ = "";
  std::string detail_;
  size_t circular_components_ = 0;
  JsonPath path_;
};

}  // namespace fastjson::encode
