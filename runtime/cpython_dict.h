// Mirrors of CPython 3.11's private dict structures (Include/internal/pycore_dict.h), for the
// encoder's inlined dict walk. cpython_dict_check.cpp asserts at compile time that they match.
#pragma once
#include <Python.h>

#include <cstdint>

namespace fastjson::cpython {

#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
struct DictKeys311 {
  Py_ssize_t dk_refcnt;
  uint8_t dk_log2_size;
  uint8_t dk_log2_index_bytes;
  uint8_t dk_kind;  // 0 general (entries with hash), 1 unicode, 2 split
  uint32_t dk_version;
  Py_ssize_t dk_usable;
  Py_ssize_t dk_nentries;
  char dk_indices[];
};
struct DictEntry311 {
  Py_hash_t hash;
  PyObject* key;
  PyObject* value;
};
struct DictUnicodeEntry311 {
  PyObject* key;
  PyObject* value;
};
#endif

}  // namespace fastjson::cpython
