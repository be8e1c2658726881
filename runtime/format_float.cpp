// Python's repr(float) layout (CPython Python/pystrtod.c, format_float_short with 'r' mode):
// digits d1..dn with decimal point position decpt (value = 0.d1..dn * 10^decpt) are written
//   - in scientific form "d1.d2..dne±XX" when decpt <= -4 or decpt > 16,
//   - otherwise positionally, always with a fractional part (".0" when integral).
// The digits are the shortest that round-trip; fmt's Dragonbox (Jeon 2020,
// https://github.com/jk-jeon/dragonbox) produces the same shortest, closest digits as CPython's
// dtoa mode 0, at ~20 ns instead of std::to_chars' ~55 ns here (FIELD-NOTES).
#include "runtime/format_float.h"

// The full 10^k table (~10 KB) instead of fmt's default compressed one, which rebuilds each power
// with extra 128-bit multiplications: measured ~35% fewer instructions per float on canada.json.
#define FMT_USE_FULL_CACHE_DRAGONBOX 1
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include <emmintrin.h>

#include "runtime/format_int.h"

namespace fastjson::format {

namespace {

// Integral doubles below 1e16 are most floats in real data (counts, prices in cents, ids):
// their repr is the integer and ".0", no shortest-digit search needed.
inline bool is_small_integral(double v, int64_t& out) noexcept {
  if (!(v > -1e16 && v < 1e16)) return false;
  const auto i = static_cast<int64_t>(v);
  if (static_cast<double>(i) != v) return false;
  out = i;
  return true;
}

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


// Finds repr's digits without Dragonbox when v has at most 15 significant digits, which covers
// most real data (coordinates, prices, measurements). Correct because:
//  - m / 10^k is computed exactly rounded (m < 2^53 and 10^k, k <= 22, are exact doubles), so the
//    check `m / 10^k == v` proves the decimal m * 10^-k reads back as v;
//  - distinct decimals of at most 15 significant digits never read back as the same double (that
//    is DBL_DIG = 15, for normal doubles), so that decimal, trailing zeros removed, is the only
//    one of its length and hence exactly the shortest round-trip digits repr prints.
// A wrong guess of m (the product v * 10^k is rounded) only fails the check: Dragonbox decides.
inline bool short_decimal(double v, uint64_t& significand, int& exponent) noexcept {
  if (!(v >= 1.0 && v < 1e15)) return false;  // v > 0 here; smaller values are rarer, left out
  static constexpr double kPow10d[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const int k = 15 - count_digits(static_cast<uint64_t>(v));  // scales v into [1e14, 1e15)
  const double scaled = v * kPow10d[k];
  // cvtsd2si rounds to nearest (the default MXCSR mode) in one instruction; llrint is a call.
  const auto m = static_cast<uint64_t>(_mm_cvtsd_si64(_mm_set_sd(scaled)));
  if (m >= 1000000000000000ull || static_cast<double>(m) / kPow10d[k] != v) return false;
  uint64_t digits = m;
  int e = -k;
  // Strip trailing zeros, widest steps first.
  if (digits % 100000000 == 0) digits /= 100000000, e += 8;
  if (digits % 10000 == 0) digits /= 10000, e += 4;
  if (digits % 100 == 0) digits /= 100, e += 2;
  if (digits % 10 == 0) digits /= 10, e += 1;
  significand = digits;
  exponent = e;
  return true;
}

}  // namespace

char* write_double_repr(char* out, double v) noexcept {
  int64_t integral;
  if (is_small_integral(v, integral)) {
    if (integral == 0 && std::signbit(v)) *out++ = '-';  // -0.0 keeps its sign
    out = write_i64(out, integral);
    std::memcpy(out, ".0", 2);
    return out + 2;
  }
  if (std::signbit(v)) {
    *out++ = '-';
    v = -v;
  }
  uint64_t significand;
  int exponent;
  if (!short_decimal(v, significand, exponent)) {
    const auto dec = fmt::detail::dragonbox::to_decimal(v);  // trailing zeros removed
    significand = dec.significand;
    exponent = dec.exponent;
  }
  const int ndigits = count_digits(significand);
  const int decpt = exponent + ndigits;

  if (decpt <= -4 || decpt > 16) {
    // d1[.d2..dn]e±XX: the digits are written one place right, then d1 moves in front of '.'.
    write_digits(out + 1, significand, ndigits);
    out[0] = out[1];
    if (ndigits > 1) {
      out[1] = '.';
      out += ndigits + 1;
    } else {
      out += 1;
    }
    return write_exponent(out, decpt - 1);
  }
  if (decpt <= 0) {
    // 0.000ddd: a fixed 8-byte store of the prefix, the digits overwrite what is not needed.
    std::memcpy(out, "0.000000", 8);
    out += 2 - decpt;
    write_digits(out, significand, ndigits);
    return out + ndigits;
  }
  write_digits(out, significand, ndigits);
  if (decpt >= ndigits) {
    // ddd000.0: integral values below 1e16 already took the fast path, so this is reached only if
    // that path is changed; kept so the layout rules stay complete in one place.
    out += ndigits;
    std::memset(out, '0', size_t(decpt - ndigits));
    out += decpt - ndigits;
    std::memcpy(out, ".0", 2);
    return out + 2;
  }
  // ddd.ddd: the fraction (at most 16 digits, as decpt >= 1 and ndigits <= 17) moves one place
  // right in a single 16-byte copy; kMaxFloatChars leaves room for the bytes it drags along.
  char fraction[16];
  std::memcpy(fraction, out + decpt, 16);
  std::memcpy(out + decpt + 1, fraction, 16);
  out[decpt] = '.';
  return out + ndigits + 1;
}

}  // namespace fastjson::format
