// fastjson._jit: registration only. install(encoder) compiles the encoder's schema with LLVM and
// installs the entry point through the runtime's FjApi capsule; this module holds no runtime state.
#include <pybind11/pybind11.h>

#include <cstdlib>
#include <cstring>
#include <string>

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

jit::Prepared prepare(py::handle encoder, const jit::CompileOptions& options, const char* what) {
  const auto& schema = schema_of(encoder);
  auto prepared = jit::prepare(schema, *session_for(options, what), options);
  if (!prepared) fail(what, prepared.takeError());
  return std::move(*prepared);
}

// LLVM's work runs without the GIL, inside the runtime's fork gate (runtime/fork_gate.h): a fork
// waits for it, so no child inherits the session's or LLVM's locks held.
llvm::Expected<jit::Compiled> compile_unlocked(jit::Prepared prepared, jit::Session& session) {
  const FjApi& gate = api();  // fetched with the GIL held
  py::gil_scoped_release unlocked;
  gate.fork_gate_enter();
  llvm::Expected<jit::Compiled> compiled = jit::finish(std::move(prepared), session);
  gate.fork_gate_leave();
  return compiled;
}

// Machine code for `prepared` (without the GIL), installed into the encoder; returns its owner.
py::object finish(py::handle encoder, jit::Prepared prepared, int tier, const char* what,
                  size_t* object_bytes = nullptr) {
  std::shared_ptr<jit::Session> session = session_for(prepared.options, what);
  llvm::Expected<jit::Compiled> compiled = compile_unlocked(std::move(prepared), *session);
  if (!compiled) fail(what, compiled.takeError());
  last_timings[tier - 1] = compiled->timings;
  if (object_bytes != nullptr) *object_bytes = compiled->unit->object_bytes();
  py::object owner = py::cast(Code{std::move(compiled->unit)});
  if (api().encoder_install(encoder.ptr(), compiled->entry, owner.ptr()) < 0) {
    throw py::error_already_set();
  }
  return owner;
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
  llvm::Expected<jit::Compiled> compiled = compile_unlocked(std::move(job->prepared), *session);
  if (!compiled) {
    jit::logger().warn("compile failed, {}: {}", what, llvm::toString(compiled.takeError()));
    return;
  }
  // Gone meanwhile (or cleared by the collector): the code is dropped, never run.
  if (job->alive().is_none()) return;
  last_timings[1] = compiled->timings;
  py::object owner = py::cast(Code{std::move(compiled->unit)});
  if (api().encoder_install(job->encoder, compiled->entry, owner.ptr()) < 0) PyErr_Clear();
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
  py::object owner = finish(encoder, prepare(encoder, kTier1, what), 1, what);
  if (tier_up_enabled()) start_tier_up(encoder, owner);
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
  finish(encoder, prepare(encoder, tier == 2 ? kTier2 : kTier1, what), tier, what, &object_bytes);
  py::dict out;
  out["total_ms"] = last_timings[tier - 1].total_ms;
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
  m.def("last_timings", &timings, py::arg("tier") = 1,
        "Phase timings (ms) of the last successful compile of a tier (1: -O0, 2: -O2).");
  m.def("_install_tuned", &install_tuned, py::arg("encoder"), py::arg("codegen"), py::arg("passes"),
        "One compile with a chosen backend level (0-3) and IR passes ('none', 'cheap', 'full').");
  // Imported when called, not here: the fuzz targets initialize this module before the package.
  m.def("_wait", [] { py::module_::import("fastjson._worker").attr("wait")(); },
        "Wait for the background compiles submitted so far (python/fastjson/_worker.py).");
}
