// Integer -> decimal text: SWAR digit conversion (8 digits in a 64-bit register, 16 in an SSE2 one)
// and, for short tails like exponents, a two-digits-per-step table (fmt, yyjson, orjson's itoa).
#pragma once
#include <emmintrin.h>

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
  // n / 10^4 as a multiply-shift, spelled out: GCC emits a `div` for `n / 10000` in blocks it
  // guesses cold (seen in the encoder's small-int branch). 109951163 = ceil(2^40 / 10^4); its
  // excess 2224 / 10^4 keeps the quotient exact while n * 2224 < 2^40, i.e. n < 4.9e8.
  const uint32_t q = uint32_t((uint64_t(n) * 109951163) >> 40);
  const uint64_t merged = uint64_t(q) | (uint64_t(n - q * 10000) << 32);
  const uint64_t top = ((merged * 10486) >> 20) & ((0x7Full << 32) | 0x7Full);
  const uint64_t hundreds = ((merged - 100 * top) << 16) + top;
  uint64_t tens =
      ((hundreds * 103) >> 10) & ((0xFull << 48) | (0xFull << 32) | (0xFull << 16) | 0xFull);
  tens += (hundreds - 10 * tens) << 8;
  return tens + 0x3030303030303030ull;
}

inline void store8(char* p, uint64_t bytes) noexcept { std::memcpy(p, &bytes, 8); }

// The 16 ASCII digits of hi8 * 10^8 + lo8 (hi8, lo8 < 10^8; leading zeros kept), most significant
// first in memory, in one SSE2 register: ascii_8digits' SWAR split (lanes divided by 10^4, then
// 100, then 10, each remainder moved next to its quotient) run on both halves at once, using
// SSE2's per-lane multiplies. The vector form follows Wojciech Mula's SSE2 itoa
// (http://0x80.pl/articles/sse-itoa.html, benchmarked in
// https://github.com/miloyip/itoa-benchmark); in write_double_repr on canada.json's doubles it
// measured ~25% faster per float than two scalar ascii_8digits, and needs fewer instructions than
// that article's broadcast-and-multiply variant, which measured 1-4% slower. Each quotient is a
// multiply-high, exact on the lane's whole range (tests/cpp/test_format.cpp checks all 10^8 values
// of each half):
//   x / 10^4 == (x * 109951163) >> 40 for x < 4.9e8 (see ascii_8digits);
//   y / 100 == (y * 5243) >> 19 for y < 10^4: 5243 = ceil(2^19 / 100) overshoots 2^19 / 100 by
//     0.12, an error of y * 0.12 / 2^19 < 0.0023 < 1/100 in the quotient;
//   z / 10 == (z * 6554) >> 16 for z < 100: 6554 = ceil(2^16 / 10) overshoots by 0.4, an error
//     of z * 0.4 / 2^16 < 0.0007 < 1/10.
inline __m128i ascii_16digits(uint64_t hi8, uint64_t lo8) noexcept {
  const __m128i x =
      _mm_unpacklo_epi64(_mm_cvtsi64_si128(int64_t(hi8)), _mm_cvtsi64_si128(int64_t(lo8)));
  // 32-bit lanes [hi8 / 10^4, hi8 % 10^4, lo8 / 10^4, lo8 % 10^4] (pmuludq reads each 64-bit
  // lane's low half: x < 2^27 fits).
  const __m128i q4 = _mm_srli_epi64(_mm_mul_epu32(x, _mm_set1_epi64x(109951163)), 40);
  const __m128i r4 = _mm_sub_epi64(x, _mm_mul_epu32(q4, _mm_set1_epi64x(10000)));
  const __m128i y = _mm_or_si128(q4, _mm_slli_epi64(r4, 32));
  // GCC turns a pmullw by a known constant into a chain of dependent shifts and adds (five steps
  // for 100) where the multiply is one; hiding the values from it keeps the multiplies
  // (measured ~4% faster per float).
  __m128i hundred = _mm_set1_epi16(100), k2559 = _mm_set1_epi16(2559);
  asm("" : "+x"(hundred), "+x"(k2559));
  // 16-bit lanes: each 4-digit y as [y / 100, y % 100] (the upper half of each y's lane is 0).
  const __m128i q2 = _mm_srli_epi16(_mm_mulhi_epu16(y, _mm_set1_epi16(5243)), 3);
  const __m128i z =
      _mm_or_si128(q2, _mm_slli_epi32(_mm_sub_epi16(y, _mm_mullo_epi16(q2, hundred)), 16));
  // Bytes: each 2-digit z as ASCII [z / 10, z % 10], i.e. the 16-bit lane q1 + (z - 10 q1) * 256
  // + 0x3030, computed as z * 256 + 0x3030 - 2559 q1 (mod 2^16): the shift and add run beside
  // the quotient, leaving one multiply and one subtract after it instead of four steps.
  const __m128i q1 = _mm_mulhi_epu16(z, _mm_set1_epi16(6554));
  const __m128i z_ascii = _mm_add_epi16(_mm_slli_epi16(z, 8), _mm_set1_epi16(0x3030));
  return _mm_sub_epi16(z_ascii, _mm_mullo_epi16(q1, k2559));
}

