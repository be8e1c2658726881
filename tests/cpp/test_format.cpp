// Number formatting: integers and Python's repr(float) layout, checked against known strings and
// against CPython's own repr over many doubles.
#include <Python.h>
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>
#include <string>

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

}  // namespace
