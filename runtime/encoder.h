// The generic encoder: any supported Python value -> compact JSON bytes, recursively.
#pragma once
#include <Python.h>

namespace fastjson::encode {

// The keyword options of dumps / dumps_str / Encoder.dumps (parsed in runtime/options.cpp). The
// defaults are the compact stdlib-equivalent output; every other setting is read off the hot path
// (per dict, per output, or in the cold paths of rare values).
struct Options {
  PyObject* default_fn = nullptr;  // borrowed; called for unsupported types (None = not set)
  int indent = -1;                 // >= 0: json.dumps(indent=n) layout, applied after encoding
  bool sort_keys = false;          // dict (and dataclass) members sorted like json's sort_keys
  bool append_newline = false;     // a '\n' after the document
  bool non_str_keys = false;       // also enum, UUID, datetime/date/time and Decimal dict keys
  bool allow_nan = false;          // NaN/±Infinity (float, numpy, Decimal number) written as null
  bool decimal_as_number = false;  // Decimal as a JSON number instead of a string
  bool sets = false;               // set/frozenset as arrays (in iteration order)
  bool as_str = false;             // return str (dumps_str) instead of bytes

  bool operator==(const Options&) const = default;
};

// Returns a new bytes object (str with options.as_str), or nullptr with fastjson.JSONEncodeError
// set (message names the offending type and its JSON path).
PyObject* dumps(PyObject* obj, const Options& options) noexcept;
// dumps without the transparent shape JIT.
PyObject* generic_dumps(PyObject* obj, const Options& options) noexcept;

}  // namespace fastjson::encode
