// Building the schema IR from its normalized description (strictly validated: the JIT trusts the
// IR), and describing nodes the way users write them, for error messages.
#include "runtime/schema.h"

#include <cstdarg>
#include <string_view>

#include "runtime/escape.h"

namespace fastjson::schema {

namespace {

using py::Ref;

struct KindName {
  std::string_view name;
  Kind kind;
  Py_ssize_t arity;  // tuple length, tag included
};

constexpr KindName kKinds[] = {
    {"any", Kind::kAny, 1},
    {"null", Kind::kNull, 1},
    {"bool", Kind::kBool, 1},
    {"int", Kind::kInt, 1},
    {"float", Kind::kFloat, 1},
    {"str", Kind::kStr, 1},
    {"list", Kind::kList, 2},
    {"tuple", Kind::kTuple, 2},
    {"dict", Kind::kDict, 2},
    {"object", Kind::kObject, 3},
    {"dataclass", Kind::kDataclass, 3},
    {"union", Kind::kUnion, 2},
    {"literal", Kind::kLiteral, 2},
    {"enum", Kind::kEnum, 2},
    {"instance", Kind::kInstance, 3},
    {"set", Kind::kSet, 2},
    {"tuple_of", Kind::kList, 2},
    {"frozenset", Kind::kSet, 2},
};

// The shape each kind's tuple must have, for messages.
const char* expected_shape(Kind kind) {
  switch (kind) {
    case Kind::kList:
      return "(\"list\", item)";
    case Kind::kTuple:
      return "(\"tuple\", (item, ...))";
    case Kind::kDict:
      return "(\"dict\", value)";
    case Kind::kObject:
      return "(\"object\", ((name, node, required), ...), title)";
    case Kind::kDataclass:
      return "(\"dataclass\", cls, ((name, node, required), ...))";
    case Kind::kUnion:
      return "(\"union\", (alternative, ...))";
    case Kind::kLiteral:
      return "(\"literal\", (value, ...))";
    case Kind::kEnum:
      return "(\"enum\", cls)";
    case Kind::kInstance:
      return "(\"instance\", cls, exclude)";
    case Kind::kSet:
      return "(\"set\", item)";
    default:
      return "(kind,)";
  }
}

// repr(obj) as UTF-8; "?" if repr itself fails (the error is cleared: this is for messages).
std::string repr_utf8(PyObject* obj) {
  Ref text = Ref::steal(PyObject_Repr(obj));
  Py_ssize_t n = 0;
  const char* data = text ? PyUnicode_AsUTF8AndSize(text.get(), &n) : nullptr;
  if (data == nullptr) {
    PyErr_Clear();
    return "?";
  }
  return std::string(data, size_t(n));
}

class Builder {
 public:
  Builder(PyObject* nodes, Schema& schema) : nodes_(nodes), schema_(schema) {}

