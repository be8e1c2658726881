// uuid.UUID as its canonical lowercase hyphenated form (str(uuid)), from the 128-bit .int.
#include "runtime/encode_types.h"

namespace fastjson::encode {

namespace {

// The int as 16 big-endian bytes; false with OverflowError/ValueError if it is not 0 <= v < 2**128.
bool read_u128(PyObject* v, unsigned char* bytes) noexcept {
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
  // CPython 3.11 ints: |v| in 30-bit digits, sign in ob_size; 0 <= v < 2**128 is at most 5 digits,
  // the fifth below 2**8. Read directly: _PyLong_AsByteArray was 6% of dumps on UUID-heavy records.
  const Py_ssize_t size = Py_SIZE(v);
  const digit* d = reinterpret_cast<PyLongObject*>(v)->ob_digit;
  if (size >= 0 && size <= 5 && (size < 5 || d[4] < (1u << 8))) {
    unsigned __int128 x = 0;
    for (Py_ssize_t i = size; i-- > 0;) x = (x << PyLong_SHIFT) | d[i];
    for (int i = 15; i >= 0; --i, x >>= 8) bytes[i] = static_cast<unsigned char>(x);
    return true;
  }
#endif
  return _PyLong_AsByteArray(reinterpret_cast<PyLongObject*>(v), bytes, 16, /*little_endian=*/0,
                             /*is_signed=*/0) == 0;
}

}  // namespace

int uuid_text(PyObject* obj, char* buf, bool subclasses) noexcept {
  static ImportedClass uuid_class("uuid", "UUID");
  if (!uuid_class.matches(obj, subclasses)) return 0;
  static PyObject* const int_name = PyUnicode_InternFromString("int");  // process lifetime
  py::Ref value = py::Ref::steal(PyObject_GetAttr(obj, int_name));
  if (!value) return -1;
  if (!PyLong_Check(value.get())) {
    PyErr_Format(PyExc_TypeError, "UUID.int must be an int, not %.200s",
                 Py_TYPE(value.get())->tp_name);
    return -1;
  }
  unsigned char bytes[16];
  if (!read_u128(value.get(), bytes)) return -1;
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
