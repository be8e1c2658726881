// The generic encoder through its C++ entry point: exact bytes, exact errors, no leaked references.
#include <Python.h>
#include <gtest/gtest.h>

#include <string>

#include "runtime/encoder.h"
#include "runtime/errors.h"

namespace {

PyObject* eval(const char* expr) {
  PyObject* globals = PyDict_New();
  PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
  PyObject* v = PyRun_String(expr, Py_eval_input, globals, globals);
  Py_DECREF(globals);
  if (!v) PyErr_Print();
  return v;
}

std::string dumps(PyObject* obj) {
  PyObject* out = fastjson::encode::dumps(obj, {});
  if (!out) return "<error>";
  std::string s(PyBytes_AS_STRING(out), size_t(PyBytes_GET_SIZE(out)));
  Py_DECREF(out);
  return s;
}

std::string error_of(PyObject* obj) {
  PyObject* out = fastjson::encode::dumps(obj, {});
  EXPECT_EQ(out, nullptr);
  if (out) {
    Py_DECREF(out);
    return "<no error>";
  }
  EXPECT_TRUE(PyErr_ExceptionMatches(fastjson::py::exceptions().encode_error));
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  PyObject* text = PyObject_Str(value);
  std::string s = PyUnicode_AsUTF8(text);
  Py_DECREF(text);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  return s;
}

TEST(Encoder, ScalarsAndContainers) {
  PyObject* v = eval("{'a': [1, -2, 2.5, None, True, False, 'x'], 'b': {}, 'c': [], 'd': (1,)}");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(dumps(v), R"({"a":[1,-2,2.5,null,true,false,"x"],"b":{},"c":[],"d":[1]})");
  Py_DECREF(v);
}

TEST(Encoder, IntegersOfEverySize) {
  PyObject* v = eval("[0, 2**30-1, 2**30, 2**60-1, 2**60, 2**63-1, -2**63, 2**64, -2**64-1, 10**40]");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(dumps(v),
            "[0,1073741823,1073741824,1152921504606846975,1152921504606846976,"
            "9223372036854775807,-9223372036854775808,18446744073709551616,"
            "-18446744073709551617,10000000000000000000000000000000000000000]");
  Py_DECREF(v);
}

TEST(Encoder, NonStrKeysConvertLikeJson) {
  PyObject* v = eval("{1: 'i', 2.5: 'f', None: 'n', False: 'b', float('inf'): 'x'}");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(dumps(v), R"({"1":"i","2.5":"f","null":"n","false":"b","Infinity":"x"})");
  Py_DECREF(v);
}

TEST(Encoder, LargeOutputLeavesTheInlineBuffer) {
  PyObject* v = eval("['x' * 1000] * 100");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(dumps(v).size(), 100 * 1003 + 1);
  Py_DECREF(v);
}

TEST(Encoder, ErrorsNameTypeAndPath) {
  PyObject* v = eval("{'a': [1, {'b c': {1}}]}");
  EXPECT_EQ(error_of(v), "Type is not JSON serializable: set - at $.a[1][\"b c\"]");
  Py_DECREF(v);
  v = eval("[float('-inf')]");
  EXPECT_EQ(error_of(v), "Out of range float values are not JSON compliant: -inf - at $[0]");
  Py_DECREF(v);
  v = eval("{'k': {(1, 2): 0}}");
  EXPECT_EQ(error_of(v), "Dict keys must be str, int, float, bool or None, not tuple - at $.k");
  Py_DECREF(v);
}

TEST(Encoder, CycleIsReportedWhereItCloses) {
  PyObject* v = eval("(lambda d: (d.__setitem__('self', [0, d]), d)[1])({})");
  EXPECT_EQ(error_of(v), "Circular reference detected - at $.self[1]");
  PyDict_Clear(v);  // break the cycle so the test does not leak it
  Py_DECREF(v);
}

TEST(Encoder, NoReferenceLeaks) {
  PyObject* v = eval("{'s': 'text', 'l': [1.5, 2**70, 'é'], 9: None}");
  ASSERT_NE(v, nullptr);
  PyObject* inner = PyDict_GetItemString(v, "l");
  const Py_ssize_t before_outer = Py_REFCNT(v), before_inner = Py_REFCNT(inner);
  for (int i = 0; i < 1000; ++i) Py_XDECREF(fastjson::encode::dumps(v, {}));
  EXPECT_EQ(Py_REFCNT(v), before_outer);
  EXPECT_EQ(Py_REFCNT(inner), before_inner);
  Py_DECREF(v);
}

}  // namespace
