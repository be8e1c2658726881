// The fast path: simdjson's stage 1 (structural index, UTF-8 and string validation) followed by
// our own stage 2, which builds Python objects straight from the index instead of from
// simdjson's DOM tape: no tape to write and read back, and escape-free strings (nearly all)
// go from the input to the str in one copy. Against a walk over the DOM tape (A/B, same
// process): citm_catalog.json 9% and 10k records 11% faster, the other corpora even.
// The Stage2 class is declared here so the typed decoder (schema_decoder.cpp) can reuse its
// token readers and read `any` subtrees with its generic value().
#pragma once
#include <Python.h>
#include <emmintrin.h>

#include <array>
#include <cstring>
#include <new>
#include <vector>

#include "runtime/decode_exact.h"
#include "runtime/decode_parser.h"
#include "runtime/decode_str.h"
#include "runtime/key_cache.h"
#include "runtime/list_of.h"
#include "runtime/new_float.h"

namespace fastjson::decode {

enum class FastResult {
  kValue,     // *out holds the value
  kPyError,   // a Python error is set (MemoryError, or int()'s digit limit, as json.loads)
  kFallback,  // not valid here, or beyond the fast path (nesting past 1024): use the exact path
};

// Parses `buf[0, len)`, already indexed by state.indexer: state.input, or the caller's own
// bytes when at least SIMDJSON_PADDING bytes past them are readable and the byte at `len` ends
// no scalar and starts no token (see decoder.cpp). Every value is built exactly as json.loads
// builds it; every document the fast path accepts is valid RFC 8259 JSON.
FastResult parse_fast(ParserState& state, const uint8_t* buf, size_t len, PyObject** out) noexcept;

// Bytes that end a number or literal: JSON whitespace and structural characters. Stage 1 makes
// every other run of bytes outside strings one token, so "truex" or "1x" arrive whole.
inline constexpr std::array<bool, 256> kEndsScalar = [] {
  std::array<bool, 256> table{};
  for (const unsigned char c : {' ', '\t', '\n', '\r', ',', ':', '[', ']', '{', '}'}) {
    table[c] = true;
  }
  return table;
}();

// What simdjson's number parser reports, through the "writer" interface it writes tapes with.
struct Number {
  enum class Kind { kNone, kInt64, kUint64, kDouble } kind = Kind::kNone;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
};
struct NumberSink {
  Number* out;  // a pointer: the parser passes copies of the sink around
  void append_s64(int64_t v) noexcept { *out = Number{Number::Kind::kInt64, v, 0, 0}; }
  void append_u64(uint64_t v) noexcept { *out = Number{Number::Kind::kUint64, 0, v, 0}; }
  void append_double(double v) noexcept { *out = Number{Number::Kind::kDouble, 0, 0, v}; }
  void skip_double() noexcept {}
};

inline bool is_digit(uint8_t c) noexcept { return c >= '0' && c <= '9'; }

class Stage2 {
 public:
  Stage2(ParserState& state, const uint8_t* buf, size_t len) noexcept
      : buf_(buf),
        next_(state.indexer->structural_indexes.get()),
        end_(next_ + state.indexer->n_structural_indexes),
        scratch_(state.scratch.get()),
        indexer_(*state.indexer),
        pending_(state.pending),
        keys_(key_cache()) {
    // Stage 1 ends the index with an entry pointing at len (a padding space), which every
    // token reader below rejects, so running off the end needs no bounds checks. Set it here
    // too rather than rely on that detail of simdjson's stage 1; the index has room for it.
    state.indexer->structural_indexes[state.indexer->n_structural_indexes] = uint32_t(len);
  }

  FastResult run(PyObject** out) noexcept {
    PyObject* value = this->value(0);
    if (value && next_ == end_) {
      *out = value;
      return FastResult::kValue;
    }
    Py_XDECREF(value);  // a complete value followed by more tokens
    for (PyObject* o : pending_) Py_DECREF(o);
    pending_.clear();
    return PyErr_Occurred() ? FastResult::kPyError : FastResult::kFallback;
  }

 protected:
  // Tokens are read through next_; see the constructor for why there are no bounds checks.
  PyObject* value(size_t depth);
  // Items collect in pending_ until ']' so the list is allocated once, at its exact size.
  PyObject* array(size_t depth);
  PyObject* object(size_t depth);

