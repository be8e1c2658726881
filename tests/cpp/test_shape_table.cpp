// The transparent shape JIT's table: shape keys, counting to the threshold, the job protocol, the
// cap, and giving up on shapes that never repeat. No LLVM here: compiles are reported by hand.
#include <Python.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/compiled_encoder.h"
#include "runtime/py_ref.h"
#include "runtime/shape_table.h"

namespace {

namespace shapes = fastjson::encode::shapes;
using fastjson::py::Ref;

// Evaluates a Python expression in a namespace shared by the tests of this file.
Ref eval(const std::string& expr) {
  static PyObject* g = [] {
    PyObject* d = PyDict_New();
    PyDict_SetItemString(d, "__builtins__", PyEval_GetBuiltins());
    return d;
  }();
  Ref r = Ref::steal(PyRun_String(expr.c_str(), Py_eval_input, g, g));
  if (!r) PyErr_Print();
  return r;
}

// A fresh str each call (not interned), so keys compare by value only.
std::string fresh(const char* s) { return "''.join(['" + std::string(s) + "'])"; }

std::optional<uint64_t> hash_of(const std::string& expr) {
  Ref obj = eval(expr);
  EXPECT_TRUE(obj);
  return shapes::shape_hash(obj.get());
}

TEST(ShapeTable, DictKeysHashByValueAndOrder) {
  const auto a = hash_of("{'id': 1, 'name': 'x'}");
  ASSERT_TRUE(a);
  EXPECT_EQ(a, hash_of("{" + fresh("id") + ": 2.5, " + fresh("name") + ": None}"));
  EXPECT_NE(a, hash_of("{'name': 'x', 'id': 1}"));
  EXPECT_NE(a, hash_of("{'id': 1}"));
  EXPECT_NE(a, hash_of("{'id': 1, 'name': 'x', 'extra': 0}"));
  EXPECT_EQ(hash_of("{}"), hash_of("dict()"));
}

TEST(ShapeTable, ListShapeIsItsFirstDictsTagged) {
  const auto list = hash_of("[{'a': 1}, {'b': 2}]");
  ASSERT_TRUE(list);
  EXPECT_EQ(list, hash_of("[{'a': 'x'}]"));
  EXPECT_NE(list, hash_of("{'a': 1}"));
  EXPECT_NE(list, hash_of("[{'b': 1}]"));
}

TEST(ShapeTable, UnobservedValues) {
  for (const char* expr : {"1", "'s'", "None", "[]", "[1, {'a': 1}]", "({'a': 1},)", "{1: 2}",
                           "{'a': 1, 2: 3}", "{str(i): i for i in range(65)}",
                           "type('D', (dict,), {})(a=1)", "[type('D', (dict,), {})(a=1)]"}) {
    EXPECT_FALSE(hash_of(expr)) << expr;
  }
  EXPECT_TRUE(hash_of("{str(i): i for i in range(64)}"));
  // Deleted entries are skipped: the shape is the keys present.
  EXPECT_EQ(hash_of("(lambda d: (d.pop('x'), d)[1])({'a': 1, 'x': 0, 'b': 2})"),
            hash_of("{'a': 5, 'b': 6}"));
}

unsigned bit_of(const std::string& expr) {
  Ref obj = eval(expr);
  EXPECT_TRUE(obj);
  return shapes::filter_bit(obj.get());
}

// The given-up hook's filter: one bit per shape, so a compiled shape is still found; unobserved
// values skip the hook; and values keyed by ids rarely share a compiled shape's bit even when
// their key count is the same (the key count alone let all of them through).
TEST(ShapeTable, FilterBitIsTheShapesAndSpreadsIdKeyedMaps) {
  const unsigned record = bit_of("{'a': 1, 'b': 'x', 'c': [1.5]}");
  ASSERT_LT(record, shapes::kNotObserved);
  EXPECT_EQ(record, bit_of("{" + fresh("a") + ": None, 'b': 2, 'c': {}}"));
  EXPECT_EQ(record, bit_of("[{'a': 0, 'b': 0, 'c': 0}, 5]"));
  EXPECT_EQ(record, bit_of("(lambda d: (d.pop('x'), d)[1])({'x': 0, 'a': 1, 'b': 2, 'c': 3})"));
  for (const char* expr : {"1", "'s'", "None", "[]", "[1, {'a': 1}]", "({'a': 1},)", "{1: 2}",
                           "type('D', (dict,), {})(a=1)", "[type('D', (dict,), {})(a=1)]"}) {
    EXPECT_EQ(bit_of(expr), shapes::kNotObserved) << expr;
  }
  Ref bits = eval(
      "(lambda r: [{str(r.randrange(10**12)): i for _ in range(3)} for i in range(10000)])"
      "(__import__('random').Random(11))");
  ASSERT_TRUE(bits);
  int same = 0;
  uint64_t seen[4] = {};
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(bits.get()); ++i) {
    const unsigned bit = shapes::filter_bit(PyList_GET_ITEM(bits.get(), i));
    ASSERT_LT(bit, shapes::kNotObserved);
    same += bit == record;
    seen[bit / 64] |= uint64_t(1) << (bit % 64);
  }
  EXPECT_LT(same, 100);  // 1 in 256 expected: ~39 of 10,000
  int distinct = 0;
  for (uint64_t w : seen) distinct += __builtin_popcountll(w);
  EXPECT_EQ(distinct, 256);
}

class ShapeTableFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    Ref none = Ref::steal(shapes::py_reset(nullptr, nullptr));
    calls_ = eval("[]");
    Ref append = Ref::steal(PyObject_GetAttrString(calls_.get(), "append"));
    configure("True", "3", "2", "True", "0", append.get());
  }
  void TearDown() override {
    configure("True", "32", "64", "True", "8", nullptr);
    Ref none = Ref::steal(shapes::py_reset(nullptr, nullptr));
  }

  void configure(const char* on, const char* threshold, const char* cap, const char* background,
                 const char* trials, PyObject* worker) {
    Ref args[6] = {eval(on),         eval(threshold), eval(cap),
                   eval(background), eval(trials),    Ref::borrow(worker ? worker : Py_None)};
    PyObject* raw[6];
    for (int i = 0; i < 6; ++i) raw[i] = args[i].get();
    Ref config = Ref::steal(shapes::py_configure(nullptr, raw, 6));
    ASSERT_TRUE(config);
  }

  // Runs the dumps hook; it must leave the call to the generic encoder (nothing is compiled here).
  void call(PyObject* obj) {
    PyObject* out = nullptr;
    EXPECT_FALSE(shapes::dumps(obj, &out));
    EXPECT_FALSE(PyErr_Occurred());
  }

  long long stat(const char* name) {
    Ref stats = Ref::steal(shapes::py_stats(nullptr, nullptr));
    return PyLong_AsLongLong(PyDict_GetItemString(stats.get(), name));
  }

  Ref take_job() { return Ref::steal(shapes::py_take_job(nullptr, nullptr)); }

  Ref calls_;
};

TEST_F(ShapeTableFlow, HotShapeQueuesOneJobWithItsSample) {
  Ref doc = eval("{'a': [1, 2], 'b': 'x'}");
  call(doc.get());
  call(doc.get());
  EXPECT_EQ(PyList_GET_SIZE(calls_.get()), 0);
  call(doc.get());  // the threshold: queued, the worker kicked once (background: argument False)
  ASSERT_EQ(PyList_GET_SIZE(calls_.get()), 1);
  EXPECT_EQ(PyList_GET_ITEM(calls_.get(), 0), Py_False);
  EXPECT_EQ(stat("pending"), 1);
  call(doc.get());  // queued already: no second job, no second kick while the worker runs
  EXPECT_EQ(PyList_GET_SIZE(calls_.get()), 1);

  Ref job = take_job();
  ASSERT_TRUE(job && PyTuple_Check(job.get()));
  EXPECT_EQ(PyTuple_GET_ITEM(job.get(), 1), doc.get());
  EXPECT_EQ(take_job().get(), Py_None);  // none left: the worker ends

  // The compile failed: counted, and the shape stays generic without being queued again.
  PyObject* report[4] = {PyTuple_GET_ITEM(job.get(), 0), Py_False, eval("0.0").release(),
                         eval("0").release()};
  Ref none = Ref::steal(shapes::py_compiled(nullptr, report, 4));
  Py_DECREF(report[2]);
  Py_DECREF(report[3]);
  EXPECT_EQ(stat("compile_failures"), 1);
  EXPECT_EQ(stat("pending"), 0);
  for (int i = 0; i < 5; ++i) call(doc.get());
  EXPECT_EQ(PyList_GET_SIZE(calls_.get()), 1);
  EXPECT_EQ(stat("observed_calls"), 9);
  EXPECT_EQ(stat("shapes_observed"), 1);
}