// v / 10^8 and v / 10^16 for any uint64_t v, as the multiply-high compilers use in hot code,
// spelled out for the same reason as in ascii_8digits (GCC otherwise may emit a 64-bit `div`,
// tens of cycles). The constants c are ceil(2^s / d) for s = 90, d = 10^8 (also fmt's, in
// format-inl.h) and s = 115, d = 10^16; c * d - 2^s, 875776 and 1756029366239232, is below
// 2^(s - 64), which keeps v * c / 2^s within 1/d above v / d, so the quotient is exact for every
// 64-bit v.
inline uint64_t div_1e8(uint64_t v) noexcept {
  return uint64_t((static_cast<unsigned __int128>(v) * 0xABCC77118461CEFDull) >> 90);
}
inline uint64_t div_1e16(uint64_t v) noexcept {
  return uint64_t((static_cast<unsigned __int128>(v) * 0x39A5652FB1137857ull) >> 115);
}

// Writes the n (1..8) digits of v < 10^n at out, as one 8-byte store: the bytes past n are
// scratch that the caller overwrites or ignores (callers reserve room for it).
inline void write_leading(char* out, uint32_t v, int n) noexcept {
  if (n <= 2) {
    // One or two digits (small counts and flags; the head of a 9- or 10-digit id, as in
    // citm_catalog's): one 2-byte load from the pairs table instead of the 8-digit split. For
    // n == 1 it starts at the pair's second byte, v's digit; the byte after it is scratch.
    std::memcpy(out, kDigitPairs + 2 * v + (2 - n), 2);
    return;
  }
  store8(out, ascii_8digits(v) >> (8 * (8 - n)));
}

// Writes exactly `ndigits` digits of v (ndigits == count_digits(v)) at out. Stores 8 bytes at a
// time, so it may write up to max(ndigits, 8) bytes.
inline void write_digits(char* out, uint64_t v, int ndigits) noexcept {
  if (ndigits <= 8) {
    write_leading(out, uint32_t(v), ndigits);
  } else if (ndigits <= 16) {
    const uint64_t high = div_1e8(v);
    write_leading(out, uint32_t(high), ndigits - 8);
    store8(out + ndigits - 8, ascii_8digits(uint32_t(v - high * 100000000)));
  } else {
    const uint64_t top = div_1e16(v);
    const uint64_t low16 = v - top * 10000000000000000ull;
    const uint64_t mid = div_1e8(low16);
    write_leading(out, uint32_t(top), ndigits - 16);
    store8(out + ndigits - 16, ascii_8digits(uint32_t(mid)));
    store8(out + ndigits - 8, ascii_8digits(uint32_t(low16 - mid * 100000000)));
  }
}

template <int N>
[[gnu::always_inline]] inline char* write_n_digits(char* out, uint64_t v) noexcept {
  write_digits(out, v, N);  // N constant: write_digits' length branches fold away
  return out + N;
}

// Writes v and returns the end. Needs kMaxIntChars bytes of room.
// The length is found by a tree of compares on v, each leaf writing a constant number of digits,
// rather than by count_digits: the returned cursor, which every later store of the output waits
// for, then comes from a predicted branch instead of count_digits' chain (bit scan, multiply,
// table load, compare: ~15 cycles per int). Measured in a loop writing ints back to back, as the
// encoders do: 9-digit ids (citm_catalog) 6.2 -> 4.5 ns per int, twitter.json's mix of lengths
// 8.4 -> 5.9 ns (mispredicts included), 3- and 4-digit values 5.4 -> 2.6 ns.
inline char* write_u64(char* out, uint64_t v) noexcept {
  if (v < 100000000) {
    if (v < 10000) {
      if (v < 100) return v < 10 ? write_n_digits<1>(out, v) : write_n_digits<2>(out, v);
      return v < 1000 ? write_n_digits<3>(out, v) : write_n_digits<4>(out, v);
    }
    if (v < 1000000) return v < 100000 ? write_n_digits<5>(out, v) : write_n_digits<6>(out, v);
    return v < 10000000 ? write_n_digits<7>(out, v) : write_n_digits<8>(out, v);
  }
  if (v < 10000000000000000ull) {
    if (v < 1000000000000ull) {
      if (v < 10000000000ull) {
        return v < 1000000000ull ? write_n_digits<9>(out, v) : write_n_digits<10>(out, v);
      }
      return v < 100000000000ull ? write_n_digits<11>(out, v) : write_n_digits<12>(out, v);
    }
    if (v < 100000000000000ull) {
      return v < 10000000000000ull ? write_n_digits<13>(out, v) : write_n_digits<14>(out, v);
    }
    return v < 1000000000000000ull ? write_n_digits<15>(out, v) : write_n_digits<16>(out, v);
  }
  const int n = count_digits(v);  // 17 to 20 digits: rare
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
