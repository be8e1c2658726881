// JSON string escaping exactly as Python's json with ensure_ascii=False: only '"', '\\' and the
// C0 controls are escaped (\b \f \n \r \t by name, others as \u00xx with lowercase hex).
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/sanitizer.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fastjson::escape {

// Room write_quoted needs for n input bytes: every byte may become 6 ("\u001f"), plus the quotes,
// plus 16 because the vector loop stores whole 16-byte blocks.
constexpr size_t max_quoted_size(size_t n) noexcept { return 6 * n + 2 + 16; }

// Writes '"' + escaped UTF-8 bytes s[0..n) + '"' and returns the end. Needs max_quoted_size(n).
char* write_quoted(char* out, const char* s, size_t n) noexcept;

#if defined(__SSE2__)
// Bit i set when byte i of the block needs an escape: c <= 0x1f (unsigned), c == '"', c == '\\'.
inline unsigned escape_mask(__m128i v) noexcept {
  const __m128i is_ctrl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
  const __m128i is_quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  const __m128i is_backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  return unsigned(_mm_movemask_epi8(_mm_or_si128(is_ctrl, _mm_or_si128(is_quote, is_backslash))));
}
#endif

// write_quoted with the common short case inline: dict keys are mostly under 16 clean bytes, and
// for them one 16-byte load, mask and store replace the call (citm_catalog: ~5% of dumps time).
// Reading 16 bytes from s is safe when they stay inside s's page, even past the string's end (the
// excess lanes are masked off and overwritten by the closing quote); ASan would flag it, so its
// builds always call. Same contract as write_quoted.
inline char* write_quoted_inline(char* out, const char* s, size_t n) noexcept {
#if defined(__SSE2__) && !FASTJSON_ASAN
  // n in 1..15 (one compare); an empty string's pointer need not be readable at all.
  if (n - 1 < 15 && (reinterpret_cast<uintptr_t>(s) & 4095) <= 4096 - 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
    if ((escape_mask(v) & ((1u << n) - 1)) == 0) {
      out[0] = '"';
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 1), v);
      out[n + 1] = '"';
      return out + n + 2;
    }
  }
#endif
  return write_quoted(out, s, n);
}

}  // namespace fastjson::escape
