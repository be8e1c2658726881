// A strict hand-written reader: datetime.fromisoformat on 3.11 refuses 'Z' and several RFC 3339
// forms, and going through Python for every field would cost a call and a str.
#include "runtime/rfc3339.h"

namespace fastjson::decode::rfc3339 {

namespace {

// Reads exactly n digits at text[i]; false if any is not a digit or the text is too short.
bool digits(std::string_view text, size_t& i, size_t n, int& out) noexcept {
  if (text.size() - i < n || i > text.size()) return false;
  int v = 0;
  for (size_t k = 0; k < n; ++k) {
    const char c = text[i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  i += n;
  out = v;
  return true;
}

bool expect(std::string_view text, size_t& i, char c) noexcept {
  if (i >= text.size() || text[i] != c) return false;
  ++i;
  return true;
}

int days_in_month(int year, int month) noexcept {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) return 29;
  return kDays[month - 1];
}

bool date_at(std::string_view text, size_t& i, Date& d) noexcept {
  if (!digits(text, i, 4, d.year) || !expect(text, i, '-') || !digits(text, i, 2, d.month) ||
      !expect(text, i, '-') || !digits(text, i, 2, d.day)) {
    return false;
  }
  return d.year >= 1 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
         d.day <= days_in_month(d.year, d.month);
}

// ".f{1,max}" as microseconds (digits past the sixth are dropped); `max` digits at most.
bool fraction_at(std::string_view text, size_t& i, size_t max, int& us) noexcept {
  us = 0;
  if (i >= text.size() || text[i] != '.') return true;
  ++i;
  size_t n = 0;
  int scale = 100000;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (++n > max) return false;
    if (scale > 0) {
      us += (text[i] - '0') * scale;
      scale /= 10;
    }
    ++i;
  }
  return n > 0;
}

bool time_at(std::string_view text, size_t& i, Time& t) noexcept {
  if (!digits(text, i, 2, t.hour) || !expect(text, i, ':') || !digits(text, i, 2, t.minute) ||
      !expect(text, i, ':') || !digits(text, i, 2, t.second) ||
      !fraction_at(text, i, 9, t.microsecond)) {
    return false;
  }
  if (t.hour > 23 || t.minute > 59 || t.second > 59) return false;
  t.has_offset = false;
  t.offset_us = 0;
  if (i == text.size()) return true;
  const char c = text[i++];
  if (c == 'Z' || c == 'z') {
    t.has_offset = true;
    return i == text.size();
  }
  if (c != '+' && c != '-') return false;
  int hours, minutes, seconds = 0, us = 0;
  if (!digits(text, i, 2, hours) || !expect(text, i, ':') || !digits(text, i, 2, minutes)) {
    return false;
  }
  if (i < text.size() && text[i] == ':') {
    ++i;
    if (!digits(text, i, 2, seconds) || !fraction_at(text, i, 6, us)) return false;
  }
  if (hours > 23 || minutes > 59 || seconds > 59 || i != text.size()) return false;
  const int64_t total = ((int64_t(hours) * 60 + minutes) * 60 + seconds) * 1000000 + us;
  t.has_offset = true;
  t.offset_us = c == '-' ? -total : total;
  return true;
}

}  // namespace

bool parse_date(std::string_view text, Date& out) noexcept {
  size_t i = 0;
  return date_at(text, i, out) && i == text.size();
}

bool parse_time(std::string_view text, Time& out) noexcept {
  size_t i = 0;
  return time_at(text, i, out);
}

bool parse_datetime(std::string_view text, Date& date, Time& time) noexcept {
  size_t i = 0;
  if (!date_at(text, i, date) || i >= text.size()) return false;
  const char sep = text[i++];
  if (sep != 'T' && sep != 't' && sep != ' ') return false;
  return time_at(text, i, time);
}

}  // namespace fastjson::decode::rfc3339
