// Glue: schema -> LLVM module -> ORC session -> entry point, with timing and logging.
#include "jit/compile.h"

#include <llvm/Config/llvm-config.h>
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

// The emitter's options for a compile: derived in one place, since they are part of the key.
EmitOptions emit_options(const Session& session, const CompileOptions& compile_options) {
  EmitOptions options;
  // Absolute-symbol globals save a GOT load per type check, but FastISel cannot materialize them
  // and hands whole blocks to SelectionDAG (-O0 codegen 1.5 ms -> 4 ms for 10 fields).
  if (compile_options.codegen != llvm::CodeGenOptLevel::None) {
    options.low_address_symbols = session.low_address_symbols();
    options.absolute_key_symbols = true;
  }
  options.writer_end_offset = session.writer_end_offset();
  return options;
}

void put_number(std::string& out, uint64_t v) {
  out += std::to_string(v);
  out += ' ';
}
void put_text(std::string& out, std::string_view text) {
  put_number(out, text.size());
  out += text;
}

}  // namespace

std::string schema_bytes(const schema::Schema& schema) {
  // Every member the emitter (or the runtime's reading of the code's node numbers) depends on,
  // length-prefixed so no two schemas serialize alike. Python objects (classes, literal values)
  // are left out: the code never refers to them (those nodes go to fj_encode_node by number),
  // and field keys are unit symbols bound at link time, identified here by their text.
  std::string out = "schema ";
  put_number(out, schema.nodes.size());
  put_number(out, schema.root);
  put_number(out, schema.runs_python);
  put_number(out, schema.generic_fallback);
  for (const schema::Node& n : schema.nodes) {
    out += "\nnode ";
    put_number(out, uint64_t(n.kind));
    put_number(out, n.children.size());
    for (schema::NodeId child : n.children) put_number(out, child);
    put_number(out, n.fields.size());
    for (const schema::Field& f : n.fields) {
      put_text(out, f.name);
      put_text(out, f.encoded);
      put_number(out, f.node);
      put_number(out, f.required);
    }
    put_number(out, n.required_count);
    put_text(out, n.title);
    put_number(out, n.literals.size());
    put_number(out, n.cls.get() != nullptr);
    put_number(out, n.exclude.get() != nullptr);
    put_number(out, n.as_tuple);
    put_number(out, n.frozen);
  }
  return out;
}

std::optional<CacheKey> cache_key(const schema::Schema& schema, const Session& session,
                                  const CompileOptions& compile_options) {
  CodeCache& cache = CodeCache::instance();
  if (!cache.enabled() || test_hook_forced_failure()) return std::nullopt;
  const std::string& generator = generator_identity();
  if (generator.empty()) {
    // Without an identity of this build, entries of another build could be taken for ours.
    static std::once_flag once;
    std::call_once(once, [] { logger().warn("code cache: no build id for fastjson._jit; off"); });
    return std::nullopt;
  }
  const EmitOptions options = emit_options(session, compile_options);
  // Every emitter option shapes the code, so every one is in the key below: a member added to
  // EmitOptions must be added here too (this assertion fails to remind whoever adds one).
  static_assert(sizeof(EmitOptions) == sizeof(std::string) + sizeof(std::set<std::string>) +
                                           2 * alignof(std::set<std::string>) + sizeof(size_t),
                "EmitOptions changed: add the new member to the code cache key");
  const CPythonLayout& l = cpython_layout();
  std::string m = "fastjson code cache key\n";
  m += "generator " + generator + " abi " + std::to_string(FJ_ABI_VERSION) + "\n";
  m += "runtime " + cache.runtime_identity() + "\n";
  m += "llvm " LLVM_VERSION_STRING "\n";
  m += "target " + session.target_description() + "\n";
  m += "datalayout " + session.data_layout().getStringRepresentation() + "\n";
  m += "options codegen=" + std::to_string(int(compile_options.codegen)) +
       " passes=" + std::to_string(int(compile_options.passes)) +
       " dict_internals=" + std::to_string(options.dict_internals) +
       " absolute_keys=" + std::to_string(options.absolute_key_symbols) +
       " writer_end=" + std::to_string(options.writer_end_offset) +
       " entry=" + options.entry_name + "\nlow_address";
  for (const std::string& name : options.low_address_symbols) m += " " + name;
  m += "\nlayout";
  for (int64_t v : {l.refcnt,
                    l.type,
                    l.var_size,
                    l.list_items,
                    l.tuple_items,
                    l.long_digits,
                    l.float_value,
                    l.str_length,
                    l.str_state,
                    l.ascii_data,
                    l.utf8_length,
                    l.utf8,
                    int64_t(l.compact_ascii_mask),
                    l.dict_used,
                    l.dict_keys,
                    l.dict_values,
                    l.keys_log2_index_bytes,
                    l.keys_kind,
                    l.keys_nentries,
                    l.keys_indices,
                    l.unicode_entry_size,
                    l.general_entry_size,
                    l.general_entry_key,
                    int64_t(l.kind_general),
                    int64_t(l.kind_unicode),
                    int64_t(l.long_shift),
                    int64_t(l.dict_internals_ok)}) {
    m += " " + std::to_string(v);
  }
  m += "\n";
  m += schema_bytes(schema);
  return CacheKey::from_material(std::move(m));
}

std::optional<Compiled> load_cached(const CacheKey& key, std::vector<UnitSymbol> unit_symbols,
                                    Session& session) {
  const auto start = Clock::now();
  std::optional<std::string> object = CodeCache::instance().load(key);
  if (!object) return std::nullopt;
  auto unit = session.add_object(llvm::MemoryBuffer::getMemBufferCopy(*object, "fastjson-cached"),
                                 EmitOptions().entry_name, unit_symbols);
  if (!unit) {
    CodeCache::instance().reject_loaded(key, llvm::toString(unit.takeError()));
    return std::nullopt;
  }
  Compiled out;
  out.entry = reinterpret_cast<fj_entry_fn>((*unit)->entry());
  out.unit = std::move(*unit);
  out.timings.codegen_ms = out.timings.total_ms = ms_since(start);
  logger().debug("loaded from the code cache in {:.3f} ms ({} bytes)", out.timings.total_ms,
                 object->size());
  return out;
}

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
                                 const CompileOptions& compile_options,
                                 std::optional<CacheKey> key) {
  if (test_hook_forced_failure()) return error("forced failure (FASTJSON_JIT_FAIL=1)");
  const auto start = Clock::now();
  Prepared out;
  out.options = compile_options;
  out.context = std::make_unique<llvm::LLVMContext>();
  out.unit_symbols = key_symbols(schema);
  out.cache_key = std::move(key);
  const EmitOptions options = emit_options(session, compile_options);
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
  std::string object;
  auto unit = session.add(
      llvm::orc::ThreadSafeModule(std::move(prepared.module), std::move(prepared.context)),
      prepared.entry_name, prepared.unit_symbols, prepared.cache_key ? &object : nullptr);
  if (!unit) return unit.takeError();
  out.timings.codegen_ms = ms_since(codegen_start);
  // Stored only once linked here: an object that does not link is never cached.
  if (prepared.cache_key && !object.empty())
    CodeCache::instance().store(*prepared.cache_key, object);
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
