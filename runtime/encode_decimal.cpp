// decimal.Decimal: str(d) as a JSON string by default (no precision is lost to a float), or with
// decimal_as_number as a JSON number (str(d) is valid JSON number syntax for every finite Decimal:
// "1.10", "-0", "1E+2"); a non-finite Decimal then follows the NaN policy of floats.
#include <string>

#include "runtime/encode_types.h"

namespace fastjson::encode {

bool is_decimal(PyObject* obj) noexcept {
  static ImportedClass decimal_class("decimal", "Decimal");
  return decimal_class.is_instance(obj);
}

bool encode_decimal(GenericEncoder& encoder, PyObject* obj) noexcept {
  py::Ref text = py::Ref::steal(PyObject_Str(obj));
  if (!text) return encoder.fail_python();
  Py_ssize_t n;
  const char* data = PyUnicode_AsUTF8AndSize(text.get(), &n);
  if (data == nullptr) return encoder.fail_python();
  if (!encoder.options().decimal_as_number) return encoder.write_utf8(data, n);
  const bool finite = n > 0 && (data[n - 1] >= '0' && data[n - 1] <= '9');  // not NaN/sNaN/Infinity
  if (finite) return encoder.put_literal(data, size_t(n));
  if (encoder.options().allow_nan) return encoder.put_literal("null", 4);
  return encoder.fail_value(
      "Out of range Decimal values are not JSON compliant: " + std::string(data, size_t(n)), obj);
}

}  // namespace fastjson::encode
