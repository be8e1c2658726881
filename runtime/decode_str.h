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

inline void copy(uint8_t* dst, const uint8_t* s, size_t n) noexcept {
  if (n > 16) {
    std::memcpy(dst, s, n);
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
inline PyObject* make_ascii_str(const uint8_t* s, size_t n) noexcept {
  PyObject* str = PyUnicode_New(Py_ssize_t(n), 127);
  if (!str) return nullptr;
  // Compact ASCII keeps its characters right after the header (CPython 3.11 layout).
  bytes::copy(reinterpret_cast<uint8_t*>(reinterpret_cast<PyASCIIObject*>(str) + 1), s, n);
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
