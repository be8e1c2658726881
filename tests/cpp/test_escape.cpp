// String escaping: byte-exact with json.dumps(ensure_ascii=False), at every length and offset the
// 16-byte vector loop and its tail can see.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "runtime/escape.h"

namespace {

std::string quote_json(const std::string& s) {
  std::string out(fastjson::escape::max_quoted_size(s.size()), '\0');
  char* end = fastjson::escape::write_quoted(out.data(), s.data(), s.size());
  out.resize(size_t(end - out.data()));
  return out;
}

std::string quote_json_inline(const char* s, size_t n) {
  std::string out(fastjson::escape::max_quoted_size(n), '\0');
  char* end = fastjson::escape::write_quoted_inline(out.data(), s, n);
  out.resize(size_t(end - out.data()));
  return out;
}

// The reference: a byte-at-a-time transcription of CPython's escape rules.
std::string reference(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += char(c);
        }
    }
  }
  return out + "\"";
}

TEST(Escape, NamedAndHexEscapes) {
  EXPECT_EQ(quote_json(""), "\"\"");
  EXPECT_EQ(quote_json("plain"), "\"plain\"");
  EXPECT_EQ(quote_json("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quote_json("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(quote_json(std::string("\x00\x01\x1f", 3)), "\"\\u0000\\u0001\\u001f\"");
  EXPECT_EQ(quote_json("\x7f"), "\"\x7f\"");                      // DEL is not escaped
  EXPECT_EQ(quote_json("\xe2\x80\xa8"), "\"\xe2\x80\xa8\"");      // nor U+2028
  EXPECT_EQ(quote_json("caf\xc3\xa9 \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
}

TEST(Escape, EveryByteAtEveryPositionAndLength) {
  for (size_t len = 1; len <= 40; ++len) {
    for (size_t pos = 0; pos < len; ++pos) {
      for (int c = 0; c < 256; c += (c < 0x30 ? 1 : 37)) {
        std::string s(len, 'a');
        s[pos] = char(c);
        ASSERT_EQ(quote_json(s), reference(s)) << "len " << len << " pos " << pos << " byte " << c;
      }
    }
  }
}

TEST(Escape, DenseEscapesFillTheWorstCaseBound) {
  const std::string s(1000, '\x01');
  const std::string out = quote_json(s);
  EXPECT_EQ(out.size(), 6 * s.size() + 2);
  EXPECT_EQ(out, reference(s));
}

TEST(Escape, InlineShortPathMatchesAtEveryLengthAndByte) {
  for (size_t len = 0; len <= 20; ++len) {
    for (size_t pos = 0; pos < len; ++pos) {
      for (int c = 0; c < 256; c += (c < 0x30 ? 1 : 37)) {
        std::string s(len, 'a');
        s[pos] = char(c);
        ASSERT_EQ(quote_json_inline(s.data(), s.size()), reference(s))
            << "len " << len << " pos " << pos << " byte " << c;
      }
    }
  }
  // Bytes past the end that would need escaping must not matter.
  const char dirty[] = "ab\"\\\n\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01";
  EXPECT_EQ(quote_json_inline(dirty, 2), "\"ab\"");
}

// A string ending right before an unmapped page: the 16-byte read must not cross into it (the
// inline path falls back to write_quoted there, which copies the tail).
TEST(Escape, InlineShortPathAtTheEndOfAPage) {
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  void* map = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  char* base = static_cast<char*>(map);
  ASSERT_EQ(mprotect(base + page, page, PROT_NONE), 0);
  for (size_t len = 0; len <= 20; ++len) {
    char* s = base + page - len;
    std::memset(s, 'k', len);
    if (len > 1) s[len / 2] = '"';
    const std::string str(s, len);
    EXPECT_EQ(quote_json_inline(s, len), reference(str)) << "len " << len;
    EXPECT_EQ(quote_json(str), reference(str)) << "len " << len;
  }
  munmap(map, 2 * page);
}

}  // namespace
