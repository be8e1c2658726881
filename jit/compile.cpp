// Glue: schema -> LLVM module -> ORC session -> entry point, with timing and logging.
#include "jit/compile.h"

#include <llvm/IR/PassManager.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Transforms/IPO/AlwaysInliner.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "jit/cpython_layout.h"
#include "jit/host_helpers.h"
#include "jit/log.h"

namespace fastjson::jit {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

llvm::Error error(const llvm::Twine& message) {
  return llvm::make_error<llvm::StringError>(message, llvm::inconvertibleErrorCode());
}

// Test hook: FASTJSON_JIT_FAIL=1 makes every compile fail, so tests can check the fallback.
bool test_hook_forced_failure() {
  const char* value = std::getenv("FASTJSON_JIT_FAIL");
  return value != nullptr && std::strcmp(value, "1") == 0;
}

void optimize(llvm::Module& module, IrPasses level) {
  // A short function pipeline: the emitter writes direct code already. SROA and EarlyCSE merge
  // the repeated loads of type and size fields, SimplifyCFG the blocks of optional members.
  // InstCombine is left out by default: it grows superlinearly with the guard's and/select
  // chains (11 ms of 17 for a 40-field object) for little gain at -O0.
  if (level == IrPasses::kNone) return;
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder;
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::FunctionPassManager passes;
  passes.addPass(llvm::SROAPass(llvm::SROAOptions::ModifyCFG));
  passes.addPass(llvm::EarlyCSEPass());
  if (level == IrPasses::kFull) passes.addPass(llvm::InstCombinePass());
  passes.addPass(llvm::SimplifyCFGPass());
  llvm::ModulePassManager module_passes;
  // The node functions the emitter marks always-inline (leaves, e.g. a [lon, lat] list) go into
  // their callers' loops first, so the passes below see them there.
  module_passes.addPass(llvm::AlwaysInlinerPass(/*InsertLifetimeIntrinsics=*/false));
  module_passes.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(passes)));
  module_passes.run(module, mam);
}

std::atomic<uint64_t> next_unit{0};

}  // namespace

std::vector<HostSymbol> host_symbols(const FjApi& api) {
  auto fn = [](auto* f) { return reinterpret_cast<const void*>(f); };
  std::vector<HostSymbol> out;
#define FASTJSON_BIND(name) out.push_back({"fj_" #name, fn(api.name)});
  FJ_API_HELPERS(FASTJSON_BIND)
#undef FASTJSON_BIND
  out.insert(out.end(), {
                            {symbols::kBlank, fj_jit_blank},
                            {symbols::kObjectValues, fn(&fj_jit_object_values)},
                            {symbols::kPrepareStrs, fn(&fj_jit_prepare_strs)},
                            {symbols::kPrepareDict, fn(&fj_jit_prepare_dict)},
                            {symbols::kDictNext, fn(&PyDict_Next)},
                            {symbols::kDealloc, fn(&_Py_Dealloc)},
                            {symbols::kNone, Py_None},
                            {symbols::kTrue, Py_True},
                            {symbols::kFalse, Py_False},
                            {symbols::kLongType, &PyLong_Type},
                            {symbols::kFloatType, &PyFloat_Type},
                            {symbols::kUnicodeType, &PyUnicode_Type},
                            {symbols::kListType, &PyList_Type},
                            {symbols::kTupleType, &PyTuple_Type},
                            {symbols::kDictType, &PyDict_Type},
                            {symbols::kMemcpy, fn(&std::memcpy)},
                            {symbols::kMemset, fn(&std::memset)},
                        });
  return out;
}

llvm::Expected<std::shared_ptr<Session>> shared_session(const FjApi& api,
                                                        llvm::CodeGenOptLevel level) {
  static std::mutex mutex;
  static std::shared_ptr<Session> sessions[4];  // by CodeGenOptLevel
  std::lock_guard<std::mutex> lock(mutex);
  std::shared_ptr<Session>& session = sessions[size_t(level) & 3];
  if (session) return session;
  const auto start = Clock::now();
  auto created = Session::Create(level);
  if (!created) return created.takeError();
  const std::vector<HostSymbol> symbols = host_symbols(api);
  if (llvm::Error err = (*created)->define_host_symbols(symbols)) return err;
  (*created)->set_writer_end_offset(api.writer_end_offset);
  session = std::move(*created);
  logger().debug("LLVM session (codegen -O{}) ready in {:.2f} ms", int(level), ms_since(start));
  return session;
}

llvm::Expected<Prepared> prepare(const schema::Schema& schema, const Session& session,
                                 const CompileOptions& compile_options) {
  if (test_hook_forced_failure()) return error("forced failure (FASTJSON_JIT_FAIL=1)");
  const auto start = Clock::now();
  Prepared out;
  out.options = compile_options;
  out.context = std::make_unique<llvm::LLVMContext>();
  EmitOptions options;
  options.entry_name = "fj_entry_" + std::to_string(next_unit.fetch_add(1));
  // Absolute-symbol globals save a GOT load per type check, but FastISel cannot materialize them
  // and hands whole blocks to SelectionDAG (-O0 codegen 1.5 ms -> 4 ms for 10 fields).
  if (compile_options.codegen != llvm::CodeGenOptLevel::None) {
    options.low_address_symbols = session.low_address_symbols();
  }
  options.writer_end_offset = session.writer_end_offset();
  auto module = emit_module(schema, *out.context, session.data_layout(), options);
  if (!module) return module.takeError();
  out.module = std::move(*module);
  out.module->setTargetTriple(session.triple().str());
  out.entry_name = options.entry_name;
  for (const llvm::Function& f : *out.module) out.timings.functions += f.isDeclaration() ? 0 : 1;
  out.timings.emit_ms = ms_since(start);
  if (logger().should_log(spdlog::level::debug)) out.description = describe_schema(schema);
  return out;
}

llvm::Expected<Compiled> finish(Prepared prepared, Session& session) {
  Compiled out;
  out.timings = prepared.timings;
  const auto optimize_start = Clock::now();
  optimize(*prepared.module, prepared.options.passes);
  out.timings.optimize_ms = ms_since(optimize_start);
  if (logger().should_log(spdlog::level::trace)) {
    std::string text;
    llvm::raw_string_ostream stream(text);
    prepared.module->print(stream, nullptr);
    logger().trace("optimized IR:\n{}", stream.str());
  }
  const auto codegen_start = Clock::now();
  auto unit = session.add(
      llvm::orc::ThreadSafeModule(std::move(prepared.module), std::move(prepared.context)),
      prepared.entry_name);
  if (!unit) return unit.takeError();
  out.timings.codegen_ms = ms_since(codegen_start);
  out.entry = reinterpret_cast<fj_entry_fn>((*unit)->entry());
  out.unit = std::move(*unit);
  out.timings.total_ms = out.timings.emit_ms + out.timings.optimize_ms + out.timings.codegen_ms;
  logger().debug(
      "compiled at -O{} in {:.3f} ms (IR {:.3f}, passes {:.3f}, codegen {:.3f}; {} functions) "
      "schema:\n{}",
      int(prepared.options.codegen), out.timings.total_ms, out.timings.emit_ms,
      out.timings.optimize_ms, out.timings.codegen_ms, out.timings.functions, prepared.description);
  return out;
}

llvm::Expected<Compiled> compile(const schema::Schema& schema, Session& session,
                                 const CompileOptions& options) {
  auto prepared = prepare(schema, session, options);
  if (!prepared) return prepared.takeError();
  return finish(std::move(*prepared), session);
}

}  // namespace fastjson::jit