TEST_F(ShapeTableFlow, AttachBuildsAnEncoderForTheJobsShapeOnly) {
  ASSERT_TRUE(fastjson::encode::init_encoder_type());
  Ref doc = eval("{'k': 1}");
  for (int i = 0; i < 3; ++i) call(doc.get());
  Ref job = take_job();
  ASSERT_TRUE(job && PyTuple_Check(job.get()));
  Ref nodes = eval("[('object', (('k', 1, True),), None), ('int',)]");
  Ref root = eval("0");
  PyObject* args[3] = {PyTuple_GET_ITEM(job.get(), 0), nodes.get(), root.get()};
  Ref encoder = Ref::steal(shapes::py_attach(nullptr, args, 3));
  ASSERT_TRUE(encoder);
  EXPECT_STREQ(Py_TYPE(encoder.get())->tp_name, "fastjson.Encoder");
  // An unknown job (evicted meanwhile): None.
  Ref unknown = eval("10**6");
  args[0] = unknown.get();
  Ref none = Ref::steal(shapes::py_attach(nullptr, args, 3));
  EXPECT_EQ(none.get(), Py_None);
  // A malformed description: the schema's TypeError.
  Ref bad = eval("[('object', (('k', 7, True),), None)]");
  args[0] = PyTuple_GET_ITEM(job.get(), 0);
  args[1] = bad.get();
  EXPECT_EQ(shapes::py_attach(nullptr, args, 3), nullptr);
  EXPECT_TRUE(PyErr_ExceptionMatches(PyExc_TypeError));
  PyErr_Clear();
}

TEST_F(ShapeTableFlow, CapEvictsLeastRecentlyUsedAndDropsItsJob) {
  Ref a = eval("{'a': 1}"), b = eval("{'b': 1}"), c = eval("{'c': 1}");
  for (int i = 0; i < 3; ++i) call(a.get());  // a is queued
  call(b.get());
  call(c.get());  // the cap is 2: a, the least recently used, goes
  EXPECT_EQ(stat("evictions"), 1);
  EXPECT_EQ(stat("shapes_live"), 2);
  EXPECT_EQ(take_job().get(), Py_None);  // a's job went with it
}

TEST_F(ShapeTableFlow, FullTableEvictsAnEighthOfItsLeastRecentlyUsedAtOnce) {
  configure("True", "1000", "16", "True", "0", nullptr);
  std::vector<Ref> docs;
  for (int i = 0; i < 17; ++i) docs.push_back(eval("{'k" + std::to_string(i) + "': 1}"));
  for (int i = 0; i < 16; ++i) call(docs[i].get());
  call(docs[0].get());   // k0 is used again: k1 and k2 are now the least recently used
  call(docs[16].get());  // full: 16 / 8 = 2 go in one scan
  EXPECT_EQ(stat("evictions"), 2);
  EXPECT_EQ(stat("shapes_live"), 15);
  const long long seen = stat("shapes_observed");
  call(docs[0].get());  // still there: no new shape
  EXPECT_EQ(stat("shapes_observed"), seen);
  call(docs[1].get());  // evicted: observed as new, and a slot was free (no eviction)
  EXPECT_EQ(stat("shapes_observed"), seen + 1);
  EXPECT_EQ(stat("evictions"), 2);
}

TEST_F(ShapeTableFlow, NeverRepeatingShapesStopBeingObserved) {
  for (int i = 0; i < 1024; ++i) {
    Ref doc = eval("{'" + std::to_string(1000000 + i) + "': 1}");
    call(doc.get());
  }
  EXPECT_EQ(stat("give_ups"), 1);
  const long long observed = stat("observed_calls");
  for (int i = 0; i < 512; ++i) {
    Ref doc = eval("{'" + std::to_string(2000000 + i) + "': 1}");
    call(doc.get());
  }
  EXPECT_EQ(stat("observed_calls") - observed, 2);  // one call in 256
}

TEST_F(ShapeTableFlow, SwitchedOffObservesNothing) {
  configure("False", "None", "None", "None", "None", nullptr);
  Ref doc = eval("{'a': 1}");
  for (int i = 0; i < 10; ++i) call(doc.get());
  EXPECT_EQ(stat("observed_calls"), 0);
  EXPECT_EQ(PyList_GET_SIZE(calls_.get()), 0);
}

}  // namespace
