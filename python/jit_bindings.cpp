// fastjson._jit: registration only. install(encoder) compiles the encoder's schema with LLVM and
// installs the entry point through the runtime's FjApi capsule; this module holds no runtime state.
#include <pybind11/pybind11.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "jit/compile.h"
#include "jit/cpython_layout.h"
#include "runtime/jit_abi.h"

namespace py = pybind11;
namespace jit = fastjson::jit;

namespace {

// install() compiles tier 1 (-O0) on the caller's thread, then tier 2 (-O2) on the background
// compile thread, which swaps it in (jit/compile.h has the measurements behind the choice).
using jit::kTier1;
using jit::kTier2;

const FjApi& api() {
  static const FjApi* table = nullptr;  // lives as long as the process (jit_abi.h)
  if (table == nullptr) {
    table = fj_import_api();
    if (table == nullptr) throw py::error_already_set();
  }
  return *table;
}

jit::CompileTimings last_timings[2];  // by tier; written with the GIL held

// The owner of one unit of compiled code, handed to the encoder (which keeps every owner it was
// given until it is itself freed). A pybind11 object, so a background compile can hold a weak
// reference to it: while it is alive, so is its encoder.
struct Code {
  std::unique_ptr<jit::Unit> unit;
};

[[noreturn]] void fail(const char* what, llvm::Error err) {
  const std::string message = llvm::toString(std::move(err));
  jit::logger().warn("compile failed, {}: {}", what, message);
  throw std::runtime_error("fastjson JIT compile failed: " + message);
}

std::shared_ptr<jit::Session> session_for(const jit::CompileOptions& options, const char* what) {
  auto session = jit::shared_session(api(), options.codegen);
  if (!session) fail(what, session.takeError());
  return *session;
}

const fastjson::schema::Schema& schema_of(py::handle encoder) {
  const fastjson::schema::Schema* schema = api().encoder_schema(encoder.ptr());
  if (schema == nullptr) throw py::error_already_set();
  jit::cpython_layout();  // probes a dict on first use: with the GIL held
  return *schema;
}

bool cache_configured = false;  // with the GIL held

void cache_configure(py::object directory, std::string runtime_identity) {
  std::optional<std::string> dir;
  if (!directory.is_none()) dir = directory.cast<std::string>();
  jit::CodeCache::instance().configure(std::move(dir), std::move(runtime_identity));
  cache_configured = true;
}

// The cache settings live in the fastjson package (configure(cache_dir=...), the environment),
// which pushes changes here; they are first taken at the first compile, not when this module
// initializes: the fuzz targets initialize it before the package exists (the cache stays off
// then).
void ensure_cache_configured() {
  if (cache_configured) return;
  cache_configured = true;
  try {
    py::tuple settings = py::module_::import("fastjson").attr("_cache_settings")();
    cache_configure(settings[0], settings[1].cast<std::string>());
  } catch (const py::error_already_set& e) {
    jit::logger().warn("code cache off: no settings from the fastjson package ({})", e.what());
  }
}

// The IR for `encoder` at `options`; its object file goes to the code cache once compiled (when
// the cache is on).
jit::Prepared prepare(py::handle encoder, const jit::CompileOptions& options, const char* what) {
  ensure_cache_configured();
  const auto& schema = schema_of(encoder);
  std::shared_ptr<jit::Session> session = session_for(options, what);
  auto prepared =
      jit::prepare(schema, *session, options, jit::cache_key(schema, *session, options));
  if (!prepared) fail(what, prepared.takeError());
  return std::move(*prepared);
}

// LLVM's work (a compile, or a cache file's read and link) runs without the GIL, inside the
// runtime's fork gate (runtime/fork_gate.h): a fork waits for it, so no child inherits the
// session's or LLVM's locks held.
template <class Work>
auto unlocked_in_fork_gate(Work&& work) {
  const FjApi& gate = api();  // fetched with the GIL held
  py::gil_scoped_release unlocked;
  gate.fork_gate_enter();
  auto result = work();
  gate.fork_gate_leave();
  return result;
}

llvm::Expected<jit::Compiled> compile_unlocked(jit::Prepared prepared, jit::Session& session) {
  return unlocked_in_fork_gate([&] { return jit::finish(std::move(prepared), session); });
}

std::optional<jit::Compiled> load_unlocked(const jit::CacheKey& key,
                                           std::vector<jit::UnitSymbol> symbols,
                                           jit::Session& session) {
  return unlocked_in_fork_gate(
      [&] { return jit::load_cached(key, std::move(symbols), session); });
}

jit::CompileTimings last_load;  // of the last code cache hit; written with the GIL held

py::object install_compiled(py::handle encoder, jit::Compiled compiled) {
  py::object owner = py::cast(Code{std::move(compiled.unit)});
  if (api().encoder_install(encoder.ptr(), compiled.entry, owner.ptr()) < 0) {
    throw py::error_already_set();
  }
  return owner;
}

// Installs the code cached for `encoder` at `options`, if any: returns its owner, else None
// (cache off, no entry, or an entry rejected: the cache logs why). Never compiles.
py::object install_cached(py::handle encoder, const jit::CompileOptions& options, const char* what,
                          size_t* object_bytes = nullptr) {
  ensure_cache_configured();
  if (!jit::CodeCache::instance().enabled()) return py::none();
  const auto& schema = schema_of(encoder);
  std::shared_ptr<jit::Session> session = session_for(options, what);
  std::optional<jit::CacheKey> key = jit::cache_key(schema, *session, options);
  if (!key) return py::none();
  std::optional<jit::Compiled> loaded = load_unlocked(*key, jit::key_symbols(schema), *session);
  if (!loaded) return py::none();
  last_load = loaded->timings;
  if (object_bytes != nullptr) *object_bytes = loaded->unit->object_bytes();
  return install_compiled(encoder, std::move(*loaded));
}

// Machine code for `prepared` (without the GIL), installed into the encoder; returns its owner.
py::object finish(py::handle encoder, jit::Prepared prepared, int tier, const char* what,
                  size_t* object_bytes = nullptr) {
  std::shared_ptr<jit::Session> session = session_for(prepared.options, what);
  llvm::Expected<jit::Compiled> compiled = compile_unlocked(std::move(prepared), *session);
  if (!compiled) fail(what, compiled.takeError());
  last_timings[tier - 1] = compiled->timings;
  if (object_bytes != nullptr) *object_bytes = compiled->unit->object_bytes();
  return install_compiled(encoder, std::move(*compiled));
}

// A tier-2 module waiting for machine code, with what it needs to find its encoder again.
struct TierUp {
  jit::Prepared prepared;
  PyObject* encoder;  // borrowed: valid while `alive` (the encoder's tier-1 owner) is
  py::object alive;   // weakref to that owner
};

void tier_up(py::capsule job_capsule) {
  auto* job = static_cast<TierUp*>(job_capsule.get_pointer());  // the capsule keeps owning it
  const char* what = "the encoder keeps its -O0 code";
  std::shared_ptr<jit::Session> session;
  try {
    session = session_for(job->prepared.options, what);
  } catch (const std::exception&) {
    return;
  }
  // Another process may have stored this code since install() looked: load it instead.
  std::optional<jit::Compiled> code;
  if (job->prepared.cache_key) {
    code = load_unlocked(*job->prepared.cache_key, job->prepared.unit_symbols, *session);
    if (code) last_load = code->timings;
  }
  if (!code) {
    llvm::Expected<jit::Compiled> compiled = compile_unlocked(std::move(job->prepared), *session);
    if (!compiled) {
      jit::logger().warn("compile failed, {}: {}", what, llvm::toString(compiled.takeError()));
      return;
    }
    last_timings[1] = compiled->timings;
    code = std::move(*compiled);
  }
  // Gone meanwhile (or cleared by the collector): the code is dropped, never run.
  if (job->alive().is_none()) return;
  py::object owner = py::cast(Code{std::move(code->unit)});
  if (api().encoder_install(job->encoder, code->entry, owner.ptr()) < 0) PyErr_Clear();
}

void start_tier_up(py::handle encoder, const py::object& tier1_owner) {
  try {
    // The IR is built now, while the schema is certainly alive; the thread holds no reference
    // to the encoder, so dropping it is not delayed by a compile.
    auto job = std::make_unique<TierUp>(
        TierUp{prepare(encoder, kTier2, "no -O2 code"), encoder.ptr(), py::weakref(tier1_owner)});
    py::capsule job_capsule(job.get(), [](void* p) { delete static_cast<TierUp*>(p); });
    job.release();
    // On fastjson's one compile thread (python/fastjson/_worker.py), after the jobs before it.
    py::module_::import("fastjson._worker")
        .attr("submit")(py::cpp_function(&tier_up), job_capsule);
  } catch (const py::error_already_set& e) {
    // E.g. at interpreter shutdown, when no thread can start: the -O0 code stays.
    jit::logger().warn("no background -O2 compile: {}", e.what());
  } catch (const std::exception&) {
    // prepare() failed and logged it: the -O0 code stays.
  }
}

bool tier_up_enabled() {
  // FASTJSON_JIT_TIERS=1 keeps the -O0 code (one compile, no thread).
  const char* value = std::getenv("FASTJSON_JIT_TIERS");
  return value == nullptr || std::strcmp(value, "1") != 0;
}

void install(py::handle encoder) {
  const char* what = "the encoder stays on the interpreter";
  const bool tiers = tier_up_enabled();
  // A warm cache holds the -O2 code: installed at once, with no -O0 compile and no thread.
  if (tiers && !install_cached(encoder, kTier2, what).is_none()) return;
  py::object owner = install_cached(encoder, kTier1, what);
  if (owner.is_none()) owner = finish(encoder, prepare(encoder, kTier1, what), 1, what);
  if (tiers) start_tier_up(encoder, owner);
}

// fastjson.warmup: the encoder's best code (-O2, or -O0 with FASTJSON_JIT_TIERS=1) compiled now
// on this thread, or loaded from the cache, and stored there: later processes load it at once.
// Returns "cache" or "compiled".
std::string warm(py::handle encoder) {
  const char* what = "the encoder stays on the interpreter";
  const jit::CompileOptions& options = tier_up_enabled() ? kTier2 : kTier1;
  const int tier = tier_up_enabled() ? 2 : 1;
  if (!install_cached(encoder, options, what).is_none()) return "cache";
  finish(encoder, prepare(encoder, options, what), tier, what);
  return "compiled";
}

// The transparent shape JIT's worker (python/fastjson/_transparent.py) compiles an inferred shape
// and reports the cost for fastjson.jit_stats(). It runs on the worker thread already, where no
// caller waits: one compile, of the code that will stay (so the shape's trial against the generic
// encoder times that code). -O2 for shapes of up to kMaxO2Size nodes + fields (citm_catalog's is
// 55, 10k records' 16); -O0 for larger ones, whose -O2 codegen measured 0.4-1.2 s (github.json's
// 29 nodes with 150 fields, twitter.json's 77 nodes) against ~0.1 s at -O0, for a small gain;
// -O0 always with FASTJSON_JIT_TIERS=1.
constexpr size_t kMaxO2Size = 80;

size_t shape_size(const fastjson::schema::Schema& schema) {
  size_t size = schema.nodes.size();
  for (const auto& node : schema.nodes) size += node.fields.size();
  return size;
}

py::dict install_shape(py::handle encoder) {
  const char* what = "the shape stays on the generic path";
  size_t object_bytes = 0;
  const int tier = tier_up_enabled() && shape_size(schema_of(encoder)) <= kMaxO2Size ? 2 : 1;
  const jit::CompileOptions& options = tier == 2 ? kTier2 : kTier1;
  double total_ms;
  if (!install_cached(encoder, options, what, &object_bytes).is_none()) {
    total_ms = last_load.total_ms;
  } else {
    finish(encoder, prepare(encoder, options, what), tier, what, &object_bytes);
    total_ms = last_timings[tier - 1].total_ms;
  }
  py::dict out;
  out["total_ms"] = total_ms;
  out["object_bytes"] = object_bytes;
  return out;
}

// For benchmarks and tests: one compile with a given backend level (0-3) and IR pipeline.
void install_tuned(py::handle encoder, int codegen, const std::string& passes) {
  jit::CompileOptions options;
  if (codegen < 0 || codegen > 3) throw py::value_error("codegen must be 0..3");
  options.codegen = llvm::CodeGenOptLevel(codegen);
  if (passes == "none") {
    options.passes = jit::IrPasses::kNone;
  } else if (passes == "cheap") {
    options.passes = jit::IrPasses::kCheap;
  } else if (passes == "full") {
    options.passes = jit::IrPasses::kFull;
  } else {
    throw py::value_error("passes must be 'none', 'cheap' or 'full'");
  }
  const char* what = "the encoder keeps what it had";
  finish(encoder, prepare(encoder, options, what), 1, what);
}

py::dict timings(int tier) {
  if (tier != 1 && tier != 2) throw py::value_error("tier must be 1 or 2");
  const jit::CompileTimings& t = last_timings[tier - 1];
  py::dict out;
  out["emit_ms"] = t.emit_ms;
  out["optimize_ms"] = t.optimize_ms;
  out["codegen_ms"] = t.codegen_ms;
  out["total_ms"] = t.total_ms;
  out["functions"] = t.functions;
  return out;
}

py::dict cache_stats() {
  const jit::CacheStats stats = jit::CodeCache::instance().stats();
  py::dict out, rejects;
  out["hits"] = stats.hits;
  out["misses"] = stats.misses;
  out["writes"] = stats.writes;
  out["write_failures"] = stats.write_failures;
  out["evictions"] = stats.evictions;
  out["stale_removed"] = stats.stale_removed;
  for (const auto& [reason, n] : stats.rejects) rejects[py::str(reason)] = n;
  out["rejects"] = rejects;
  return out;
}

// For tests: the cache key of an encoder's code at a tier (nullopt with the cache off).
std::optional<jit::CacheKey> key_at_tier(py::handle encoder, int tier) {
  if (tier != 1 && tier != 2) throw py::value_error("tier must be 1 or 2");
  ensure_cache_configured();
  const jit::CompileOptions& options = tier == 2 ? kTier2 : kTier1;
  return jit::cache_key(schema_of(encoder), *session_for(options, "no key"), options);
}

py::bytes cache_key_material(py::handle encoder, int tier) {
  auto key = key_at_tier(encoder, tier);
  return key ? py::bytes(key->material) : py::bytes();
}

py::str cache_file_name(py::handle encoder, int tier) {
  auto key = key_at_tier(encoder, tier);
  return key ? py::str(key->file_name) : py::str();
}

}  // namespace

