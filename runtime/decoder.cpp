// fastjson.loads: input -> UTF-8 bytes -> simdjson's stage 1 and our stage 2 (decode_stage2.cpp);
// whatever that path rejects, the exact scanner (decode_exact.cpp) builds or pinpoints.
#include "runtime/decoder.h"

#include <string>

#include "runtime/decode_exact.h"
#include "runtime/decode_indexed.h"
#include "runtime/decode_input.h"
#include "runtime/decode_parser.h"
#include "runtime/decode_stage2.h"
#include "runtime/decode_str.h"
#include "runtime/errors.h"
#include "runtime/py_ref.h"
#include "runtime/sanitizer.h"

namespace fastjson::decode {

namespace {

using py::Ref;

constexpr const char* kBom = "Unexpected UTF-8 BOM (decode using utf-8-sig)";
constexpr const char* kInvalidUtf8 = "Invalid UTF-8";

}  // namespace

// The cold path. Rejections that come before parsing in json.loads (decoding the input) come
// first here too.
[[gnu::noinline, gnu::cold]] PyObject* loads_exact(Input& input) noexcept {
  if (!input.make_stable()) return nullptr;
  const uint8_t* s = input.data();
  const size_t n = input.size();
  Fault fault;
  if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
    // json.loads says this of a str; of bytes it would strip the BOM, which RFC 8259 forbids.
    fault = Fault{kBom, 0};
  } else if (!input.from_str()) {
    // json.loads raises UnicodeDecodeError before parsing; there is no position of its to match.
    if (size_t bad = first_invalid_utf8(s, n); bad != n) fault = Fault{kInvalidUtf8, bad};
  }
  if (!fault.msg) {
    PyObject* value = parse_exact(s, n, input.from_str(), fault);
    if (value || !fault.msg) return value;
  }
  input.raise(fault);
  return nullptr;
}

PyObject* loads(PyObject* data) noexcept {
  Input input;
  if (!input.open(data)) return nullptr;
  PyObject* value = nullptr;
  FastResult result = FastResult::kFallback;
  const Indexed indexed =
      with_structural_index(input, [&](ParserState& state, const uint8_t* buf, size_t n) {
        // The build allocates one GC container per JSON array/object and creates nothing
        // collectable (everything is reachable from the result), yet with the collector on,
        // every 700 allocations start a collection that traverses the partial result, and
        // older generations get re-traversed as it grows: about a third of all time on
        // citm_catalog.json (perf). With it off, the one young-generation pass runs at the
        // next allocation instead. No Python code runs during the build, so nothing can
        // observe it.
        const bool gc_was_enabled = PyGC_Disable();
        result = parse_fast(state, buf, n, &value);
        if (gc_was_enabled) PyGC_Enable();
      });
  if (indexed == Indexed::kNoMemory) return nullptr;
  if (result == FastResult::kValue) return value;
  if (result == FastResult::kPyError) return nullptr;
  return loads_exact(input);
}

}  // namespace fastjson::decode
