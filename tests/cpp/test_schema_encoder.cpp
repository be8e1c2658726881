// The schema IR, its interpreter and the JIT helper ABI through their C++ entry points: building
// from descriptions (and rejecting malformed ones), exact bytes, exact errors, no leaked
// references.
#include <Python.h>
#include <gtest/gtest.h>

#include <string>

#include "runtime/compiled_encoder.h"
#include "runtime/errors.h"
#include "runtime/jit_abi.h"
#include "runtime/schema.h"
#include "runtime/schema_encoder.h"

namespace {

using fastjson::schema::Kind;
using fastjson::schema::Schema;

// A namespace shared by the tests' Python snippets (classes defined once, used by descriptions).
PyObject* globals() {
  static PyObject* g = [] {
    PyObject* d = PyDict_New();
    PyDict_SetItemString(d, "__builtins__", PyEval_GetBuiltins());
    PyObject* r = PyRun_String(
        "import dataclasses, enum\n"
        "@dataclasses.dataclass\n"
        "class Point:\n"
        "    x: int\n"
        "    y: int = 0\n"
        "@dataclasses.dataclass\n"
        "class Tagged:\n"
        "    name: str\n"
        "    tags: list = dataclasses.field(default_factory=list)\n"
        "class Color(enum.Enum):\n"
        "    RED = 'red'\n"
        "    BLUE = 2\n",
        Py_file_input, d, d);
    if (!r) PyErr_Print();
    Py_XDECREF(r);
    return d;
  }();
  return g;
}

PyObject* eval(const char* expr) {
  PyObject* v = PyRun_String(expr, Py_eval_input, globals(), globals());
  if (!v) PyErr_Print();
  return v;
}

// Takes the pending exception: "TypeName: message".
std::string take_error() {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  if (!type) return "<no error>";
  PyErr_NormalizeException(&type, &value, &tb);
  PyObject* text = PyObject_Str(value);
  std::string s = std::string(reinterpret_cast<PyTypeObject*>(type)->tp_name) + ": " +
                  (text ? PyUnicode_AsUTF8(text) : "?");
  Py_XDECREF(text);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  return s;
}

// Builds a Schema from a Python expression evaluating to (nodes, root).
std::unique_ptr<Schema> build(const char* description) {
  PyObject* pair = eval(description);
  if (!pair) return nullptr;
  auto schema = Schema::build(PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1));
  Py_DECREF(pair);
  return schema;
}

std::string build_error(const char* description) {
  auto schema = build(description);
  EXPECT_EQ(schema, nullptr);
  return take_error();
}

// Encodes the value of `expr` with the interpreter: the bytes, or "<error> " + the message.
std::string encode(const Schema& schema, const char* expr) {
  PyObject* value = eval(expr);
  if (!value) return "<eval failed>";
  fj_ctx ctx(schema);
  std::string out;
  if (ctx.encode(schema.root, value)) {
    PyObject* bytes = ctx.finish();
    out.assign(PyBytes_AS_STRING(bytes), size_t(PyBytes_GET_SIZE(bytes)));
    Py_DECREF(bytes);
  } else {
    ctx.raise();
    EXPECT_TRUE(PyErr_ExceptionMatches(fastjson::py::exceptions().encode_error));
    const std::string error = take_error();
    out = "<error> " + error.substr(error.find(": ") + 2);
  }
  Py_DECREF(value);
  return out;
}

// --- building
// -------------------------------------------------------------------------------------

TEST(SchemaBuild, FieldsAreInternedAndPreEncoded) {
  auto schema = build(
      "([('object', (('id', 1, True), ('a \"b\"\\n', 2, False), ('é', 1, True)), 'User'),"
      "  ('int',), ('str',)], 0)");
  ASSERT_NE(schema, nullptr);
  const auto& node = schema->nodes[0];
  EXPECT_EQ(node.kind, Kind::kObject);
  EXPECT_EQ(node.title, "User");
  EXPECT_EQ(node.required_count, 2u);
  ASSERT_EQ(node.fields.size(), 3u);
  EXPECT_EQ(node.fields[0].encoded, "\"id\":");
  EXPECT_EQ(node.fields[1].encoded, "\"a \\\"b\\\"\\n\":");
  EXPECT_EQ(node.fields[2].encoded, "\"\xc3\xa9\":");
  EXPECT_EQ(node.fields[1].name, "a \"b\"\n");
  EXPECT_FALSE(node.fields[1].required);
  PyObject* interned = PyUnicode_InternFromString("id");
  EXPECT_EQ(node.fields[0].key.get(), interned);  // the same object dict literals use
  Py_DECREF(interned);
  EXPECT_FALSE(schema->runs_python);
}

