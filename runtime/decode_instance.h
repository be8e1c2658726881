// Typed decoding of the "instance" schema kind: datetime, date, time (RFC 3339 strings), UUID
// (hyphenated or 32-hex strings) and Decimal (strings, or numbers read from their exact digits).
// The text is checked here, strictly, so a bad value is a validation error and never reaches a
// Python parser that would be more lenient (Decimal(" 1_0 ")) or raise its own error.
#pragma once
#include <Python.h>

#include <cstdint>
#include <string_view>

namespace fastjson::decode {

enum class InstanceKind : uint8_t { kNone, kDateTime, kDate, kTime, kUuid, kDecimal };

// Which of the classes `cls` is or derives from. kNone with an error set on failure (kNone
// without an error: none of them). Loads the datetime C API when it is a datetime class.
InstanceKind instance_kind(PyObject* cls) noexcept;

// The name messages use, msgspec's: "datetime", "date", "time", "uuid", "decimal".
const char* instance_name(InstanceKind kind) noexcept;
// The message for a string that is not a valid value: "Invalid RFC 3339 encoded datetime".
const char* instance_invalid(InstanceKind kind) noexcept;

// `cls` (of `kind`) from a JSON string's text. nullptr without an error: the text is invalid;
// nullptr with an error: building failed (MemoryError, or a subclass's constructor raised).
PyObject* instance_from_text(InstanceKind kind, PyObject* cls, std::string_view text) noexcept;

// Decimal syntax without whitespace or underscores: [+-](digits[.[digits]] | .digits)[e[+-]digits]
// or [+-](Inf | Infinity | NaN[digits] | sNaN[digits]), case-insensitive (what str(Decimal)
// writes).
bool decimal_syntax(std::string_view text) noexcept;
// 8-4-4-4-12 hex digits with hyphens, or 32 hex digits; either case.
bool uuid_syntax(std::string_view text) noexcept;

}  // namespace fastjson::decode
