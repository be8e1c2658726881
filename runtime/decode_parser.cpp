// The shared parser state, its busy flag, and buffer sizing.
#include "runtime/decode_parser.h"

#include <cstring>
#include <new>

namespace fastjson::decode {

namespace {

// The state holds ~10 bytes per input byte at most (input copy, scratch, 4-byte structural
// index per token). Keeping that for documents up to 4 MiB spares large documents the page
// faults of fresh buffers; after a larger one it is released.
constexpr size_t kRetainCapacity = size_t(4) << 20;

struct Shared {
  ParserState state;
  bool busy = false;
};

Shared& shared() noexcept {
  // Never destroyed: loads may run during interpreter shutdown, after static destructors.
  static Shared* s = new Shared();
  return *s;
}

}  // namespace

bool ParserState::reserve(size_t len) noexcept {
  if (len <= capacity && indexer) return true;
  // Grow geometrically so a series of slightly larger documents does not reallocate each time.
  const size_t want = len > capacity + capacity / 2 ? len : capacity + capacity / 2;
  if (want > simdjson::SIMDJSON_MAXSIZE_BYTES) return false;
  const size_t padded = want + simdjson::SIMDJSON_PADDING;
  input.reset(new (std::nothrow) uint8_t[padded]);
  scratch.reset(new (std::nothrow) uint8_t[padded]);
  if (!input || !scratch) {
    capacity = 0;
    return false;
  }
  capacity = 0;  // until the indexer is sized too
  if (!indexer) {
    if (simdjson::get_active_implementation()->create_dom_parser_implementation(
            want, simdjson::DEFAULT_MAX_DEPTH, indexer) != simdjson::SUCCESS) {
      return false;
    }
  } else if (indexer->set_capacity(want) != simdjson::SUCCESS) {
    return false;
  }
  capacity = want;
  return true;
}

void ParserState::load(const uint8_t* data, size_t len) noexcept {
  std::memcpy(input.get(), data, len);
  std::memset(input.get() + len, ' ', simdjson::SIMDJSON_PADDING);
}

ParserLease::ParserLease() noexcept {
  Shared& s = shared();
  if (!s.busy) [[likely]] {
    s.busy = true;
    state_ = &s.state;
  } else {
    private_.reset(new (std::nothrow) ParserState());
    state_ = private_.get();
  }
}

ParserLease::~ParserLease() {
  if (private_ || !state_) return;
  Shared& s = shared();
  if (s.state.capacity > kRetainCapacity) s.state = ParserState();
  s.busy = false;
}

}  // namespace fastjson::decode
