// Writer growth and hand-off: the cold parts of the output buffer.
#include "runtime/writer.h"

#include <algorithm>

namespace fastjson::encode {

bool Writer::grow(size_t n) noexcept {
  const size_t used = size();
  const size_t capacity = size_t(end_ - begin_);
  const size_t wanted = std::max(capacity * 2, used + n);
  if (wanted > size_t(PY_SSIZE_T_MAX) - 64) {
    PyErr_NoMemory();
    return false;
  }
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

PyObject* Writer::finish() noexcept {
  const auto used = Py_ssize_t(size());
  if (bytes_ == nullptr) return PyBytes_FromStringAndSize(inline_, used);
  // Shrinking in place: realloc keeps the block, sets ob_size and the trailing NUL.
  if (_PyBytes_Resize(&bytes_, used) < 0) return nullptr;
  PyObject* out = bytes_;
  bytes_ = nullptr;
  begin_ = pos_ = end_ = inline_;
  return out;
}

}  // namespace fastjson::encode
