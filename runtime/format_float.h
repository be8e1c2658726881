// double -> the exact text of Python's repr(float): shortest round-trip digits (Dragonbox), laid
// out the way CPython's float_repr does.
#pragma once

namespace fastjson::format {

// "-2.2250738585072014e-308" is 24 bytes; the writer also stores whole 16-byte blocks past the
// digits ("-" + 17 digits + '.' + 16-byte block), so callers must reserve 40.
inline constexpr int kMaxFloatChars = 40;

// Writes repr(v) for a finite v and returns the end. Needs kMaxFloatChars bytes of room.
char* write_double_repr(char* out, double v) noexcept;

}  // namespace fastjson::format