TEST(SchemaBuild, DescribesNodesAsUsersWriteThem) {
  auto schema = build(
      "([('union', (1, 2)), ('int',), ('null',), ('list', 1), ('tuple', (1, 5)), ('str',),"
      "  ('dict', 0), ('object', (), None), ('object', (), 'User'), ('literal', ('a', 1, True, "
      "None)),"
      "  ('dataclass', Point, (('x', 1, True),)), ('enum', Color), ('any',), ('tuple', ()),"
      "  ('float',), ('bool',), ('list', 17), ('union', (3, 16))], 0)");
  ASSERT_NE(schema, nullptr);
  const char* expected[] = {"int | None",
                            "int",
                            "None",
                            "list[int]",
                            "tuple[int, str]",
                            "str",
                            "dict[str, int | None]",
                            "object",
                            "User",
                            "Literal['a', 1, True, None]",
                            "Point",
                            "Color",
                            "any",
                            "tuple[()]",
                            "float",
                            "bool",
                            "list[list[int] | ...]",
                            "list[int] | list[...]"};
  for (uint32_t i = 0; i < std::size(expected); ++i) {
    EXPECT_EQ(schema->describe(i), expected[i]) << "node " << i;
  }
  EXPECT_TRUE(schema->runs_python);  // dataclass and enum nodes read attributes
}

TEST(SchemaBuild, MalformedDescriptionsNameTheNode) {
  EXPECT_EQ(build_error("([('int',), ('list', 5)], 0)"),
            "TypeError: schema node 1: child must be a node index in range(2), got 5");
  EXPECT_EQ(build_error("([('int',), ('list', True)], 0)"),
            "TypeError: schema node 1: child must be a node index in range(2), got True");
  EXPECT_EQ(build_error("([('int',), ('nope',)], 0)"),
            "TypeError: schema node 1: unknown kind 'nope'");
  EXPECT_EQ(build_error("([['int']], 0)"),
            "TypeError: schema node 0: expected a tuple (kind, ...), got ['int']");
  EXPECT_EQ(build_error("([('list',)], 0)"),
            "TypeError: schema node 0: expected (\"list\", item), got ('list',)");
  EXPECT_EQ(build_error("([('tuple_of', 0, 1)], 0)"),
            "TypeError: schema node 0: expected (\"tuple_of\", item), got ('tuple_of', 0, 1)");
  EXPECT_EQ(build_error("([('object', (('a', 0, 1),), None)], 0)"),
            "TypeError: schema node 0: field must be a (name: str, node: int, required: bool) "
            "tuple, got ('a', 0, 1)");
  EXPECT_EQ(build_error("([('object', (('a', 0, True), ('a', 0, False)), None)], 0)"),
            "TypeError: schema node 0: duplicate field name 'a'");
  EXPECT_EQ(build_error("([('object', (('\\ud800', 0, True),), None)], 0)"),
            "TypeError: schema node 0: field name '\\ud800' is not valid UTF-8 (lone surrogate)");
  EXPECT_EQ(build_error("([('literal', (1.5,))], 0)"),
            "TypeError: schema node 0: literal values must be str, int, bool or None, got 1.5");
  EXPECT_EQ(
      build_error("([('enum', Point)], 0)"),
      "TypeError: schema node 0: enum cls must be an enum.Enum subclass, got <class 'Point'>");
  EXPECT_EQ(build_error("([('union', ())], 0)"),
            "TypeError: schema node 0: union needs at least one alternative");
  EXPECT_EQ(build_error("([('int',), ('union', (0, 2)), ('union', (1,))], 0)"),
            "TypeError: schema node 1: union is its own alternative (through unions only)");
  EXPECT_EQ(build_error("([('int',)], 1)"),
            "TypeError: schema root must be a node index in range(1), got 1");
  EXPECT_EQ(build_error("([], 0)"),
            "TypeError: schema nodes must be a non-empty list of tuples, got []");
}

