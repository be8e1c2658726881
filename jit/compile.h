// Glue: schema -> LLVM module -> ORC session -> entry point, with timing and logging. The one
// place that decides optimization levels and binds every imported name to a host address.
#pragma once
#include <llvm/Support/Error.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jit/code_cache.h"
#include "jit/emitter.h"
#include "jit/log.h"
#include "jit/session.h"
#include "runtime/jit_abi.h"
#include "runtime/schema.h"

namespace fastjson::jit {

struct CompileTimings {
  double emit_ms = 0;      // schema -> IR (and verification)
  double optimize_ms = 0;  // IR passes
  double codegen_ms = 0;   // machine code + link
  double total_ms = 0;
  size_t functions = 0;  // node functions in the module
};

// How much optimization a compile gets.
enum class IrPasses : uint8_t {
  kNone,
  kCheap,  // SROA, EarlyCSE, SimplifyCFG
  kFull,   // kCheap + InstCombine
};
struct CompileOptions {
  llvm::CodeGenOptLevel codegen = llvm::CodeGenOptLevel::None;
  IrPasses passes = IrPasses::kNone;
};

// The two tiers install() uses, chosen by measurement on this project's 2-vCPU machine (compile:
// a 10-field record schema; run: 10k 7-field records per call, bench/corpora.py):
//          compile: IR + passes + codegen     run, 10k records   instructions per record
//   -O0    0.26 + 0 + 1.6 ms (FastISel)       0.90 ms            1182
//   -O2    0.21 + 0.56 + 14.4 ms              0.77 ms             999
// -O1 codegen costs as much as -O2 here; InstCombine adds ~3 ms (superlinear in the guard's
// and/select chains) and gains nothing measurable. So -O0 is compiled on the caller's thread (the
// budget is 5 ms for a 10-field schema) and -O2 in the background, then swapped in.
inline constexpr CompileOptions kTier1{llvm::CodeGenOptLevel::None, IrPasses::kNone};
inline constexpr CompileOptions kTier2{llvm::CodeGenOptLevel::Default, IrPasses::kCheap};

struct Compiled {
  std::unique_ptr<Unit> unit;  // owns the code
  fj_entry_fn entry = nullptr;
  CompileTimings timings;  // of a cache hit: codegen_ms = total_ms = read + link
};

// Every symbol JIT'd code may import, bound to its host address: the runtime's helpers from
// `api` (the capsule's table, or stand-ins in tests), CPython's types and functions, ours.
std::vector<HostSymbol> host_symbols(const FjApi& api);

// The process-wide session for a codegen level, created on first use with host_symbols(api).
llvm::Expected<std::shared_ptr<Session>> shared_session(const FjApi& api,
                                                        llvm::CodeGenOptLevel level);

// Compiles `schema` in `session` (which must define host_symbols). Needs the GIL only on the
// process's first call (cpython_layout probes a dict); otherwise touches no Python state.
// A module built from a schema, not compiled yet: it holds no reference to the schema (keys are
// compared by address, so its code must run only while the schema lives).
struct Prepared {
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module;
  std::string entry_name;
  std::string description;  // the schema, for the debug log
  CompileOptions options;
  CompileTimings timings;
  std::vector<UnitSymbol> unit_symbols;  // the schema's key objects (emitter.h key_symbols)
  std::optional<CacheKey> cache_key;     // set: finish() stores the object file under it
};

// The code cache key of `schema` compiled with `options` in `session`: the canonical bytes of
// the schema and everything else that shapes the code (generator build, LLVM version, target
// CPU and features, codegen options, CPython layout and version). nullopt when the cache is off.
// Touches no Python state.
std::optional<CacheKey> cache_key(const schema::Schema& schema, const Session& session,
                                  const CompileOptions& options);
// The schema as the emitter reads it, in a canonical byte form (no addresses).
std::string schema_bytes(const schema::Schema& schema);

// The code stored under `key`, linked in `session` against `unit_symbols`; nullopt when there is
// none or it is unusable (logged and counted by the cache; the caller compiles). No Python state.
std::optional<Compiled> load_cached(const CacheKey& key, std::vector<UnitSymbol> unit_symbols,
                                    Session& session);

// schema -> IR. Needs the schema; on the process's first call also the GIL (cpython_layout).
// `key`: where finish() stores the object file (from cache_key; nullopt: not stored).
llvm::Expected<Prepared> prepare(const schema::Schema& schema, const Session& session,
                                 const CompileOptions& options,
                                 std::optional<CacheKey> key = std::nullopt);
// IR passes and machine code, in `session` (which compiles at options.codegen). Touches no Python
// state: may run without the GIL and after the schema is gone.
llvm::Expected<Compiled> finish(Prepared prepared, Session& session);
// Both.
llvm::Expected<Compiled> compile(const schema::Schema& schema, Session& session,
                                 const CompileOptions& options = {});

}  // namespace fastjson::jit
