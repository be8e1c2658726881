// Re-layout of compact JSON for indent= (see indent.h). json's layout: a non-empty container puts
// each item on its own line, indented one level deeper, and its closing bracket on a line of its
// own at its level; empty containers stay "[]" / "{}"; the item separator is "," and the key
// separator ": ".
#include "runtime/indent.h"

#include <cstring>

namespace fastjson::encode {

namespace {

// A newline and `spaces` spaces; false with MemoryError.
bool newline(Writer& out, size_t spaces) noexcept {
  if (!out.reserve(1 + spaces)) return false;
  char* p = out.cursor();
  *p++ = '\n';
  std::memset(p, ' ', spaces);
  out.advance_to(p + spaces);
  return true;
}

// The end of the string token starting at the '"' at `p` (one past its closing quote).
const char* string_end(const char* p, const char* end) noexcept {
  const char* const text = p + 1;
  const char* q = text;
  while (q < end) {
    const void* hit = std::memchr(q, '"', size_t(end - q));
    if (hit == nullptr) return end;
    q = static_cast<const char*>(hit);
    // The quote closes the string unless an odd number of backslashes precede it.
    size_t backslashes = 0;
    while (q - backslashes > text && q[-1 - Py_ssize_t(backslashes)] == '\\') ++backslashes;
    ++q;
    if (backslashes % 2 == 0) return q;
  }
  return end;
}

inline bool is_space(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

bool write_indented(const char* in, size_t n, int indent, Writer& out) noexcept {
  const char* p = in;
  const char* const end = in + n;
  size_t level = 0;
  const auto step = size_t(indent);
  while (p < end) {
    const char c = *p;
    if (is_space(c)) {  // only inside Fragments: their own layout gives way to indent's
      ++p;
      continue;
    }
    if (c == '"') {
      const char* q = string_end(p, end);
      if (!out.reserve(size_t(q - p))) return false;
      out.put(p, size_t(q - p));
      p = q;
      continue;
    }
    if (c == '[' || c == '{') {
      if (!out.reserve(2)) return false;
      out.put(c);
      const char* next = p + 1;
      while (next < end && is_space(*next)) ++next;
      if (next < end && (*next == ']' || *next == '}')) {  // empty: "[]" / "{}"
        out.put(*next);
        p = next + 1;
        continue;
      }
      ++level;
      if (!newline(out, level * step)) return false;
    } else if (c == ']' || c == '}') {
      --level;
      if (!newline(out, level * step) || !out.reserve(1)) return false;
      out.put(c);
    } else if (c == ',') {
      if (!out.reserve(1)) return false;
      out.put(',');
      if (!newline(out, level * step)) return false;
    } else if (c == ':') {
      if (!out.reserve(2)) return false;
      out.put(": ", 2);
    } else {
      // A number or literal: copy up to the next structural character.
      const char* q = p + 1;
      while (q < end && *q != ',' && *q != ']' && *q != '}' && *q != ':' && !is_space(*q)) ++q;
      if (!out.reserve(size_t(q - p))) return false;
      out.put(p, size_t(q - p));
      p = q;
      continue;
    }
    ++p;
  }
  return true;
}

}  // namespace fastjson::encode