// --- the interpreter
// ------------------------------------------------------------------------------

TEST(SchemaEncoder, WritesWhatDumpsWrites) {
  auto schema = build(
      "([('list', 1), ('object', (('id', 2, True), ('name', 3, True), ('score', 4, True),"
      "  ('tags', 5, True), ('parent', 6, False)), 'User'), ('int',), ('str',), ('float',),"
      "  ('list', 3), ('union', (2, 7)), ('null',)], 0)");
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(
      encode(*schema,
             "[{'name': 'é\"\\n', 'id': 2**70, 'score': 1, 'tags': ('a',), 'parent': None},"
             " {'id': -1, 'name': '', 'score': 1e16, 'tags': []}]"),
      "[{\"name\":\"\xc3\xa9\\\"\\n\",\"id\":1180591620717411303424,\"score\":1,"
      "\"tags\":[\"a\"],\"parent\":null},{\"id\":-1,\"name\":\"\",\"score\":1e+16,\"tags\":[]}]");
}

TEST(SchemaEncoder, ErrorsNameTheMismatchAndPath) {
  auto schema = build(
      "([('list', 1), ('object', (('id', 2, True), ('kind', 3, True), ('m', 4, False),"
      "  ('p', 5, False), ('t', 6, False)), 'User'), ('int',), ('literal', ('a', 'b')),"
      "  ('dict', 2), ('dataclass', Point, (('x', 2, True), ('y', 2, False))),"
      "  ('tuple', (2, 7)), ('str',)], 0)");
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(encode(*schema, "[{'id': 1, 'kind': 'a'}, {'id': 'x', 'kind': 'a'}]"),
            "<error> expected int, got str - at $[1].id");
  EXPECT_EQ(encode(*schema, "[{'id': True, 'kind': 'a'}]"),
            "<error> expected int, got bool - at $[0].id");
  EXPECT_EQ(encode(*schema, "[{'kind': 'a'}]"), "<error> missing required key \"id\" - at $[0]");
  EXPECT_EQ(encode(*schema, "[{'id': 1, 'kind': 'a', 'foo': 1}]"),
            "<error> unexpected key \"foo\" - at $[0]");
  EXPECT_EQ(encode(*schema, "[{'id': 1, 'kind': 'a', 3: 1}]"),
            "<error> unexpected key 3 - at $[0]");
  EXPECT_EQ(encode(*schema, "[{'id': 1, 'kind': 'c' * 50}]"),
            "<error> expected Literal['a', 'b'], got 'cccccccccccccccccccccccccccccccccccc... - "
            "at $[0].kind");
  EXPECT_EQ(encode(*schema, "[{'id': 1, 'kind': 'a', 'm': {1: 1}}]"),
            "<error> expected str key, got int - at $[0].m");
  EXPECT_EQ(encode(*schema, "[{'id': 1, 'kind': 'a', 'm': {'k': 1.5}}]"),
            "<error> expected int, got float - at $[0].m.k");
  EXPECT_EQ(encode(*schema, "[{'id': 1, 'kind': 'a', 'p': Point('1')}]"),
            "<error> expected int, got str - at $[0].p.x");
  EXPECT_EQ(encode(*schema, "[{'id': 1, 'kind': 'a', 'p': {'x': 1}}]"),
            "<error> expected Point, got dict - at $[0].p");
  EXPECT_EQ(encode(*schema, "[{'id': 1, 'kind': 'a', 't': [1, 's', 3]}]"),
            "<error> expected tuple[int, str], got list of length 3 - at $[0].t");
  EXPECT_EQ(encode(*schema, "[{'id': 1, 'kind': 'a', 't': (1, 2)}]"),
            "<error> expected str, got int - at $[0].t[1]");
  EXPECT_EQ(encode(*schema, "{}"), "<error> expected list[User], got dict - at $");
}

