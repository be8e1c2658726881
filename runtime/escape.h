// JSON string escaping exactly as Python's json with ensure_ascii=False: only '"', '\\' and the
// C0 controls are escaped (\b \f \n \r \t by name, others as \u00xx with lowercase hex).
#pragma once
#include <cstddef>

namespace fastjson::escape {

// Room write_quoted needs for n input bytes: every byte may become 6 ("\u001f"), plus the quotes,
// plus 16 because the vector loop stores whole 16-byte blocks.
constexpr size_t max_quoted_size(size_t n) noexcept { return 6 * n + 2 + 16; }

// Writes '"' + escaped UTF-8 bytes s[0..n) + '"' and returns the end. Needs max_quoted_size(n).
char* write_quoted(char* out, const char* s, size_t n) noexcept;

}  // namespace fastjson::escape
