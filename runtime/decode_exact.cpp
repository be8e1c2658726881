// A byte-level port of CPython 3.11's json scanner (Modules/_json.c: scan_once_unicode,
// scanstring_unicode, _match_number_unicode, _parse_object/_parse_array), iterative so any
// nesting is safe, and strict where RFC 8259 is. Cold: it runs only after simdjson has failed.
#include "runtime/decode_exact.h"

#include <string>
#include <vector>

#include "runtime/decode_str.h"
#include "runtime/py_ref.h"

namespace fastjson::decode {

namespace {

using py::Ref;

constexpr const char* kExpectingValue = "Expecting value";
constexpr const char* kExpectingName = "Expecting property name enclosed in double quotes";
constexpr const char* kExpectingColon = "Expecting ':' delimiter";
constexpr const char* kExpectingComma = "Expecting ',' delimiter";
constexpr const char* kUnterminated = "Unterminated string starting at";
constexpr const char* kControl = "Invalid control character at";
constexpr const char* kBadEscape = "Invalid \\escape";
constexpr const char* kBadUnicodeEscape = "Invalid \\uXXXX escape";
constexpr const char* kExtraData = "Extra data";
// fastjson's own, for documents json.loads accepts but RFC 8259 (or UTF-8) does not.
constexpr const char* kLoneSurrogateEscape = "Lone surrogate in \\u escape";
constexpr const char* kLoneSurrogateChar = "Lone surrogate in string";
constexpr const char* kInvalidUtf8 = "Invalid UTF-8";
constexpr const char* kNonFinite = "NaN and Infinity are not valid JSON";
constexpr const char* kTooDeep = "Maximum nesting depth exceeded (1024)";
static_assert(kMaxDepth == 1024, "kTooDeep names the limit");

bool is_ws(uint8_t c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(uint8_t c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(uint8_t c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at p, or -1.
int32_t hex4(const uint8_t* p) noexcept {
  int32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const int d = hex_value(p[i]);
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

class ExactParser {
 public:
  ExactParser(const uint8_t* s, size_t n, bool from_str) noexcept
      : s_(s), n_(n), surrogate_msg_(from_str ? kLoneSurrogateChar : kInvalidUtf8) {}

  PyObject* run(Fault& fault) noexcept {
    try {
      PyObject* result = parse();
      if (fault_.msg) fault = fault_;
      return result;
    } catch (const std::bad_alloc&) {  // std::string / std::vector growth
      return PyErr_NoMemory();
    }
  }

 private:
  struct Frame {
    Ref container;  // empty once building has stopped
    Ref key;        // objects: the key whose value comes next
    bool is_object;
  };

  enum class Got { kScalar, kOpened, kFailed };

  PyObject* parse() {
    size_t pos = skip_ws(0);
    Ref value;
    for (;;) {
      const Got got = parse_value(pos, value);
      if (got == Got::kFailed) return nullptr;
      if (got == Got::kOpened) continue;  // the container's first value comes next
      // A complete value: hand it to the enclosing containers until one expects more.
      for (;;) {
        if (stack_.empty()) {
          pos = skip_ws(pos);
          if (pos != n_) return fail(kExtraData, pos);
          if (soft_.msg) return fail(soft_.msg, soft_.offset);
          return value.release();
        }
        Frame& top = stack_.back();
        if (building_ && !attach(top, std::move(value))) return nullptr;
        pos = skip_ws(pos);
        if (pos < n_ && s_[pos] == (top.is_object ? '}' : ']')) {
          ++pos;
          value = std::move(top.container);
          stack_.pop_back();
          continue;
        }
        if (pos >= n_ || s_[pos] != ',') return fail(kExpectingComma, pos);
        pos = skip_ws(pos + 1);
        if (top.is_object && !parse_key(pos, top)) return nullptr;
        break;
      }
    }
  }

  // Parses the value at `pos` the way scan_once_unicode dispatches on its first character.
  Got parse_value(size_t& pos, Ref& value) {
    if (pos >= n_) return fail_got(kExpectingValue, pos);
    switch (s_[pos]) {
      case '"':
        return string(pos, value) ? Got::kScalar : Got::kFailed;
      case '{':
        return open(pos, true, value);
      case '[':
        return open(pos, false, value);
      case 'n':
        if (literal(pos, "null", 4)) return constant(pos, 4, Py_None, value);
        break;
      case 't':
        if (literal(pos, "true", 4)) return constant(pos, 4, Py_True, value);
        break;
      case 'f':
        if (literal(pos, "false", 5)) return constant(pos, 5, Py_False, value);
        break;
      case 'N':
        if (literal(pos, "NaN", 3)) return non_finite(pos, 3);
        break;
      case 'I':
        if (literal(pos, "Infinity", 8)) return non_finite(pos, 8);
        break;
      case '-':
        if (literal(pos, "-Infinity", 9)) return non_finite(pos, 9);
        break;
      default:
        break;
    }
    return number(pos, value);
  }

  // _json.c tests `idx + len - 1 < length` before comparing, i.e. the whole word must be there.
  bool literal(size_t pos, const char* word, size_t len) const noexcept {
    return pos + len <= n_ &&
           std::char_traits<char>::compare(reinterpret_cast<const char*>(s_ + pos), word, len) == 0;
  }

  Got constant(size_t& pos, size_t len, PyObject* obj, Ref& value) {
    pos += len;
    if (building_) value = Ref::borrow(obj);
    return Got::kScalar;
  }

  Got non_finite(size_t& pos, size_t len) {
    soft(kNonFinite, pos);
    pos += len;
    return Got::kScalar;
  }

  Got open(size_t& pos, bool is_object, Ref& value) {
    if (stack_.size() >= kMaxDepth) {
      // json.loads raises RecursionError near here; there is no position of its to match, so
      // stop at the first fault found so far.
      if (soft_.msg) return fail_got(soft_.msg, soft_.offset);
      return fail_got(kTooDeep, pos);
    }
    pos = skip_ws(pos + 1);
    const bool empty = pos < n_ && s_[pos] == (is_object ? '}' : ']');
    Ref container;
    if (building_) {
      container = Ref::steal(is_object ? PyDict_New() : PyList_New(0));
      if (!container) return Got::kFailed;
    }
    if (empty) {
      ++pos;
      value = std::move(container);
      return Got::kScalar;
    }
    stack_.push_back(Frame{std::move(container), Ref(), is_object});
    if (is_object && !parse_key(pos, stack_.back())) return Got::kFailed;
    return Got::kOpened;
  }

  // At `pos`: a key, ':' and the whitespace before its value, as _parse_object_unicode reads it.
  bool parse_key(size_t& pos, Frame& frame) {
    if (pos >= n_ || s_[pos] != '"') return fail_bool(kExpectingName, pos);
    if (!string(pos, frame.key)) return false;
    pos = skip_ws(pos);
    if (pos >= n_ || s_[pos] != ':') return fail_bool(kExpectingColon, pos);
    pos = skip_ws(pos + 1);
    return true;
  }

  bool attach(Frame& frame, Ref value) {
    if (frame.is_object) {
      // Duplicate keys: the later value wins, in the first key's place, as with json.loads.
      return PyDict_SetItem(frame.container.get(), frame.key.get(), value.get()) == 0;
    }
    return PyList_Append(frame.container.get(), value.get()) == 0;
  }

  // scanstring_unicode: `pos` at the opening quote; leaves it after the closing quote.
  bool string(size_t& pos, Ref& value) {
    const size_t begin = pos;
    size_t i = pos + 1;
    size_t chunk = i;  // start of the bytes not yet copied into `text`
    bool escaped = false;
    text_.clear();
    for (;;) {
      while (i < n_) {
        const uint8_t c = s_[i];
        if (c == '"' || c == '\\' || c < 0x20) break;
        // A surrogate code point, encoded the 'surrogatepass' way.
        if (c == 0xED && i + 1 < n_ && s_[i + 1] >= 0xA0) soft(surrogate_msg_, i);
        ++i;
      }
      if (i >= n_) return fail_bool(kUnterminated, begin);
      const uint8_t c = s_[i];
      if (c < 0x20) return fail_bool(kControl, i);
      if (building_) text_.append(reinterpret_cast<const char*>(s_ + chunk), i - chunk);
      if (c == '"') break;
      escaped = true;
      if (!escape(i, begin)) return false;
      chunk = i;
    }
    pos = i + 1;
    if (!building_) return true;
    const uint8_t* data = escaped ? reinterpret_cast<const uint8_t*>(text_.data()) : s_ + begin + 1;
    const size_t len = escaped ? text_.size() : i - begin - 1;
    value = Ref::steal(make_str(data, len));
    return bool(value);
  }

  // One escape at the backslash `i`; leaves `i` after it and its decoded text in text_.
  bool escape(size_t& i, size_t begin) {
    const size_t esc = i;
    if (i + 1 >= n_) return fail_bool(kUnterminated, begin);
    const uint8_t e = s_[i + 1];
    if (e != 'u') {
      char c;
      switch (e) {
        case '"':
          c = '"';
          break;
        case '\\':
          c = '\\';
          break;
        case '/':
          c = '/';
          break;
        case 'b':
          c = '\b';
          break;
        case 'f':
          c = '\f';
          break;
        case 'n':
          c = '\n';
          break;
        case 'r':
          c = '\r';
          break;
        case 't':
          c = '\t';
          break;
        default:
          return fail_bool(kBadEscape, esc);
      }
      if (building_) text_ += c;
      i += 2;
      return true;
    }
    // _json.c wants one more character after the four digits (the closing quote at least).
    if (i + 6 >= n_) return fail_bool(kBadUnicodeEscape, i + 1);
    const int32_t cp = hex4(s_ + i + 2);
    if (cp < 0) return fail_bool(kBadUnicodeEscape, i + 1);
    i += 6;
    uint32_t code = uint32_t(cp);
    if (code >= 0xD800 && code <= 0xDBFF) {
      // _json.c pairs a high surrogate only with an immediately following \u escape, and only
      // when 7 more characters remain; a bad digit there is reported at that 'u'.
      if (i + 6 < n_ && s_[i] == '\\' && s_[i + 1] == 'u') {
        const int32_t low = hex4(s_ + i + 2);
        if (low < 0) return fail_bool(kBadUnicodeEscape, i + 1);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          code = 0x10000 + ((code - 0xD800) << 10) + (uint32_t(low) - 0xDC00);
          i += 6;
        } else {
          soft(kLoneSurrogateEscape, esc);
        }
      } else {
        soft(kLoneSurrogateEscape, esc);
      }
    } else if (code >= 0xDC00 && code <= 0xDFFF) {
      soft(kLoneSurrogateEscape, esc);
    }
    if (building_) append_utf8(text_, code);
    return true;
  }

  // _match_number_unicode, including its backtracking: "1." and "1e" are the number 1 followed
  // by something else, which the caller then reports.
  Got number(size_t& pos, Ref& value) {
    const size_t start = pos;
    size_t i = pos;
    if (s_[i] == '-') {
      ++i;
      if (i >= n_) return fail_got(kExpectingValue, start);
    }
    if (s_[i] >= '1' && s_[i] <= '9') {
      ++i;
      while (i < n_ && is_digit(s_[i])) ++i;
    } else if (s_[i] == '0') {
      ++i;
    } else {
      return fail_got(kExpectingValue, start);
    }
    bool is_float = false;
    if (i + 1 < n_ && s_[i] == '.' && is_digit(s_[i + 1])) {
      is_float = true;
      i += 2;
      while (i < n_ && is_digit(s_[i])) ++i;
    }
    if (i + 1 < n_ && (s_[i] == 'e' || s_[i] == 'E')) {
      const size_t e_start = i;
      ++i;
      if (i + 1 < n_ && (s_[i] == '-' || s_[i] == '+')) ++i;
      while (i < n_ && is_digit(s_[i])) ++i;
      if (is_digit(s_[i - 1])) {
        is_float = true;
      } else {
        i = e_start;
      }
    }
    pos = i;
    if (!building_) return Got::kScalar;
    // Parsed by CPython itself, like json.loads (float(s) / int(s)): exact for any length, inf
    // for 1e400, and the same int digit limit.
    token_.assign(reinterpret_cast<const char*>(s_ + start), i - start);
    PyObject* obj;
    if (is_float) {
      const double d = PyOS_string_to_double(token_.c_str(), nullptr, nullptr);
      obj = (d == -1.0 && PyErr_Occurred()) ? nullptr : PyFloat_FromDouble(d);
    } else {
      obj = PyLong_FromString(token_.c_str(), nullptr, 10);
    }
    value = Ref::steal(obj);
    return value ? Got::kScalar : Got::kFailed;
  }

  size_t skip_ws(size_t pos) const noexcept {
    while (pos < n_ && is_ws(s_[pos])) ++pos;
    return pos;
  }

  // A place json.loads accepts but fastjson rejects. Only the first counts; the scan goes on
  // (building nothing more) so that a later fault json.loads also reports takes precedence.
  void soft(const char* msg, size_t offset) noexcept {
    if (soft_.msg) return;
    soft_ = Fault{msg, offset};
    building_ = false;
    for (Frame& f : stack_) {
      f.container = Ref();
      f.key = Ref();
    }
  }

  std::nullptr_t fail(const char* msg, size_t offset) noexcept {
    fault_ = Fault{msg, offset};
    return nullptr;
  }
  bool fail_bool(const char* msg, size_t offset) noexcept {
    fail(msg, offset);
    return false;
  }
  Got fail_got(const char* msg, size_t offset) noexcept {
    fail(msg, offset);
    return Got::kFailed;
  }

  const uint8_t* s_;
  size_t n_;
  const char* surrogate_msg_;
  bool building_ = true;
  Fault soft_;
  Fault fault_;
  std::vector<Frame> stack_;
  std::string text_;   // a string's decoded bytes, reused
  std::string token_;  // a number's text, NUL-terminated for CPython's parsers
};

}  // namespace

PyObject* parse_exact(const uint8_t* s, size_t n, bool from_str, Fault& fault) noexcept {
  return ExactParser(s, n, from_str).run(fault);
}

}  // namespace fastjson::decode
