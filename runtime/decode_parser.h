// Lends out the decoder's parsing state (simdjson's stage-1 indexer and reusable buffers), so
// buffers are reused across calls but never shared by two loads at once.
#pragma once
#include <Python.h>
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace fastjson::decode {

// Everything a fast-path parse needs besides the input; sized for the largest document seen.
struct ParserState {
  // simdjson's stage 1 for this CPU (the structural index); its stage 2 is not used (see
  // decode_stage2.h).
  std::unique_ptr<simdjson::internal::dom_parser_implementation> indexer;
  // The input, copied with SIMDJSON_PADDING readable bytes after it.
  std::unique_ptr<uint8_t[]> input;
  // Where a string is unescaped before it becomes a str (simdjson writes in 64-byte blocks).
  std::unique_ptr<uint8_t[]> scratch;
  size_t capacity = 0;
  // Built values waiting for their container to close (owned references).
  std::vector<PyObject*> pending;

  // Makes room for a `len`-byte document; false on allocation failure (nothing is raised).
  bool reserve(size_t len) noexcept;
  // Copies the document in and pads it; the byte after it is a space, which ends a trailing
  // scalar and is never a valid token start.
  void load(const uint8_t* data, size_t len) noexcept;
};

// The process-wide state keeps its buffers between calls: allocating them per call costs page
// faults on every large document. While a lease is out the state is busy, and a nested loads
// (from Python code run in the middle of a parse: the build keeps the collector off, so this
// is defence in depth) gets a private state instead of overwriting buffers in use. The GIL
// makes the busy flag safe.
class ParserLease {
 public:
  ParserLease() noexcept;
  ~ParserLease();
  ParserLease(const ParserLease&) = delete;
  ParserLease& operator=(const ParserLease&) = delete;

  // False only when a private state could not be allocated (raise MemoryError).
  explicit operator bool() const noexcept { return state_ != nullptr; }
  ParserState& state() noexcept { return *state_; }

 private:
  std::unique_ptr<ParserState> private_;  // only when the shared state is busy
  ParserState* state_;
};

}  // namespace fastjson::decode
