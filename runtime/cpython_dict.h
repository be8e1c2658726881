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

// The entries array, after the index table (DK_ENTRIES in pycore_dict.h): DictUnicodeEntry311
// for unicode tables (dk_kind != 0), DictEntry311 for general ones.
inline char* dict_entries(DictKeys311* keys) noexcept {
  return keys->dk_indices + (size_t(1) << keys->dk_log2_index_bytes);
}

// The entries of a dict whose table is combined and holds str keys only (the unicode kind: what
// json objects and most records are), with *n = dk_nentries (deleted entries included, their
// value NULL); nullptr for split tables (instance __dict__) and tables with other keys.
inline DictUnicodeEntry311* str_key_entries(PyObject* dict, Py_ssize_t* n) noexcept {
  auto* d = reinterpret_cast<PyDictObject*>(dict);
  if (d->ma_values != nullptr) return nullptr;
  auto* keys = reinterpret_cast<DictKeys311*>(d->ma_keys);
  if (keys->dk_kind != 1) return nullptr;
  *n = keys->dk_nentries;
  return reinterpret_cast<DictUnicodeEntry311*>(dict_entries(keys));
}
#endif

}  // namespace fastjson::cpython