  bool build_node(Py_ssize_t index) {
    index_ = index;
    PyObject* desc = PyList_GET_ITEM(nodes_, index);
    if (!PyTuple_CheckExact(desc) || PyTuple_GET_SIZE(desc) == 0 ||
        !PyUnicode_CheckExact(PyTuple_GET_ITEM(desc, 0))) {
      return fail("expected a tuple (kind, ...), got %R", desc);
    }
    const char* tag = PyUnicode_AsUTF8(PyTuple_GET_ITEM(desc, 0));
    if (tag == nullptr) return false;
    const KindName* kind = nullptr;
    for (const KindName& k : kKinds) {
      if (k.name == tag) kind = &k;
    }
    const bool as_tuple = kind != nullptr && kind->name == "tuple_of";
    if (kind == nullptr) return fail("unknown kind %R", PyTuple_GET_ITEM(desc, 0));
    if (PyTuple_GET_SIZE(desc) != kind->arity) {
      return fail("expected %s, got %R",
                  as_tuple ? "(\"tuple_of\", item)" : expected_shape(kind->kind), desc);
    }
    Node& node = schema_.nodes[size_t(index)];
    node.kind = kind->kind;
    node.as_tuple = as_tuple;
    node.frozen = kind->name == std::string_view("frozenset");
    PyObject* arg1 = kind->arity > 1 ? PyTuple_GET_ITEM(desc, 1) : nullptr;
    PyObject* arg2 = kind->arity > 2 ? PyTuple_GET_ITEM(desc, 2) : nullptr;
    switch (node.kind) {
      case Kind::kList:
      case Kind::kDict:
      case Kind::kSet:
        return read_child(arg1, node);
      case Kind::kInstance:
        if (!PyType_Check(arg1)) return fail("instance cls must be a class, got %R", arg1);
        if (arg2 != Py_None && !PyType_Check(arg2))
          return fail("instance exclude must be a class or None, got %R", arg2);
        if (arg2 != Py_None) node.exclude = Ref::borrow(arg2);
        schema_.runs_python = true;  // an aware datetime's utcoffset() is Python code
        return read_class(arg1, node);
      case Kind::kTuple:
        return read_children(arg1, node, /*at_least=*/0);
      case Kind::kUnion:
        return read_children(arg1, node, /*at_least=*/1);
      case Kind::kObject:
        if (arg2 != Py_None && !PyUnicode_CheckExact(arg2)) {
          return fail("object title must be a str or None, got %R", arg2);
        }
        if (arg2 != Py_None && !utf8(arg2, node.title, "object title")) return false;
        return read_fields(arg1, node);
      case Kind::kDataclass:
        if (!PyType_Check(arg1)) return fail("dataclass cls must be a class, got %R", arg1);
        schema_.runs_python = true;
        return read_class(arg1, node) && read_fields(arg2, node);
      case Kind::kEnum:
        if (!PyType_Check(arg1) || !is_enum_class(arg1)) {
          return PyErr_Occurred() ? false
                                  : fail("enum cls must be an enum.Enum subclass, got %R", arg1);
        }
        schema_.runs_python = true;
        return read_class(arg1, node);
      case Kind::kLiteral:
        return read_literals(arg1, node);
      default:
        return true;
    }
  }

  // Rejects cycles made only of unions: encoding one would recurse without consuming a level.
  bool check_union_cycles() {
    std::vector<uint8_t> state(schema_.nodes.size(), 0);  // 0 new, 1 on the stack, 2 done
    for (NodeId id = 0; id < schema_.nodes.size(); ++id) {
      if (!visit_union(id, state)) {
        index_ = Py_ssize_t(id);
        return fail("union is its own alternative (through unions only)", nullptr);
      }
    }
    return true;
  }

 private:
  bool visit_union(NodeId id, std::vector<uint8_t>& state) {
    const Node& node = schema_.nodes[id];
    if (node.kind != Kind::kUnion || state[id] == 2) return true;
    if (state[id] == 1) return false;
    state[id] = 1;
    for (NodeId child : node.children) {
      if (!visit_union(child, state)) return false;
    }
    state[id] = 2;
    return true;
  }

  // Sets TypeError("schema node <i>: <detail>"); `detail` may hold one %R for `culprit`.
  bool fail(const char* detail, PyObject* culprit) {
    Ref message =
        Ref::steal(culprit ? PyUnicode_FromFormat(detail, culprit) : PyUnicode_FromString(detail));
    if (!message) return false;
    PyErr_Format(PyExc_TypeError, "schema node %zd: %U", index_, message.get());
    return false;
  }
  // The same with a %s before the %R.
  bool fail(const char* detail, const char* a, PyObject* culprit) {
    Ref message = Ref::steal(PyUnicode_FromFormat(detail, a, culprit));
    if (!message) return false;
    PyErr_Format(PyExc_TypeError, "schema node %zd: %U", index_, message.get());
    return false;
  }

  bool read_index(PyObject* o, NodeId& out) {
    const Py_ssize_t n = PyList_GET_SIZE(nodes_);
    const Py_ssize_t i = PyLong_CheckExact(o) ? PyLong_AsSsize_t(o) : -1;
    if (i == -1 && PyErr_Occurred()) PyErr_Clear();
    if (i < 0 || i >= n) {
      Ref limit = Ref::steal(PyLong_FromSsize_t(n));
      if (!limit) return false;
      Ref message = Ref::steal(
          PyUnicode_FromFormat("child must be a node index in range(%zd), got %R", n, o));
      if (!message) return false;
      PyErr_Format(PyExc_TypeError, "schema node %zd: %U", index_, message.get());
      return false;
    }
    out = NodeId(i);
    return true;
  }

