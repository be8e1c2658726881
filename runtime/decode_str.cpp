// The out-of-line halves of the decoder's text handling: non-ASCII str creation and the UTF-8
// check of the exact path.
#include "runtime/decode_str.h"

namespace fastjson::decode {

size_t first_invalid_utf8(const uint8_t* s, size_t n) noexcept {
  size_t i = 0;
  while (i < n) {
    const uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    // The second byte's range depends on the lead (Unicode Table 3-7, well-formed sequences),
    // except that ED A0..BF (surrogates) passes: see the header.
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > n || s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return n;
}

namespace {

// Decodes valid UTF-8 into `out` of the caller's kind. Each sequence is read whole, after one
// bounds check, so even malformed input could only give wrong text, never a stray access.
template <typename Char>
void decode_utf8(const uint8_t* p, size_t n, Char* out) noexcept {
  const uint8_t* const end = p + n;
  while (p < end) {
    const uint32_t c = *p;
    if (c < 0x80) {
      // ASCII runs (spaces, digits, markup between words), 8 bytes at a time.
      while (end - p >= 8 && (bytes::load64(p) & 0x8080808080808080ull) == 0) {
        for (int k = 0; k < 8; ++k) out[k] = Char(p[k]);
        out += 8;
        p += 8;
      }
      while (p < end && *p < 0x80) *out++ = Char(*p++);
      continue;
    }
    if (c >= 0xE0 && c < 0xF0 && end - p >= 3) {  // most non-Latin scripts (CJK, Indic, ...)
      *out++ = Char(((c & 0x0F) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu));
      p += 3;
    } else if (c < 0xE0 && end - p >= 2) {
      *out++ = Char(((c & 0x1F) << 6) | (p[1] & 0x3Fu));
      p += 2;
    } else if (c >= 0xF0 && end - p >= 4) {
      *out++ = Char(((c & 0x07) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
                    (p[3] & 0x3Fu));
      p += 4;
    } else {
      return;  // truncated: cannot happen for valid input
    }
  }
}

}  // namespace

// CPython's decoder validates, starts narrow and widens (re-copying) when it meets a wider
// character, then shrinks the result: ~10% of twitter.json (perf). The input here is known to
// be valid, so one SSE2 pass finds the length and the widest character, and a second decodes
// straight into a str of the right kind.
PyObject* make_str_utf8(const uint8_t* s, size_t n) noexcept {
  size_t i = 0;
  // Continuation bytes are 0x80..0xBF, i.e. below -64 as signed bytes; each 0xFF compare lane
  // masked to 1 and summed by SAD counts them (no POPCNT in baseline x86-64).
  const __m128i below = _mm_set1_epi8(-64), one = _mm_set1_epi8(1), zero = _mm_setzero_si128();
  __m128i counts = zero, widest = zero;
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    const __m128i is_continuation = _mm_and_si128(_mm_cmplt_epi8(v, below), one);
    counts = _mm_add_epi64(counts, _mm_sad_epu8(is_continuation, zero));
    widest = _mm_max_epu8(widest, v);
  }
  alignas(16) uint64_t sums[2];
  _mm_store_si128(reinterpret_cast<__m128i*>(sums), counts);
  size_t continuation = size_t(sums[0] + sums[1]);
  alignas(16) uint8_t lanes[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), widest);
  uint8_t lead_max = 0;
  for (const uint8_t b : lanes) lead_max = b > lead_max ? b : lead_max;
  for (; i < n; ++i) {
    continuation += (s[i] & 0xC0) == 0x80;
    lead_max = s[i] > lead_max ? s[i] : lead_max;
  }
  const auto chars = Py_ssize_t(n - continuation);
  // The widest lead byte fixes the kind, and the kind is then the narrowest that fits (CPython
  // requires that): C2/C3 lead U+0080..U+00FF, C4..EF up to U+FFFF, F0..F4 beyond.
  if (lead_max < 0x80) return make_ascii_str(s, n);
  if (lead_max < 0xC4) {
    PyObject* str = PyUnicode_New(chars, 0xFF);
    if (str) decode_utf8(s, n, PyUnicode_1BYTE_DATA(str));
    return str;
  }
  if (lead_max < 0xF0) {
    PyObject* str = PyUnicode_New(chars, 0xFFFF);
    if (str) decode_utf8(s, n, PyUnicode_2BYTE_DATA(str));
    return str;
  }
  PyObject* str = PyUnicode_New(chars, 0x10FFFF);
  if (str) decode_utf8(s, n, PyUnicode_4BYTE_DATA(str));
  return str;
}

}  // namespace fastjson::decode