  // The list of the items pending_ holds from `base` on; they leave pending_ for it.
  PyObject* take_list(size_t base) noexcept {
    PyObject* list = list_of(pending_.data() + base, pending_.size() - base);
    if (!list) return nullptr;
    pending_.resize(base);
    return list;
  }

  // Takes over `o`; its reference is dropped with the rest of pending_ if building fails.
  bool push(PyObject* o) noexcept {
    try {
      pending_.push_back(o);
      return true;
    } catch (const std::bad_alloc&) {
      Py_DECREF(o);
      PyErr_NoMemory();
      return false;
    }
  }

  // A string's content, located by one SSE2 scan for the closing quote that also notes whether
  // every byte is ASCII. Most strings have no escapes, so they are read in place: no copy into
  // a scratch buffer and back out (which also cost a store-forwarding stall per string). The
  // scan may read up to 15 bytes past the quote: the input is padded.
  struct Span {
    const uint8_t* data;
    size_t len;
    bool ascii;
    bool escaped;  // a backslash came first: unescape() it
  };

  Span scan(uint32_t pos) const noexcept {
    const uint8_t* start = buf_ + pos + 1;
    const uint8_t* p = start;
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    int high = 0;
    for (;;) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const int stop =
          _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
      const int bytes_high = _mm_movemask_epi8(v);
      if (stop) {
        const int k = __builtin_ctz(unsigned(stop));
        high |= bytes_high & ((1 << k) - 1);
        return Span{start, size_t(p + k - start), high == 0, p[k] == '\\'};
      }
      high |= bytes_high;
      p += 16;
    }
  }

  // Strings with escapes: simdjson's unescaper (the CPU-specific kernel its own stage 2 uses)
  // writes the text to scratch_ and rejects bad escapes and lone surrogates. Stage 1 has
  // already rejected invalid UTF-8, raw control characters and unclosed strings.
  [[gnu::noinline]] ptrdiff_t unescape(uint32_t pos) noexcept {
    const uint8_t* end = indexer_.parse_string(buf_ + pos + 1, scratch_);
    return end ? end - scratch_ : -1;
  }

  PyObject* string(uint32_t pos) {
    const Span span = scan(pos);
    if (span.escaped) [[unlikely]] {
      const ptrdiff_t n = unescape(pos);
      if (n < 0) return nullptr;
      return make_str(scratch_, size_t(n));
    }
    if (span.ascii) [[likely]]
      return make_ascii_str(span.data, span.len);
    return make_str_utf8(span.data, span.len);
  }

  PyObject* key_string(uint32_t pos, uint32_t& chain) {
    const Span span = scan(pos);
    if (span.escaped) [[unlikely]] {
      const ptrdiff_t n = unescape(pos);
      if (n < 0) return nullptr;
      return keys_.get(scratch_, size_t(n), chain);
    }
    return keys_.get(span.data, span.len, chain);
  }

  PyObject* literal(uint32_t pos, const char* word, size_t n, PyObject* obj) noexcept {
    if (std::memcmp(buf_ + pos, word, n) != 0 || !kEndsScalar[buf_[pos + n]]) return nullptr;
    return Py_NewRef(obj);
  }

  PyObject* number(uint32_t pos) {
    Number num;
    NumberSink sink{&num};
    if (simdjson::fallback::numberparsing::parse_number(buf_ + pos, sink) == simdjson::SUCCESS)
        [[likely]] {
      switch (num.kind) {
        case Number::Kind::kInt64:
          return PyLong_FromLongLong(num.i);
        case Number::Kind::kDouble:
          return new_float(num.d);
        case Number::Kind::kUint64:
          return PyLong_FromUnsignedLongLong(num.u);
        case Number::Kind::kNone:
          break;
      }
      return nullptr;
    }
    return big_number(pos);
  }

  // simdjson refuses integers beyond 64 bits and floats beyond the double range; json.loads
  // makes them exact ints and +-inf (see decode_stage2.cpp).
  [[gnu::noinline]] PyObject* big_number(uint32_t pos);

  const uint8_t* buf_;
  const uint32_t* next_;
  const uint32_t* const end_;
  uint8_t* scratch_;
  simdjson::internal::dom_parser_implementation& indexer_;
  std::vector<PyObject*>& pending_;  // owned references; run() drops them if building fails
  KeyCache& keys_;
};

}  // namespace fastjson::decode