TEST(SchemaEncoder, DataclassesAndEnums) {
  auto schema = build(
      "([('tuple', (1, 3, 4)), ('dataclass', Point, (('x', 2, True), ('y', 2, False))), ('int',),"
      "  ('enum', Color), ('dataclass', Tagged, (('name', 5, True), ('tags', 6, False))),"
      "  ('str',), ('list', 5)], 0)");
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(encode(*schema, "(Point(1, 2), Color.RED, Tagged('a', ['b']))"),
            R"([{"x":1,"y":2},"red",{"name":"a","tags":["b"]}])");
  EXPECT_EQ(encode(*schema, "(Point(-3), Color.BLUE, Tagged('a'))"),
            R"([{"x":-3,"y":0},2,{"name":"a","tags":[]}])");
  EXPECT_EQ(encode(*schema, "(Point(1), 'red', Tagged('a'))"),
            "<error> expected Color, got 'red' - at $[1]");
  // An absent optional attribute (no class-level default to fall back on) is left out.
  EXPECT_EQ(
      encode(*schema, "(Point(5), Color.RED, (lambda t: (delattr(t, 'tags'), t)[1])(Tagged('a')))"),
      R"([{"x":5,"y":0},"red",{"name":"a"}])");
  EXPECT_EQ(
      encode(*schema, "((lambda p: (delattr(p, 'x'), p)[1])(Point(5)), Color.RED, Tagged('a'))"),
      "<error> missing required attribute \"x\" - at $[0]");
}

TEST(SchemaEncoder, AnyAndGenericErrorsAtTheFullPath) {
  auto schema = build("([('dict', 1), ('list', 2), ('any',)], 0)");
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(encode(*schema, "{'a': [{'x': (1, None)}, 2.5]}"), R"({"a":[{"x":[1,null]},2.5]})");
  EXPECT_EQ(encode(*schema, "{'a': [{'x': {1j}}]}"),
            "<error> Type is not JSON serializable: set - at $.a[0].x");
  EXPECT_EQ(encode(*schema, "{'a': [float('nan')]}"),
            "<error> Out of range float values are not JSON compliant: nan - at $.a[0]");
  EXPECT_EQ(encode(*schema, "{'a': ['\\ud800']}"),
            "<error> str is not valid UTF-8: surrogates not allowed - at $.a[0]");
}

TEST(SchemaEncoder, RecursionCountsDepthLikeDumps) {
  // Tree = {"children": list[Tree]}: each level is two containers, like dumps counts them.
  auto schema = build("([('object', (('children', 1, True),), 'Tree'), ('list', 0)], 0)");
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(encode(*schema, "{'children': [{'children': []}]}"),
            R"({"children":[{"children":[]}]})");
  PyObject* deep = eval(
      "(lambda: [t := {'children': []}, [(t := {'children': [t]}) for _ in range(511)], t][2])()");
  ASSERT_NE(deep, nullptr);
  fj_ctx ctx(*schema);
  EXPECT_TRUE(ctx.encode(0, deep));  // 512 trees: 1024 levels, the limit
  Py_XDECREF(ctx.finish());
  PyObject* deeper = PyDict_New();
  PyObject* children = PyList_New(1);
  PyList_SET_ITEM(children, 0, deep);  // steals
  PyDict_SetItemString(deeper, "children", children);
  Py_DECREF(children);
  fj_ctx ctx2(*schema);
  EXPECT_FALSE(ctx2.encode(0, deeper));  // one tree more: 1026
  ctx2.raise();
  const std::string error = take_error();
  EXPECT_EQ(error.substr(0, error.find(" - at ")),
            "JSONEncodeError: Maximum nesting depth exceeded (1024)");
  Py_DECREF(deeper);
}

