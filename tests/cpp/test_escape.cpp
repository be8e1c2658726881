// String escaping: byte-exact with json.dumps(ensure_ascii=False), at every length and offset the
// 16-byte vector loop and its tail can see.
#include <gtest/gtest.h>

#include <string>

#include "runtime/escape.h"

namespace {

std::string quote_json(const std::string& s) {
  std::string out(fastjson::escape::max_quoted_size(s.size()), '\0');
  char* end = fastjson::escape::write_quoted(out.data(), s.data(), s.size());
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

}  // namespace
