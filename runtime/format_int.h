// Integer -> decimal text, two digits per step from a 200-byte table (the classic trick used by
// fmt, yyjson and orjson's itoa: halves the number of divisions against a digit-at-a-time loop).
#pragma once
#include <cstdint>
#include <cstring>

namespace fastjson::format {

inline constexpr char kDigitPairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Most decimal digits an int64/uint64 needs, with sign: "-9223372036854775808" is 20 bytes.
inline constexpr int kMaxIntChars = 20;

// Number of decimal digits of v (1 for 0).
inline int count_digits(uint64_t v) noexcept {
  int n = 1;
  for (;;) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000;
    n += 4;
  }
}

// Writes exactly `ndigits` digits of v ending at out + ndigits (ndigits == count_digits(v)).
inline void write_digits(char* out, uint64_t v, int ndigits) noexcept {
  char* p = out + ndigits;
  while (v >= 100) {
    const unsigned pair = unsigned(v % 100);
    v /= 100;
    p -= 2;
    std::memcpy(p, kDigitPairs + 2 * pair, 2);
  }
  if (v >= 10) {
    p -= 2;
    std::memcpy(p, kDigitPairs + 2 * v, 2);
  } else {
    *--p = char('0' + v);
  }
}

// Writes v and returns the end. Needs kMaxIntChars bytes of room.
inline char* write_u64(char* out, uint64_t v) noexcept {
  const int n = count_digits(v);
  write_digits(out, v, n);
  return out + n;
}

inline char* write_i64(char* out, int64_t v) noexcept {
  uint64_t u = uint64_t(v);
  if (v < 0) {
    *out++ = '-';
    u = 0 - u;  // well-defined for INT64_MIN, unlike -v
  }
  return write_u64(out, u);
}

}  // namespace fastjson::format
