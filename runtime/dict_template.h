// Dicts of one fixed key sequence, made by cloning a template: the typed decoder's objects whose
// fields all arrived in schema order. PyDict_Copy of a compact str-keyed dict copies its table
// in one block (CPython's clone_combined_dict_keys), so no key is hashed, probed or inserted and
// the table is never resized; the values are then stored into the entries, which are in
// insertion order. Against PyDict_SetItem per key (and _PyStack_AsDict, which inserts too):
// ~1450 instructions per 7-key record down to a few hundred (callgrind).
#pragma once
#include <Python.h>

#include <cstddef>

#include "runtime/cpython_dict.h"
#include "runtime/py_ref.h"

namespace fastjson::decode {

class DictTemplate {
 public:
  // `keys`: n distinct exact strs. False with a Python error set on failure; when this CPython's
  // layout is not the one mirrored in cpython_dict.h, the template is left empty (usable() is
  // false) and callers insert key by key.
  bool init(PyObject* const* keys, size_t n) noexcept {
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    py::Ref dict = py::Ref::steal(PyDict_New());
    if (!dict) return false;
    for (size_t i = 0; i < n; ++i) {
      if (PyDict_SetItem(dict.get(), keys[i], Py_None) < 0) return false;
    }
    const auto* d = reinterpret_cast<PyDictObject*>(dict.get());
    const auto* k = reinterpret_cast<const cpython::DictKeys311*>(d->ma_keys);
    if (n > 0 && d->ma_values == nullptr && k->dk_kind == 1 && k->dk_nentries == Py_ssize_t(n) &&
        d->ma_used == Py_ssize_t(n)) {
      dict_ = std::move(dict);
      size_ = n;
    }
#else
    (void)keys;
    (void)n;
#endif
    return true;
  }

  bool usable() const noexcept { return bool(dict_); }
  PyObject* object() const noexcept { return dict_.get(); }

  // A new dict whose i-th key gets values[i]. Steals every value on success; on failure
  // (MemoryError) steals none.
  PyObject* make(PyObject* const* values) const noexcept {
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    PyObject* copy = PyDict_Copy(dict_.get());
    if (copy == nullptr) return nullptr;
    auto* d = reinterpret_cast<PyDictObject*>(copy);
    auto* k = reinterpret_cast<cpython::DictKeys311*>(d->ma_keys);
    // The clone must be the block copy (same kind, same entries), or the stores below would
    // miss; anything else keeps the copy's own values and goes key by key.
    if (d->ma_values != nullptr || k->dk_kind != 1 || k->dk_nentries != Py_ssize_t(size_))
        [[unlikely]] {
      return fill_by_key(copy, values);
    }
    auto* entries = reinterpret_cast<cpython::DictUnicodeEntry311*>(cpython::dict_entries(k));
    bool track = false;
    for (size_t i = 0; i < size_; ++i) {
      Py_DECREF(entries[i].value);  // the template's None
      entries[i].value = values[i];
      track |= PyType_HasFeature(Py_TYPE(values[i]), Py_TPFLAGS_HAVE_GC) != 0;
    }
    // The template holds only strs and None, so it (and its copy) is untracked; a container
    // value needs the dict tracked, as PyDict_SetItem would have done.
    if (track && !PyObject_GC_IsTracked(copy)) PyObject_GC_Track(copy);
    return copy;
#else
    (void)values;
    return nullptr;
#endif
  }

 private:
  [[gnu::cold, gnu::noinline]] PyObject* fill_by_key(PyObject* copy,
                                                     PyObject* const* values) const noexcept {
    PyObject* key;
    PyObject* unused;
    Py_ssize_t pos = 0;
    for (size_t i = 0; i < size_ && PyDict_Next(dict_.get(), &pos, &key, &unused); ++i) {
      if (PyDict_SetItem(copy, key, values[i]) < 0) {
        Py_DECREF(copy);
        return nullptr;
      }
    }
    for (size_t i = 0; i < size_; ++i) Py_DECREF(values[i]);  // stolen
    return copy;
  }

  py::Ref dict_;
  size_t size_ = 0;
};

}  // namespace fastjson::decode
