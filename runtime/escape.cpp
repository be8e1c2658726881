// The escape scan: 16 bytes per step with SSE2 (baseline on x86-64), so clean ASCII/UTF-8 runs are
// copied a block at a time and only the rare byte needing an escape is handled one by one.
#include "runtime/escape.h"

#include <cstdint>
#include <cstring>

namespace fastjson::escape {

namespace {

// The escape for each byte below 0x20 plus '"' and '\\'; length 2 ("\n") or 6 ("\u0001").
struct Escape {
  char text[7];
  unsigned char len;
};

constexpr Escape make_escape(unsigned c) {
  Escape e{};
  switch (c) {
    case '"': e = {"\\\"", 2}; break;
    case '\\': e = {"\\\\", 2}; break;
    case '\b': e = {"\\b", 2}; break;
    case '\f': e = {"\\f", 2}; break;
    case '\n': e = {"\\n", 2}; break;
    case '\r': e = {"\\r", 2}; break;
    case '\t': e = {"\\t", 2}; break;
    default: {
      constexpr char hex[] = "0123456789abcdef";
      e = {{'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0}, 6};
    }
  }
  return e;
}

struct EscapeTable {
  Escape entries[256]{};
  bool needs[256]{};
  constexpr EscapeTable() {
    for (unsigned c = 0; c < 0x20; ++c) {
      entries[c] = make_escape(c);
      needs[c] = true;
    }
    entries['"'] = make_escape('"');
    needs['"'] = true;
    entries['\\'] = make_escape('\\');
    needs['\\'] = true;
  }
};
constexpr EscapeTable kTable;

inline char* put_escape(char* out, unsigned char c) noexcept {
  const Escape& e = kTable.entries[c];
  std::memcpy(out, e.text, sizeof e.text);  // fixed-size copy (cheaper than len-sized); room ok
  return out + e.len;
}

}  // namespace

char* write_quoted(char* out, const char* s, size_t n) noexcept {
  *out++ = '"';
  const char* end = s + n;
#if defined(__SSE2__)
  while (end - s >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), v);
    const unsigned mask = escape_mask(v);
    if (mask == 0) {
      s += 16;
      out += 16;
      continue;
    }
    const unsigned clean = unsigned(__builtin_ctz(mask));
    out = put_escape(out + clean, static_cast<unsigned char>(s[clean]));
    s += clean + 1;
  }
  if (s < end) {
    const size_t rest = size_t(end - s);  // 1..15
    alignas(16) char block[16];
    const char* tail = s;
#if !FASTJSON_ASAN
    // Reading 16 bytes from s is safe when they stay inside s's page, even past the string's end:
    // the excess lanes are masked off. Otherwise copy into a padded block.
    if ((reinterpret_cast<uintptr_t>(s) & 4095) > 4096 - 16)
#endif
    {
      std::memset(block, 'x', sizeof block);  // 'x' never needs escaping
      std::memcpy(block, s, rest);
      tail = block;
    }
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(tail));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), v);
    unsigned mask = escape_mask(v) & ((1u << rest) - 1);
    if (mask == 0) {
      out += rest;
    } else {
      size_t i = 0;
      while (mask != 0) {
        const size_t next = size_t(__builtin_ctz(mask));
        std::memcpy(out, tail + i, next - i);
        out = put_escape(out + (next - i), static_cast<unsigned char>(tail[next]));
        i = next + 1;
        mask &= mask - 1;
      }
      std::memcpy(out, tail + i, rest - i);
      out += rest - i;
    }
  }
#else
  for (; s < end; ++s) {
    const auto c = static_cast<unsigned char>(*s);
    if (kTable.needs[c]) {
      out = put_escape(out, c);
    } else {
      *out++ = char(c);
    }
  }
#endif
  *out++ = '"';
  return out;
}

}  // namespace fastjson::escape
