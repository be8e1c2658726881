// Python's repr(float) layout (CPython Python/pystrtod.c, format_float_short with 'r' mode):
// digits d1..dn with decimal point position decpt (value = 0.d1..dn * 10^decpt) are written
//   - in scientific form "d1.d2..dne±XX" when decpt <= -4 or decpt > 16,
//   - otherwise positionally, always with a fractional part (".0" when integral).
// The digits are the shortest that round-trip: short_decimal finds them directly for values with
// at most 15 significant digits; otherwise fmt's Dragonbox (Jeon 2020,
// https://github.com/jk-jeon/dragonbox), which gives the same shortest, closest digits as CPython's
// dtoa mode 0. Either way the digits are padded to exactly 17, converted in one SSE2 register
// and placed with stores whose positions depend on the layout, not on branches per digit count.
#include "runtime/format_float.h"

// The full 10^k table (~10 KB) instead of fmt's default compressed one, which rebuilds each power
// with extra 128-bit multiplications: measured ~35% fewer instructions per float on canada.json.
#define FMT_USE_FULL_CACHE_DRAGONBOX 1
#include <emmintrin.h>
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "runtime/format_int.h"

namespace fastjson::format {

namespace {

char* write_exponent(char* out, int e) noexcept {
  *out++ = 'e';
  *out++ = e < 0 ? '-' : '+';
  unsigned u = e < 0 ? unsigned(-e) : unsigned(e);
  if (u >= 100) {
    *out++ = char('0' + u / 100);
    u %= 100;
  }
  std::memcpy(out, kDigitPairs + 2 * u, 2);  // at least two exponent digits, like C's printf
  return out + 2;
}

// Whether 2^p2 <= 10^d, exactly, in integers (|p2| <= 63, |d| <= 19).
constexpr bool pow2_at_most_pow10(int p2, int d) {
  if (p2 < 0 && d >= 0) return true;
  if (p2 >= 0 && d < 0) return false;
  if (p2 >= 0) return (uint64_t(1) << p2) <= kPow10[d];
  return kPow10[-d] <= (uint64_t(1) << -p2);  // both negative: 10^-d <= 2^-p2
}

// short_decimal's scale for each binade [2^e, 2^(e+1)), e in kMinShortExp..49 (v from ~7.5e-9 to
// 2^50 > 1e15): decpt, the least d with 2^(e+1) <= 10^d (so v < 10^d; capped at 15, as v < 1e15
// is checked anyway), and 10^(15 - d), which scales v below 1e15 with one table load instead of
// counting v's digits. In binades that hold no power of ten the scaled value has 15 integer
// digits; in the others, values below the power land in [1e13, 1e14) and only 14 digits are
// tried (a miss costs time, never correctness). 15 - d <= 22 keeps every scale an exact double.
inline constexpr int kMinShortExp = -27;
struct ShortScales {
  double scale[50 - kMinShortExp];
  int8_t decpt[50 - kMinShortExp];
};
inline constexpr ShortScales kShortScales = [] {
  ShortScales t{};
  for (int e = kMinShortExp; e < 50; ++e) {
    int d = -8;
    while (!pow2_at_most_pow10(e + 1, d) && d < 15) ++d;
    double scale = 1;
    for (int i = d; i < 15; ++i) scale *= 10;  // exact: every power of ten up to 10^22 is
    t.scale[e - kMinShortExp] = scale;
    t.decpt[e - kMinShortExp] = int8_t(d);
  }
  return t;
}();

// Digit count and scale to 17 digits of a significand s with bit length b + 1 (s in
// [2^b, 2^(b+1))): s has ndigits = digits of 2^b, or one more when s >= threshold = 10^ndigits.
// One table load after the bit scan, where count_digits then kPow10[17 - n] are two dependent
// loads: ~10 cycles less between Dragonbox and the digit conversion, ~3% per float on canada.
struct Normalizer {
  uint64_t threshold;
  uint64_t scale;       // 10^(17 - ndigits)
  uint64_t scale_more;  // 10^(16 - ndigits)
  int ndigits;
};
inline constexpr auto kNormalizers = [] {
  std::array<Normalizer, 57> t{};  // s < 10^17 < 2^57
  for (int b = 0; b < 57; ++b) {
    int n = 0;
    for (uint64_t x = uint64_t(1) << b; x != 0; x /= 10) ++n;
    t[b] = {kPow10[n], kPow10[17 - n], n < 17 ? kPow10[16 - n] : 0, n};
  }
  return t;
}();

// Finds repr's digits without Dragonbox when v has at most 15 significant digits, which covers
// most real data (coordinates, prices, measurements, and integral values). Correct because:
//  - m / 10^k is computed exactly rounded (m < 2^53 and 10^k, k <= 22, are exact doubles), so the
//    check `m / 10^k == v` proves the decimal m * 10^-k reads back as v;
//  - distinct decimals of at most 15 significant digits never read back as the same double (that
//    is DBL_DIG = 15, for normal doubles), so that decimal, trailing zeros removed, is the only
//    one of its length and hence exactly the shortest round-trip digits repr prints.
// A wrong guess of m (the product v * 10^k is rounded) only fails the check: Dragonbox decides.
// On success v == 0.d0d1..d16 * 10^decpt with digits17 = d0..d16, trailing zeros kept.
inline bool short_decimal(double v, uint64_t& digits17, int& decpt) noexcept {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  // v in [2^kMinShortExp, 2^50) (v > 0 here) by its binary exponent alone: one integer compare,
  // also false for 0, subnormals, inf and nan. v >= 1e15 fails the m < 1e15 check below.
  const unsigned e = unsigned(bits >> 52) - unsigned(1023 + kMinShortExp);
  if (e >= unsigned(50 - kMinShortExp)) return false;
  const double scale = kShortScales.scale[e];
  // cvtsd2si rounds to nearest (the default MXCSR mode) in one instruction; llrint is a call.
  // Signed conversions: one instruction each, where uint64_t needs a fix-up sequence.
  const int64_t m = _mm_cvtsd_si64(_mm_set_sd(v * scale));
  if (m >= 1000000000000000 || static_cast<double>(m) / scale != v) return false;
  const bool only14 = m < 100000000000000;  // v was below the binade's power of ten
  digits17 = uint64_t(m) * (only14 ? 1000 : 100);
  decpt = kShortScales.decpt[e] - only14;
  return true;
}

// The 16 bytes at kHeadMask + 16 - j are 0xFF for the first j, 0 for the rest (j in 0..16): a
// variable byte mask from one unaligned load, as SSE2 has no variable byte shift.
alignas(32) constexpr unsigned char kHeadMask[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

inline void store16(char* p, __m128i bytes) noexcept {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), bytes);
}

// Writes the 17 digits d0 (a char) and tail (d1..d16) with '.' after the first `point` (1..16)
// of them: 18 bytes at out. The digits after the point must move one byte right; SSE2 cannot
// shift by a variable count, so the register is blended with its one-byte shift under a mask.
// Stores only, no reload of what was just written (which would stall store-to-load forwarding).
inline void write_with_point(char* out, char d0, __m128i tail, int point) noexcept {
  const __m128i head = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kHeadMask + 17 - point));
  const __m128i shifted = _mm_slli_si128(tail, 1);  // byte j holds d_j
  // bytes j < point - 1 keep d_(j+1) (before the point), the others take d_j (after it).
  const __m128i blended = _mm_or_si128(_mm_and_si128(head, tail), _mm_andnot_si128(head, shifted));
  store16(out + 2, tail);  // only its last byte, d16 at out[17], survives the next store
  store16(out + 1, blended);
  out[0] = d0;
  out[point] = '.';
}

