// UTF-8 bytes -> Python str for the decoder: compact ASCII by copy, everything else by CPython.
#pragma once
#include <Python.h>
#include <emmintrin.h>  // SSE2: always available on x86-64

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fastjson::decode {

// Short-string helpers. JSON keys and most values are a few bytes long, where a libc call
// (memcpy/memcmp with a variable size) costs more than the work; these read and write with at
// most two overlapping loads instead (callgrind: the calls were ~5% of github.json).
namespace bytes {

inline uint64_t load64(const uint8_t* p) noexcept {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}
inline uint32_t load32(const uint8_t* p) noexcept {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

// Calls f(word) on 64-bit words that together cover `s[0, n)` exactly once or twice; n < 8 is
// packed into one word (the same bytes always give the same word).
template <typename F>
inline void for_each_word(const uint8_t* s, size_t n, F&& f) noexcept {
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) f(load64(s + i));
    f(load64(s + n - 8));
  } else if (n >= 4) {
    f(uint64_t(load32(s)) | (uint64_t(load32(s + n - 4)) << 32));
  } else if (n > 0) {
    f(uint64_t(s[0]) | (uint64_t(s[n / 2]) << 8) | (uint64_t(s[n - 1]) << 16));
  }
}

inline bool equal(const uint8_t* a, const uint8_t* b, size_t n) noexcept {
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) {
      if (load64(a + i) != load64(b + i)) return false;
    }
    return load64(a + n - 8) == load64(b + n - 8);
  }
  if (n >= 4) return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Strings of up to a few hundred bytes (URLs, dates, hashes) are copied 16 bytes at a time with
// an overlapping last block, inline: the libc call cost more than the copy (callgrind: memcpy
// was ~5% of github.json, mostly such strings). Reads and writes stay inside `[0, n)`.
inline void copy(uint8_t* dst, const uint8_t* s, size_t n) noexcept {
  if (n > 16) {
    if (n > 256) {
      std::memcpy(dst, s, n);
      return;
    }
    for (size_t i = 0; i + 16 < n; i += 16) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i),
                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + n - 16),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + n - 16)));
  } else if (n >= 8) {
    const uint64_t head = load64(s), tail = load64(s + n - 8);
    std::memcpy(dst, &head, 8);
    std::memcpy(dst + n - 8, &tail, 8);
  } else if (n >= 4) {
    const uint32_t head = load32(s), tail = load32(s + n - 4);
    std::memcpy(dst, &head, 4);
    std::memcpy(dst + n - 4, &tail, 4);
  } else {
    for (size_t i = 0; i < n; ++i) dst[i] = s[i];
  }
}

// True when no byte has its high bit set: 16 bytes per SSE2 step, overlapping loads at the end.
inline bool is_ascii(const uint8_t* s, size_t n) noexcept {
  if (n >= 16) {
    __m128i acc = _mm_setzero_si128();
    for (size_t i = 0; i + 16 < n; i += 16) {
      acc = _mm_or_si128(acc, _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)));
    }
    acc = _mm_or_si128(acc, _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + n - 16)));
    return _mm_movemask_epi8(acc) == 0;
  }
  uint64_t acc = 0;
  for_each_word(s, n, [&](uint64_t w) { acc |= w; });
  return (acc & 0x8080808080808080ull) == 0;
}

}  // namespace bytes

// The offset of the first byte that does not start a well-formed UTF-8 sequence (overlong forms
// and code points past U+10FFFF included), or `n` when all of `s[0, n)` is valid. Encoded
// surrogates (ED A0..BF xx) count as valid: json.loads decodes bytes with 'surrogatepass', so
// they are for the scanner to judge in context.
size_t first_invalid_utf8(const uint8_t* s, size_t n) noexcept;

// A new str from valid, non-ASCII UTF-8 `s[0, n)` (the input is not validated again).
PyObject* make_str_utf8(const uint8_t* s, size_t n) noexcept;

// A new str from ASCII `s[0, n)`: a compact ASCII str filled by one copy, skipping CPython's
// decoder. nullptr with a Python error set on failure.
//
// On CPython 3.11 the object is laid out here directly, as PyUnicode_New(n, 127) would (its
// size and kind dispatch cost ~4% of github.json; the allocation itself is the same
// PyObject_Malloc). The empty string stays CPython's singleton.
inline PyObject* make_ascii_str(const uint8_t* s, size_t n) noexcept {
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000 && !defined(Py_TRACE_REFS)
  if (n == 0) [[unlikely]] {
    return PyUnicode_New(0, 127);
  }
  auto* obj = static_cast<PyASCIIObject*>(PyObject_Malloc(sizeof(PyASCIIObject) + n + 1));
  if (!obj) return PyErr_NoMemory();
  PyObject* str = PyObject_Init(reinterpret_cast<PyObject*>(obj), &PyUnicode_Type);
  obj->length = Py_ssize_t(n);
  obj->hash = -1;
  decltype(obj->state) state{};
  state.interned = SSTATE_NOT_INTERNED;
  state.kind = PyUnicode_1BYTE_KIND;
  state.compact = 1;
  state.ascii = 1;
  state.ready = 1;
  obj->state = state;
  obj->wstr = nullptr;
  auto* data = reinterpret_cast<uint8_t*>(obj + 1);
  data[n] = 0;
#else
  PyObject* str = PyUnicode_New(Py_ssize_t(n), 127);
  if (!str) return nullptr;
  // Compact ASCII keeps its characters right after the header.
  auto* data = reinterpret_cast<uint8_t*>(reinterpret_cast<PyASCIIObject*>(str) + 1);
#endif
  bytes::copy(data, s, n);
  return str;
}

// Returns a new str decoded from valid UTF-8 `s[0, n)`, or nullptr with a Python error set.
inline PyObject* make_str(const uint8_t* s, size_t n) noexcept {
  if (!bytes::is_ascii(s, n)) [[unlikely]] {
    return make_str_utf8(s, n);
  }
  return make_ascii_str(s, n);
}

}  // namespace fastjson::decode
