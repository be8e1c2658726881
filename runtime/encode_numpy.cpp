// numpy arrays and scalars, when numpy has been imported (never imported here). Arrays of bool,
// int8..int64, uint8..uint64, float16/32/64 are read straight from their buffer (any strides) and
// written as nested lists; scalars of those types as numbers / true / false. float32 (and float16)
// values are written as their shortest float32 digits (0.1, not 0.10000000149011612), as orjson
// does, laid out like Python's float repr. Other dtypes (object, datetime64, str, complex, ...)
// and non-native byte orders go through tolist() / item(), so their elements are written (or
// rejected) as the Python objects numpy converts them to.
#include <fmt/format.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "runtime/encode_types.h"

namespace fastjson::encode {

namespace {

enum class Elem : uint8_t { kBool, kSigned, kUnsigned, kHalf, kFloat, kDouble, kOther };

Elem element_kind(const Py_buffer& view) noexcept {
  const char* f = view.format ? view.format : "B";
  if (*f == '@' || *f == '=' || (*f == '<' && PY_LITTLE_ENDIAN)) ++f;
  if (f[0] == '\0' || f[1] != '\0') return Elem::kOther;
  switch (f[0]) {
    case '?':
      return view.itemsize == 1 ? Elem::kBool : Elem::kOther;
    case 'b':
    case 'h':
    case 'i':
    case 'l':
    case 'q':
    case 'n':
      return view.itemsize <= 8 ? Elem::kSigned : Elem::kOther;
    case 'B':
    case 'H':
    case 'I':
    case 'L':
    case 'Q':
    case 'N':
      return view.itemsize <= 8 ? Elem::kUnsigned : Elem::kOther;
    case 'e':
      return view.itemsize == 2 ? Elem::kHalf : Elem::kOther;
    case 'f':
      return view.itemsize == 4 ? Elem::kFloat : Elem::kOther;
    case 'd':
      return view.itemsize == 8 ? Elem::kDouble : Elem::kOther;
    default:
      return Elem::kOther;
  }
}

float half_to_float(uint16_t h) noexcept {
  const uint32_t sign = uint32_t(h >> 15) << 31;
  const uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal half: normalize
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400) == 0);
    bits = sign | (uint32_t(112 - e) << 23) | ((mant & 0x3ff) << 13);
  }
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

class ArrayWriter {
 public:
  ArrayWriter(GenericEncoder& encoder, const Py_buffer& view, Elem kind, PyObject* owner) noexcept
      : encoder_(encoder), view_(view), kind_(kind), owner_(owner) {}

  bool write(const char* p, int dim) noexcept {
    if (dim == view_.ndim) return write_element(p);
    const Py_ssize_t n = view_.shape[dim];
    const Py_ssize_t stride = view_.strides ? view_.strides[dim] : 0;
    if (!encoder_.open('[')) return false;
    for (Py_ssize_t i = 0; i < n; ++i) {
      if (!write(p + i * stride, dim + 1)) {
        encoder_.path().push_index(i);
        return false;
      }
      Writer& w = encoder_.writer();
      if (!w.reserve(1)) return encoder_.fail_python();
      w.put(',');
    }
    Writer& w = encoder_.writer();
    w.unput_if(',');
    if (!w.reserve(1)) return encoder_.fail_python();
    w.put(']');
    return true;
  }