// The layout of one double, inlined into both entry points below.
[[gnu::always_inline]] inline char* write_repr(char* out, double v) noexcept {
  // Branch-free sign: half of real coordinates are negative, in no predictable order.
  *out = '-';
  out += std::signbit(v);
  v = std::fabs(v);

  // The digits, padded with zeros to exactly 17, so that every length takes the same path below:
  // d0 in a register, d1..d16 in one SSE2 register.
  uint64_t digits17;
  int decpt;    // v == 0.d0d1d2... * 10^decpt
  int ndigits;  // significant digits, trailing zeros excluded
  const bool is_short = short_decimal(v, digits17, decpt);
  if (!is_short) {
    // Also 0 (Dragonbox gives 0 * 10^0, written "0.0") and integral values from 1e15 up.
    const auto dec = fmt::detail::dragonbox::to_decimal(v);  // trailing zeros removed
    const Normalizer& norm = kNormalizers[63 - __builtin_clzll(dec.significand | 1)];
    const bool more = dec.significand >= norm.threshold;
    ndigits = norm.ndigits + more;
    decpt = dec.exponent + ndigits;
    digits17 = dec.significand * (more ? norm.scale_more : norm.scale);
  }
  // digits17 < 10^17 < 2^57: split at 10^8 first, so both remaining splits run side by side
  // (top9 < 10^9 fits 32 bits).
  const uint64_t top9 = div_1e8(digits17);
  const uint32_t d0 = uint32_t(top9) / 100000000u;
  const __m128i tail = ascii_16digits(top9 - uint64_t(d0) * 100000000, digits17 - top9 * 100000000);
  if (is_short) {
    // short_decimal keeps trailing zeros: count the significant digits from the '0' bytes.
    const unsigned nonzero =
        ~unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(tail, _mm_set1_epi8('0')))) & 0xFFFF;
    ndigits = 32 - __builtin_clz((nonzero << 1) | 1);  // 1 + index of the last nonzero of d1..d16
  }

  if (unsigned(decpt - 1) < 16) [[likely]] {
    // ddd.ddd, or ddd000.0 when v is integral: digits17 has '0' past the significant digits, so
    // the same stores serve both and only the length differs (no branch on integral values).
    write_with_point(out, char('0' + d0), tail, decpt);
    return out + 1 + (ndigits > decpt ? ndigits : decpt + 1);
  }
  if (decpt <= 0 && decpt > -4) {
    // 0.000ddd: a fixed 8-byte store of the prefix, the digits overwrite what is not needed.
    std::memcpy(out, "0.000000", 8);
    out += 2 - decpt;
    out[0] = char('0' + d0);
    store16(out + 1, tail);
    return out + ndigits;
  }
  // d1[.d2..dn]e±XX
  write_with_point(out, char('0' + d0), tail, 1);
  return write_exponent(out + (ndigits > 1 ? ndigits + 1 : 1), decpt - 1);
}

}  // namespace

// flatten: Dragonbox's to_decimal is inlined too, sparing its call and register saves (~3
// instructions per float on canada.json).
[[gnu::flatten]] char* write_double_repr(char* out, double v) noexcept {
  return write_repr(out, v);
}

[[gnu::flatten]] char* write_double_repr_pair(char* out, double a, double b) noexcept {
  out = write_repr(out, a);
  *out++ = ',';
  return write_repr(out, b);
}

}  // namespace fastjson::format
