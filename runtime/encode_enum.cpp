// enum.Enum members, written by value. Members that are also int/str/float (IntEnum, StrEnum) never
// get here: the subclass checks before the rare dispatch write them as that type, which is their
// value's text too.
#include "runtime/encode_types.h"

namespace fastjson::encode {

py::Ref enum_value(PyObject* obj) noexcept {
  static ImportedClass enum_class("enum", "Enum");
  if (!enum_class.is_instance(obj)) return {};
  static PyObject* const value_name = PyUnicode_InternFromString("value");  // process lifetime
  return py::Ref::steal(PyObject_GetAttr(obj, value_name));
}

}  // namespace fastjson::encode
