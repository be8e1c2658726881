// A list built from references the caller hands over, for the decoders' arrays.
#pragma once
#include <Python.h>

#include <cstddef>

namespace fastjson::decode {

// A new list holding items[0, n) and owning their references; nullptr with MemoryError set
// (the items stay the caller's then). PyList_New(n) zeroes its slots (PyMem_Calloc, a memset
// call) and the caller then copies over them (a memmove call); for short arrays, such as the
// 55,563 [lon, lat] pairs of canada.json, those calls cost more than the copy itself. Here the
// slots are allocated uninitialised and filled in a loop, and the empty list takes them over,
// exactly as if it had been created with n items (allocated == size == n, as PyList_New(n)
// leaves it). canada.json loads: 2.2% fewer instructions (callgrind, 77.4M -> 75.7M per call).
inline PyObject* list_of(PyObject* const* items, size_t n) noexcept {
  PyObject* list = PyList_New(0);
  if (!list || n == 0) return list;
  auto** slots = static_cast<PyObject**>(PyMem_Malloc(n * sizeof(PyObject*)));
  if (!slots) {
    Py_DECREF(list);
    PyErr_NoMemory();
    return nullptr;
  }
  for (size_t i = 0; i < n; ++i) slots[i] = items[i];
  auto* l = reinterpret_cast<PyListObject*>(list);
  l->ob_item = slots;
  l->allocated = Py_ssize_t(n);
  Py_SET_SIZE(l, Py_ssize_t(n));
  return list;
}

}  // namespace fastjson::decode
