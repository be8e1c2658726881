// The cold parts of the emitted guards: key matching by PyDict_Next when a dict's table cannot be
// read in place, and making non-ASCII strs' UTF-8 ready before a guard is retried.
#include "jit/host_helpers.h"

extern "C" {

alignas(64) const unsigned char fj_jit_blank[64] = {};

int fj_jit_key_equals(PyObject* key, PyObject* expected) noexcept {
  if (!PyUnicode_CheckExact(key)) return 0;
  // Dict keys and interned names have their hash cached: different hashes settle it at once.
  const Py_hash_t a = reinterpret_cast<PyASCIIObject*>(key)->hash;
  const Py_hash_t b = reinterpret_cast<PyASCIIObject*>(expected)->hash;
  if (a != -1 && b != -1 && a != b) return 0;
  return PyUnicode_Compare(key, expected) == 0 ? 1 : 0;  // exact strs: cannot fail
}

int fj_jit_object_values(PyObject* dict, PyObject* const* keys, const uint8_t* optional,
                         Py_ssize_t n, PyObject** vals) noexcept {
  for (Py_ssize_t i = 0; i < n; ++i) vals[i] = nullptr;
  Py_ssize_t pos = 0;
  Py_ssize_t next = 0;  // the field the next key should name
  PyObject *key, *value;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    for (;; ++next) {
      if (next == n) return 0;  // unknown key, or out of order
      if (key == keys[next] || fj_jit_key_equals(key, keys[next])) break;
      if (!optional[next]) return 0;  // a required field is missing here
    }
    vals[next++] = value;
  }
  for (; next < n; ++next) {
    if (!optional[next]) return 0;
  }
  return 1;
}

namespace {

bool needs_utf8(PyObject* s) noexcept {
  return PyUnicode_CheckExact(s) && !PyUnicode_IS_COMPACT_ASCII(s) &&
         reinterpret_cast<PyCompactUnicodeObject*>(s)->utf8 == nullptr;
}

// 1 converted, 0 nothing to do, -1 failed (error cleared).
int prepare(fj_ctx* ctx, PyObject* s, fj_str_utf8_fn str_utf8) noexcept {
  if (s == nullptr || !needs_utf8(s)) return 0;
  Py_ssize_t length;
  if (str_utf8(ctx, s, &length) != nullptr) return 1;
  PyErr_Clear();
  return -1;
}

}  // namespace

int fj_jit_prepare_strs(fj_ctx* ctx, PyObject* const* values, Py_ssize_t n,
                        fj_str_utf8_fn str_utf8) noexcept {
  int converted = 0;
  for (Py_ssize_t i = 0; i < n; ++i) {
    const int r = prepare(ctx, values[i], str_utf8);
    if (r < 0) return 0;
    converted |= r;
  }
  return converted;
}

int fj_jit_prepare_dict(fj_ctx* ctx, PyObject* dict, fj_str_utf8_fn str_utf8) noexcept {
  int converted = 0;
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    const int a = prepare(ctx, key, str_utf8);
    const int b = prepare(ctx, value, str_utf8);
    if (a < 0 || b < 0) return 0;
    converted |= a | b;
  }
  return converted;
}

}  // extern "C"
