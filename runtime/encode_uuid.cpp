// uuid.UUID as its canonical lowercase hyphenated form (str(uuid)), from the 128-bit .int.
#include "runtime/encode_types.h"

namespace fastjson::encode {

int uuid_text(PyObject* obj, char* buf) noexcept {
  static ImportedClass uuid_class("uuid", "UUID");
  if (!uuid_class.is_instance(obj)) return 0;
  static PyObject* const int_name = PyUnicode_InternFromString("int");  // process lifetime
  py::Ref value = py::Ref::steal(PyObject_GetAttr(obj, int_name));
  if (!value) return -1;
  if (!PyLong_Check(value.get())) {
    PyErr_Format(PyExc_TypeError, "UUID.int must be an int, not %.200s",
                 Py_TYPE(value.get())->tp_name);
    return -1;
  }
  unsigned char bytes[16];
  if (_PyLong_AsByteArray(reinterpret_cast<PyLongObject*>(value.get()), bytes, 16,
                          /*little_endian=*/0, /*is_signed=*/0) < 0) {
    return -1;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  char* p = buf;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = kHex[bytes[i] >> 4];
    *p++ = kHex[bytes[i] & 15];
  }
  return 1;
}

}  // namespace fastjson::encode
