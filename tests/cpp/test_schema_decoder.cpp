// The typed decoder through its C++ entry point: plans built from the IR (accepted kinds, enum
// tables), values built exactly, mismatches raised as ValidationError with exact messages,
// malformed JSON left to the exact scanner, and no leaked references on error paths.
#include <Python.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "runtime/errors.h"
#include "runtime/py_ref.h"
#include "runtime/schema.h"
#include "runtime/schema_decoder.h"

namespace {

using fastjson::decode::DecodePlan;
using fastjson::decode::describe_kinds;
using fastjson::decode::typed_loads;
using fastjson::py::Ref;
using fastjson::schema::Schema;

PyObject* globals() {
  static PyObject* g = [] {
    PyObject* d = PyDict_New();
    PyDict_SetItemString(d, "__builtins__", PyEval_GetBuiltins());
    PyObject* r = PyRun_String(
        "import dataclasses, enum\n"
        "@dataclasses.dataclass\n"
        "class P:\n"
        "    x: int\n"
        "    y: int = 5\n"
        "class Color(enum.Enum):\n"
        "    RED = 'red'\n"
        "    TWO = 2\n"
        "    ODD = 1.5\n",
        Py_file_input, d, d);
    if (!r) PyErr_Print();
    Py_XDECREF(r);
    return d;
  }();
  return g;
}

Ref eval(const char* expr) {
  Ref v = Ref::steal(PyRun_String(expr, Py_eval_input, globals(), globals()));
  if (!v) PyErr_Print();
  return v;
}

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

struct Compiled {
  std::unique_ptr<Schema> schema;
  std::unique_ptr<DecodePlan> plan;
};

Compiled compile(const char* description) {
  Compiled c;
  Ref pair = eval(description);
  if (!pair) return c;
  c.schema = Schema::build(PyTuple_GET_ITEM(pair.get(), 0), PyTuple_GET_ITEM(pair.get(), 1));
  if (c.schema) c.plan = DecodePlan::build(*c.schema);
  return c;
}

// repr() of the decoded value, or "Type: message" of the error raised.
std::string decode(const Compiled& c, std::string_view json, bool ignore_unknown = false) {
  Ref data = Ref::steal(PyBytes_FromStringAndSize(json.data(), Py_ssize_t(json.size())));
  Ref value = Ref::steal(typed_loads(*c.schema, *c.plan, data.get(), {ignore_unknown}));
  if (!value) return take_error();
  Ref text = Ref::steal(PyObject_Repr(value.get()));
  return PyUnicode_AsUTF8(text.get());
}

TEST(SchemaDecoder, DescribesKindsAsMessagesNameThem) {
  using namespace fastjson::decode;
  EXPECT_EQ(describe_kinds(kJsonInt), "int");
  EXPECT_EQ(describe_kinds(kJsonInt | kJsonFloat), "float");
  EXPECT_EQ(describe_kinds(kJsonObject | kJsonNull), "object | null");
  EXPECT_EQ(describe_kinds(kJsonStr | kJsonInt | kJsonBool), "str | int | bool");
}

TEST(SchemaDecoder, PlansAcceptedKinds) {
  using namespace fastjson::decode;
  Compiled c = compile(
      "([('union', (1, 2, 3)), ('int',), ('literal', ('a', None)), ('enum', Color)], 0)");
  ASSERT_TRUE(c.plan) << take_error();
  EXPECT_EQ(c.plan->nodes[1].accepts, kJsonInt);
  EXPECT_EQ(c.plan->nodes[2].accepts, kJsonStr | kJsonNull);
  // Color.ODD (a float value) cannot come from JSON: only str and int members are in the table.
  EXPECT_EQ(c.plan->nodes[3].accepts, kJsonStr | kJsonInt);
  EXPECT_EQ(PyDict_GET_SIZE(c.plan->nodes[3].members.get()), 2);
  EXPECT_EQ(c.plan->nodes[0].accepts, kJsonInt | kJsonStr | kJsonNull);
  EXPECT_FALSE(c.plan->runs_python);
  EXPECT_TRUE(compile("([('dataclass', P, (('x', 1, True), ('y', 1, False))), ('int',)], 0)")
                  .plan->runs_python);
}

TEST(SchemaDecoder, BuildsValues) {
  Compiled obj = compile(
      "([('object', (('id', 1, True), ('tags', 2, False)), 'R'), ('int',), ('tuple_of', 3),"
      " ('str',)], 0)");
  EXPECT_EQ(decode(obj, R"({"tags":["a","b"],"id":-3})"), "{'tags': ('a', 'b'), 'id': -3}");
  EXPECT_EQ(decode(obj, R"({"id":1})"), "{'id': 1}");
  Compiled dc = compile("([('dataclass', P, (('x', 1, True), ('y', 1, False))), ('int',)], 0)");
  EXPECT_EQ(decode(dc, R"({"x":1})"), "P(x=1, y=5)");
  EXPECT_EQ(decode(dc, R"({"y":2,"x":1})"), "P(x=1, y=2)");
  Compiled color = compile("([('enum', Color)], 0)");
  EXPECT_EQ(decode(color, R"("red")"), "<Color.RED: 'red'>");
  EXPECT_EQ(decode(color, "2"), "<Color.TWO: 2>");
}

TEST(SchemaDecoder, MismatchesRaiseValidationError) {
  Compiled obj = compile(
      "([('list', 1), ('object', (('id', 2, True), ('n', 3, False)), 'R'), ('int',),"
      " ('union', (2, 4)), ('null',)], 0)");
  EXPECT_EQ(decode(obj, R"([{"id":1},{"id":"x"}])"),
            "ValidationError: Expected `int`, got `str` - at `$[1].id`");
  EXPECT_EQ(decode(obj, R"([{"id":1,"n":[]}])"),
            "ValidationError: Expected `int | null`, got `array` - at `$[0].n`");
  EXPECT_EQ(decode(obj, R"([{"n":1}])"),
            "ValidationError: Object missing required field `id` - at `$[0]`");
  EXPECT_EQ(decode(obj, "[{}]"), "ValidationError: Object missing required field `id` - at `$[0]`");
  EXPECT_EQ(decode(obj, R"([{"id":1,"q":{}}])"),
            "ValidationError: Object contains unknown field `q` - at `$[0]`");
  EXPECT_EQ(decode(obj, R"([{"id":1,"q":{}}])", /*ignore_unknown=*/true), "[{'id': 1}]");
  Compiled color = compile("([('enum', Color)], 0)");
  EXPECT_EQ(decode(color, "1.5"), "ValidationError: Expected `str | int`, got `float` - at `$`");
  EXPECT_EQ(decode(color, "3"), "ValidationError: Invalid enum value 3 - at `$`");
}

TEST(SchemaDecoder, MalformedJsonIsReportedLikeLoads) {
  Compiled ints = compile("([('list', 1), ('int',)], 0)");
  EXPECT_EQ(decode(ints, "[1,"), "JSONDecodeError: Expecting value: line 1 column 4 (char 3)");
  EXPECT_EQ(decode(ints, "[1,tru]"), "JSONDecodeError: Expecting value: line 1 column 4 (char 3)");
  EXPECT_EQ(decode(ints, "[1] x"), "JSONDecodeError: Extra data: line 1 column 5 (char 4)");
}

TEST(SchemaDecoder, ErrorPathsLeaveNoReferences) {
  Compiled dc = compile(
      "([('list', 1), ('dataclass', P, (('x', 2, True), ('y', 2, False))), ('int',)], 0)");
  Ref data = Ref::steal(PyBytes_FromString(R"([{"x":1},{"x":2,"y":"bad"}])"));
  PyObject* cls = PyDict_GetItemString(globals(), "P");
  const Py_ssize_t data_refs = Py_REFCNT(data.get()), cls_refs = Py_REFCNT(cls);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(typed_loads(*dc.schema, *dc.plan, data.get(), {}), nullptr);
    PyErr_Clear();
  }
  EXPECT_EQ(Py_REFCNT(data.get()), data_refs);
  EXPECT_EQ(Py_REFCNT(cls), cls_refs);
}

}  // namespace
