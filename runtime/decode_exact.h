// The exact path: a small, precise scanner for whatever the fast path (decode_stage2.h) rejects
// or cannot take (documents over simdjson's 4 GiB limit, strs holding lone surrogates). It finds
// the fault with the message and position CPython's json module would report, and builds the
// value as it scans: so the documents only it can take still load, and int()'s digit-limit
// ValueError comes exactly where json.loads raises it.
#pragma once
#include <Python.h>

#include <cstddef>
#include <cstdint>

namespace fastjson::decode {

constexpr size_t kMaxDepth = 1024;

// A rejected document: a static message and the byte offset of the fault in the UTF-8 input
// (decoder.cpp turns it into a code-point index for JSONDecodeError.pos).
struct Fault {
  const char* msg = nullptr;
  size_t offset = 0;
};

// Parses `s[0, n)`, which must be valid UTF-8, except that surrogates encoded the 'surrogatepass'
// way may appear (from a str holding lone surrogates, or bytes: json.loads decodes those with
// 'surrogatepass'). Inside strings they are rejected: "Lone surrogate in string" when `from_str`,
// else "Invalid UTF-8". Returns a new reference; or
// nullptr with `fault` set and no Python error; or nullptr with a Python error set (MemoryError,
// or the ValueError int() raises for more than sys.get_int_max_str_digits() digits, as
// json.loads does).
//
// Which fault is reported: wherever json.loads raises JSONDecodeError, the same msg and
// position. Where json.loads accepts but fastjson is stricter (NaN/Infinity, lone surrogates),
// the first such place. Nesting beyond kMaxDepth stops the scan where it happens (json.loads
// raises RecursionError well before that depth).
PyObject* parse_exact(const uint8_t* s, size_t n, bool from_str, Fault& fault) noexcept;

}  // namespace fastjson::decode
