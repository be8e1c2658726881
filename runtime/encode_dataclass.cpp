// Dataclass instances (with or without __slots__) as objects: the fields of __dataclass_fields__ in
// definition order (ClassVar and InitVar pseudo-fields excluded), each read with getattr, written
// by the same member writer as dicts (so sort_keys, paths and errors behave alike). Unlike orjson,
// fields whose names start with "_" are written too: compile(dataclass) writes them, and both
// paths must give the same bytes (dataclasses.asdict keeps them as well).
#include <string>

#include "runtime/encode_types.h"

namespace fastjson::encode {

namespace {

struct DataclassNames {
  PyObject* fields = nullptr;           // "__dataclass_fields__"
  PyObject* field_type = nullptr;       // "_field_type"
  PyObject* name = nullptr;             // "name"
  PyObject* default_ = nullptr;         // "default"
  PyObject* default_factory = nullptr;  // "default_factory"
  bool ok = false;
};

const DataclassNames& names() noexcept {
  static DataclassNames n = [] {
    DataclassNames out;
    out.fields = PyUnicode_InternFromString("__dataclass_fields__");
    out.field_type = PyUnicode_InternFromString("_field_type");
    out.name = PyUnicode_InternFromString("name");
    out.default_ = PyUnicode_InternFromString("default");
    out.default_factory = PyUnicode_InternFromString("default_factory");
    out.ok = out.fields && out.field_type && out.name && out.default_ && out.default_factory;
    return out;
  }();
  return n;
}

// dataclasses._FIELD / dataclasses.MISSING (borrowed from the module, which stays imported while
// dataclass instances exist); nullptr if unavailable.
PyObject* dataclasses_attr(const char* attr) noexcept {
  PyObject* module = PyImport_GetModule(PyUnicode_InternFromString("dataclasses"));
  if (module == nullptr) {
    PyErr_Clear();
    return nullptr;
  }
  PyObject* value = PyObject_GetAttrString(module, attr);
  Py_DECREF(module);
  if (value == nullptr) PyErr_Clear();
  Py_XDECREF(value);  // kept alive by the module
  return value;
}

bool has_default(PyObject* field, PyObject* missing) noexcept {
  for (PyObject* attr : {names().default_, names().default_factory}) {
    py::Ref v = py::Ref::steal(PyObject_GetAttr(field, attr));
    if (!v) {
      PyErr_Clear();
      continue;
    }
    if (v.get() != missing) return true;
  }
  return false;
}

Rare failed(GenericEncoder& encoder) noexcept {
  encoder.fail_python();
  return Rare::kFailed;
}

}  // namespace

Rare encode_dataclass(GenericEncoder& encoder, PyObject* obj) noexcept {
  const DataclassNames& n = names();
  if (!n.ok) return failed(encoder);
  PyObject* fields = _PyType_Lookup(Py_TYPE(obj), n.fields);  // borrowed, no error set
  if (fields == nullptr || !PyDict_Check(fields)) return Rare::kNotRare;
  static PyObject* const field_marker = dataclasses_attr("_FIELD");
  static PyObject* const missing = dataclasses_attr("MISSING");
  if (!encoder.enter(obj, false)) return Rare::kFailed;
  const py::Ref fields_guard = py::Ref::borrow(fields);
  py::Ref pairs = py::Ref::steal(PyList_New(0));
  if (!pairs) return failed(encoder);
  Py_ssize_t pos = 0;
  PyObject *key, *field;
  while (PyDict_Next(fields, &pos, &key, &field)) {
    py::Ref kind = py::Ref::steal(PyObject_GetAttr(field, n.field_type));
    if (!kind) return failed(encoder);
    if (field_marker != nullptr && kind.get() != field_marker) continue;  // ClassVar, InitVar
    py::Ref name = py::Ref::steal(PyObject_GetAttr(field, n.name));
    if (!name) return failed(encoder);
    py::Ref value = py::Ref::steal(PyObject_GetAttr(obj, name.get()));
    if (!value) {
      if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
        return failed(encoder);
      }
      if (has_default(field, missing)) {  // as compile(): an unset optional field is left out
        PyErr_Clear();
        continue;
      }
      // compile()'s message for the same object; the AttributeError becomes its __cause__.
      Py_ssize_t len = 0;
      const char* text =
          PyUnicode_Check(name.get()) ? PyUnicode_AsUTF8AndSize(name.get(), &len) : nullptr;
      std::string message = "missing required attribute \"";
      message.append(text ? text : "?", text ? size_t(len) : 1);
      message += '"';
      encoder.fail_value(std::move(message), obj);
      return Rare::kFailed;
    }
    py::Ref pair = py::Ref::steal(PyTuple_Pack(2, name.get(), value.get()));
    if (!pair || PyList_Append(pairs.get(), pair.get()) < 0) {
      return failed(encoder);
    }
  }
  if (!encoder.encode_pairs(pairs.get())) return Rare::kFailed;
  encoder.leave();
  return Rare::kWritten;
}

}  // namespace fastjson::encode