PYBIND11_MODULE(_jit, m) {
  m.doc() = "LLVM-compiled encoders for fastjson.compile (loaded on first compile).";
  py::class_<Code>(m, "_Code", "Compiled code owned by an Encoder.");
  m.def("install", &install, py::arg("encoder"),
        "Compile the encoder's schema to native code (-O0, on this thread) and install it, then\n"
        "recompile at -O2 on the background compile thread and swap that in. Raises RuntimeError when\n"
        "the first compile fails (the encoder then keeps the interpreter).");
  m.def("install_shape", &install_shape, py::arg("encoder"),
        "install() for a transparent-JIT shape encoder; returns the first tier's total_ms and\n"
        "object_bytes.");
  m.def("warmup", &warm, py::arg("encoder"),
        "Install the encoder's best code, from the code cache or compiled now (and stored there);\n"
        "returns 'cache' or 'compiled'. Raises RuntimeError when the compile fails.");
  m.def("cache_configure", &cache_configure, py::arg("directory"), py::arg("runtime_identity"),
        "Set the code cache directory (None: off) and the runtime part of its keys.");
  m.def("cache_stats", &cache_stats, "The code cache's counters.");
  m.def("_cache_reset_stats", [] { jit::CodeCache::instance().reset_stats(); });
  m.def("_cache_key_material", &cache_key_material, py::arg("encoder"), py::arg("tier"));
  m.def("_cache_file_name", &cache_file_name, py::arg("encoder"), py::arg("tier"));
  m.def(
      "_cache_entry",
      [](const std::string& material, const std::string& payload) {
        return py::bytes(jit::cache_format::encode(material, payload));
      },
      py::arg("key_material"), py::arg("payload"),
      "For tests: a well-formed cache entry (valid header and checksums) around any payload.");
  m.def(
      "last_load_ms", [] { return last_load.total_ms; },
      "Read + link time (ms) of the last code cache hit.");
  m.def("last_timings", &timings, py::arg("tier") = 1,
        "Phase timings (ms) of the last successful compile of a tier (1: -O0, 2: -O2).");
  m.def("_install_tuned", &install_tuned, py::arg("encoder"), py::arg("codegen"), py::arg("passes"),
        "One compile with a chosen backend level (0-3) and IR passes ('none', 'cheap', 'full').");
  // Imported when called, not here: the fuzz targets initialize this module before the package.
  m.def("_wait", [] { py::module_::import("fastjson._worker").attr("wait")(); },
        "Wait for the background compiles submitted so far (python/fastjson/_worker.py).");
}
