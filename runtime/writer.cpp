// Writer growth and hand-off: the cold parts of the output buffer.
#include "runtime/writer.h"

#include <algorithm>
#include <cstdint>

namespace fastjson::encode {

namespace {

#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
// A compact ASCII str is one PyObject_Malloc block: the PyASCIIObject header, the characters, a
// NUL (what PyUnicode_New(n, 127) allocates). dumps_str writes its output at this offset, so an
// ASCII result becomes the str in place: no second buffer, no copy.
constexpr size_t kStrHeader = sizeof(PyASCIIObject);
#else
constexpr size_t kStrHeader = 0;  // other CPython versions: the text is decoded into a new str
#endif

bool is_ascii(const char* p, size_t n) noexcept {
  uint64_t bits = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {  // OR-ing 4 words per step: the loop vectorizes
    uint64_t w[4];
    std::memcpy(w, p + i, 32);
    bits |= w[0] | w[1] | w[2] | w[3];
    if (bits & 0x8080808080808080u) return false;
  }
  for (; i < n; ++i) bits |= uint8_t(p[i]);
  return (bits & 0x8080808080808080u) == 0;
}

}  // namespace

bool Writer::grow(size_t n) noexcept {
  const size_t used = size();
  const size_t capacity = size_t(end_ - begin_);
  const size_t wanted = std::max(capacity * 2, used + n);
  if (wanted > size_t(PY_SSIZE_T_MAX) - 64 - kStrHeader) {
    PyErr_NoMemory();
    return false;
  }
  if (as_str_) return grow_raw(used, wanted);
  // The allocation has kSlack bytes beyond the usable end (see reserve()).
  if (bytes_ == nullptr) {
    bytes_ = PyBytes_FromStringAndSize(nullptr, Py_ssize_t(wanted + kSlack));
    if (bytes_ == nullptr) return false;
    std::memcpy(PyBytes_AS_STRING(bytes_), inline_, used);
  } else if (_PyBytes_Resize(&bytes_, Py_ssize_t(wanted + kSlack)) < 0) {
    return false;  // _PyBytes_Resize freed the object and set MemoryError
  }
  begin_ = PyBytes_AS_STRING(bytes_);
  pos_ = begin_ + used;
  end_ = begin_ + wanted;
  return true;
}

bool Writer::grow_raw(size_t used, size_t wanted) noexcept {
  const size_t bytes = kStrHeader + wanted + kSlack + 1;  // + the str's NUL
  char* block =
      static_cast<char*>(raw_ == nullptr ? PyObject_Malloc(bytes) : PyObject_Realloc(raw_, bytes));
  if (block == nullptr) {
    PyErr_NoMemory();
    return false;
  }
  if (raw_ == nullptr) std::memcpy(block + kStrHeader, inline_, used);
  raw_ = block;
  begin_ = raw_ + kStrHeader;
  pos_ = begin_ + used;
  end_ = begin_ + wanted;
  return true;
}

PyObject* Writer::finish() noexcept {
  if (as_str_) return finish_str();
  const auto used = Py_ssize_t(size());
  if (bytes_ == nullptr) return PyBytes_FromStringAndSize(inline_, used);
  // Shrinking in place: realloc keeps the block, sets ob_size and the trailing NUL.
  if (_PyBytes_Resize(&bytes_, used) < 0) return nullptr;
  PyObject* out = bytes_;
  bytes_ = nullptr;
  begin_ = pos_ = end_ = inline_;
  return out;
}

PyObject* Writer::finish_str() noexcept {
  const size_t used = size();
  if (!is_ascii(begin_, used)) {
    // CPython stores str as code points (UCS1/2/4), never as UTF-8: one decode is unavoidable.
    return PyUnicode_DecodeUTF8(begin_, Py_ssize_t(used), "strict");
  }
  if (raw_ == nullptr || kStrHeader == 0) {
    PyObject* out = PyUnicode_New(Py_ssize_t(used), 127);
    if (out != nullptr) std::memcpy(PyUnicode_DATA(out), begin_, used);
    return out;
  }
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
  // What PyUnicode_New does for a compact ASCII str, on the block the text is already in.
  char* block = static_cast<char*>(PyObject_Realloc(raw_, kStrHeader + used + 1));
  if (block == nullptr) return PyErr_NoMemory();
  raw_ = nullptr;
  begin_ = pos_ = end_ = inline_;
  auto* str = reinterpret_cast<PyASCIIObject*>(block);
  PyObject_Init(reinterpret_cast<PyObject*>(str), &PyUnicode_Type);
  str->length = Py_ssize_t(used);
  str->hash = -1;
  str->state.interned = 0;
  str->state.kind = PyUnicode_1BYTE_KIND;
  str->state.compact = 1;
  str->state.ascii = 1;
  str->state.ready = 1;
  str->wstr = nullptr;
  block[kStrHeader + used] = '\0';
  return reinterpret_cast<PyObject*>(str);
#else
  return nullptr;                 // unreachable: kStrHeader is 0
#endif
}

}  // namespace fastjson::encode