 private:
  bool write_element(const char* p) noexcept {
    Writer& w = encoder_.writer();
    switch (kind_) {
      case Elem::kBool:
        return *p ? encoder_.put_literal("true", 4) : encoder_.put_literal("false", 5);
      case Elem::kSigned: {
        int64_t v = 0;
        switch (view_.itemsize) {
          case 1:
            v = *reinterpret_cast<const int8_t*>(p);
            break;
          case 2: {
            int16_t x;
            std::memcpy(&x, p, 2);
            v = x;
            break;
          }
          case 4: {
            int32_t x;
            std::memcpy(&x, p, 4);
            v = x;
            break;
          }
          default:
            std::memcpy(&v, p, 8);
            break;
        }
        if (!w.reserve(format::kMaxIntChars)) return encoder_.fail_python();
        w.advance_to(format::write_i64(w.cursor(), v));
        return true;
      }
      case Elem::kUnsigned: {
        uint64_t v = 0;
        std::memcpy(&v, p, size_t(view_.itemsize));  // little-endian: the low bytes
        if (!w.reserve(format::kMaxIntChars)) return encoder_.fail_python();
        w.advance_to(format::write_u64(w.cursor(), v));
        return true;
      }
      case Elem::kHalf: {
        uint16_t bits;
        std::memcpy(&bits, p, 2);
        return write_float32(half_to_float(bits));
      }
      case Elem::kFloat: {
        float v;
        std::memcpy(&v, p, 4);
        return write_float32(v);
      }
      case Elem::kDouble: {
        double v;
        std::memcpy(&v, p, 8);
        return write_double(v);
      }
      case Elem::kOther:
        break;
    }
    return false;
  }

  bool write_double(double v) noexcept {
    if (!std::isfinite(v)) return encoder_.encode_nonfinite(v, owner_);
    Writer& w = encoder_.writer();
    if (!w.reserve(format::kMaxFloatChars)) return encoder_.fail_python();
    w.advance_to(format::write_double_repr(w.cursor(), v));
    return true;
  }

  // The shortest digits that round-trip the float32, as a double with exactly those digits, so the
  // layout is repr's (1e-05, 100.0) like every other float fastjson writes.
  bool write_float32(float v) noexcept {
    if (!std::isfinite(v)) return encoder_.encode_nonfinite(double(v), owner_);
    char buf[64];
    const auto end = fmt::format_to_n(buf, sizeof(buf) - 1, "{}", v).out;
    *end = '\0';
    return write_double(std::strtod(buf, nullptr));
  }

  GenericEncoder& encoder_;
  const Py_buffer& view_;
  Elem kind_;
  PyObject* owner_;
};

class BufferView {  // a Py_buffer released on scope exit
 public:
  bool get(PyObject* obj) noexcept {
    held_ = PyObject_GetBuffer(obj, &view_, PyBUF_RECORDS_RO) == 0;
    if (!held_) PyErr_Clear();  // not exportable (object, datetime64, ...): the fallback takes it
    return held_;
  }
  ~BufferView() {
    if (held_) PyBuffer_Release(&view_);
  }
  const Py_buffer& view() const noexcept { return view_; }

 private:
  Py_buffer view_{};
  bool held_ = false;
};

}  // namespace

Rare encode_numpy(GenericEncoder& encoder, PyObject* obj) noexcept {
  static ImportedClass ndarray("numpy", "ndarray");
  static ImportedClass generic("numpy", "generic");
  const bool is_array = ndarray.is_instance(obj);
  if (!is_array && !generic.is_instance(obj)) return Rare::kNotRare;
  {
    BufferView buffer;
    if (buffer.get(obj)) {
      const Elem kind = element_kind(buffer.view());
      if (kind != Elem::kOther) {
        ArrayWriter writer(encoder, buffer.view(), kind, obj);
        return writer.write(static_cast<const char*>(buffer.view().buf), 0) ? Rare::kWritten
                                                                            : Rare::kFailed;
      }
    }
  }
  // Everything else as the Python objects numpy converts it to, at obj's path and level.
  if (!encoder.enter(obj, true)) return Rare::kFailed;
  py::Ref converted =
      py::Ref::steal(PyObject_CallMethod(obj, is_array ? "tolist" : "item", nullptr));
  if (!converted) {
    encoder.fail_python();
    return Rare::kFailed;
  }
  if (converted.get() == obj || !encoder.encode(converted.get())) {
    if (converted.get() == obj) encoder.fail(Fault::kUnsupported, obj);
    return Rare::kFailed;
  }
  encoder.leave();
  return Rare::kWritten;
}

}  // namespace fastjson::encode
