// double -> the exact text of Python's repr(float): shortest round-trip digits (Dragonbox), laid
// out the way CPython's float_repr does.
#pragma once

namespace fastjson::format {

// Bytes callers reserve. The longest text, "-2.2250738585072014e-308", is 24 bytes, and the
// writer's stores (16-byte blocks of digits, an 8-byte "0.000000" prefix) never reach past the
// 24th byte either (tests/cpp/test_format.cpp checks); the rest is headroom.
inline constexpr int kMaxFloatChars = 40;

// Writes repr(v) for a finite v and returns the end. Needs kMaxFloatChars bytes of room.
char* write_double_repr(char* out, double v) noexcept;

// Writes "repr(a),repr(b)" for finite a and b and returns the end. Needs 2 * kMaxFloatChars + 1
// bytes of room. One call for a [lon, lat] pair: register saves once, not per value.
char* write_double_repr_pair(char* out, double a, double b) noexcept;

}  // namespace fastjson::format
