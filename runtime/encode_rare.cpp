// The one cold dispatch for the rarer types (see encode_types.h), tried in order of how cheaply a
// type is recognized: exact-type and C-API checks first, attribute lookups last.
#include "runtime/encode_types.h"

namespace fastjson::encode {

PyTypeObject* ImportedClass::lookup() noexcept {
  if (module_name_ == nullptr) module_name_ = PyUnicode_InternFromString(module_);
  PyObject* module = module_name_ ? PyImport_GetModule(module_name_) : nullptr;
  if (module == nullptr) {
    PyErr_Clear();  // not imported (PyImport_GetModule sets nothing then; clears a failure)
    return nullptr;
  }
  PyObject* cls = PyObject_GetAttrString(module, name_);
  Py_DECREF(module);
  if (cls == nullptr || !PyType_Check(cls)) {
    PyErr_Clear();
    Py_XDECREF(cls);
    return nullptr;
  }
  cls_ = reinterpret_cast<PyTypeObject*>(cls);
  return cls_;
}

namespace {

// Quoted text that needs no escaping (ASCII letters, digits and punctuation only).
bool put_quoted_plain(GenericEncoder& encoder, const char* text, size_t n) noexcept {
  Writer& w = encoder.writer();
  if (!w.reserve(n + 2)) return encoder.fail_python();
  w.put('"');
  w.put(text, n);
  w.put('"');
  return true;
}

inline Rare done(bool ok) noexcept { return ok ? Rare::kWritten : Rare::kFailed; }

}  // namespace

Rare GenericEncoder::encode_rare(PyObject* obj) noexcept {
  if (Py_IS_TYPE(obj, fragment_type())) return done(encode_fragment(*this, obj));
  // Exact classes first, then subclasses (see encode_types.h).
  for (const bool subclasses : {false, true}) {
    {
      char buf[kMaxTemporalChars];
      const Py_ssize_t n = temporal_text(obj, buf, subclasses);
      if (n != 0) return done(n > 0 ? put_quoted_plain(*this, buf, size_t(n)) : fail_python());
    }
    {
      char buf[kUuidChars];
      const int found = uuid_text(obj, buf, subclasses);
      if (found != 0) {
        return done(found > 0 ? put_quoted_plain(*this, buf, kUuidChars) : fail_python());
      }
    }
    if (py::Ref value = enum_value(obj, subclasses)) {
      // By value, recursively (a value of any supported type), at the member's own path; a level
      // of its own so an enum whose value contains the member is a reported cycle, not a crash.
      if (!enter(obj, true) || !encode(value.get())) return Rare::kFailed;
      leave();
      return Rare::kWritten;
    }
    if (PyErr_Occurred()) return done(fail_python());
  }
  if (is_decimal(obj)) return done(encode_decimal(*this, obj));
  if (PyAnySet_Check(obj) && options_.sets) {
    if (!enter(obj, true)) return Rare::kFailed;
    py::Ref items = py::Ref::steal(PySequence_List(obj));
    if (!items) return done(fail_python());
    if (!encode_sequence(items.get())) return Rare::kFailed;
    leave();
    return Rare::kWritten;
  }
  const Rare dataclass = encode_dataclass(*this, obj);
  if (dataclass != Rare::kNotRare) return dataclass;
  return encode_numpy(*this, obj);
}

py::Ref rare_key_text(PyObject* key) noexcept {
  if (PyUnicode_Check(key)) return py::Ref::borrow(key);
  char buf[kMaxTemporalChars];
  const Py_ssize_t n = temporal_text(key, buf);
  if (n != 0) return n > 0 ? py::Ref::steal(PyUnicode_FromStringAndSize(buf, n)) : py::Ref();
  const int found = uuid_text(key, buf);
  if (found != 0) {
    return found > 0 ? py::Ref::steal(PyUnicode_FromStringAndSize(buf, kUuidChars)) : py::Ref();
  }
  if (is_decimal(key)) return py::Ref::steal(PyObject_Str(key));
  if (py::Ref value = enum_value(key)) {
    return key_text(value.get(), true);  // the value's own key text, as if it were the key
  }
  return {};
}

}  // namespace fastjson::encode
