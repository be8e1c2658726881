// The C ABI between JIT-compiled encoders (fastjson._jit, a separate extension module) and the
// runtime inside fastjson._fastjson: cursor-passing helpers, and the FjApi table of them that
// _fastjson exports as the capsule "fastjson._fastjson._C_API". This header is the whole contract.
//
// Protocol. A compiled encoder is one entry point per schema (fj_entry_fn), called with the GIL
// held, a fresh fj_ctx, the output cursor and the root object. It writes through the cursor it
// keeps in a register and returns the cursor past the last byte, or nullptr on failure.
//  * Room: bytes may be written at `cursor` only within what the last fj_reserve (or a helper that
//    reserves for itself) guaranteed. Every helper that takes a ctx and a cursor may move the
//    buffer: only the cursor it returns is valid afterwards. Offsets (fj_tell / fj_seek) survive.
//  * Failure: a helper that fails returns nullptr (fj_enter: -1) with the fault recorded in ctx.
//    The compiled code then unwinds: each frame that has a path component records it, innermost
//    first (fj_path_index for list/tuple items, fj_path_key for object/dict/dataclass members),
//    and returns nullptr. No other cleanup: depth and output need no restoring on failure. The
//    message (with the JSON path) is built once, by the caller of the entry point.
//  * Errors come from the runtime only: when a guard fails (type, exact-type, key order, missing
//    or extra key, NaN, anything unexpected), hand the value to fj_encode_node, which either
//    writes it (subclasses, out-of-order keys, `any`, literals, enums) or records the exact error
//    the interpreter gives. Discard partial output first (fj_tell before, fj_seek back).
//  * Depth: fj_encode_node(node, obj) counts the levels of obj's subtree itself. Compiled code
//    that writes a container itself (list, tuple, dict, object, dataclass) brackets it with
//    fj_enter(container) / fj_leave, so the 1024-level limit and "Circular reference detected"
//    match dumps exactly. It may skip the bracket for containers from which no `any`, `enum`
//    node or schema cycle is reachable: depth is observable only through those.
//  * References: every PyObject* passed in is borrowed and must stay alive for the call.
#pragma once
#include <Python.h>

#include <cstddef>
#include <cstdint>

namespace fastjson::schema {
struct Schema;  // runtime/schema.h: the IR the JIT compiles from
}

// Bumped on any change to FjApi or to the meaning of a helper.
#define FJ_ABI_VERSION 1
#define FJ_API_CAPSULE_NAME "fastjson._fastjson._C_API"

// Room the unchecked writers need (they store whole 8/16-byte blocks past their output).
#define FJ_MAX_INT_CHARS 20                               // fj_put_i64: "-9223372036854775808"
#define FJ_MAX_FLOAT_CHARS 40                             // fj_put_double
#define FJ_MAX_QUOTED_SIZE(n) (6 * (size_t)(n) + 2 + 16)  // fj_put_str_unchecked, n UTF-8 bytes

extern "C" {

// The state of one Encoder.dumps call (output buffer, depth, JSON path, fault); opaque.
typedef struct fj_ctx fj_ctx;

// A compiled encoder for the schema's root node.
typedef char* (*fj_entry_fn)(fj_ctx* ctx, char* cursor, PyObject* obj);

// --- writing -------------------------------------------------------------------------------------

// Ensures n writable bytes at the returned cursor (nullptr: MemoryError).
char* fj_reserve(fj_ctx* ctx, char* cursor, size_t n) noexcept;
// Reserve for themselves, write exactly what dumps writes for the value, fail like dumps:
// s: str or subclass (fails on lone surrogates); i: int or subclass, any size (bool must be
// excluded by the caller); f: float or subclass (fails on NaN/±inf).
char* fj_write_str(fj_ctx* ctx, char* cursor, PyObject* s) noexcept;
char* fj_write_int(fj_ctx* ctx, char* cursor, PyObject* i) noexcept;
char* fj_write_float(fj_ctx* ctx, char* cursor, PyObject* f) noexcept;
// The schema interpreter for one node: writes obj as `node` (schema node index) or records the
// error, including the path below node. Reserves for itself. Call it at the depth of the node's
// parent (its own container level is counted inside).
char* fj_encode_node(fj_ctx* ctx, char* cursor, uint32_t node, PyObject* obj) noexcept;

// --- depth ---------------------------------------------------------------------------------------

// One container level: 0, or -1 with the depth/cycle fault recorded. fj_leave after success.
int fj_enter(fj_ctx* ctx, PyObject* container) noexcept;
void fj_leave(fj_ctx* ctx) noexcept;

// --- the error path ------------------------------------------------------------------------------

// Record the current frame's component while a failure unwinds (innermost first).
void fj_path_index(fj_ctx* ctx, Py_ssize_t index) noexcept;
void fj_path_key(fj_ctx* ctx, PyObject* key) noexcept;  // any dict key, or a field's key

// --- pieces for code that sizes its output itself ------------------------------------------------

// The UTF-8 bytes of str s (or subclass), read in place for compact ASCII, else CPython's cached
// UTF-8; nullptr with the lone-surrogate fault (or MemoryError) recorded.
const char* fj_str_utf8(fj_ctx* ctx, PyObject* s, Py_ssize_t* len) noexcept;
// No ctx, no reserve: the caller guarantees the room named above. Return the end of the output.
char* fj_put_str_unchecked(char* cursor, const char* utf8, size_t len) noexcept;  // '"' escaped '"'
char* fj_put_i64(char* cursor, int64_t v) noexcept;
char* fj_put_double(char* cursor, double v) noexcept;  // v finite: repr(v)

// --- rewinding -----------------------------------------------------------------------------------

// Bytes written before `cursor`; and the cursor at an earlier offset, dropping what followed it.
size_t fj_tell(fj_ctx* ctx, char* cursor) noexcept;
char* fj_seek(fj_ctx* ctx, size_t offset) noexcept;

}  // extern "C"

