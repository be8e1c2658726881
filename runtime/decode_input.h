// The document being decoded, as UTF-8 bytes whatever Python type it came in (bytes, bytearray,
// memoryview, str), and how its faults are reported. Shared by loads and the typed decoder.
#pragma once
#include <Python.h>
#include <simdjson.h>

#include <cstdint>
#include <new>
#include <string>

#include "runtime/decode_exact.h"
#include "runtime/decode_str.h"
#include "runtime/errors.h"
#include "runtime/py_ref.h"
#include "runtime/sanitizer.h"

namespace fastjson::decode {

// The document as UTF-8 bytes, whatever Python type it came in.
class Input {
 public:
  Input() noexcept = default;
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  ~Input() {
    if (view_.obj) PyBuffer_Release(&view_);
  }

  // Returns false with TypeError (or the error of a failed buffer export) set.
  bool open(PyObject* obj) noexcept {
    if (PyBytes_Check(obj)) {
      set(PyBytes_AS_STRING(obj), PyBytes_GET_SIZE(obj));
      bytes_ = true;
      return true;
    }
    if (PyUnicode_Check(obj)) return open_str(obj);
    if (PyByteArray_Check(obj) || PyMemoryView_Check(obj)) {
      // A buffer export also stops a bytearray from being resized under us.
      if (PyObject_GetBuffer(obj, &view_, PyBUF_SIMPLE) < 0) return false;
      set(view_.buf, view_.len);
      mutable_ = true;
      return true;
    }
    PyErr_Format(PyExc_TypeError, "Input must be bytes, bytearray, memoryview, or str, not %.200s",
                 Py_TYPE(obj)->tp_name);
    return false;
  }

  const uint8_t* data() const noexcept { return data_; }
  size_t size() const noexcept { return size_; }
  // A str holding lone surrogates: its bytes are not UTF-8, so only the exact scanner applies.
  bool has_surrogates() const noexcept { return bool(surrogate_bytes_); }

  // Bytes that no Python code can change while the exact scanner reads them and creates
  // objects (which may run a GC pass, and finalizers with it).
  bool make_stable() noexcept {
    if (!mutable_) return true;
    try {
      copy_.assign(reinterpret_cast<const char*>(data_), size_);
    } catch (const std::bad_alloc&) {
      PyErr_NoMemory();
      return false;
    }
    data_ = reinterpret_cast<const uint8_t*>(copy_.data());
    mutable_ = false;
    return true;
  }

  bool from_str() const noexcept { return str_ != nullptr; }

  // Whether the fast path may read a bytes input where it lies instead of copying it into the
  // padded buffer (that copy was ~3% of github.json). It reads up to SIMDJSON_PADDING bytes
  // past the end (the string scanners' wide loads; stage 1 itself copies its last block),
  // which is safe when they share the last byte's page: pages are mapped whole. Their contents
  // never matter: the byte at `len` is the bytes object's NUL, which the stage 2 readers reject
  // as a token start and as the end of a number or literal. So the document must not end in a
  // number or literal (it would fall back to the exact path): those are copied.
  bool readable_in_place() const noexcept {
#if FASTJSON_ASAN
    // Reading past the object (within its page) is exactly what AddressSanitizer reports: keep
    // sanitizer builds on the copy so their findings stay meaningful.
    return false;
#endif
    if (!bytes_ || size_ == 0) return false;
    switch (data_[size_ - 1]) {
      case '}':
      case ']':
      case '"':
      case ' ':
      case '\n':
      case '\r':
      case '\t':
        break;
      default:
        return false;
    }
    const auto end = reinterpret_cast<uintptr_t>(data_ + size_);  // the NUL, then padding
    constexpr uintptr_t kPage = 4096;
    return (end & (kPage - 1)) <= kPage - simdjson::SIMDJSON_PADDING;
  }

  // Raises JSONDecodeError for `fault`: doc is the input as a str, pos a code-point index.
  void raise(const Fault& fault) const noexcept {
    py::Ref doc = document();
    if (!doc) return;
    py::raise_decode_error(fault.msg, doc.get(), code_point_index(fault.offset));
  }

  // The input as a str, as error messages' `doc` (cold: decodes bytes input).
  py::Ref document() const noexcept { return str_ ? py::Ref::borrow(str_) : decode_doc(); }

  // The code-point index of byte `offset`. Every code point starts with exactly one
  // non-continuation byte (surrogatepass-encoded surrogates too); the bytes before a fault are
  // always well-formed.
  Py_ssize_t code_point_index(size_t offset) const noexcept {
    Py_ssize_t pos = 0;
    for (size_t i = 0; i < offset && i < size_; ++i) pos += (data_[i] & 0xC0) != 0x80;
    return pos;
  }

 private:
  // Bytes as json.loads decodes them ('surrogatepass'); bytes that are not UTF-8 at all (the
  // "Invalid UTF-8" fault) get U+FFFD from the first bad byte on, after a prefix decoded the
  // same way, so the code-point count up to the fault stays exact.
  py::Ref decode_doc() const noexcept {
    const auto* chars = reinterpret_cast<const char*>(data_);
    py::Ref doc = py::Ref::steal(PyUnicode_DecodeUTF8(chars, Py_ssize_t(size_), "surrogatepass"));
    if (doc || !PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) return doc;
    PyErr_Clear();
    const size_t bad = first_invalid_utf8(data_, size_);
    py::Ref head = py::Ref::steal(PyUnicode_DecodeUTF8(chars, Py_ssize_t(bad), "surrogatepass"));
    py::Ref tail =
        py::Ref::steal(PyUnicode_DecodeUTF8(chars + bad, Py_ssize_t(size_ - bad), "replace"));
    if (!head || !tail) return {};
    return py::Ref::steal(PyUnicode_Concat(head.get(), tail.get()));
  }

  void set(const void* data, Py_ssize_t size) noexcept {
    data_ = static_cast<const uint8_t*>(data);
    size_ = size_t(size);
  }

  bool open_str(PyObject* obj) noexcept {
    str_ = obj;
    Py_ssize_t size;
    // Compact ASCII strs are read in place; others cache their UTF-8 form on first use.
    if (const char* utf8 = PyUnicode_AsUTF8AndSize(obj, &size)) {
      set(utf8, size);
      return true;
    }
    if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return false;
    // Lone surrogates: encode them anyway, so the scanner can point at them (or at a fault
    // json.loads would report first).
    PyErr_Clear();
    surrogate_bytes_ = py::Ref::steal(PyUnicode_AsEncodedString(obj, "utf-8", "surrogatepass"));
    if (!surrogate_bytes_) return false;
    set(PyBytes_AS_STRING(surrogate_bytes_.get()), PyBytes_GET_SIZE(surrogate_bytes_.get()));
    return true;
  }

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  PyObject* str_ = nullptr;  // borrowed: the input, when it is a str (it is also the error doc)
  bool mutable_ = false;
  bool bytes_ = false;  // immutable bytes, NUL-terminated at size_
  Py_buffer view_{};
  py::Ref surrogate_bytes_;
  std::string copy_;
};

// What loads does with whatever its fast path rejects (decoder.cpp): the exact scanner either
// builds the value (documents only it can take) or raises JSONDecodeError pointing at the fault.
PyObject* loads_exact(Input& input) noexcept;

}  // namespace fastjson::decode
