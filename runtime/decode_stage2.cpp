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

using py::Ref;

PyObject* Stage2::value(size_t depth) {
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

PyObject* Stage2::array(size_t depth) {
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
  return take_list(base);
}

// Members go straight into a growing dict, as in json.loads. Collecting them in pending_ to
// create the dict presized was measured too: 3% faster on twitter.json (40-key objects), but
// 4-7% slower on the 10k records and citm_catalog.json (few keys: the extra pass cost more).
PyObject* Stage2::object(size_t depth) {
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

// simdjson refuses integers beyond 64 bits and floats beyond the double range; json.loads
// makes them exact ints and +-inf. A valid JSON number is handed to CPython like json.loads
// does (int(s) / float(s)); anything else is a syntax error for the exact path to report.
PyObject* Stage2::big_number(uint32_t pos) {
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

FastResult parse_fast(ParserState& state, const uint8_t* buf, size_t len, PyObject** out) noexcept {
  return Stage2(state, buf, len).run(out);
}

}  // namespace fastjson::decode
