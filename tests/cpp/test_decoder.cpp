// The generic decoder through its C++ entry point: exact values, exact errors (type, msg, pos),
// and no references leaked on the error paths.
#include <Python.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/decoder.h"
#include "runtime/errors.h"
#include "runtime/py_ref.h"

namespace {

using fastjson::py::Ref;

Ref bytes_of(std::string_view s) {
  return Ref::steal(PyBytes_FromStringAndSize(s.data(), Py_ssize_t(s.size())));
}

Ref str_of(std::string_view s) {
  return Ref::steal(PyUnicode_FromStringAndSize(s.data(), Py_ssize_t(s.size())));
}

std::string repr(PyObject* obj) {
  Ref text = Ref::steal(PyObject_Repr(obj));
  if (!text) {
    PyErr_Clear();
    return "<repr failed>";
  }
  return PyUnicode_AsUTF8(text.get());
}

// repr() of loads(bytes(json)), or "<error>" (the error is left for the caller to inspect).
std::string loads_repr(std::string_view json) {
  Ref input = bytes_of(json);
  Ref value = Ref::steal(fastjson::decode::loads(input.get()));
  if (!value) return "<error>";
  return repr(value.get());
}

struct DecodeError {
  std::string type;
  std::string msg;
  Py_ssize_t pos = -1;
  long lineno = -1;
  long colno = -1;
  std::string doc;
};

long long_attr(PyObject* obj, const char* name) {
  Ref v = Ref::steal(PyObject_GetAttrString(obj, name));
  return v ? PyLong_AsLong(v.get()) : -1;
}

std::string str_attr(PyObject* obj, const char* name) {
  Ref v = Ref::steal(PyObject_GetAttrString(obj, name));
  if (!v || !PyUnicode_Check(v.get())) return "<missing>";
  Py_ssize_t size;
  const char* utf8 = PyUnicode_AsUTF8AndSize(v.get(), &size);
  return utf8 ? std::string(utf8, size_t(size)) : "<not utf-8>";
}

// Takes the pending exception apart; clears it.
DecodeError take_error() {
  DecodeError out;
  if (!PyErr_Occurred()) return out;
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  Ref t = Ref::steal(type), v = Ref::steal(value), trace = Ref::steal(tb);
  out.type = t.get() == fastjson::py::exceptions().decode_error
                 ? "fastjson.JSONDecodeError"
                 : reinterpret_cast<PyTypeObject*>(t.get())->tp_name;
  if (PyObject_IsInstance(v.get(), fastjson::py::exceptions().decode_error) == 1) {
    out.msg = str_attr(v.get(), "msg");
    out.pos = long_attr(v.get(), "pos");
    out.lineno = long_attr(v.get(), "lineno");
    out.colno = long_attr(v.get(), "colno");
    out.doc = str_attr(v.get(), "doc");
  } else {
    out.msg = repr(v.get());
  }
  PyErr_Clear();
  return out;
}

DecodeError error_of(PyObject* input) {
  Ref value = Ref::steal(fastjson::decode::loads(input));
  EXPECT_FALSE(value) << "accepted: " << (value ? repr(value.get()) : "");
  return take_error();
}

DecodeError error_of(std::string_view json) { return error_of(bytes_of(json).get()); }

TEST(Decoder, ScalarsAndContainers) {
  EXPECT_EQ(loads_repr(R"({"a": [1, -2, 2.5, null, true, false, "x"], "b": {}, "c": []})"),
            "{'a': [1, -2, 2.5, None, True, False, 'x'], 'b': {}, 'c': []}");
  EXPECT_EQ(loads_repr(" \t\r\n[ [ ] , { } ] "), "[[], {}]");
  EXPECT_EQ(loads_repr(R"("\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00")"),
            "'\"\\\\/\\x08\\x0c\\n\\r\\té\U0001f600'");
  EXPECT_EQ(loads_repr("\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\""), "'é日\U0001f600'");
  EXPECT_EQ(loads_repr(R"({"a": 1, "b": 2, "a": 3})"), "{'a': 3, 'b': 2}");
}

TEST(Decoder, NumbersAreExact) {
  EXPECT_EQ(loads_repr("-0"), "0");
  EXPECT_EQ(loads_repr("-0.0"), "-0.0");
  EXPECT_EQ(loads_repr("1E2"), "100.0");
  EXPECT_EQ(loads_repr("1e400"), "inf");
  EXPECT_EQ(loads_repr("-1e400"), "-inf");
  EXPECT_EQ(loads_repr("1e-400"), "0.0");
  EXPECT_EQ(loads_repr("0.1"), "0.1");
  EXPECT_EQ(loads_repr("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(loads_repr("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(loads_repr("18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(loads_repr("18446744073709551616"), "18446744073709551616");
  EXPECT_EQ(loads_repr("-9223372036854775809"), "-9223372036854775809");
  EXPECT_EQ(loads_repr("[100000000000000000000000000000000000000000, 1.5, 1e400]"),
            "[100000000000000000000000000000000000000000, 1.5, inf]");
  EXPECT_EQ(loads_repr("2.2250738585072011e-308"), "2.225073858507201e-308");
  EXPECT_EQ(loads_repr("3.141592653589793238462643383279502884197"), "3.141592653589793");
}

TEST(Decoder, AcceptsEveryInputType) {
  const char* exprs[] = {"b'[1]'", "bytearray(b'[1]')", "memoryview(b'[1]')", "'[1]'"};
  Ref globals = Ref::steal(PyDict_New());
  PyDict_SetItemString(globals.get(), "__builtins__", PyEval_GetBuiltins());
  for (const char* expr : exprs) {
    Ref input = Ref::steal(PyRun_String(expr, Py_eval_input, globals.get(), globals.get()));
    ASSERT_TRUE(input) << expr;
    Ref value = Ref::steal(fastjson::decode::loads(input.get()));
    ASSERT_TRUE(value) << expr;
    EXPECT_EQ(repr(value.get()), "[1]") << expr;
  }
}

TEST(Decoder, RejectsOtherTypes) {
  Ref number = Ref::steal(PyLong_FromLong(1));
  const DecodeError e = error_of(number.get());
  EXPECT_EQ(e.type, "TypeError");
  EXPECT_EQ(e.msg, "TypeError('Input must be bytes, bytearray, memoryview, or str, not int')");
}

TEST(Decoder, ErrorsMatchJsonModule) {
  struct Case {
    std::string_view json;
    std::string_view msg;
    Py_ssize_t pos;
  };
  const Case cases[] = {
      {"", "Expecting value", 0},
      {"[1,]", "Expecting value", 3},
      {R"({"a":1,})", "Expecting property name enclosed in double quotes", 7},
      {R"({"a" 1})", "Expecting ':' delimiter", 5},
      {"[1 2]", "Expecting ',' delimiter", 3},
      {R"("abc)", "Unterminated string starting at", 0},
      {"\"a\nb\"", "Invalid control character at", 2},
      {R"("\x")", "Invalid \\escape", 1},
      {R"("\u12")", "Invalid \\uXXXX escape", 2},
      {"[1] 2", "Extra data", 4},
      {"01", "Extra data", 1},
      {"\xef\xbb\xbf[]", "Unexpected UTF-8 BOM (decode using utf-8-sig)", 0},
      {R"("\ud800")", "Lone surrogate in \\u escape", 1},
      {R"(["\udc00"])", "Lone surrogate in \\u escape", 2},
      {"[NaN]", "NaN and Infinity are not valid JSON", 1},
      {"[\"\xc3\xa9\", \"\xff\"]", "Invalid UTF-8", 7},  // pos counts code points: é is one
  };
  for (const Case& c : cases) {
    const DecodeError e = error_of(c.json);
    EXPECT_EQ(e.type, "fastjson.JSONDecodeError") << c.json;
    EXPECT_EQ(e.msg, c.msg) << c.json;
    EXPECT_EQ(e.pos, c.pos) << c.json;
  }
}

TEST(Decoder, ErrorLineAndColumn) {
  Ref doc = str_of("{\n  \"a\": [1, 2],\n  \"b\" 2\n}");
  const DecodeError e = error_of(doc.get());
  EXPECT_EQ(e.msg, "Expecting ':' delimiter");
  EXPECT_EQ(e.pos, 23);
  EXPECT_EQ(e.lineno, 3);
  EXPECT_EQ(e.colno, 7);
  EXPECT_EQ(e.doc, "{\n  \"a\": [1, 2],\n  \"b\" 2\n}");
}

TEST(Decoder, DeepNestingIsAnErrorNotACrash) {
  const DecodeError e = error_of(std::string(100000, '['));
  EXPECT_EQ(e.msg, "Maximum nesting depth exceeded (1024)");
  EXPECT_EQ(e.pos, 1024);
  Ref input = bytes_of(std::string(1024, '[') + std::string(1024, ']'));
  Ref value = Ref::steal(fastjson::decode::loads(input.get()));
  ASSERT_TRUE(value);
  PyObject* inner = value.get();
  for (int depth = 1; depth < 1024; ++depth) {
    ASSERT_TRUE(PyList_CheckExact(inner) && PyList_GET_SIZE(inner) == 1) << depth;
    inner = PyList_GET_ITEM(inner, 0);
  }
  EXPECT_EQ(repr(inner), "[]");
}

TEST(Decoder, NoReferencesLeakedOnErrors) {
  // Documents rejected after part of the value was built (big ints and 1e400 take the exact
  // path, which builds as it scans): every reference taken must be dropped again.
  const std::string_view docs[] = {
      "[null, true, false, 18446744073709551616, ]",
      R"({"k": null, "big": 1e400, "t": true, "bad": [true, null, x]})",
      R"([null, true, {"a": [false, null]}, "\ud800", null])",
      "[null, true, 1e400, NaN, false]",
  };
  Ref input[std::size(docs)];
  for (size_t i = 0; i < std::size(docs); ++i) input[i] = bytes_of(docs[i]);
  // Warm up first: the interpreter's own state (free lists, the adaptive interpreter
  // specializing JSONDecodeError.__init__) moves None's count by a few dozen early on.
  for (int round = 0; round < 50; ++round) {
    for (const Ref& doc : input) (void)error_of(doc.get());
  }
  PyGC_Collect();
  const Py_ssize_t none = Py_REFCNT(Py_None), t = Py_REFCNT(Py_True), f = Py_REFCNT(Py_False);
  constexpr int kRounds = 2000;
  for (int round = 0; round < kRounds; ++round) {
    for (const Ref& doc : input) {
      const Py_ssize_t before = Py_REFCNT(doc.get());
      const DecodeError e = error_of(doc.get());
      EXPECT_EQ(e.type, "fastjson.JSONDecodeError");
      EXPECT_EQ(Py_REFCNT(doc.get()), before);
    }
  }
  PyGC_Collect();
  // Each call takes several references to None/True/False; one left over (or dropped twice) per
  // call would move a count by >= kRounds. The interpreter's own bookkeeping moves None's count
  // by up to ~60 when this test runs alone (as ctest runs it), independent of kRounds.
  EXPECT_LT(std::abs(Py_REFCNT(Py_None) - none), 200);
  EXPECT_LT(std::abs(Py_REFCNT(Py_True) - t), 200);
  EXPECT_LT(std::abs(Py_REFCNT(Py_False) - f), 200);
}

TEST(Decoder, NoReferencesLeakedOnSuccess) {
  Ref input = bytes_of(R"([null, true, {"a": [false, null]}, 18446744073709551616])");
  Ref warm = Ref::steal(fastjson::decode::loads(input.get()));
  PyGC_Collect();
  const Py_ssize_t none = Py_REFCNT(Py_None), f = Py_REFCNT(Py_False);
  {
    Ref value = Ref::steal(fastjson::decode::loads(input.get()));
    ASSERT_TRUE(value);
    EXPECT_EQ(Py_REFCNT(value.get()), 1);
    EXPECT_EQ(Py_REFCNT(Py_None), none + 2);
  }
  EXPECT_EQ(Py_REFCNT(Py_None), none);
  EXPECT_EQ(Py_REFCNT(Py_False), f);
}

TEST(Decoder, StrInputIsTheErrorDoc) {
  Ref doc = str_of("[1,]");
  const Py_ssize_t before = Py_REFCNT(doc.get());
  Ref value = Ref::steal(fastjson::decode::loads(doc.get()));
  ASSERT_FALSE(value);
  PyObject *type, *exc, *tb;
  PyErr_Fetch(&type, &exc, &tb);
  PyErr_NormalizeException(&type, &exc, &tb);
  Ref t = Ref::steal(type), e = Ref::steal(exc), trace = Ref::steal(tb);
  Ref got = Ref::steal(PyObject_GetAttrString(e.get(), "doc"));
  EXPECT_EQ(got.get(), doc.get());
  got = Ref();
  e = Ref();
  trace = Ref();
  EXPECT_EQ(Py_REFCNT(doc.get()), before);
}

TEST(Decoder, RepeatedKeysAreOneObject) {
  Ref input = bytes_of(R"([{"name": 1}, {"name": 2}])");
  Ref value = Ref::steal(fastjson::decode::loads(input.get()));
  ASSERT_TRUE(value);
  Py_ssize_t pos = 0;
  PyObject *k0, *k1, *v;
  ASSERT_TRUE(PyDict_Next(PyList_GET_ITEM(value.get(), 0), &pos, &k0, &v));
  pos = 0;
  ASSERT_TRUE(PyDict_Next(PyList_GET_ITEM(value.get(), 1), &pos, &k1, &v));
  EXPECT_EQ(k0, k1);
}

}  // namespace

// bytes are parsed where they lie when the page holds simdjson's padding past them, copied
// otherwise; either way every document must give what the always-copied bytearray gives, at
// whatever offset in its page it ends, whatever it ends with.
TEST(Decoder, BytesInPlaceMatchCopiedInput) {
  const std::string_view tails[] = {"}", "]", "\"", " ", "\n", "1", "true", "x"};
  for (const std::string_view tail : tails) {
    for (size_t pad = 0; pad < 300; ++pad) {
      // Appends only: GCC 12 warns (-Wrestrict, falsely) on `"literal" + std::string`.
      std::string doc;
      if (tail == "}") {
        doc.append("{\"k\": [1, \"s\\u00e9\\n").append(pad, 'y').append("\", true]}");
      } else if (tail == "]") {
        doc.append("[\"").append(pad, 'z').append("\\\"\", -2.5e3, null]");
      } else if (tail == "\"") {
        doc.append("\"").append(pad, 'q').append("\\/\"");
      } else if (tail == " " || tail == "\n") {
        doc.append("[").append(pad, ' ').append("{}]").append(tail);
      } else {
        doc.append(pad, ' ').append(tail);
      }
      Ref copied_input = Ref::steal(PyByteArray_FromStringAndSize(doc.data(), Py_ssize_t(doc.size())));
      Ref expected = Ref::steal(fastjson::decode::loads(copied_input.get()));
      const std::string want = expected ? repr(expected.get()) : "<error>";
      PyErr_Clear();
      // Several objects of one size land at different offsets of their pages.
      for (int copy = 0; copy < 4; ++copy) {
        EXPECT_EQ(loads_repr(doc), want) << doc;
        PyErr_Clear();
      }
    }
  }
}
