// The transparent shape JIT's table: fastjson.dumps observes the shape of each top-level value (a
// dict's key sequence, or a list's first dict's), counts repeats in a capped table, hands a hot
// shape to a background worker (python/fastjson/_transparent.py) that infers a schema and compiles
// it, and from then on runs the compiled encoder for values of that shape. Everything here runs
// with the GIL held. No LLVM: the worker loads fastjson._jit off the caller's thread.
#pragma once
#include <Python.h>

#include <cstdint>
#include <optional>

namespace fastjson::encode::shapes {

struct Config {
  bool enabled = true;
  uint32_t threshold = 32;   // calls of one shape before it is compiled
  uint32_t max_shapes = 64;  // table capacity (observed + compiled)
  bool background = true;    // compile on the worker thread (false: on the caller, for tests)
  uint32_t trials = 8;       // timed calls per side before a compiled shape is kept (0: kept)
};
inline constexpr uint32_t kMaxTrials = 64;

// The dumps hook (default= not set): true when the call was handled by compiled code, with *out
// the bytes or nullptr with the exception set; false: the caller runs the generic encoder.
// Observation costs a hash of the top-level keys; inline, it returns at once when switched off.
bool dumps_hook(PyObject* obj, PyObject** out) noexcept;
extern bool g_observing;  // Config::enabled, mirrored for the inline check
inline bool dumps(PyObject* obj, PyObject** out) noexcept {
  if (!g_observing) [[unlikely]]
    return false;
  return dumps_hook(obj, out);
}

// Called by the helper ABI when compiled shape code hands a value to the generic encoder.
void count_guard_failure() noexcept;

// --- the shape key, exposed for tests ------------------------------------------------------------

// A 64-bit hash of obj's shape: a dict's key count and keys (by their cached str hashes, so equal
// keys from different json.loads calls agree), a list's length-independent tag plus its first
// item's dict shape. nullopt: not observed (other types, non-str keys, split tables, > 64 keys).
std::optional<uint64_t> shape_hash(PyObject* obj) noexcept;

// --- Python-facing functions (registered by python/bindings.cpp) ---------------------------------

// _shape_configure(enabled, threshold, max_shapes, background, trials, worker, /) -> dict: any argument
// may be None (unchanged); worker: the callable the runtime calls (with no argument, or True to
// compile now on the caller) when a shape becomes hot. Returns the configuration in force.
PyObject* py_configure(PyObject* module, PyObject* const* args, Py_ssize_t nargs) noexcept;
// _shape_stats() -> dict of counters (fastjson.jit_stats()).
PyObject* py_stats(PyObject* module, PyObject* unused) noexcept;
// _shape_reset() -> None: forget every shape and counter (tests, configure(jit=...)).
PyObject* py_reset(PyObject* module, PyObject* unused) noexcept;
// _shape_take_job(stop, /) -> (job, sample) | None. None means no work (or stop): the worker
// exits, and the runtime starts a new one for the next hot shape.
PyObject* py_take_job(PyObject* module, PyObject* const* args, Py_ssize_t nargs) noexcept;
// _shape_attach(job, nodes, root, /) -> Encoder | None: the encoder for an inferred description,
// attached to the job's shape (None: the shape was evicted meanwhile).
PyObject* py_attach(PyObject* module, PyObject* const* args, Py_ssize_t nargs) noexcept;
// _shape_compiled(job, ok, ms, code_bytes, /) -> None: the job's outcome, for jit_stats().
PyObject* py_compiled(PyObject* module, PyObject* const* args, Py_ssize_t nargs) noexcept;
// _shape_resume() -> None: after a fork (both sides), restart the worker if jobs are queued.
PyObject* py_resume(PyObject* module, PyObject* unused) noexcept;
// _shape_preload(path, /) -> None: dlopen(path) without the GIL, so that importing the JIT module
// afterwards does not hold the GIL while libLLVM loads.
PyObject* py_preload(PyObject* module, PyObject* const* args, Py_ssize_t nargs) noexcept;

}  // namespace fastjson::encode::shapes
