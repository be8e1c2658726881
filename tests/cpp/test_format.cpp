// Number formatting: integers and Python's repr(float) layout, checked against known strings and
// against CPython's own repr over many doubles.
#include <Python.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "runtime/format_float.h"
#include "runtime/format_int.h"

namespace {

std::string repr_of(double v) {
  char buf[fastjson::format::kMaxFloatChars];
  return std::string(buf, fastjson::format::write_double_repr(buf, v));
}

std::string python_repr(double v) {
  PyObject* f = PyFloat_FromDouble(v);
  PyObject* r = PyObject_Repr(f);
  std::string out = PyUnicode_AsUTF8(r);
  Py_DECREF(r);
  Py_DECREF(f);
  return out;
}

std::string int_text(int64_t v) {
  char buf[fastjson::format::kMaxIntChars];
  return std::string(buf, fastjson::format::write_i64(buf, v));
}

TEST(FormatInt, Boundaries) {
  EXPECT_EQ(int_text(0), "0");
  EXPECT_EQ(int_text(7), "7");
  EXPECT_EQ(int_text(-7), "-7");
  EXPECT_EQ(int_text(10), "10");
  EXPECT_EQ(int_text(99), "99");
  EXPECT_EQ(int_text(100), "100");
  EXPECT_EQ(int_text(std::numeric_limits<int64_t>::max()), "9223372036854775807");
  EXPECT_EQ(int_text(std::numeric_limits<int64_t>::min()), "-9223372036854775808");
  char buf[fastjson::format::kMaxIntChars];
  EXPECT_EQ(std::string(buf, fastjson::format::write_u64(buf, UINT64_MAX)), "18446744073709551615");
}

TEST(FormatInt, EveryPowerOfTenNeighbour) {
  int64_t p = 1;
  for (int i = 0; i < 18; ++i, p *= 10) {
    for (int64_t v : {p - 1, p, p + 1, -p}) EXPECT_EQ(int_text(v), std::to_string(v));
  }
}

TEST(FormatInt, EightDigitBlocksOverTheWholeRange) {
  // ascii_8digits' multiply-shift divisions are exact only below 10^8: check a dense sweep.
  for (uint32_t n = 0; n < 100000000; n += 7) {
    const uint64_t bytes = fastjson::format::ascii_8digits(n);
    char text[9];
    std::snprintf(text, sizeof text, "%08u", n);
    ASSERT_EQ(std::memcmp(&bytes, text, 8), 0) << n;
  }
}

TEST(FormatInt, EveryLength) {
  uint64_t v = 0;
  for (int digits = 1; digits <= 20; ++digits) {
    v = v * 10 + uint64_t(digits % 10 == 0 ? 9 : digits % 10);
    char buf[fastjson::format::kMaxIntChars];
    EXPECT_EQ(std::string(buf, fastjson::format::write_u64(buf, v)), std::to_string(v));
  }
}

TEST(FormatInt, EveryOneAndTwoDigitHead) {
  // write_leading's table path: whole values below 100, and every head of 1 or 2 digits before
  // one or two 8-digit blocks (9, 10, 17, 18 and 19, 20 digits).
  char buf[fastjson::format::kMaxIntChars];
  for (uint64_t head = 0; head < 100; ++head) {
    const uint64_t values[] = {head, head * 100000000 + 12345678, head * 100000000 + 7,
                               head * 10000000000000000 + 9876543210123456, head * 10000000000000000};
    for (const uint64_t v : values) {
      ASSERT_EQ(std::string(buf, fastjson::format::write_u64(buf, v)), std::to_string(v));
    }
  }
  for (const uint64_t v : {uint64_t(10000000000000000000u), uint64_t(9999999999999999999u), UINT64_MAX}) {
    ASSERT_EQ(std::string(buf, fastjson::format::write_u64(buf, v)), std::to_string(v));
  }
}

TEST(FormatInt, RandomValuesOfEveryBitLength) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 1000000; ++i) {
    const uint64_t v = rng() >> (i % 64);
    char buf[fastjson::format::kMaxIntChars];
    ASSERT_EQ(std::string(buf, fastjson::format::write_u64(buf, v)), std::to_string(v));
  }
}

TEST(FormatInt, SixteenDigitsEveryValueOfEachHalf) {
  // ascii_16digits runs the same lane arithmetic on both halves: every value 0..10^8-1 goes through
  // each half once (the high half counts up while the low half counts down), checked against
  // two odometers of ASCII digits.
  char up[8], down[8];
  std::memset(up, '0', 8);
  std::memset(down, '9', 8);
  for (uint32_t n = 0; n < 100000000; ++n) {
    char got[16];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(got),
                     fastjson::format::ascii_16digits(n, 99999999 - n));
    if (std::memcmp(got, up, 8) != 0 || std::memcmp(got + 8, down, 8) != 0) {
      FAIL() << n << ": " << std::string(got, 16);
    }
    for (int i = 7; i >= 0 && ++up[i] > '9'; --i) up[i] = '0';
    for (int i = 7; i >= 0 && --down[i] < '0'; --i) down[i] = '9';
  }
}

