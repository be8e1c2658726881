// fastjson.loads: input -> UTF-8 bytes -> simdjson's stage 1 and our stage 2 (decode_stage2.cpp);
// whatever that path rejects, the exact scanner (decode_exact.cpp) builds or pinpoints.
#include "runtime/decoder.h"

#include <string>

#include "runtime/decode_exact.h"
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
  const size_t n = input.size();
  // Empty documents, documents past simdjson's 4 GiB limit and strs holding lone surrogates
  // (not UTF-8) go straight to the exact path.
  if (n > 0 && n <= simdjson::SIMDJSON_MAXSIZE_BYTES && !input.has_surrogates()) [[likely]] {
    ParserLease lease;
    if (!lease) return PyErr_NoMemory();
    ParserState& state = lease.state();
    if (!state.reserve(n)) return PyErr_NoMemory();
    const uint8_t* buf = input.data();
    if (!input.readable_in_place()) {
      state.load(input.data(), n);
      buf = state.input.get();
    }
    // Stage 1 rejects invalid UTF-8, raw control characters in strings and unclosed strings;
    // the exact path then says where.
    if (state.indexer->stage1(buf, n, simdjson::stage1_mode::regular) == simdjson::SUCCESS)
        [[likely]] {
      // The build allocates one GC container per JSON array/object and creates nothing
      // collectable (everything is reachable from the result), yet with the collector on,
      // every 700 allocations start a collection that traverses the partial result, and older
      // generations get re-traversed as it grows: about a third of all time on
      // citm_catalog.json (perf). With it off, the one young-generation pass runs at the next
      // allocation instead. No Python code runs during the build, so nothing can observe it.
      const bool gc_was_enabled = PyGC_Disable();
      PyObject* value = nullptr;
      const FastResult result = parse_fast(state, buf, n, &value);
      if (gc_was_enabled) PyGC_Enable();
      if (result == FastResult::kValue) return value;
      if (result == FastResult::kPyError) return nullptr;
    }
  }
  return loads_exact(input);
}

}  // namespace fastjson::decode
