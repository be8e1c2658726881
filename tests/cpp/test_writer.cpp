// The output buffer's reservation contract: reserve(n), then n bytes and one separator unchecked.
#include <Python.h>
#include <gtest/gtest.h>

#include <string>

#include "runtime/py_ref.h"
#include "runtime/writer.h"

namespace {

using fastjson::encode::Writer;

// How many bytes fit before the first reserve(1) has to grow the buffer.
size_t usable_inline_bytes() {
  Writer w;
  const char* const start = w.data();
  size_t n = 0;
  while (true) {
    EXPECT_TRUE(w.reserve(1));
    if (w.data() != start) return n;
    w.put('x');
    ++n;
  }
}

// A reservation that ends exactly at the usable end, then a separator in the slack: the next
// reserve must still grow (it once measured the room as a wrapped unsigned number and let every
// later write run off the buffer; found by the dumps fuzzer).
TEST(Writer, ReserveAfterASeparatorInTheSlackGrows) {
  const size_t usable = usable_inline_bytes();
  ASSERT_GT(usable, 0u);
  Writer w;
  const char* const start = w.data();
  ASSERT_TRUE(w.reserve(usable));
  EXPECT_EQ(w.data(), start);
  std::string expected(usable, 'a');
  w.put(expected.data(), usable);
  w.put(',');
  expected += ',';
  ASSERT_TRUE(w.reserve(1));
  EXPECT_NE(w.data(), start) << "reserve(1) with the cursor past the usable end did not grow";
  for (int i = 0; i < 100; ++i) {  // writes after it stay inside the grown buffer
    ASSERT_TRUE(w.reserve(3));
    w.put("]]]", 3);
    w.put(',');
    expected += "]]],";
  }
  fastjson::py::Ref out = fastjson::py::Ref::steal(w.finish());
  ASSERT_TRUE(out);
  EXPECT_EQ(std::string(PyBytes_AS_STRING(out.get()), size_t(PyBytes_GET_SIZE(out.get()))),
            expected);
}

}  // namespace
