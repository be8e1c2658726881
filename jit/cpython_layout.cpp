// CPython's internal dict layout, read from internal/pycore_dict.h (hence Py_BUILD_CORE, confined
// to this file), and a probe that confirms it on a live dict of the running interpreter.
#define Py_BUILD_CORE 1
#include "jit/cpython_layout.h"

#include <Python.h>
#include <internal/pycore_dict.h>

#include <cstddef>
#include <cstring>

namespace fastjson::jit {

namespace {

static_assert(PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000,
              "the dict fast path reads CPython 3.11's dict internals");

CPythonLayout make_layout() {
  CPythonLayout l{};
  l.refcnt = offsetof(PyObject, ob_refcnt);
  l.type = offsetof(PyObject, ob_type);
  l.var_size = offsetof(PyVarObject, ob_size);
  l.list_items = offsetof(PyListObject, ob_item);
  l.tuple_items = offsetof(PyTupleObject, ob_item);
  l.long_digits = offsetof(PyLongObject, ob_digit);
  l.float_value = offsetof(PyFloatObject, ob_fval);
  l.str_length = offsetof(PyASCIIObject, length);
  l.str_state = offsetof(PyASCIIObject, state);
  l.ascii_data = sizeof(PyASCIIObject);
  l.utf8_length = offsetof(PyCompactUnicodeObject, utf8_length);
  l.utf8 = offsetof(PyCompactUnicodeObject, utf8);
  PyASCIIObject probe;
  std::memset(&probe, 0, sizeof probe);
  probe.state.compact = 1;
  probe.state.ascii = 1;
  static_assert(sizeof probe.state == sizeof l.compact_ascii_mask);
  std::memcpy(&l.compact_ascii_mask, &probe.state, sizeof l.compact_ascii_mask);
  l.dict_used = offsetof(PyDictObject, ma_used);
  l.dict_keys = offsetof(PyDictObject, ma_keys);
  l.dict_values = offsetof(PyDictObject, ma_values);
  l.keys_log2_index_bytes = offsetof(PyDictKeysObject, dk_log2_index_bytes);
  l.keys_kind = offsetof(PyDictKeysObject, dk_kind);
  l.keys_nentries = offsetof(PyDictKeysObject, dk_nentries);
  l.keys_indices = offsetof(PyDictKeysObject, dk_indices);
  l.unicode_entry_size = sizeof(PyDictUnicodeEntry);
  l.general_entry_size = sizeof(PyDictKeyEntry);
  l.general_entry_key = offsetof(PyDictKeyEntry, me_key);
  static_assert(offsetof(PyDictUnicodeEntry, me_key) == 0 &&
                    offsetof(PyDictUnicodeEntry, me_value) == sizeof(PyObject*) &&
                    offsetof(PyDictKeyEntry, me_value) ==
                        offsetof(PyDictKeyEntry, me_key) + sizeof(PyObject*),
                "the emitted code reads the value right after the key");
  l.kind_general = DICT_KEYS_GENERAL;
  l.kind_unicode = DICT_KEYS_UNICODE;
  l.long_shift = PyLong_SHIFT;
  return l;
}

// Reads entry i of a combined table the way the emitted code does.
bool entry_matches(PyObject* dict, Py_ssize_t i, PyObject* key, PyObject* value,
                   const CPythonLayout& l) {
  char* d = reinterpret_cast<char*>(dict);
  char* keys;
  std::memcpy(&keys, d + l.dict_keys, sizeof keys);
  const uint8_t kind = uint8_t(keys[l.keys_kind]);
  const int64_t base = l.keys_indices + (int64_t(1) << uint8_t(keys[l.keys_log2_index_bytes]));
  const bool unicode = kind == l.kind_unicode;
  const char* entry = keys + base + i * (unicode ? l.unicode_entry_size : l.general_entry_size) +
                      (unicode ? 0 : l.general_entry_key);
  PyObject* got[2];
  std::memcpy(got, entry, sizeof got);
  return got[0] == key && got[1] == value;
}

bool probe_dict_internals(const CPythonLayout& l) {
  // A dict with str keys only (DICT_KEYS_UNICODE entries) and one with an int key (general).
  PyObject* a = PyUnicode_InternFromString("fastjson_probe");
  PyObject* b = PyLong_FromLong(12345);
  PyObject* unicode_dict = PyDict_New();
  PyObject* general_dict = PyDict_New();
  const bool ok =
      a && b && unicode_dict && general_dict && PyDict_SetItem(unicode_dict, a, b) == 0 &&
      PyDict_SetItem(general_dict, b, a) == 0 && PyDict_SetItem(general_dict, a, b) == 0 &&
      reinterpret_cast<PyDictObject*>(unicode_dict)->ma_keys->dk_kind == DICT_KEYS_UNICODE &&
      reinterpret_cast<PyDictObject*>(general_dict)->ma_keys->dk_kind == DICT_KEYS_GENERAL &&
      entry_matches(unicode_dict, 0, a, b, l) && entry_matches(general_dict, 0, b, a, l) &&
      entry_matches(general_dict, 1, a, b, l);
  Py_XDECREF(general_dict);
  Py_XDECREF(unicode_dict);
  Py_XDECREF(b);
  Py_XDECREF(a);
  PyErr_Clear();
  return ok;
}

}  // namespace

const CPythonLayout& cpython_layout() {
  static const CPythonLayout layout = [] {
    CPythonLayout l = make_layout();
    l.dict_internals_ok = probe_dict_internals(l);
    return l;
  }();
  return layout;
}

}  // namespace fastjson::jit
