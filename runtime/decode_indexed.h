// The start both fast decoders share (fastjson.loads and Encoder.loads): lease the parser state,
// make the document readable with simdjson's padding, build its structural index (stage 1).
#pragma once
#include <simdjson.h>

#include <cstddef>
#include <cstdint>

#include "runtime/decode_input.h"
#include "runtime/decode_parser.h"

namespace fastjson::decode {

enum class Indexed : uint8_t {
  kWalked,      // walk ran on the index
  kNotIndexed,  // not for the fast path: the exact path decides (and says where it fails)
  kNoMemory,    // MemoryError set
};

// Calls walk(state, buf, n) once the structural index of `input` is built. Empty documents,
// documents past simdjson's 4 GiB limit and strs holding lone surrogates (not UTF-8) are not
// indexed, nor is one stage 1 rejects (invalid UTF-8, raw control characters in strings,
// unclosed strings).
template <class Walk>
[[gnu::always_inline]] inline Indexed with_structural_index(const Input& input, Walk&& walk) noexcept {
  const size_t n = input.size();
  if (n == 0 || n > simdjson::SIMDJSON_MAXSIZE_BYTES || input.has_surrogates()) [[unlikely]]
    return Indexed::kNotIndexed;
  ParserLease lease;
  if (!lease || !lease.state().reserve(n)) [[unlikely]] {
    PyErr_NoMemory();
    return Indexed::kNoMemory;
  }
  ParserState& state = lease.state();
  const uint8_t* buf = input.data();
  if (!input.readable_in_place()) {
    state.load(input.data(), n);
    buf = state.input.get();
  }
  if (state.indexer->stage1(buf, n, simdjson::stage1_mode::regular) != simdjson::SUCCESS)
      [[unlikely]]
    return Indexed::kNotIndexed;
  walk(state, buf, n);
  return Indexed::kWalked;
}

}  // namespace fastjson::decode