  bool read_child(PyObject* o, Node& node) {
    NodeId child;
    if (!read_index(o, child)) return false;
    node.children.push_back(child);
    return true;
  }

  bool read_children(PyObject* seq, Node& node, Py_ssize_t at_least) {
    if (!PyTuple_CheckExact(seq))
      return fail("expected %s, got %R", expected_shape(node.kind), seq);
    if (PyTuple_GET_SIZE(seq) < at_least)
      return fail("union needs at least one alternative", nullptr);
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(seq); ++i) {
      if (!read_child(PyTuple_GET_ITEM(seq, i), node)) return false;
    }
    return true;
  }

  bool utf8(PyObject* s, std::string& out, const char* what) {
    Py_ssize_t n;
    const char* data = PyUnicode_AsUTF8AndSize(s, &n);
    if (data == nullptr) {
      PyErr_Clear();
      return fail("%s %R is not valid UTF-8 (lone surrogate)", what, s);
    }
    out.assign(data, size_t(n));
    return true;
  }

  bool read_fields(PyObject* seq, Node& node) {
    if (!PyTuple_CheckExact(seq))
      return fail("expected %s, got %R", expected_shape(node.kind), seq);
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(seq); ++i) {
      PyObject* f = PyTuple_GET_ITEM(seq, i);
      if (!PyTuple_CheckExact(f) || PyTuple_GET_SIZE(f) != 3 ||
          !PyUnicode_CheckExact(PyTuple_GET_ITEM(f, 0)) || !PyBool_Check(PyTuple_GET_ITEM(f, 2))) {
        return fail("field must be a (name: str, node: int, required: bool) tuple, got %R", f);
      }
      Field field;
      if (!utf8(PyTuple_GET_ITEM(f, 0), field.name, "field name")) return false;
      for (const Field& other : node.fields) {
        if (other.name == field.name)
          return fail("duplicate field name %R", PyTuple_GET_ITEM(f, 0));
      }
      if (!read_index(PyTuple_GET_ITEM(f, 1), field.node)) return false;
      field.required = PyTuple_GET_ITEM(f, 2) == Py_True;
      // Interned (like PyUnicode_InternFromString, but NUL-safe), so keys written as literals or
      // identifiers match by pointer. Inferred shapes keep the sample's own key objects: those
      // are the ones its dicts (and dicts made like it) hold, interned or not.
      PyObject* key = PyTuple_GET_ITEM(f, 0);
      Py_INCREF(key);
      if (!schema_.generic_fallback) PyUnicode_InternInPlace(&key);
      field.key = Ref::steal(key);
      // The key exactly as the generic encoder writes a str key: quoted, escaped, then ':'.
      field.encoded.resize(escape::max_quoted_size(field.name.size()) + 1);
      char* end = escape::write_quoted(field.encoded.data(), field.name.data(), field.name.size());
      *end++ = ':';
      field.encoded.resize(size_t(end - field.encoded.data()));
      node.required_count += field.required ? 1 : 0;
      node.fields.push_back(std::move(field));
    }
    return true;
  }

  bool read_class(PyObject* cls, Node& node) {
    node.cls = Ref::borrow(cls);
    Ref name = Ref::steal(PyObject_GetAttrString(cls, "__name__"));
    if (!name) return false;
    if (!PyUnicode_Check(name.get()))
      return fail("class __name__ must be a str, got %R", name.get());
    return utf8(name.get(), node.title, "class name");
  }

  bool is_enum_class(PyObject* cls) {
    Ref module = Ref::steal(PyImport_ImportModule("enum"));
    if (!module) return false;
    Ref base = Ref::steal(PyObject_GetAttrString(module.get(), "Enum"));
    if (!base) return false;
    const int r = PyObject_IsSubclass(cls, base.get());
    return r == 1;
  }

