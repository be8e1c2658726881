// The generic decoder: JSON text (parsed by simdjson) -> Python objects, strict RFC 8259.
#pragma once
#include <Python.h>

namespace fastjson::decode {

// Parses `data` (bytes, bytearray, memoryview or str). Returns a new reference, or nullptr with
// fastjson.JSONDecodeError (invalid JSON, pointing at the fault) or TypeError (wrong input type) set.
PyObject* loads(PyObject* data) noexcept;

}  // namespace fastjson::decode
