// The ORC wrapper alone: units compile, run, are freed, and failures come back as errors.
// (Compiled only into fastjson_jit_tests; tests/cpp's own binary, which globs test_*.cpp but does
// not link LLVM, gets an empty file.)
#include <gtest/gtest.h>
#include <llvm/IR/IRBuilder.h>

#include "jit/session.h"
#include "tests/cpp/test_jit_support.h"

namespace fastjson::jit {
namespace {

// A module with `int64_t name(int64_t x) { return x + add + helper(); }`, helper imported.
llvm::orc::ThreadSafeModule adder(const std::string& name, int64_t add, bool with_helper) {
  auto context = std::make_unique<llvm::LLVMContext>();
  auto module = std::make_unique<llvm::Module>("test", *context);
  llvm::IRBuilder<> b(*context);
  auto* i64 = b.getInt64Ty();
  auto* f = llvm::Function::Create(llvm::FunctionType::get(i64, {i64}, false),
                                   llvm::Function::ExternalLinkage, name, *module);
  b.SetInsertPoint(llvm::BasicBlock::Create(*context, "entry", f));
  llvm::Value* sum = b.CreateAdd(f->getArg(0), b.getInt64(uint64_t(add)));
  if (with_helper) {
    llvm::FunctionCallee helper =
        module->getOrInsertFunction("test_helper", llvm::FunctionType::get(i64, false));
    sum = b.CreateAdd(sum, b.CreateCall(helper));
  }
  b.CreateRet(sum);
  return llvm::orc::ThreadSafeModule(std::move(module), std::move(context));
}

int64_t test_helper() { return 1000; }

TEST(JitSession, CompilesRunsAndFreesUnits) {
  auto session = Session::Create(llvm::CodeGenOptLevel::None);
  ASSERT_TRUE(bool(session)) << llvm::toString(session.takeError());
  ASSERT_FALSE(bool((*session)->define_host_symbols(
      {{"test_helper", reinterpret_cast<const void*>(&test_helper)}})));
  auto a = (*session)->add(adder("a", 1, true), "a");
  ASSERT_TRUE(bool(a)) << llvm::toString(a.takeError());
  auto b = (*session)->add(adder("b", 2, false), "b");
  ASSERT_TRUE(bool(b)) << llvm::toString(b.takeError());
  EXPECT_EQ(reinterpret_cast<int64_t (*)(int64_t)>((*a)->entry())(10), 1011);
  EXPECT_EQ(reinterpret_cast<int64_t (*)(int64_t)>((*b)->entry())(10), 12);
  // Freeing a unit frees its symbols: the name can be defined again.
  a->reset();
  auto again = (*session)->add(adder("a", 3, false), "a");
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  EXPECT_EQ(reinterpret_cast<int64_t (*)(int64_t)>((*again)->entry())(10), 13);
}

TEST(JitSession, UnitsKeepTheSessionAlive) {
  auto session = Session::Create(llvm::CodeGenOptLevel::Default);
  ASSERT_TRUE(bool(session));
  auto unit = (*session)->add(adder("f", 5, false), "f");
  ASSERT_TRUE(bool(unit));
  session->reset();  // the unit's reference keeps the JIT (and the code) alive
  EXPECT_EQ(reinterpret_cast<int64_t (*)(int64_t)>((*unit)->entry())(1), 6);
}

TEST(JitSession, MissingSymbolIsAnErrorNotACrash) {
  auto session = Session::Create(llvm::CodeGenOptLevel::None);
  ASSERT_TRUE(bool(session));
  // test_helper is not defined in this session: nothing is searched for in the process.
  auto unit = (*session)->add(adder("g", 1, true), "g");
  ASSERT_FALSE(bool(unit));
  const std::string message = llvm::toString(unit.takeError());
  EXPECT_NE(message.find("materialize"), std::string::npos) << message;
  // The failed unit left nothing behind.
  auto retry = (*session)->add(adder("g", 1, false), "g");
  ASSERT_TRUE(bool(retry)) << llvm::toString(retry.takeError());
}

TEST(JitSession, DefiningAHostSymbolTwiceFails) {
  auto session = Session::Create(llvm::CodeGenOptLevel::None);
  ASSERT_TRUE(bool(session));
  const void* address = reinterpret_cast<const void*>(&test_helper);
  ASSERT_FALSE(bool((*session)->define_host_symbols({{"x", address}})));
  llvm::Error err = (*session)->define_host_symbols({{"x", address}});
  EXPECT_TRUE(bool(err));
  llvm::consumeError(std::move(err));
}

}  // namespace
}  // namespace fastjson::jit