TEST(FormatInt, DivisionByPowersOfTenMatchesTheOperator) {
  std::vector<uint64_t> values = {0, 1, UINT64_MAX, UINT64_MAX - 1};
  for (int k = 0; k < 20; ++k) {
    for (uint64_t p = fastjson::format::kPow10[k], m = 1; m <= 9; ++m) {
      if (p > UINT64_MAX / m) break;
      for (uint64_t d : {uint64_t(0), uint64_t(1)})
        values.push_back(p * m - d), values.push_back(p * m + d);
    }
  }
  std::mt19937_64 rng(3);
  for (int i = 0; i < 1000000; ++i) values.push_back(rng() >> (rng() % 64));
  for (uint64_t v : values) {
    ASSERT_EQ(fastjson::format::div_1e8(v), v / 100000000) << v;
    ASSERT_EQ(fastjson::format::div_1e16(v), v / 10000000000000000ull) << v;
  }
}

TEST(FormatFloat, PythonLayout) {
  EXPECT_EQ(repr_of(0.0), "0.0");
  EXPECT_EQ(repr_of(-0.0), "-0.0");
  EXPECT_EQ(repr_of(1.0), "1.0");
  EXPECT_EQ(repr_of(1e16), "1e+16");
  EXPECT_EQ(repr_of(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(repr_of(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(repr_of(0.0001), "0.0001");
  EXPECT_EQ(repr_of(0.00001), "1e-05");
  EXPECT_EQ(repr_of(1.5e-7), "1.5e-07");
  EXPECT_EQ(repr_of(5e-324), "5e-324");
  EXPECT_EQ(repr_of(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(repr_of(-2.2250738585072014e-308), "-2.2250738585072014e-308");
  EXPECT_EQ(repr_of(0.1), "0.1");
  EXPECT_EQ(repr_of(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(repr_of(123.456), "123.456");
  EXPECT_EQ(repr_of(-65.613617), "-65.613617");
  EXPECT_EQ(repr_of(1e22), "1e+22");
  EXPECT_EQ(repr_of(1.5e300), "1.5e+300");
}

TEST(FormatFloat, MatchesCPythonReprOnRandomBitPatterns) {
  std::mt19937_64 rng(20261121);
  int checked = 0;
  for (int i = 0; i < 200000; ++i) {
    const uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v)) continue;
    ASSERT_EQ(repr_of(v), python_repr(v)) << "bits " << bits;
    ++checked;
  }
  EXPECT_GT(checked, 190000);
}

TEST(FormatFloat, MatchesCPythonReprOnShortDecimals) {
  // Values written with few decimals (prices, coordinates) stress the fixed layout and rounding.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> dist(-1e7, 1e7);
  for (int i = 0; i < 100000; ++i) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", int(rng() % 9), dist(rng));
    const double v = std::strtod(text, nullptr);
    ASSERT_EQ(repr_of(v), python_repr(v)) << text;
  }
}

// Decimal text with the given digits and point position (value = 0.digits * 10^decpt), read back
// by strtod: the double nearest to it.
double decimal(const std::string& digits, int decpt) {
  const std::string text = "0." + digits + "e" + std::to_string(decpt);
  return std::strtod(text.c_str(), nullptr);
}

TEST(FormatFloat, EveryDigitCountAtEveryPointPosition) {
  // 1 to 17 significant digits, with the point everywhere from well inside the scientific range
  // through every positional case (0.000ddd, d.ddd, ddd.d, integral) and the switches at
  // decpt -4/-3 and 16/17; several digit patterns each.
  std::mt19937_64 rng(17);
  for (int ndigits = 1; ndigits <= 17; ++ndigits) {
    for (int decpt = -25; decpt <= 25; ++decpt) {
      for (int trial = 0; trial < 20; ++trial) {
        std::string digits;
        for (int i = 0; i < ndigits; ++i) digits += char('0' + rng() % 10);
        if (trial == 0) digits.assign(size_t(ndigits), '9');
        if (trial == 1) digits.assign(size_t(ndigits), '0');
        if (digits[0] == '0') digits[0] = '1';
        if (digits.back() == '0') digits.back() = '1' + char(rng() % 9);
        for (double v : {decimal(digits, decpt), -decimal(digits, decpt)}) {
          ASSERT_EQ(repr_of(v), python_repr(v)) << digits << "e" << decpt;
        }
      }
    }
  }
}

TEST(FormatFloat, BinadeAndPowerOfTenEdges) {
  // short_decimal picks its scale by binary exponent and tries 14 or 15 digits; Dragonbox takes
  // the rest. The edges of both choices: powers of two and of ten, and their neighbours.
  std::vector<double> values;
  for (int e = -1074; e <= 1023; ++e) values.push_back(std::ldexp(1.0, e));
  for (int k = -323; k <= 308; ++k)
    values.push_back(std::strtod(("1e" + std::to_string(k)).c_str(), nullptr));
  const size_t anchors = values.size();
  for (size_t i = 0; i < anchors; ++i) {
    double below = values[i], above = values[i];
    for (int step = 0; step < 3; ++step) {
      below = std::nextafter(below, 0.0);
      above = std::nextafter(above, INFINITY);
      values.push_back(below);
      values.push_back(above);
    }
  }
  // Fifteen and sixteen nines at every scale: the largest decimals of each length under a power.
  for (int k = -30; k <= 30; ++k) {
    for (const char* nines : {"999999999999999", "9999999999999999", "99999999999999"}) {
      values.push_back(decimal(nines, k));
    }
  }
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    ASSERT_EQ(repr_of(v), python_repr(v)) << v;
  }
}

TEST(FormatFloat, IntegralValues) {
  // Integral doubles take the same digit path as any other short decimal, with ".0" appended.
  std::vector<double> values;
  for (int i = -100000; i <= 100000; ++i) values.push_back(double(i));
  for (int e = 0; e <= 80; ++e) {
    const double p = std::ldexp(1.0, e);
    for (double d : {-1.0, 0.0, 1.0}) values.push_back(p + d);
  }
  std::mt19937_64 rng(23);
  for (int i = 0; i < 100000; ++i) {
    values.push_back(double(int64_t(rng() >> (rng() % 64))));  // every length up to 2^63
  }
  for (double v : values) ASSERT_EQ(repr_of(v), python_repr(v)) << v;
}

TEST(FormatFloat, MatchesCPythonReprOnSmallShortDecimals) {
  // Few-digit values below 1 (probabilities, rates, tiny measurements) down to ~1e-9, where
  // short_decimal scales by up to 10^22.
  std::mt19937_64 rng(29);
  for (int i = 0; i < 100000; ++i) {
    char text[64];
    std::snprintf(text, sizeof text, "%llue-%d",
                  (unsigned long long)(rng() % 1000000000000000ull >> (rng() % 50)),
                  int(rng() % 24));
    const double v = std::strtod(text, nullptr);
    ASSERT_EQ(repr_of(v), python_repr(v)) << text;
  }
}

TEST(FormatFloat, StoresStayWithinTheLongestText) {
  // The writer stores whole 16-byte blocks; callers reserve kMaxFloatChars, and the stores must
  // not pass byte 24, the length of the longest repr.
  static_assert(fastjson::format::kMaxFloatChars >= 24);
  std::mt19937_64 rng(31);
  std::vector<double> values = {-2.2250738585072014e-308,
                                -1.2345678901234567e-100,
                                -0.00012345678901234567,
                                -1234567890123456.7,
                                -12345678901234567.0,
                                -1e22,
                                -0.0,
                                -5e-324};
  for (int i = 0; i < 100000; ++i) {
    const uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (std::isfinite(v)) values.push_back(v);
  }
  for (double v : values) {
    char buf[64];
    std::memset(buf, 0x7F, sizeof buf);
    fastjson::format::write_double_repr(buf, v);
    for (int i = 24; i < int(sizeof buf); ++i) ASSERT_EQ(buf[i], 0x7F) << v << " wrote byte " << i;
  }
}

TEST(FormatFloat, PairIsTheTwoReprsWithAComma) {
  // write_double_repr_pair ([lon, lat] lists) inlines the single-value layout twice; both halves
  // must match repr, and its stores must stay within the pair's longest text (49 bytes).
  std::mt19937_64 rng(37);
  std::vector<double> values = {0.0,
                                -0.0,
                                5e-324,
                                1e16,
                                1e-5,
                                0.0001,
                                1e22,
                                1e23,
                                -65.61361699999998,
                                43.42027300000001,
                                1.7976931348623157e308};
  for (int i = 0; i < 200000; ++i) {
    const uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (std::isfinite(v)) values.push_back(v);
  }
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    const double a = values[i], b = values[values.size() - 1 - i];
    char buf[2 * fastjson::format::kMaxFloatChars + 1];
    std::memset(buf, 0x7F, sizeof buf);
    char* end = fastjson::format::write_double_repr_pair(buf, a, b);
    ASSERT_EQ(std::string(buf, size_t(end - buf)), python_repr(a) + "," + python_repr(b));
    const size_t text = size_t(end - buf);
    const size_t reach =
        text - python_repr(b).size() + 24;  // b's stores end 24 bytes past its start
    for (size_t j = reach; j < sizeof buf; ++j) ASSERT_EQ(buf[j], 0x7F) << a << "," << b;
  }
}

}  // namespace
