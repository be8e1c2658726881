// The transparent shape JIT's table: fastjson.dumps observes the shape of each top-level value (a
// dict's key sequence, or a list's first dict's), counts repeats in a capped table, hands a hot
// shape to a background worker (python/fastjson/_transparent.py) that infers a schema and compiles
// it, and from then on runs the compiled encoder for values of that shape. Everything here runs
// with the GIL held. No LLVM: the worker loads fastjson._jit off the caller's thread.
#pragma once
#include <Python.h>

#include <cstdint>
#include <optional>

#include "runtime/cpython_dict.h"

namespace fastjson::encode::shapes {

struct Config {
  bool enabled = true;
  uint32_t threshold = 32;   // calls of one shape before it is compiled
  uint32_t max_shapes = 64;  // table capacity (observed + compiled)
  bool background = true;    // compile on the worker thread (false: on the caller, for tests)
  uint32_t trials = 8;       // timed calls per side before a compiled shape is kept (0: kept)
};
inline constexpr uint32_t kMaxTrials = 64;

// The state the inline part of the hook reads (written by shape_table.cpp, under the GIL).
struct HookState {
  bool observing = true;          // Config::enabled
  bool gave_up = false;           // shapes do not repeat: observe one call in kGiveUpSampling
  uint32_t countdown = 0;         // while given up: calls until the next observed one
  bool any_ready = false;         // some shape is compiled (ready_filter is not all zero)
  uint64_t ready_filter[4] = {};  // the filter_bit of every compiled shape
};
extern HookState g_hook;

// A value's bit in HookState::ready_filter, from its top-level dict (a list's first item's): the
// key count and the first key's cached str hash; kNotObserved for values no shape can cover (the
// cases shape_hash declines). Values of one shape share the bit. Values keyed by ids, whose
// shapes never repeat, land on a compiled shape's bit with a chance of 1 in 256 per compiled
// shape: the key count alone (a service with one compiled 3-key shape and 3-key id maps) let every
// such call through to the full hash, +13% on the benchmark's never-repeating workload.
inline constexpr unsigned kNotObserved = 256;
inline unsigned filter_bit(PyObject* obj) noexcept {
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
  PyObject* dict = obj;
  if (Py_IS_TYPE(obj, &PyList_Type)) {
    if (PyList_GET_SIZE(obj) == 0) return kNotObserved;
    dict = PyList_GET_ITEM(obj, 0);
  }
  if (!Py_IS_TYPE(dict, &PyDict_Type)) return kNotObserved;
  Py_ssize_t n;
  const cpython::DictUnicodeEntry311* e = cpython::str_key_entries(dict, &n);
  if (e == nullptr) return kNotObserved;  // as shape_hash
  uint64_t first = 0;
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (e[i].value != nullptr) {  // the first live entry (deleted ones keep their slot)
      first = uint64_t(reinterpret_cast<PyASCIIObject*>(e[i].key)->hash);
      break;
    }
  }
  const uint64_t used = uint64_t(PyDict_GET_SIZE(dict));
  return unsigned(((first ^ used) * 0x9E3779B97F4A7C15ULL) >> 56);
#else
  (void)obj;
  return kNotObserved;  // shape_hash observes nothing on other versions
#endif
}

// The dumps hook (default= not set): true when the call was handled by compiled code, with *out
// the bytes or nullptr with the exception set; false: the caller runs the generic encoder.
// Observation costs a hash of the top-level keys. `sampled`: this call may observe (always,
// unless given up); otherwise it only looks for a compiled shape.
bool dumps_hook(PyObject* obj, PyObject** out, bool sampled) noexcept;

// Inline, so that a workload whose shapes never repeat pays a few instructions per call: after
// giving up, a call that is not sampled and whose filter bit no compiled shape has is not hashed.
inline bool dumps(PyObject* obj, PyObject** out) noexcept {
  HookState& h = g_hook;
  if (!h.observing) [[unlikely]]
    return false;
  if (h.gave_up && h.countdown != 0) {
    --h.countdown;
    if (!h.any_ready) return false;
    const unsigned bit = filter_bit(obj);
    if (bit == kNotObserved || ((h.ready_filter[bit / 64] >> (bit % 64)) & 1) == 0) return false;
    return dumps_hook(obj, out, false);
  }
  return dumps_hook(obj, out, true);
}

// Called by the helper ABI when compiled shape code hands a value to the generic encoder.
void count_guard_failure() noexcept;

// --- the shape key, exposed for tests ------------------------------------------------------------

// A 64-bit hash of obj's shape: a dict's key count and keys (by their cached str hashes, so equal
// keys from different json.loads calls agree), a list's length-independent tag plus its first
// item's dict shape. nullopt: not observed (other types, non-str keys, split tables, > 64 keys).
std::optional<uint64_t> shape_hash(PyObject* obj) noexcept;

// --- Python-facing functions (registered by python/bindings.cpp) ---------------------------------

// _shape_configure(enabled, threshold, max_shapes, background, trials, worker, /) -> dict: any
// argument may be None (unchanged); worker: the callable the runtime calls (with no argument, or
// True to compile now on the caller) when a shape becomes hot. Returns the configuration in force.
PyObject* py_configure(PyObject* module, PyObject* const* args, Py_ssize_t nargs) noexcept;
// _shape_stats() -> dict of counters (fastjson.jit_stats()).
PyObject* py_stats(PyObject* module, PyObject* unused) noexcept;
// _shape_reset() -> None: forget every shape and counter (tests, configure(jit=...)).
PyObject* py_reset(PyObject* module, PyObject* unused) noexcept;
// _shape_take_job() -> (job, sample) | None. None means no work: the worker's job ends, and the
// runtime submits a new one for the next hot shape.
PyObject* py_take_job(PyObject* module, PyObject* unused) noexcept;
// _shape_attach(job, nodes, root, /) -> Encoder | None: the encoder for an inferred description,
// attached to the job's shape (None: the shape was evicted meanwhile).
PyObject* py_attach(PyObject* module, PyObject* const* args, Py_ssize_t nargs) noexcept;
// _shape_compiled(job, ok, ms, code_bytes, /) -> None: the job's outcome, for jit_stats().
PyObject* py_compiled(PyObject* module, PyObject* const* args, Py_ssize_t nargs) noexcept;
// _shape_resume(child, /) -> None: after a fork; in the child, requeue what the lost worker had
// and start a new one if jobs are queued.
PyObject* py_resume(PyObject* module, PyObject* child) noexcept;
// _shape_preload(path, /) -> None: dlopen(path) without the GIL, so that importing the JIT module
// afterwards does not hold the GIL while libLLVM loads.
PyObject* py_preload(PyObject* module, PyObject* const* args, Py_ssize_t nargs) noexcept;

}  // namespace fastjson::encode::shapes