TEST(SchemaEncoder, NoReferenceLeaks) {
  auto schema = build(
      "([('list', 1), ('object', (('id', 2, True), ('p', 3, False), ('c', 4, False)), None),"
      "  ('int',), ('dataclass', Point, (('x', 2, True), ('y', 2, False))), ('enum', Color)], 0)");
  ASSERT_NE(schema, nullptr);
  PyObject* good = eval("[{'id': 2**80, 'p': Point(1, 2), 'c': Color.BLUE}]");
  PyObject* bad = eval("[{'id': 1, 'p': Point(1, 2), 'c': 'nope'}]");
  ASSERT_TRUE(good && bad);
  PyObject* record = PyList_GET_ITEM(good, 0);
  PyObject* point = PyDict_GetItemString(record, "p");
  PyObject* bad_value = PyDict_GetItemString(PyList_GET_ITEM(bad, 0), "c");
  const Py_ssize_t counts[] = {Py_REFCNT(good), Py_REFCNT(record), Py_REFCNT(point),
                               Py_REFCNT(bad_value)};
  for (int i = 0; i < 1000; ++i) {
    fj_ctx ok(*schema);
    EXPECT_TRUE(ok.encode(0, good));
    Py_XDECREF(ok.finish());
    fj_ctx fails(*schema);
    EXPECT_FALSE(fails.encode(0, bad));
    fails.raise();
    PyErr_Clear();
  }
  EXPECT_EQ(Py_REFCNT(good), counts[0]);
  EXPECT_EQ(Py_REFCNT(record), counts[1]);
  EXPECT_EQ(Py_REFCNT(point), counts[2]);
  EXPECT_EQ(Py_REFCNT(bad_value), counts[3]);
  Py_DECREF(good);
  Py_DECREF(bad);
}

// --- the helper ABI, as compiled code uses it
// -----------------------------------------------------

const FjApi* api() {
  static PyObject* capsule = fastjson::encode::make_api_capsule();
  return static_cast<const FjApi*>(PyCapsule_GetPointer(capsule, FJ_API_CAPSULE_NAME));
}

// What an emitter might produce for list[int]: '[' items ',' ... ']', with the interpreter for
// anything that is not an exact int and every error, recording the index as it unwinds.
char* list_of_int_entry(fj_ctx* ctx, char* cursor, PyObject* obj) noexcept {
  const FjApi* a = api();
  if (!PyList_CheckExact(obj)) return a->encode_node(ctx, cursor, 0, obj);
  if (a->enter(ctx, obj) < 0) return nullptr;
  cursor = a->reserve(ctx, cursor, 1);
  if (cursor == nullptr) return nullptr;
  *cursor++ = '[';
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(obj); ++i) {
    if (i > 0) {
      if ((cursor = a->reserve(ctx, cursor, 1)) == nullptr) return nullptr;
      *cursor++ = ',';
    }
    PyObject* item = PyList_GET_ITEM(obj, i);
    cursor = PyLong_CheckExact(item) ? a->write_int(ctx, cursor, item)
                                     : a->encode_node(ctx, cursor, 1, item);
    if (cursor == nullptr) {
      a->path_index(ctx, i);
      return nullptr;
    }
  }
  if ((cursor = a->reserve(ctx, cursor, 1)) == nullptr) return nullptr;
  *cursor++ = ']';
  a->leave(ctx);
  return cursor;
}

PyObject* call_dumps(PyObject* encoder, const char* expr) {
  PyObject* value = eval(expr);
  PyObject* out = PyObject_CallMethod(encoder, "dumps", "(O)", value);
  Py_DECREF(value);
  return out;
}

std::string dumps_text(PyObject* encoder, const char* expr) {
  PyObject* out = call_dumps(encoder, expr);
  if (!out) return "<error> " + take_error();
  std::string s(PyBytes_AS_STRING(out), size_t(PyBytes_GET_SIZE(out)));
  Py_DECREF(out);
  return s;
}

TEST(JitAbi, TableMatchesTheHeader) {
  ASSERT_NE(api(), nullptr);
  EXPECT_EQ(api()->version, unsigned(FJ_ABI_VERSION));
  EXPECT_EQ(api()->size, sizeof(FjApi));
  EXPECT_EQ(api()->encode_node, &fj_encode_node);
  EXPECT_EQ(api()->seek, &fj_seek);
}