// The table behind the capsule. Get it with fj_import_api() (with the GIL held); it lives as long
// as the process. Fields are only ever appended; check version and size before use.
struct FjApi {
  uint32_t version;  // FJ_ABI_VERSION of the _fastjson that made it
  uint32_t size;     // sizeof(FjApi) there

  char* (*reserve)(fj_ctx*, char*, size_t) noexcept;
  char* (*write_str)(fj_ctx*, char*, PyObject*) noexcept;
  char* (*write_int)(fj_ctx*, char*, PyObject*) noexcept;
  char* (*write_float)(fj_ctx*, char*, PyObject*) noexcept;
  char* (*encode_node)(fj_ctx*, char*, uint32_t, PyObject*) noexcept;
  void (*path_index)(fj_ctx*, Py_ssize_t) noexcept;
  void (*path_key)(fj_ctx*, PyObject*) noexcept;
  int (*enter)(fj_ctx*, PyObject*) noexcept;
  void (*leave)(fj_ctx*) noexcept;
  const char* (*str_utf8)(fj_ctx*, PyObject*, Py_ssize_t*) noexcept;
  char* (*put_str_unchecked)(char*, const char*, size_t) noexcept;
  char* (*put_i64)(char*, int64_t) noexcept;
  char* (*put_double)(char*, double) noexcept;
  size_t (*tell)(fj_ctx*, char*) noexcept;
  char* (*seek)(fj_ctx*, size_t) noexcept;

  // The schema of a fastjson.Encoder (what to compile): nullptr with TypeError if `encoder` is
  // not one. Valid while the Encoder lives; node indexes are the fj_encode_node `node` values.
  const fastjson::schema::Schema* (*encoder_schema)(PyObject* encoder) noexcept;
  // Makes encoder.dumps call `entry` (and encoder.jit True; nullptr goes back to the interpreter).
  // `owner` (any object, or nullptr; a new reference is taken) keeps the code alive: it and every
  // earlier owner are released only when the Encoder is, since replaced code may still be running
  // further up the stack. 0, or -1 with TypeError if `encoder` is not a fastjson.Encoder. GIL held.
  int (*encoder_install)(PyObject* encoder, fj_entry_fn entry, PyObject* owner) noexcept;
  // runtime/fork_gate.h: bracket work done without the GIL that a fork must not cut (compiles).
  void (*fork_gate_enter)() noexcept;
  void (*fork_gate_leave)() noexcept;
  // a, b finite: writes "repr(a),repr(b)" (a [lon, lat] pair: one call, register saves once);
  // needs 2 * FJ_MAX_FLOAT_CHARS + 1 bytes of room. Imported as fj_put_double_pair.
  char* (*put_double_pair)(char*, double, double) noexcept;
  // Byte offset, in an fj_ctx, of the output buffer's usable end (a char*), or 0 if unknown. While
  // JIT code runs, its cursor is the write position: `end - cursor >= n` (signed) means n bytes
  // of room without calling fj_reserve. Valid for the process's lifetime.
  size_t writer_end_offset;
};

// The helpers as (symbol, FjApi field) pairs, for binding the names JIT'd code imports:
//   #define BIND(name) symbols["fj_" #name] = api->name;
//   FJ_API_HELPERS(BIND)
// clang-format off
#define FJ_API_HELPERS(X)                                                                     \
  X(reserve) X(write_str) X(write_int) X(write_float) X(encode_node) X(path_index) X(path_key) \
  X(enter) X(leave) X(str_utf8) X(put_str_unchecked) X(put_i64) X(put_double) X(tell) X(seek) \
  X(put_double_pair)
// clang-format on

// Imports the table; nullptr with ImportError set if _fastjson is missing or of another ABI.
inline const FjApi* fj_import_api() noexcept {
  auto* api = static_cast<const FjApi*>(PyCapsule_Import(FJ_API_CAPSULE_NAME, 0));
  if (api == nullptr) return nullptr;
  if (api->version != FJ_ABI_VERSION || api->size < sizeof(FjApi)) {
    PyErr_Format(PyExc_ImportError, "fastjson._fastjson has helper ABI %u, this module needs %d",
                 unsigned(api->version), FJ_ABI_VERSION);
    return nullptr;
  }
  return api;
}
