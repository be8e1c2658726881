// Rendering of error paths, in the notation msgspec users know (`$.items[2].id`).
#include "runtime/json_path.h"

#include "runtime/escape.h"

namespace fastjson {

namespace {

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

void append_part(std::string& out, const std::string& key, Py_ssize_t index) {
  if (index >= 0) {
    out += '[';
    out += std::to_string(index);
    out += ']';
  } else if (is_identifier(key)) {
    out += '.';
    out += key;
  } else {
    std::string quoted(escape::max_quoted_size(key.size()), '\0');
    char* end = escape::write_quoted(quoted.data(), key.data(), key.size());
    quoted.resize(size_t(end - quoted.data()));
    out += '[';
    out += quoted;
    out += ']';
  }
}

}  // namespace

void JsonPath::keep_outermost(size_t n) {
  if (n < parts_.size()) parts_.erase(parts_.begin(), parts_.end() - Py_ssize_t(n));
}

std::string JsonPath::render() const {
  std::string out = "$";
  const size_t n = parts_.size();
  const size_t half = kMaxShown / 2;
  for (size_t k = 0; k < n; ++k) {
    if (n > kMaxShown && k == half) {
      out += "...";
      k = n - half - 1;  // continue with the innermost `half` components
      continue;
    }
    const Part& part = parts_[n - 1 - k];
    append_part(out, part.key, part.index);
  }
  return out;
}

}  // namespace fastjson
