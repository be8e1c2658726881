// The generic encoder: any supported Python value -> compact JSON bytes, recursively.
#pragma once
#include <Python.h>

namespace fastjson::encode {

struct Options {
  PyObject* default_fn = nullptr;  // borrowed; called for unsupported types (None = not set)
};

// Returns a new bytes object, or nullptr with fastjson.JSONEncodeError set (message names the
// offending type and its JSON path).
PyObject* dumps(PyObject* obj, const Options& options) noexcept;
// dumps without the transparent shape JIT.
PyObject* generic_dumps(PyObject* obj, const Options& options) noexcept;

}  // namespace fastjson::encode
