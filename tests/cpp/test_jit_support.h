// Support for the JIT's GoogleTest binary (fastjson_jit_tests, built from jit/CMakeLists.txt): an
// embedded interpreter, schema builders, and a strict stand-in for the runtime's helper ABI so the
// emitter and session are tested alone. The stand-in's fj_reserve makes exactly the room asked for
// (moving the buffer every time) behind a canary, and each unchecked writer checks the room it is
// documented to need: a bound the emitter gets wrong fails a test instead of going unnoticed.
#pragma once
#include <Python.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "jit/compile.h"
#include "runtime/jit_abi.h"
#include "runtime/schema.h"

// The call state of the stand-in runtime.
struct fj_ctx {
  static constexpr size_t kCanary = 64;
  std::vector<char> buf = std::vector<char>(kCanary, char(0xA5));
  size_t limit = 0;                   // bytes [0, limit) are writable
  std::vector<std::string> path;      // innermost first
  std::vector<uint32_t> interpreted;  // nodes handed to fj_encode_node
  std::string fault;                  // first failure, for messages
  int depth = 0;
  int max_depth = 1024;
  int enters = 0;
  bool fail_interpreter = false;  // fj_encode_node records a fault instead of writing

  char* begin() { return buf.data(); }
  bool canary_intact() const {
    for (size_t i = limit; i < buf.size(); ++i) {
      if (buf[i] != char(0xA5)) return false;
    }
    return true;
  }
  size_t room(const char* cursor) const { return limit - size_t(cursor - buf.data()); }
  void fail(std::string why) {
    if (fault.empty()) fault = std::move(why);
  }
};

namespace fastjson::jit::testing {

inline char* mock_reserve(fj_ctx* c, char* cursor, size_t n) noexcept {
  const size_t offset = size_t(cursor - c->buf.data());
  EXPECT_LE(offset, c->limit) << "cursor past the reserved room";
  EXPECT_TRUE(c->canary_intact()) << "write past the reserved room";
  std::vector<char> moved(offset + n + fj_ctx::kCanary, char(0xA5));
  std::memcpy(moved.data(), c->buf.data(), offset);
  c->buf.swap(moved);
  c->limit = offset + n;
  return c->buf.data() + offset;
}

inline char* put(char* cursor, const std::string& text) {
  std::memcpy(cursor, text.data(), text.size());
  return cursor + text.size();
}

inline const char* mock_str_utf8(fj_ctx* c, PyObject* s, Py_ssize_t* len) noexcept {
  const char* data = PyUnicode_AsUTF8AndSize(s, len);
  if (data == nullptr) c->fail("surrogates");
  return data;
}

// Room checks: the unchecked writers' documented needs (jit_abi.h). The tests write nothing that
// needs escaping, except where they say so.
inline thread_local fj_ctx* current = nullptr;

inline char* mock_put_str(char* cursor, const char* utf8, size_t len) noexcept {
  EXPECT_GE(current->room(cursor), FJ_MAX_QUOTED_SIZE(len));
  std::string text = "\"";
  for (size_t i = 0; i < len; ++i) {
    const char ch = utf8[i];
    if (ch == '"' || ch == '\\') text += '\\';
    text += ch;
  }
  return put(cursor, text + "\"");
}

inline char* mock_put_i64(char* cursor, int64_t v) noexcept {
  EXPECT_GE(current->room(cursor), size_t(FJ_MAX_INT_CHARS));
  return put(cursor, std::to_string(v));
}

inline char* mock_put_double(char* cursor, double v) noexcept {
  EXPECT_GE(current->room(cursor), size_t(FJ_MAX_FLOAT_CHARS));
  EXPECT_TRUE(std::isfinite(v));
  char text[64];
  for (int precision = 1; precision <= 17; ++precision) {  // shortest round trip, like repr
    std::snprintf(text, sizeof text, "%.*g", precision, v);
    if (std::strtod(text, nullptr) == v) break;
  }
  std::string out = text;
  if (out.find_first_of(".e") == std::string::npos) out += ".0";  // repr(1.0) == "1.0"
  return put(cursor, out);
}
inline char* mock_put_double_pair(char* cursor, double a, double b) noexcept {
  EXPECT_GE(current->room(cursor), size_t(2 * FJ_MAX_FLOAT_CHARS + 1));
  cursor = mock_put_double(cursor, a);
  *cursor++ = ',';
  return mock_put_double(cursor, b);
}

inline char* mock_encode_node(fj_ctx* c, char* cursor, uint32_t node, PyObject*) noexcept {
  c->interpreted.push_back(node);
  if (c->fail_interpreter) {
    std::string why = "interpreter rejected node ";
    why += std::to_string(node);
    c->fail(std::move(why));
    return nullptr;
  }
  std::string text = "<";
  text += std::to_string(node);
  text += '>';
  cursor = mock_reserve(c, cursor, text.size());
  return put(cursor, text);
}

inline int mock_enter(fj_ctx* c, PyObject*) noexcept {
  ++c->enters;
  if (c->depth == c->max_depth) {
    c->fail("too deep");
    return -1;
  }
  ++c->depth;
  return 0;
}
inline void mock_leave(fj_ctx* c) noexcept { --c->depth; }

inline void mock_path_index(fj_ctx* c, Py_ssize_t i) noexcept {
  std::string part = "[";
  part += std::to_string(i);
  part += ']';
  c->path.push_back(std::move(part));
}
inline void mock_path_key(fj_ctx* c, PyObject* key) noexcept {
  std::string part = ".";
  part += PyUnicode_AsUTF8(key);
  c->path.push_back(std::move(part));
}

// Not used by emitted code (it has the unchecked writers); present so the table is complete.
inline char* mock_unused_write(fj_ctx*, char*, PyObject*) noexcept {
  ADD_FAILURE() << "emitted code called a reserving writer";
  return nullptr;
}
inline size_t mock_tell(fj_ctx* c, char* cursor) noexcept { return size_t(cursor - c->buf.data()); }
inline char* mock_seek(fj_ctx* c, size_t offset) noexcept { return c->buf.data() + offset; }

inline const FjApi& mock_api() {
  static const FjApi api = {
      FJ_ABI_VERSION,    sizeof(FjApi),     mock_reserve,     mock_unused_write,
      mock_unused_write, mock_unused_write, mock_encode_node, mock_path_index,
      mock_path_key,     mock_enter,        mock_leave,       mock_str_utf8,
      mock_put_str,      mock_put_i64,      mock_put_double,  mock_tell,
      mock_seek,         nullptr,           nullptr,          nullptr,
      nullptr,           mock_put_double_pair,
      0};  // writer_end_offset: unknown, so every reservation calls mock_reserve (and is checked)
  return api;
}

// ---- Python values ---------------------------------------------------------------------------

// A new reference to the value of a Python expression (helpers like `Sub` are predefined).
inline PyObject* eval(const char* expr) {
  static PyObject* globals = [] {
    PyObject* g = PyDict_New();
    PyDict_SetItemString(g, "__builtins__", PyEval_GetBuiltins());
    PyRun_String(
        "class IntSub(int): pass\n"
        "class StrSub(str): pass\n"
        "class DictSub(dict): pass\n",
        Py_file_input, g, g);
    return g;
  }();
  PyObject* v = PyRun_String(expr, Py_eval_input, globals, globals);
  if (v == nullptr) PyErr_Print();
  return v;
}

// ---- schemas ---------------------------------------------------------------------------------

using schema::Kind;
using schema::NodeId;

class SchemaBuilder {
 public:
  NodeId add(Kind kind, std::vector<NodeId> children = {}) {
    schema::Node n{};
    n.kind = kind;
    n.children = std::move(children);
    schema_->nodes.push_back(std::move(n));
    return NodeId(schema_->nodes.size() - 1);
  }
  // An object node; fields are (name, node, required).
  NodeId object(std::vector<std::tuple<std::string, NodeId, bool>> fields) {
    const NodeId id = add(Kind::kObject);
    for (auto& [name, node, required] : fields) field(id, name, node, required);
    return id;
  }
  void field(NodeId object, const std::string& name, NodeId node, bool required = true) {
    schema::Field f;
    f.name = name;
    f.key = py::Ref::steal(PyUnicode_InternFromString(name.c_str()));
    f.encoded = "\"" + name + "\":";
    f.node = node;
    f.required = required;
    schema::Node& n = schema_->nodes[object];
    n.fields.push_back(std::move(f));
    n.required_count += required ? 1 : 0;
  }
  schema::Node& node(NodeId id) { return schema_->nodes[id]; }
  std::unique_ptr<schema::Schema> finish(NodeId root) {
    schema_->root = root;
    return std::move(schema_);
  }

