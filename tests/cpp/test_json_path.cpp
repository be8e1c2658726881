// Error paths as users read them: `$.a[1]["b c"]`, elided in the middle when very deep.
#include <gtest/gtest.h>

#include "runtime/json_path.h"

namespace {

TEST(JsonPath, RootIsDollar) { EXPECT_EQ(fastjson::JsonPath().render(), "$"); }

TEST(JsonPath, KeysAndIndexesOutermostFirst) {
  fastjson::JsonPath path;  // pushed innermost first, as an error unwinds
  path.push_key("b c");
  path.push_index(1);
  path.push_key("a");
  EXPECT_EQ(path.render(), "$.a[1][\"b c\"]");
}

TEST(JsonPath, NonIdentifierKeysAreQuotedAndEscaped) {
  fastjson::JsonPath path;
  path.push_key("_ok9");
  path.push_key("9lives");
  path.push_key("q\"t");
  path.push_key("");
  EXPECT_EQ(path.render(), "$[\"\"][\"q\\\"t\"][\"9lives\"]._ok9");
}

TEST(JsonPath, DeepPathsAreElided) {
  fastjson::JsonPath path;
  for (int i = 99; i >= 0; --i) path.push_index(i);
  std::string expected = "$";
  for (int i = 0; i < 16; ++i) expected += "[" + std::to_string(i) + "]";
  expected += "...";
  for (int i = 84; i < 100; ++i) expected += "[" + std::to_string(i) + "]";
  EXPECT_EQ(path.render(), expected);
}

TEST(JsonPath, KeepOutermost) {
  fastjson::JsonPath path;
  path.push_index(2);
  path.push_index(1);
  path.push_key("x");
  path.keep_outermost(2);
  EXPECT_EQ(path.render(), "$.x[1]");
}

}  // namespace
