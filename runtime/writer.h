// The output buffer for one dumps call. Small outputs are written into an inline buffer and copied
// once into an exact-size bytes object (one small pymalloc allocation); large outputs move into a
// PyBytes that grows by realloc and is shrunk once at the end, so they are never copied again.
// In str mode (dumps_str) large outputs grow in a raw block laid out as a compact ASCII str, which
// becomes the result in place when the output is ASCII (writer.cpp).
#pragma once
#include <Python.h>

#include <cstddef>
#include <cstring>

namespace fastjson::encode {

class Writer {
 public:
  Writer() noexcept = default;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() {
    Py_XDECREF(bytes_);
    if (raw_ != nullptr) PyObject_Free(raw_);
  }

  // finish() returns a str instead of bytes. Call before anything is written.
  void set_str_output() noexcept { as_str_ = true; }

  // Makes room for n more bytes, plus kSlack; false (with MemoryError set) if that fails. Callers
  // reserve once for everything a step writes, then write through cursor() without further
  // checks. The slack lets the single separator that follows a reserved value (',' or ':') be
  // written without a check of its own: one compare per item less on every container.
  [[nodiscard]] bool reserve(size_t n) noexcept {
    // After a separator written in the slack, pos_ stands past end_: measured from end_, the room
    // would wrap to a huge unsigned number and every later write would run off the buffer (a
    // fuzzer found it: a reservation ending exactly at end_, then ','). Measured from the
    // allocation's real end, which pos_ never passes, it cannot wrap; the compiler folds the
    // constants, so the check costs what it did.
    if (size_t(end_ + kSlack - pos_) >= n + kSlack) [[likely]] return true;
    return grow(n);
  }
  char* cursor() noexcept { return pos_; }
  // Where the usable end is kept: JIT'd code reads it to test room in line (FjApi
  // writer_end_offset), and calls fj_reserve only when the room is short.
  char* const* end_slot() const noexcept { return &end_; }
  void advance_to(char* p) noexcept { pos_ = p; }
  void put(char c) noexcept { *pos_++ = c; }
  void put(const char* s, size_t n) noexcept {
    std::memcpy(pos_, s, n);
    pos_ += n;
  }
  // Removes the last byte if it is c (used to drop a trailing ',' after a container's items).
  void unput_if(char c) noexcept {
    if (pos_ != begin_ && pos_[-1] == c) --pos_;
  }
  size_t size() const noexcept { return size_t(pos_ - begin_); }
  const char* data() const noexcept { return begin_; }

  // Returns the bytes object holding what was written (new reference), or nullptr on MemoryError;
  // in str mode a str (nullptr with UnicodeDecodeError if a Fragment wrote invalid UTF-8).
  PyObject* finish() noexcept;

 private:
  static constexpr size_t kInline = 4096;
 public:
  static constexpr size_t kSlack = 8;

 private:
  bool grow(size_t n) noexcept;
  bool grow_raw(size_t used, size_t wanted) noexcept;
  PyObject* finish_str() noexcept;

  char inline_[kInline];
  PyObject* bytes_ = nullptr;  // owned; null while writing into inline_
  char* raw_ = nullptr;        // str mode: owned PyObject_Malloc block, text at kStrHeader
  bool as_str_ = false;
  char* begin_ = inline_;
  char* pos_ = inline_;
  char* end_ = inline_ + kInline - kSlack;  // the usable end: kSlack bytes lie beyond it
};

}  // namespace fastjson::encode