 private:
  std::unique_ptr<schema::Schema> schema_ = std::make_unique<schema::Schema>();
};

// ---- compiling and running -------------------------------------------------------------------

inline std::shared_ptr<Session> session(llvm::CodeGenOptLevel level = llvm::CodeGenOptLevel::None) {
  auto s = shared_session(mock_api(), level);
  if (!s) {
    ADD_FAILURE() << llvm::toString(s.takeError());
    return nullptr;
  }
  return *s;
}

struct Run {
  std::string out;  // bytes written, or "<error>"
  fj_ctx ctx;
};

class Encoder {
 public:
  explicit Encoder(std::unique_ptr<schema::Schema> schema, CompileOptions options = {})
      : schema_(std::move(schema)) {
    auto s = session(options.codegen);
    auto compiled = compile(*schema_, *s, options);
    if (!compiled) {
      ADD_FAILURE() << llvm::toString(compiled.takeError());
      return;
    }
    compiled_ = std::move(*compiled);
  }
  bool ok() const { return compiled_.entry != nullptr; }

  // Runs the entry point on a fresh call state.
  std::unique_ptr<Run> run(PyObject* obj, int max_depth = 1024,
                           bool fail_interpreter = false) const {
    auto r = std::make_unique<Run>();
    r->ctx.max_depth = max_depth;
    r->ctx.fail_interpreter = fail_interpreter;
    current = &r->ctx;
    char* end = compiled_.entry(&r->ctx, r->ctx.begin(), obj);
    current = nullptr;
    EXPECT_TRUE(r->ctx.canary_intact()) << "write past the reserved room";
    EXPECT_EQ(r->ctx.depth, end ? 0 : r->ctx.depth) << "fj_enter without fj_leave";
    r->out = end ? std::string(r->ctx.begin(), size_t(end - r->ctx.begin())) : "<error>";
    return r;
  }
  std::string dumps(PyObject* obj) const { return run(obj)->out; }

 private:
  std::unique_ptr<schema::Schema> schema_;
  Compiled compiled_;
};

}  // namespace fastjson::jit::testing
