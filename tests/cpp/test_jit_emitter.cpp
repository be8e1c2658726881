// The emitter on small schemas, against a strict stand-in runtime (test_jit_support.h): exact
// bytes, which values go to the interpreter (written "<node>" by the stand-in), error paths,
// bounds, depth brackets and reference counts.
// (Compiled only into fastjson_jit_tests; empty in tests/cpp's own binary.)
#include <gtest/gtest.h>

#include "tests/cpp/test_jit_support.h"

namespace fastjson::jit::testing {
namespace {

struct Ref {
  explicit Ref(const char* expr) : obj(eval(expr)) { EXPECT_NE(obj, nullptr) << expr; }
  ~Ref() { Py_XDECREF(obj); }
  PyObject* obj;
};

// {"id": int, "name": str, "score": float, "active": bool, "parent": int | None, "tags": [str]}
std::unique_ptr<schema::Schema> record_schema() {
  SchemaBuilder s;
  const NodeId i = s.add(Kind::kInt), str = s.add(Kind::kStr), f = s.add(Kind::kFloat);
  const NodeId b = s.add(Kind::kBool), null = s.add(Kind::kNull);
  const NodeId parent = s.add(Kind::kUnion, {i, null}), tags = s.add(Kind::kList, {str});
  const NodeId record = s.object({{"id", i, true},
                                  {"name", str, true},
                                  {"score", f, true},
                                  {"active", b, true},
                                  {"parent", parent, true},
                                  {"tags", tags, true}});
  return s.finish(record);  // record is node 7
}

TEST(JitEmitter, WritesARecord) {
  Encoder enc(record_schema());
  ASSERT_TRUE(enc.ok());
  Ref v(
      "{'id': 7, 'name': 'Zoë \"Z\"', 'score': 2.5, 'active': True, 'parent': None, 'tags': ['a', "
      "'b']}");
  EXPECT_EQ(enc.dumps(v.obj),
            "{\"id\":7,\"name\":\"Zoë \\\"Z\\\"\",\"score\":2.5,\"active\":true,\"parent\":null,"
            "\"tags\":[\"a\",\"b\"]}");
  Ref w(
      "{'id': -1152921504606846975, 'name': '', 'score': 3, 'active': False, 'parent': 0, 'tags': "
      "()}");
  EXPECT_EQ(enc.dumps(w.obj),
            "{\"id\":-1152921504606846975,\"name\":\"\",\"score\":3,\"active\":false,\"parent\":0,"
            "\"tags\":[]}");
}

TEST(JitEmitter, SameBytesAtEveryOptimizationLevel) {
  Ref v("{'id': 1, 'name': 'x', 'score': 0.1, 'active': True, 'parent': 5, 'tags': ['t'] * 3}");
  std::string first;
  for (auto level : {llvm::CodeGenOptLevel::None, llvm::CodeGenOptLevel::Less,
                     llvm::CodeGenOptLevel::Aggressive}) {
    for (IrPasses passes : {IrPasses::kNone, IrPasses::kCheap, IrPasses::kFull}) {
      Encoder enc(record_schema(), CompileOptions{level, passes});
      ASSERT_TRUE(enc.ok());
      const std::string out = enc.dumps(v.obj);
      if (first.empty()) first = out;
      EXPECT_EQ(out, first);
    }
  }
  EXPECT_EQ(first,
            "{\"id\":1,\"name\":\"x\",\"score\":0.1,\"active\":true,\"parent\":5,\"tags\":[\"t\","
            "\"t\",\"t\"]}");
}

TEST(JitEmitter, GuardFailuresGoToTheInterpreterUntouched) {
  Encoder enc(record_schema());
  // Each of these fails the record's guard: the whole record is the interpreter's (node 7), and
  // nothing the compiled code wrote before is left.
  for (const char* bad : {
           "{'id': True, 'name': 'x', 'score': 1.0, 'active': True, 'parent': None, 'tags': []}",
           "{'id': IntSub(1), 'name': 'x', 'score': 1.0, 'active': True, 'parent': None, 'tags': "
           "[]}",
           "{'id': 1, 'name': StrSub('x'), 'score': 1.0, 'active': True, 'parent': None, 'tags': "
           "[]}",
           "{'id': 1, 'name': 'x', 'score': float('nan'), 'active': True, 'parent': None, 'tags': "
           "[]}",
           "{'id': 2**60, 'name': 'x', 'score': 1.0, 'active': True, 'parent': None, 'tags': []}",
           "{'name': 'x', 'id': 1, 'score': 1.0, 'active': True, 'parent': None, 'tags': []}",
           "{'id': 1, 'name': 'x', 'score': 1.0, 'active': True, 'parent': None}",
           "{'id': 1, 'name': 'x', 'score': 1.0, 'active': True, 'parent': None, 'tags': [], 'x': "
           "1}",
           "{'id': 1, 'name': 'x\\ud800', 'score': 1.0, 'active': True, 'parent': None, 'tags': "
           "[]}",
           "DictSub(id=1)",
           "[1]",
       }) {
    Ref v(bad);
    auto r = enc.run(v.obj);
    EXPECT_EQ(r->out, "<7>") << bad;
    EXPECT_EQ(r->ctx.interpreted, std::vector<uint32_t>{7}) << bad;
    EXPECT_FALSE(PyErr_Occurred()) << bad;
    PyErr_Clear();
  }
}

TEST(JitEmitter, AMismatchInsideAContainerMemberIsThatMembersAlone) {
  SchemaBuilder s;
  const NodeId i = s.add(Kind::kInt);
  const NodeId item = s.object({{"v", i, true}});
  const NodeId items = s.add(Kind::kList, {item});
  Encoder enc(s.finish(s.object({{"n", i, true}, {"items", items, true}})));
  Ref v("{'n': 1, 'items': [{'v': 1}, {'v': 'x'}, {'v': 3}]}");
  auto r = enc.run(v.obj);
  EXPECT_EQ(r->out, "{\"n\":1,\"items\":[{\"v\":1},<1>,{\"v\":3}]}");
  EXPECT_EQ(r->ctx.interpreted, std::vector<uint32_t>{1});
}

TEST(JitEmitter, ScalarMembersMismatchAsTheRecordListsAsThemselves) {
  Encoder enc(record_schema());
  // A scalar member's mismatch is the record's (node 7); one in `tags` is the list's (node 6).
  Ref bad_parent("{'id': 1, 'name': 'x', 'score': 1.5, 'active': True, 'parent': 'p', 'tags': []}");
  EXPECT_EQ(enc.dumps(bad_parent.obj), "<7>");
  Ref bad_tag(
      "{'id': 1, 'name': 'x', 'score': 1.5, 'active': True, 'parent': None, 'tags': ['a', 2]}");
  EXPECT_EQ(enc.dumps(bad_tag.obj),
            "{\"id\":1,\"name\":\"x\",\"score\":1.5,\"active\":true,\"parent\":null,\"tags\":<6>}");
  Ref fresh(
      "{'id': 1, 'name': 'x', 'score': 1.5, 'active': True, 'parent': None, "
      "'tags': (''.join(['é', 't']), 'u')}");  // a tuple, with an uncached non-ASCII str
  auto r = enc.run(fresh.obj);
  EXPECT_EQ(
      r->out,
      "{\"id\":1,\"name\":\"x\",\"score\":1.5,\"active\":true,\"parent\":null,\"tags\":[\"ét\","
      "\"u\"]}");
  EXPECT_TRUE(r->ctx.interpreted.empty());
}

TEST(JitEmitter, EqualKeysThatAreNotTheInternedObjectsMatch) {
  Encoder enc(record_schema());
  // Keys built at run time are new str objects, not the schema's interned ones.
  Ref v(
      "{''.join(['i', 'd']): 1, 'na' + 'me'[:2]: 'n', 'score': 1.0, 'active': False, "
      "'parent': 3, 'tags': []}");
  EXPECT_EQ(enc.dumps(v.obj),
            "{\"id\":1,\"name\":\"n\",\"score\":1.0,\"active\":false,\"parent\":3,\"tags\":[]}");
}

TEST(JitEmitter, DictsNotReadableInPlaceAreMatchedByKey) {
  Encoder enc(record_schema());
  // A deleted entry, and a table that turned general (a non-str key was inserted and removed).
  Ref deleted(
      "(lambda d: (d.pop('x'), d)[1])({'id': 1, 'x': 0, 'name': 'n', 'score': 1.0, "
      "'active': True, 'parent': None, 'tags': []})");
  Ref general(
      "(lambda d: (d.pop(1), d)[1])({1: 1, 'id': 1, 'name': 'n', 'score': 1.0, "
      "'active': True, 'parent': None, 'tags': []})");
  const std::string expected =
      "{\"id\":1,\"name\":\"n\",\"score\":1.0,\"active\":true,\"parent\":null,\"tags\":[]}";
  EXPECT_EQ(enc.dumps(deleted.obj), expected);
  EXPECT_EQ(enc.dumps(general.obj), expected);
}

TEST(JitEmitter, UncachedNonAsciiStrIsMadeReadyThenWritten) {
  SchemaBuilder s;
  const NodeId str = s.add(Kind::kStr);
  Encoder enc(s.finish(s.add(Kind::kList, {str})));
  Ref v(
      "[''.join(['é', 'x']), 'plain', ''.join(['日', '本'])]");  // fresh strs: no UTF-8 cached yet
  auto r = enc.run(v.obj);
  EXPECT_EQ(r->out, "[\"éx\",\"plain\",\"日本\"]");
  EXPECT_TRUE(r->ctx.interpreted.empty());
}

TEST(JitEmitter, UncachedNonAsciiDictKeysAreMadeReadyThenWritten) {
  SchemaBuilder s;
  Encoder enc(s.finish(s.add(Kind::kDict, {s.add(Kind::kStr)})));
  Ref v("{''.join(['ké', 'y']): ''.join(['vä', 'l']), 'a': 'b'}");
  auto r = enc.run(v.obj);
  EXPECT_EQ(r->out, "{\"kéy\":\"väl\",\"a\":\"b\"}");
  EXPECT_TRUE(r->ctx.interpreted.empty());
}

TEST(JitEmitter, PreparedCodeNeedsNoSchemaToFinish) {
  // Tier 2 builds its IR while the encoder certainly lives, and compiles it later without it.
  Ref v("{'id': 1, 'name': 'x', 'score': 0.5, 'active': False, 'parent': None, 'tags': ['t']}");
  auto schema = record_schema();
  // Keep the keys alive (the code compares them by address), drop everything else.
  std::vector<py::Ref> keys;
  for (const auto& field : schema->nodes[schema->root].fields)
    keys.push_back(py::Ref::borrow(field.key.get()));
  auto s = session(llvm::CodeGenOptLevel::Default);
  const CompileOptions options{llvm::CodeGenOptLevel::Default, IrPasses::kCheap};
  auto prepared = prepare(*schema, *s, options);
  ASSERT_TRUE(bool(prepared)) << llvm::toString(prepared.takeError());
  schema.reset();
  auto compiled = finish(std::move(*prepared), *s);
  ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
  fj_ctx ctx;
  current = &ctx;
  char* end = compiled->entry(&ctx, ctx.begin(), v.obj);
  current = nullptr;
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(std::string(ctx.begin(), end),
            "{\"id\":1,\"name\":\"x\",\"score\":0.5,\"active\":false,\"parent\":null,"
            "\"tags\":[\"t\"]}");
}

TEST(JitEmitter, OptionalFieldsAndCommas) {
  SchemaBuilder s;
  const NodeId i = s.add(Kind::kInt), tags = s.add(Kind::kList, {i});
  const NodeId obj =
      s.object({{"a", i, false}, {"b", tags, false}, {"c", i, true}, {"d", i, false}});
  Encoder enc(s.finish(obj));
  const std::pair<const char*, const char*> cases[] = {
      {"{'c': 3}", "{\"c\":3}"},
      {"{'a': 1, 'c': 3}", "{\"a\":1,\"c\":3}"},
      {"{'b': [1], 'c': 3}", "{\"b\":[1],\"c\":3}"},
      {"{'a': 1, 'b': [], 'c': 3, 'd': 4}", "{\"a\":1,\"b\":[],\"c\":3,\"d\":4}"},
      {"{'c': 3, 'd': 4}", "{\"c\":3,\"d\":4}"},
      {"{'a': 1}", "<2>"},          // a required field is missing
      {"{'c': 3, 'a': 1}", "<2>"},  // out of order
  };
  for (auto [in, out] : cases) {
    Ref v(in);
    EXPECT_EQ(enc.dumps(v.obj), out) << in;
  }
  SchemaBuilder t;
  const NodeId j = t.add(Kind::kInt);
  Encoder all_optional(t.finish(t.object({{"x", j, false}, {"y", j, false}})));
  for (auto [in, out] : {std::pair{"{}", "{}"}, std::pair{"{'y': 2}", "{\"y\":2}"},
                         std::pair{"{'x': 1, 'y': 2}", "{\"x\":1,\"y\":2}"}}) {
    Ref v(in);
    EXPECT_EQ(all_optional.dumps(v.obj), out) << in;
  }
}

TEST(JitEmitter, TuplesDictsAndUnions) {
  SchemaBuilder s;
  const NodeId i = s.add(Kind::kInt), str = s.add(Kind::kStr), null = s.add(Kind::kNull);
  const NodeId pair = s.add(Kind::kTuple, {i, str});
  const NodeId counts = s.add(Kind::kDict, {i});
  const NodeId item = s.add(Kind::kUnion, {null, pair, counts, str});
  Encoder enc(s.finish(s.add(Kind::kList, {item})));
  Ref v("[None, (1, 'a'), [2, 'b'], {'x': 1, 'y': 2}, {}, 's', 1.5, (1,)]");
  // Sequences (tuples are matched by length too, so never called from a union) and the float,
  // which matches no alternative, are the interpreter's: the union's node, 5.
  EXPECT_EQ(enc.dumps(v.obj), "[null,<5>,<5>,{\"x\":1,\"y\":2},{},\"s\",<5>,<5>]");
  Encoder pairs([] {
    SchemaBuilder t;
    const NodeId j = t.add(Kind::kInt), u = t.add(Kind::kStr);
    return t.finish(t.add(Kind::kList, {t.add(Kind::kTuple, {j, u})}));
  }());
  Ref w("[(1, 'a'), [2, 'b'], (3,)]");
  EXPECT_EQ(pairs.dumps(w.obj), "[[1,\"a\"],[2,\"b\"],<2>]");
}

TEST(JitEmitter, InterpreterErrorsUnwindWithThePath) {
  SchemaBuilder s;
  const NodeId any = s.add(Kind::kAny);
  const NodeId inner = s.object({{"v", any, true}});
  const NodeId list = s.add(Kind::kList, {inner});
  Encoder enc(s.finish(s.object({{"items", list, true}})));
  Ref v("{'items': [{'v': 1}, {'v': 2}]}");
  EXPECT_EQ(enc.dumps(v.obj), "{\"items\":[{\"v\":<0>},{\"v\":<0>}]}");
  auto r = enc.run(v.obj, 1024, /*fail_interpreter=*/true);
  EXPECT_EQ(r->out, "<error>");
  EXPECT_EQ(r->ctx.fault, "interpreter rejected node 0");
  EXPECT_EQ(r->ctx.path, (std::vector<std::string>{".v", "[0]", ".items"}));
}

TEST(JitEmitter, DepthFailuresRecordThePathToo) {
  SchemaBuilder s;
  const NodeId any = s.add(Kind::kAny);
  const NodeId inner = s.object({{"v", any, true}});
  const NodeId list = s.add(Kind::kList, {inner});
  Encoder enc(s.finish(s.object({{"items", list, true}})));
  Ref v("{'items': [{'v': 1}, {'v': 2}]}");
  auto r = enc.run(v.obj, /*max_depth=*/2);  // the inner object is the third level: too deep
  EXPECT_EQ(r->out, "<error>");
  EXPECT_EQ(r->ctx.fault, "too deep");
  EXPECT_EQ(r->ctx.path, (std::vector<std::string>{"[0]", ".items"}));
}

TEST(JitEmitter, DepthIsCountedOnlyWhereItIsObservable) {
  // No any/enum/cycle reachable: no fj_enter at all.
  Encoder plain(record_schema());
  Ref v("{'id': 1, 'name': 'x', 'score': 1.5, 'active': True, 'parent': None, 'tags': []}");
  EXPECT_EQ(plain.run(v.obj)->ctx.enters, 0);
  // A recursive schema: every container level is bracketed, so deep input meets the limit.
  SchemaBuilder s;
  const NodeId i = s.add(Kind::kInt);
  const NodeId tree = s.add(Kind::kObject);
  const NodeId children = s.add(Kind::kList, {tree});
  s.field(tree, "value", i);
  s.field(tree, "children", children);
  Encoder enc(s.finish(tree));
  Ref t("{'value': 1, 'children': [{'value': 2, 'children': []}, {'value': 3, 'children': []}]}");
  auto r = enc.run(t.obj);
  EXPECT_EQ(
      r->out,
      "{\"value\":1,\"children\":[{\"value\":2,\"children\":[]},{\"value\":3,\"children\":[]}]}");
  EXPECT_EQ(r->ctx.enters, 6);  // three objects, three lists
  Ref deep(
      "(lambda: [d := {'value': 0, 'children': []}] and [(d := {'value': k, 'children': [d]}) "
      "for k in range(50)][-1])()");
  auto too_deep = enc.run(deep.obj, /*max_depth=*/40);
  EXPECT_EQ(too_deep->out, "<error>");
  EXPECT_EQ(too_deep->ctx.fault, "too deep");
  EXPECT_EQ(too_deep->ctx.path.size(), 40u);  // .children and [0] for each of 20 objects
}

TEST(JitEmitter, ReferenceCountsAreUnchanged) {
  SchemaBuilder s;
  const NodeId any = s.add(Kind::kAny), i = s.add(Kind::kInt);
  const NodeId obj = s.object({{"a", any, true}, {"b", i, true}});
  Encoder enc(s.finish(s.add(Kind::kList, {obj})));
  Ref v("[{'a': [1], 'b': 2}, {'a': None, 'b': 3}]");
  Ref first("None");
  PyObject* item = PyList_GET_ITEM(v.obj, 0);
  PyObject* a = PyDict_GetItemString(item, "a");
  const Py_ssize_t before[] = {Py_REFCNT(v.obj), Py_REFCNT(item), Py_REFCNT(a)};
  EXPECT_EQ(enc.dumps(v.obj), "[{\"a\":<0>,\"b\":2},{\"a\":<0>,\"b\":3}]");
  EXPECT_EQ(Py_REFCNT(v.obj), before[0]);
  EXPECT_EQ(Py_REFCNT(item), before[1]);
  EXPECT_EQ(Py_REFCNT(a), before[2]);
}

TEST(JitEmitter, EveryKindEmitsValidIr) {
  SchemaBuilder s;
  const NodeId kinds[] = {s.add(Kind::kAny), s.add(Kind::kNull),  s.add(Kind::kBool),
                          s.add(Kind::kInt), s.add(Kind::kFloat), s.add(Kind::kStr)};
  const NodeId literal = s.add(Kind::kLiteral);
  s.node(literal).literals.push_back(py::Ref::steal(PyUnicode_FromString("a")));
  const NodeId enumeration = s.add(Kind::kEnum);
  s.node(enumeration).cls = py::Ref::borrow(reinterpret_cast<PyObject*>(&PyBool_Type));
  const NodeId dataclass = s.add(Kind::kDataclass);
  s.node(dataclass).cls = py::Ref::borrow(reinterpret_cast<PyObject*>(&PyBool_Type));
  std::vector<NodeId> all(std::begin(kinds), std::end(kinds));
  all.insert(all.end(),
             {literal, enumeration, dataclass, s.add(Kind::kList, {kinds[3]}),
              s.add(Kind::kTuple, {kinds[3], kinds[5]}), s.add(Kind::kDict, {kinds[0]})});
  const NodeId u = s.add(Kind::kUnion, all);
  std::vector<std::tuple<std::string, NodeId, bool>> fields;
  for (size_t k = 0; k < all.size(); ++k) {
    std::string name = "f";
    name += std::to_string(k);
    fields.emplace_back(name, all[k], k % 2 == 0);
  }
  fields.emplace_back("u", u, true);
  Encoder enc(s.finish(s.object(fields)));
  EXPECT_TRUE(enc.ok());
}

TEST(JitEmitter, InvalidSchemasAreErrors) {
  SchemaBuilder s;
  s.add(Kind::kList);  // a list without its item node
  auto bad = s.finish(0);
  auto session_ptr = session();
  auto compiled = compile(*bad, *session_ptr);
  ASSERT_FALSE(bool(compiled));
  EXPECT_NE(llvm::toString(compiled.takeError()).find("invalid schema"), std::string::npos);
}

}  // namespace
}  // namespace fastjson::jit::testing

