// RFC 3339 date, time and datetime text -> fields, for typed decoding (schema_decoder.cpp). Pure
// C++ (no Python) so the grammar is tested on its own; the decoder builds the objects.
//
// Accepted, as dumps writes them (isoformat's layout) and as RFC 3339 allows:
//   date      YYYY-MM-DD                      (year 0001..9999, day valid for the month)
//   time      HH:MM:SS[.f{1,9}][offset]       (fraction: 1-6 digits exact, 7-9 truncated to us)
//   datetime  date ('T' | 't' | ' ') time
//   offset    'Z' | 'z' | (+|-)HH:MM[:SS[.ffffff]]   (seconds as isoformat writes them; |offset| <
//   24h)
// Rejected: leap second 60, hour 24, missing seconds, anything else around the text.
#pragma once

#include <cstdint>
#include <string_view>

namespace fastjson::decode::rfc3339 {

struct Date {
  int year = 0, month = 0, day = 0;
};

struct Time {
  int hour = 0, minute = 0, second = 0, microsecond = 0;
  bool has_offset = false;  // false: naive
  int64_t offset_us = 0;    // east of UTC, in microseconds (0 for 'Z')
};

bool parse_date(std::string_view text, Date& out) noexcept;
bool parse_time(std::string_view text, Time& out) noexcept;
bool parse_datetime(std::string_view text, Date& date, Time& time) noexcept;

}  // namespace fastjson::decode::rfc3339
