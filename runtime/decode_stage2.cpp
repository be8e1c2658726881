// Stage 2 over simdjson's structural index: a recursive descent that reads each token where
// stage 1 found it, validates it, and builds the Python object. Numbers go through simdjson's
// own number parser and escaped strings through its unescaper, so values are exactly what its
// DOM gives (and json.loads); the grammar checks mirror its stage 2.
#include "runtime/decode_stage2.h"

#include <emmintrin.h>

#include <array>
#include <cstring>
#include <memory>
#include <new>

#include "runtime/decode_exact.h"
#include "runtime/decode_str.h"
#include "runtime/key_cache.h"
#include "runtime/py_ref.h"

namespace fastjson::decode {

namespace {

// Bytes that end a number or literal: JSON whitespace and structural characters. Stage 1 makes
// every other run of bytes outside strings one token, so "truex" or "1x" arrive whole.
constexpr std::array<bool, 256> kEndsScalar = [] {
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

using py::Ref;

bool is_digit(uint8_t c) noexcept { return c >= '0' && c <= '9'; }

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

 private:
  // Tokens are read through next_; see the constructor for why there are no bounds checks.
  PyObject* value(size_t depth) {
    const uint32_t pos = *next_++;
    switch (buf_[pos]) {
      case '"':
        return string(pos);
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case 't':
        return literal(pos, "true", 4, Py_True);
      case 'f':
        return literal(pos, "false", 5, Py_False);
      case 'n':
        return literal(pos, "null", 4, Py_None);
      case '-':
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
      case '8':
      case '9':
        return number(pos);
      default:
        return nullptr;
    }
  }

  // Items collect in pending_ until ']' so the list is allocated once, at its exact size.
  PyObject* array(size_t depth) {
    if (depth > kMaxDepth) return nullptr;
    if (buf_[*next_] == ']') {
      ++next_;
      return PyList_New(0);
    }
    const size_t base = pending_.size();
    for (;;) {
      PyObject* item = value(depth);
      if (!item) return nullptr;
      if (!push(item)) return nullptr;
      const uint8_t c = buf_[*next_++];
      if (c == ']') break;
      if (c != ',') return nullptr;
    }
    const size_t n = pending_.size() - base;
    PyObject* list = PyList_New(Py_ssize_t(n));
    if (!list) return nullptr;
    // The list takes over the references.
    std::memcpy(reinterpret_cast<PyListObject*>(list)->ob_item, pending_.data() + base,
                n * sizeof(PyObject*));
    pending_.resize(base);
    return list;
  }

  // Members go straight into a growing dict, as in json.loads. Collecting them in pending_ to
  // create the dict presized was measured too: 3% faster on twitter.json (40-key objects), but
  // 4-7% slower on the 10k records and citm_catalog.json (few keys: the extra pass cost more).
  PyObject* object(size_t depth) {
    if (depth > kMaxDepth) return nullptr;
    Ref dict = Ref::steal(PyDict_New());
    if (!dict) return nullptr;
    if (buf_[*next_] == '}') {
      ++next_;
      return dict.release();
    }
    uint32_t chain = KeyCache::kNoChain, first = KeyCache::kNoChain;
    for (;;) {
      const uint32_t pos = *next_++;
      if (buf_[pos] != '"') return nullptr;
      Ref key = Ref::steal(key_string(pos, chain));
      if (first == KeyCache::kNoChain) first = chain;
      if (!key || buf_[*next_++] != ':') return nullptr;
      Ref item = Ref::steal(value(depth));
      // Duplicate keys: the later value replaces the earlier one in place, as json.loads does.
      if (!item || PyDict_SetItem(dict.get(), key.get(), item.get()) < 0) return nullptr;
      const uint8_t c = buf_[*next_++];
      if (c == '}') {
        // The next object is often a sibling of the same shape: chain back to the first key.
        keys_.link(chain, first);
        return dict.release();
      }
      if (c != ',') return nullptr;
    }
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
          return PyFloat_FromDouble(num.d);
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
  // makes them exact ints and +-inf. A valid JSON number is handed to CPython like json.loads
  // does (int(s) / float(s)); anything else is a syntax error for the exact path to report.
  [[gnu::noinline]] PyObject* big_number(uint32_t pos) {
    const uint8_t* s = buf_ + pos;
    size_t i = s[0] == '-' ? 1 : 0;
    if (s[i] == '0') {
      ++i;
    } else if (s[i] >= '1' && s[i] <= '9') {
      while (is_digit(s[i])) ++i;
    } else {
      return nullptr;
    }
    bool is_float = false;
    if (s[i] == '.') {
      is_float = true;
      if (!is_digit(s[++i])) return nullptr;
      while (is_digit(s[i])) ++i;
    }
    if (s[i] == 'e' || s[i] == 'E') {
      is_float = true;
      ++i;
      if (s[i] == '+' || s[i] == '-') ++i;
      if (!is_digit(s[i])) return nullptr;
      while (is_digit(s[i])) ++i;
    }
    if (!kEndsScalar[s[i]]) return nullptr;
    // CPython's parsers want a NUL-terminated copy.
    char small[64];
    std::unique_ptr<char[]> large;
    char* token = small;
    if (i >= sizeof small) {
      large.reset(new (std::nothrow) char[i + 1]);
      if (!large) return PyErr_NoMemory();
      token = large.get();
    }
    std::memcpy(token, s, i);
    token[i] = '\0';
    if (is_float) {
      const double d = PyOS_string_to_double(token, nullptr, nullptr);
      return (d == -1.0 && PyErr_Occurred()) ? nullptr : PyFloat_FromDouble(d);
    }
    return PyLong_FromString(token, nullptr, 10);
  }

  const uint8_t* buf_;
  const uint32_t* next_;
  const uint32_t* const end_;
  uint8_t* scratch_;
  simdjson::internal::dom_parser_implementation& indexer_;
  std::vector<PyObject*>& pending_;  // owned references; run() drops them if building fails
  KeyCache& keys_;
};

}  // namespace

FastResult parse_fast(ParserState& state, const uint8_t* buf, size_t len, PyObject** out) noexcept {
  return Stage2(state, buf, len).run(out);
}

}  // namespace fastjson::decode