  bool read_literals(PyObject* seq, Node& node) {
    if (!PyTuple_CheckExact(seq) || PyTuple_GET_SIZE(seq) == 0) {
      return fail("expected %s with at least one value, got %R", expected_shape(node.kind), seq);
    }
    node.title = "Literal[";
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(seq); ++i) {
      PyObject* v = PyTuple_GET_ITEM(seq, i);
      if (!PyUnicode_CheckExact(v) && !PyLong_CheckExact(v) && !PyBool_Check(v) && v != Py_None) {
        return fail("literal values must be str, int, bool or None, got %R", v);
      }
      if (PyUnicode_CheckExact(v)) {
        std::string ignored;
        if (!utf8(v, ignored, "literal")) return false;
      }
      if (i > 0) node.title += ", ";
      node.title += repr_utf8(v);
      node.literals.push_back(Ref::borrow(v));
    }
    node.title += ']';
    return true;
  }

  PyObject* nodes_;
  Schema& schema_;
  Py_ssize_t index_ = 0;
};

}  // namespace

std::unique_ptr<Schema> Schema::build(PyObject* nodes, PyObject* root,
                                      bool generic_fallback) noexcept {
  if (!PyList_CheckExact(nodes) || PyList_GET_SIZE(nodes) == 0) {
    PyErr_Format(PyExc_TypeError, "schema nodes must be a non-empty list of tuples, got %R", nodes);
    return nullptr;
  }
  const Py_ssize_t n = PyList_GET_SIZE(nodes);
  if (n > Py_ssize_t(UINT32_MAX)) {
    PyErr_SetString(PyExc_TypeError, "schema has too many nodes");
    return nullptr;
  }
  const Py_ssize_t r = PyLong_CheckExact(root) ? PyLong_AsSsize_t(root) : -1;
  if (r == -1 && PyErr_Occurred()) PyErr_Clear();
  if (r < 0 || r >= n) {
    PyErr_Format(PyExc_TypeError, "schema root must be a node index in range(%zd), got %R", n,
                 root);
    return nullptr;
  }
  auto schema = std::make_unique<Schema>();
  schema->root = NodeId(r);
  schema->generic_fallback = generic_fallback;
  schema->nodes.resize(size_t(n));
  Builder builder(nodes, *schema);
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (!builder.build_node(i)) return nullptr;
  }
  if (!builder.check_union_cycles()) return nullptr;
  return schema;
}

namespace {

void describe_into(const Schema& schema, NodeId id, std::vector<bool>& open, std::string& out) {
  const Node& node = schema.nodes[id];
  if (open[id]) {
    out += "...";
    return;
  }
  open[id] = true;
  switch (node.kind) {
    case Kind::kAny:
      out += "any";
      break;
    case Kind::kNull:
      out += "None";
      break;
    case Kind::kBool:
      out += "bool";
      break;
    case Kind::kInt:
      out += "int";
      break;
    case Kind::kFloat:
      out += "float";
      break;
    case Kind::kStr:
      out += "str";
      break;
    case Kind::kList:
      out += node.as_tuple ? "tuple[" : "list[";
      describe_into(schema, node.children[0], open, out);
      out += node.as_tuple ? ", ...]" : "]";
      break;
    case Kind::kDict:
      out += "dict[str, ";
      describe_into(schema, node.children[0], open, out);
      out += ']';
      break;
    case Kind::kTuple:
      out += "tuple[";
      if (node.children.empty()) out += "()";
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) out += ", ";
        describe_into(schema, node.children[i], open, out);
      }
      out += ']';
      break;
    case Kind::kUnion:
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) out += " | ";
        describe_into(schema, node.children[i], open, out);
      }
      break;
    case Kind::kObject:
      out += node.title.empty() ? std::string("object") : node.title;
      break;
    case Kind::kSet:
      out += node.frozen ? "frozenset[" : "set[";
      describe_into(schema, node.children[0], open, out);
      out += ']';
      break;
    case Kind::kDataclass:
    case Kind::kEnum:
    case Kind::kInstance:
    case Kind::kLiteral:
      out += node.title;
      break;
  }
  open[id] = false;
}

}  // namespace

std::string Schema::describe(NodeId id) const {
  std::vector<bool> open(nodes.size(), false);
  std::string out;
  describe_into(*this, id, open, out);
  return out;
}

}  // namespace fastjson::schema
