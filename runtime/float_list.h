// Short lists of floats ([lon, lat] pairs, small vectors: most of GeoJSON and of numeric data)
// written in one step, without the generic list walk.
#pragma once
#include <Python.h>

#include <cmath>
#include <cstddef>

#include "runtime/format_float.h"
#include "runtime/writer.h"

namespace fastjson::encode {

// Longer lists take the generic walk, whose per-list costs are spread over enough items; the cap
// also bounds the single reservation below (~660 bytes).
inline constexpr Py_ssize_t kMaxFloatListItems = 16;

enum class FloatList {
  kNotOne,    // not 1..kMaxFloatListItems finite exact floats: nothing written, take the walk
  kWritten,   // "[f,f,...]" written
  kNoMemory,  // MemoryError set
};

// Writes an exact list `list` if it holds only finite exact floats. For such a list the generic
// walk (dispatch call, depth and cycle bookkeeping, a capacity check and a type test per item,
// the trailing-',' fix-up) costs as much as formatting the two floats of a pair. Everything the
// walk would check holds here without it: floats run no Python code (default= cannot be called,
// the list cannot change while it is written), contain nothing (no cycle), and the caller checks
// the depth limit. NaN and infinity are left to the walk, whose error names the item's path.
// canada.json dumps, instructions per float (callgrind): 273 with the walk, 234 with the loop
// below alone, 210 with the pair case.
[[gnu::always_inline]] inline FloatList write_float_list(Writer& writer, PyObject* list) noexcept {
  const Py_ssize_t n = PyList_GET_SIZE(list);
  PyObject* const* items = reinterpret_cast<PyListObject*>(list)->ob_item;
  if (n == 2) {
    // [lon, lat]: no loop counters, and one formatting call whose register saves serve both.
    PyObject* const a = items[0];
    PyObject* const b = items[1];
    if (!Py_IS_TYPE(a, &PyFloat_Type) || !Py_IS_TYPE(b, &PyFloat_Type) ||
        !std::isfinite(PyFloat_AS_DOUBLE(a)) || !std::isfinite(PyFloat_AS_DOUBLE(b)))
      return FloatList::kNotOne;
    if (!writer.reserve(2 * format::kMaxFloatChars + 3)) return FloatList::kNoMemory;
    char* out = writer.cursor();
    *out = '[';
    out = format::write_double_repr_pair(out + 1, PyFloat_AS_DOUBLE(a), PyFloat_AS_DOUBLE(b));
    *out = ']';
    writer.advance_to(out + 1);
    return FloatList::kWritten;
  }
  if (n == 0 || n > kMaxFloatListItems) return FloatList::kNotOne;
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (!Py_IS_TYPE(items[i], &PyFloat_Type) || !std::isfinite(PyFloat_AS_DOUBLE(items[i])))
      return FloatList::kNotOne;
  }
  // '[' and n times a float and its ',' (the last ',' becomes ']').
  if (!writer.reserve(1 + size_t(n) * (format::kMaxFloatChars + 1))) return FloatList::kNoMemory;
  char* out = writer.cursor();
  *out++ = '[';
  for (Py_ssize_t i = 0; i < n; ++i) {
    out = format::write_double_repr(out, PyFloat_AS_DOUBLE(items[i]));
    *out++ = ',';
  }
  out[-1] = ']';
  writer.advance_to(out);
  return FloatList::kWritten;
}

}  // namespace fastjson::encode
