// Test entry point: starts an embedded interpreter once, so tests can build and inspect PyObjects.
#include <Python.h>
#include <gtest/gtest.h>

#include "runtime/errors.h"

namespace {
class PythonEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    Py_InitializeEx(0);
    ASSERT_TRUE(fastjson::py::init_exceptions());
  }
  // The interpreter is left running: finalizing it would invalidate objects tests still hold.
};
}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new PythonEnvironment);
  return RUN_ALL_TESTS();
}
