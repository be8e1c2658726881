// Entry point of fastjson_jit_tests: one embedded interpreter for every test.
// (Built only into fastjson_jit_tests: tests/cpp/CMakeLists.txt filters test_jit*.cpp out.)
#include <Python.h>
#include <gtest/gtest.h>

namespace {
class PythonEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { Py_InitializeEx(0); }
  // Left running: finalizing would invalidate objects the tests' schemas still hold.
};
}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new PythonEnvironment);
  return RUN_ALL_TESTS();
}
