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

// Room write_i64/write_u64 need: "-9223372036854775808" and "18446744073709551615" are 20
// bytes; write_digits' 8-byte stores stay within that.
inline constexpr int kMaxIntChars = 20;

inline constexpr uint64_t kPow10[20] = {1ull,
                                        10ull,
                                        100ull,
                                        1000ull,
                                        10000ull,
                                        100000ull,
                                        1000000ull,
                                        10000000ull,
                                        100000000ull,
                                        1000000000ull,
                                        10000000000ull,
                                        100000000000ull,
                                        1000000000000ull,
                                        10000000000000ull,
                                        100000000000000ull,
                                        1000000000000000ull,
                                        10000000000000000ull,
                                        100000000000000000ull,
                                        1000000000000000000ull,
                                        10000000000000000000ull};

// Number of decimal digits of v (1 for 0): log10 estimated from the bit length (1233/4096 is
// log10(2) rounded up), corrected by one comparison. Branch-free, unlike a compare-per-digit loop.
inline int count_digits(uint64_t v) noexcept {
  v |= 1;  // 0 has one digit, like 1
  const int t = ((64 - __builtin_clzll(v)) * 1233) >> 12;
  return t - (v < kPow10[t]) + 1;
}

// The 8 ASCII digits of n < 10^8, most significant first in memory (little-endian lanes), with
// no table and no loop: the SWAR scheme of Paul Khuong, described with benchmarks at
// https://lemire.me/blog/2021/11/18/converting-integers-to-fix-digit-representations-quickly/
// Two 4-digit halves go in 32-bit lanes, split into 16-bit hundreds, then 8-bit tens; the
// multiply-shift pairs (x*10486 >> 20 == x/100 for x < 10^4, x*103 >> 10 == x/10 for x < 100)
// divide every lane at once.
inline uint64_t ascii_8digits(uint32_t n) noexcept {
  const uint64_t merged = uint64_t(n / 10000) | (uint64_t(n % 10000) << 32);
  const uint64_t top = ((merged * 10486) >> 20) & ((0x7Full << 32) | 0x7Full);
  const uint64_t hundreds = ((merged - 100 * top) << 16) + top;
  uint64_t tens = ((hundreds * 103) >> 10) & ((0xFull << 48) | (0xFull << 32) | (0xFull << 16) | 0xFull);
  tens += (hundreds - 10 * tens) << 8;
  return tens + 0x3030303030303030ull;
}

inline void store8(char* p, uint64_t bytes) noexcept { std::memcpy(p, &bytes, 8); }

// Writes the n (1..8) digits of v < 10^n at out, as one 8-byte store: the bytes past n are
// scratch that the caller overwrites or ignores (callers reserve room for it).
inline void write_leading(char* out, uint32_t v, int n) noexcept {
  store8(out, ascii_8digits(v) >> (8 * (8 - n)));
}

// Writes exactly `ndigits` digits of v (ndigits == count_digits(v)) at out. Stores 8 bytes at a
// time, so it may write up to max(ndigits, 8) bytes.
inline void write_digits(char* out, uint64_t v, int ndigits) noexcept {
  if (ndigits <= 8) {
    write_leading(out, uint32_t(v), ndigits);
  } else if (ndigits <= 16) {
    write_leading(out, uint32_t(v / 100000000), ndigits - 8);
    store8(out + ndigits - 8, ascii_8digits(uint32_t(v % 100000000)));
  } else {
    const uint64_t low16 = v % 10000000000000000ull;
    write_leading(out, uint32_t(v / 10000000000000000ull), ndigits - 16);
    store8(out + ndigits - 16, ascii_8digits(uint32_t(low16 / 100000000)));
    store8(out + ndigits - 8, ascii_8digits(uint32_t(low16 % 100000000)));
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
