// The helper ABI's implementation: thin cursor-passing wrappers over the interpreter and the
// generic encoder's writers, and the FjApi table behind the _C_API capsule.
#include "runtime/jit_abi.h"

#include <memory>

#include "runtime/compiled_encoder.h"
#include "runtime/escape.h"
#include "runtime/fork_gate.h"
#include "runtime/format_float.h"
#include "runtime/format_int.h"
#include "runtime/schema_encoder.h"
#include "runtime/shape_table.h"

static_assert(FJ_MAX_INT_CHARS == fastjson::format::kMaxIntChars);
static_assert(FJ_MAX_FLOAT_CHARS == fastjson::format::kMaxFloatChars);
static_assert(FJ_MAX_QUOTED_SIZE(10) == fastjson::escape::max_quoted_size(10));

namespace {

using fastjson::encode::Writer;

// The writer's position is the JIT's cursor while JIT code runs; each helper takes it over, works
// through the writer, and hands back the (possibly moved) cursor.
inline Writer& writer_at(fj_ctx* ctx, char* cursor) noexcept {
  Writer& w = ctx->generic().writer();
  w.advance_to(cursor);
  return w;
}

inline char* done(fj_ctx* ctx, bool ok) noexcept {
  return ok ? ctx->generic().writer().cursor() : nullptr;
}

}  // namespace

extern "C" {

char* fj_reserve(fj_ctx* ctx, char* cursor, size_t n) noexcept {
  Writer& w = writer_at(ctx, cursor);
  if (!w.reserve(n)) [[unlikely]] {
    ctx->generic().fail_python();
    return nullptr;
  }
  return w.cursor();
}

char* fj_write_str(fj_ctx* ctx, char* cursor, PyObject* s) noexcept {
  writer_at(ctx, cursor);
  return done(ctx, ctx->generic().encode_str(s));
}

char* fj_write_int(fj_ctx* ctx, char* cursor, PyObject* i) noexcept {
  writer_at(ctx, cursor);
  return done(ctx, ctx->generic().encode_int(i));
}

char* fj_write_float(fj_ctx* ctx, char* cursor, PyObject* f) noexcept {
  writer_at(ctx, cursor);
  return done(ctx, ctx->generic().encode_float(f));
}

char* fj_encode_node(fj_ctx* ctx, char* cursor, uint32_t node, PyObject* obj) noexcept {
  if (node >= ctx->schema().nodes.size()) [[unlikely]] {
    // A JIT bug must not crash the host: it becomes an exception (fallback paths only: no cost).
    PyErr_Format(PyExc_SystemError, "fj_encode_node: no schema node %u", unsigned(node));
    ctx->generic().fail_python();
    return nullptr;
  }
  writer_at(ctx, cursor);
  if (ctx->schema().generic_fallback) {
    // Transparent JIT: a failed guard (or an `any` node) hands the value to dumps' own encoder.
    if (ctx->schema().nodes[node].kind != fastjson::schema::Kind::kAny) [[unlikely]]
      fastjson::encode::shapes::count_guard_failure();
    return done(ctx, ctx->generic().encode(obj));
  }
  return done(ctx, ctx->encode(node, obj));
}

int fj_enter(fj_ctx* ctx, PyObject* container) noexcept {
  return ctx->generic().enter(container, false) ? 0 : -1;
}

void fj_leave(fj_ctx* ctx) noexcept { ctx->generic().leave(); }

void fj_path_index(fj_ctx* ctx, Py_ssize_t index) noexcept {
  ctx->generic().path().push_index(index);
}

void fj_path_key(fj_ctx* ctx, PyObject* key) noexcept { ctx->generic().path_push_key(key); }

const char* fj_str_utf8(fj_ctx* ctx, PyObject* s, Py_ssize_t* len) noexcept {
  if (PyUnicode_IS_COMPACT_ASCII(s)) {
    *len = PyUnicode_GET_LENGTH(s);
    return reinterpret_cast<const char*>(reinterpret_cast<PyASCIIObject*>(s) + 1);
  }
  const char* data = PyUnicode_AsUTF8AndSize(s, len);
  if (data == nullptr) [[unlikely]]
    ctx->generic().fail_str_conversion(s);
  return data;
}

char* fj_put_str_unchecked(char* cursor, const char* utf8, size_t len) noexcept {
  return fastjson::escape::write_quoted(cursor, utf8, len);
}

char* fj_put_i64(char* cursor, int64_t v) noexcept {
  return fastjson::format::write_i64(cursor, v);
}

char* fj_put_double(char* cursor, double v) noexcept {
  return fastjson::format::write_double_repr(cursor, v);
}

size_t fj_tell(fj_ctx* ctx, char* cursor) noexcept { return writer_at(ctx, cursor).size(); }

char* fj_seek(fj_ctx* ctx, size_t offset) noexcept {
  Writer& w = ctx->generic().writer();
  // The writer's position may be stale (JIT code holds the cursor), but the buffer start is not:
  // size() is measured from it.
  char* start = w.cursor() - w.size();
  w.advance_to(start + offset);
  return w.cursor();
}

}  // extern "C"

namespace fastjson::encode {

namespace {

// Measured on a real context rather than with offsetof, which the standard leaves undefined for
// classes like these (private members, non-trivial constructors).
size_t measure_writer_end_offset() noexcept {
  static const schema::Schema empty;
  auto probe = std::make_unique<fj_ctx>(empty);
  const char* base = reinterpret_cast<const char*>(probe.get());
  return size_t(reinterpret_cast<const char*>(probe->generic().writer().end_slot()) - base);
}

}  // namespace

PyObject* make_api_capsule() noexcept {
  static const FjApi api = {
      FJ_ABI_VERSION, sizeof(FjApi),  fj_reserve,           fj_write_str,    fj_write_int,
      fj_write_float, fj_encode_node, fj_path_index,        fj_path_key,     fj_enter,
      fj_leave,       fj_str_utf8,    fj_put_str_unchecked, fj_put_i64,      fj_put_double,
      fj_tell,        fj_seek,        encoder_schema,       encoder_install,
      fork_gate::enter, fork_gate::leave,
      // The formatter itself: a wrapper cost 9 instructions per [lon, lat] pair (callgrind).
      format::write_double_repr_pair, measure_writer_end_offset(),
  };
  return PyCapsule_New(const_cast<FjApi*>(&api), FJ_API_CAPSULE_NAME, nullptr);
}

}  // namespace fastjson::encode
