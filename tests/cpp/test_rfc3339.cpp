// The RFC 3339 reader behind typed decoding of datetime, date and time: what dumps writes and
// what RFC 3339 allows is read exactly; everything else is refused.
#include <gtest/gtest.h>

#include <string_view>

#include "runtime/rfc3339.h"

namespace {

using fastjson::decode::rfc3339::Date;
using fastjson::decode::rfc3339::parse_date;
using fastjson::decode::rfc3339::parse_datetime;
using fastjson::decode::rfc3339::parse_time;
using fastjson::decode::rfc3339::Time;

bool datetime_ok(std::string_view text) {
  Date d;
  Time t;
  return parse_datetime(text, d, t);
}

TEST(Rfc3339, DateFields) {
  Date d;
  ASSERT_TRUE(parse_date("2024-02-29", d));
  EXPECT_EQ(d.year, 2024);
  EXPECT_EQ(d.month, 2);
  EXPECT_EQ(d.day, 29);
  ASSERT_TRUE(parse_date("0001-01-01", d));
  ASSERT_TRUE(parse_date("2000-02-29", d));   // divisible by 400: leap
  EXPECT_FALSE(parse_date("1900-02-29", d));  // by 100 only: not leap
  EXPECT_FALSE(parse_date("2023-02-29", d));
  EXPECT_FALSE(parse_date("2024-04-31", d));
  EXPECT_FALSE(parse_date("0000-01-01", d));
  EXPECT_FALSE(parse_date("2024-13-01", d));
  EXPECT_FALSE(parse_date("2024-00-10", d));
  EXPECT_FALSE(parse_date("2024-1-01", d));
  EXPECT_FALSE(parse_date("2024-01-01T", d));
  EXPECT_FALSE(parse_date("20240101", d));
  EXPECT_FALSE(parse_date("", d));
  EXPECT_FALSE(parse_date("2024-01-0", d));
}

TEST(Rfc3339, TimeFieldsAndFractions) {
  Time t;
  ASSERT_TRUE(parse_time("08:30:05", t));
  EXPECT_EQ(t.hour, 8);
  EXPECT_EQ(t.minute, 30);
  EXPECT_EQ(t.second, 5);
  EXPECT_EQ(t.microsecond, 0);
  EXPECT_FALSE(t.has_offset);
  ASSERT_TRUE(parse_time("23:59:59.000123", t));
  EXPECT_EQ(t.microsecond, 123);
  ASSERT_TRUE(parse_time("00:00:00.5", t));
  EXPECT_EQ(t.microsecond, 500000);
  ASSERT_TRUE(parse_time("00:00:00.123456789", t));  // nanoseconds: truncated
  EXPECT_EQ(t.microsecond, 123456);
  EXPECT_FALSE(parse_time("00:00:00.1234567890", t));
  EXPECT_FALSE(parse_time("00:00:00.", t));
  EXPECT_FALSE(parse_time("24:00:00", t));
  EXPECT_FALSE(parse_time("23:60:00", t));
  EXPECT_FALSE(parse_time("23:59:60", t));  // leap seconds cannot be represented
  EXPECT_FALSE(parse_time("23:59", t));
  EXPECT_FALSE(parse_time("1:02:03", t));
  EXPECT_FALSE(parse_time("01:02:03 ", t));
}

TEST(Rfc3339, Offsets) {
  Time t;
  ASSERT_TRUE(parse_time("10:00:00Z", t));
  EXPECT_TRUE(t.has_offset);
  EXPECT_EQ(t.offset_us, 0);
  ASSERT_TRUE(parse_time("10:00:00z", t));
  ASSERT_TRUE(parse_time("10:00:00+02:30", t));
  EXPECT_EQ(t.offset_us, (2 * 3600 + 30 * 60) * 1000000LL);
  ASSERT_TRUE(parse_time("10:00:00-00:30", t));
  EXPECT_EQ(t.offset_us, -30 * 60 * 1000000LL);
  // isoformat writes offsets with seconds and microseconds when they have them.
  ASSERT_TRUE(parse_time("10:00:00.1+05:30:15.000007", t));
  EXPECT_EQ(t.offset_us, (5 * 3600 + 30 * 60 + 15) * 1000000LL + 7);
  EXPECT_EQ(t.microsecond, 100000);
  ASSERT_TRUE(parse_time("10:00:00-23:59", t));
  EXPECT_FALSE(parse_time("10:00:00+24:00", t));
  EXPECT_FALSE(parse_time("10:00:00+0200", t));
  EXPECT_FALSE(parse_time("10:00:00+02", t));
  EXPECT_FALSE(parse_time("10:00:00+02:60", t));
  EXPECT_FALSE(parse_time("10:00:00Z+01:00", t));
  EXPECT_FALSE(parse_time("10:00:00+01:00:00.1234567", t));
}

TEST(Rfc3339, DateTimes) {
  Date d;
  Time t;
  ASSERT_TRUE(parse_datetime("2024-06-11T08:30:00.000123+02:00", d, t));
  EXPECT_EQ(d.year, 2024);
  EXPECT_EQ(d.day, 11);
  EXPECT_EQ(t.hour, 8);
  EXPECT_EQ(t.microsecond, 123);
  EXPECT_EQ(t.offset_us, 7200LL * 1000000);
  EXPECT_TRUE(datetime_ok("2024-06-11t08:30:00Z"));
  EXPECT_TRUE(datetime_ok("2024-06-11 08:30:00"));
  EXPECT_FALSE(datetime_ok("2024-06-11"));
  EXPECT_FALSE(datetime_ok("2024-06-11T"));
  EXPECT_FALSE(datetime_ok("2024-06-11X08:30:00"));
  EXPECT_FALSE(datetime_ok("2024-06-11T08:30"));
  EXPECT_FALSE(datetime_ok("2024-02-30T08:30:00"));
  EXPECT_FALSE(datetime_ok(" 2024-06-11T08:30:00"));
}

}  // namespace