TEST(JitAbi, InstalledEntryPointRunsAndFallsBack) {
  ASSERT_TRUE(fastjson::encode::init_encoder_type());
  PyObject* args = eval("([('list', 1), ('int',)], 0, 'source')");
  PyObject* encoder = fastjson::encode::make_encoder(nullptr, &PyTuple_GET_ITEM(args, 0), 3);
  Py_DECREF(args);
  ASSERT_NE(encoder, nullptr);
  const Schema* schema = api()->encoder_schema(encoder);
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(schema->nodes[0].kind, Kind::kList);
  EXPECT_EQ(api()->encoder_schema(Py_None), nullptr);
  EXPECT_EQ(take_error(), "TypeError: expected fastjson.Encoder, got NoneType");

  PyObject* owner = PyList_New(0);
  const Py_ssize_t owner_refs = Py_REFCNT(owner);
  ASSERT_EQ(api()->encoder_install(encoder, list_of_int_entry, owner), 0);
  EXPECT_EQ(Py_REFCNT(owner), owner_refs + 1);
  PyObject* jit = PyObject_GetAttrString(encoder, "jit");
  EXPECT_EQ(jit, Py_True);
  Py_XDECREF(jit);

  // Large enough to move the buffer out of the writer's inline storage mid-way.
  EXPECT_EQ(dumps_text(encoder, "list(range(3000))").size(), 13891u);
  EXPECT_EQ(dumps_text(encoder, "[1, -2, 2**64]"), "[1,-2,18446744073709551616]");
  EXPECT_EQ(dumps_text(encoder, "(1, 2)"), "[1,2]");  // not a list: the interpreter
  EXPECT_EQ(dumps_text(encoder, "[1, True]"),
            "<error> JSONEncodeError: expected int, got bool - at $[1]");
  EXPECT_EQ(dumps_text(encoder, "[1, 2, ((1,),)]"),
            "<error> JSONEncodeError: expected int, got tuple - at $[2]");
  Py_DECREF(encoder);
  EXPECT_EQ(Py_REFCNT(owner), owner_refs);  // released with the Encoder
  Py_DECREF(owner);
}

TEST(JitAbi, BadNodeIndexIsAnErrorNotACrash) {
  auto schema = build("([('any',)], 0)");
  ASSERT_NE(schema, nullptr);
  fj_ctx ctx(*schema);
  EXPECT_EQ(fj_encode_node(&ctx, ctx.generic().writer().cursor(), 7, Py_None), nullptr);
  ctx.raise();
  EXPECT_EQ(take_error(), "SystemError: fj_encode_node: no schema node 7");
}

TEST(JitAbi, UncheckedWritersTellAndSeek) {
  auto schema = build("([('any',)], 0)");
  ASSERT_NE(schema, nullptr);
  fj_ctx ctx(*schema);
  char* cursor = ctx.generic().writer().cursor();
  cursor = fj_reserve(&ctx, cursor, FJ_MAX_QUOTED_SIZE(3) + FJ_MAX_INT_CHARS + FJ_MAX_FLOAT_CHARS);
  ASSERT_NE(cursor, nullptr);
  cursor = fj_put_str_unchecked(cursor, "a\"b", 3);
  const size_t mark = fj_tell(&ctx, cursor);
  EXPECT_EQ(mark, 6u);
  cursor = fj_put_i64(cursor, -9223372036854775807 - 1);
  cursor = fj_put_double(cursor, 0.1);
  EXPECT_EQ(fj_tell(&ctx, cursor), 6u + 20 + 3);
  cursor = fj_seek(&ctx, mark);  // drop the numbers again
  PyObject* s = eval("'é'");
  Py_ssize_t n = 0;
  const char* utf8 = fj_str_utf8(&ctx, s, &n);
  ASSERT_NE(utf8, nullptr);
  EXPECT_EQ(std::string(utf8, size_t(n)), "\xc3\xa9");
  cursor = fj_write_str(&ctx, cursor, s);
  Py_DECREF(s);
  ASSERT_NE(cursor, nullptr);
  ctx.generic().writer().advance_to(cursor);
  PyObject* out = ctx.finish();
  EXPECT_EQ(std::string(PyBytes_AS_STRING(out), size_t(PyBytes_GET_SIZE(out))),
            "\"a\\\"b\"\"\xc3\xa9\"");
  Py_DECREF(out);
}

}  // namespace
