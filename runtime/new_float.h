// A float object for the decoders, which make one per JSON number with a fraction or exponent.
#pragma once
#include <Python.h>

namespace fastjson::decode {

// What PyFloat_FromDouble returns, minus its call and its free-list probe (CPython 3.11 reaches
// the free list through the interpreter state: ~20 instructions per float). The object comes
// from PyObject_Malloc, as PyFloat_FromDouble's does whenever its free list is empty, so
// tracemalloc sees the allocation and float's dealloc frees it (or keeps it on the free list)
// like any other float. Other versions and debug builds (reference tracing) use the API.
inline PyObject* new_float(double v) noexcept {
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000 && !defined(Py_TRACE_REFS) && \
    !defined(Py_REF_DEBUG)
  auto* op = static_cast<PyFloatObject*>(PyObject_Malloc(sizeof(PyFloatObject)));
  if (op == nullptr) return PyErr_NoMemory();
  Py_SET_TYPE(op, &PyFloat_Type);
  Py_SET_REFCNT(op, 1);
  op->ob_fval = v;
  return reinterpret_cast<PyObject*>(op);
#else
  return PyFloat_FromDouble(v);
#endif
}

}  // namespace fastjson::decode
