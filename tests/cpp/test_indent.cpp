// The indent= re-layout of compact JSON (runtime/indent.cpp): json.dumps(indent=n)'s exact layout.
#include <Python.h>
#include <gtest/gtest.h>

#include <string>

#include "runtime/indent.h"
#include "runtime/writer.h"

namespace {

std::string indented(const std::string& compact, int indent) {
  fastjson::encode::Writer out;
  EXPECT_TRUE(fastjson::encode::write_indented(compact.data(), compact.size(), indent, out));
  return std::string(out.data(), out.size());
}

TEST(Indent, ContainersScalarsAndEmpties) {
  EXPECT_EQ(indented(R"({"a":[1,{}],"b":[]})", 2),
            "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}");
  EXPECT_EQ(indented("[[[]]]", 1), "[\n [\n  []\n ]\n]");
  EXPECT_EQ(indented("[1,2]", 0), "[\n1,\n2\n]");
  EXPECT_EQ(indented("-1.5e+30", 4), "-1.5e+30");
  EXPECT_EQ(indented("null", 4), "null");
}

TEST(Indent, StringsAreCopiedVerbatim) {
  EXPECT_EQ(indented(R"(["a,b:[c]{d}"])", 1), "[\n \"a,b:[c]{d}\"\n]");
  EXPECT_EQ(indented(R"({"q\"\\":"\\\"]"})", 1), "{\n \"q\\\"\\\\\": \"\\\\\\\"]\"\n}");
  EXPECT_EQ(indented("[\"\\\\\",1]", 1), "[\n \"\\\\\",\n 1\n]");  // a string ending in \\ .
}

TEST(Indent, WhitespaceFromFragmentsGivesWay) {
  EXPECT_EQ(indented("[{ \"a\" : [ 1 ,\n2 ] , \"b\" : { } }]", 1),
            "[\n {\n  \"a\": [\n   1,\n   2\n  ],\n  \"b\": {}\n }\n]");
}

TEST(Indent, LargeOutputGrowsTheWriter) {
  std::string compact = "[";
  for (int i = 0; i < 5000; ++i) compact += std::to_string(i) + ",";
  compact.back() = ']';
  const std::string out = indented(compact, 8);
  EXPECT_EQ(out.substr(0, 12), "[\n        0,");
  EXPECT_EQ(out.size(), compact.size() + 5000 * 9 + 1);  // per item "\n" + 8 spaces; final "\n"
}

}  // namespace
