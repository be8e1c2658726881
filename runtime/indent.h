// The indent= option: compact JSON (what every encoder path writes) re-laid out exactly as
// json.dumps(obj, indent=n, ensure_ascii=False) lays it out. One pass over finished output, so the
// generic, compiled and JIT paths get identical indented bytes and none of them carries a branch
// for it in its hot loops.
#pragma once
#include <cstddef>

#include "runtime/writer.h"

namespace fastjson::encode {

// Appends `compact` (valid compact JSON) to `out` with newlines and `indent` spaces per level and
// ": " after keys. False with MemoryError set.
bool write_indented(const char* compact, size_t n, int indent, Writer& out) noexcept;

}  // namespace fastjson::encode
