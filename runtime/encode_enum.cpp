// enum.Enum members, written by value. Members that are also int/str/float (IntEnum, StrEnum) never
// get here: the subclass checks before the rare dispatch write them as that type, which is their
// value's text too.
#include "runtime/encode_types.h"

namespace fastjson::encode {

namespace {

struct EnumNames {
  PyObject* value = PyUnicode_InternFromString("value");     // process lifetime
  PyObject* value_ = PyUnicode_InternFromString("_value_");  // process lifetime
  PyObject* standard_value = nullptr;  // Enum.__dict__["value"], the stock property
};

}  // namespace

py::Ref enum_value(PyObject* obj, bool subclasses) noexcept {
  static ImportedClass enum_class("enum", "Enum");
  static ImportedClass enum_type("enum", "EnumType");  // the metaclass of every Enum
  // A class made by EnumType is Enum or derives from it (and Enum itself has no members).
  if (subclasses ? !enum_class.is_instance(obj)
                 : !(enum_type.get() != nullptr && Py_IS_TYPE(Py_TYPE(obj), enum_type.get()) &&
                     enum_class.get() != nullptr)) {
    return {};
  }
  static EnumNames names;
  if (names.value == nullptr || names.value_ == nullptr) return {};
  if (names.standard_value == nullptr) {
    names.standard_value = _PyType_Lookup(enum_class.get(), names.value);
    Py_XINCREF(names.standard_value);
  }
  // Enum.value is a Python-level property returning self._value_: when the member's class has not
  // replaced it, read _value_ from the instance dict directly (3x faster on records with enums).
  if (names.standard_value != nullptr &&
      _PyType_Lookup(Py_TYPE(obj), names.value) == names.standard_value) {
    PyObject** dict = _PyObject_GetDictPtr(obj);
    if (dict != nullptr && *dict != nullptr) {
      PyObject* value = PyDict_GetItemWithError(*dict, names.value_);  // borrowed
      if (value != nullptr) return py::Ref::borrow(value);
      if (PyErr_Occurred()) return {};
    }
  }
  return py::Ref::steal(PyObject_GetAttr(obj, names.value));
}

}  // namespace fastjson::encode
