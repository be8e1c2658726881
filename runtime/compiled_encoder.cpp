// The fastjson.Encoder type: construction from a normalized schema, dumps (native entry point when
// installed, else the interpreter), loads (the typed decoder), the attributes, and the hooks
// FjApi gives the JIT.
#include "runtime/compiled_encoder.h"

#include <memory>
#include <new>
#include <string>
#include <vector>

#include "runtime/options.h"
#include "runtime/py_ref.h"
#include "runtime/schema_decoder.h"
#include "runtime/schema_encoder.h"

namespace fastjson::encode {

namespace {

using py::Ref;

struct EncoderState {
  std::unique_ptr<const schema::Schema> schema;    // null only after tp_clear
  std::unique_ptr<const decode::DecodePlan> plan;  // loads' tables; null only after tp_clear
  Ref source;                                      // the object compile() was given, or None
  fj_entry_fn entry = nullptr;                     // installed native code, else the interpreter
  // Every owner ever installed: code being replaced may still be running further up the stack
  // (a dataclass property calling install), so none is released before the Encoder.
  std::vector<Ref> owners;
};

struct EncoderObject {
  PyObject_HEAD EncoderState state;  // constructed in place after allocation, destroyed in dealloc
};

PyTypeObject type_object = {PyVarObject_HEAD_INIT(nullptr, 0)};

EncoderState& state_of(PyObject* self) noexcept {
  return reinterpret_cast<EncoderObject*>(self)->state;
}

PyObject* encode_with(const char* function, bool as_str, PyObject* self, PyObject* const* args,
                      Py_ssize_t nargs, PyObject* kwnames) noexcept {
  if (nargs != 1) [[unlikely]] {
    PyErr_Format(PyExc_TypeError, "%s() takes exactly 1 positional argument (%zd given)", function,
                 nargs);
    return nullptr;
  }
  Options options;
  options.as_str = as_str;
  if (kwnames != nullptr && !parse_options(function, args + nargs, kwnames, options)) {
    return nullptr;
  }
  EncoderState& state = state_of(self);
  const schema::Schema* schema = state.schema.get();
  if (schema == nullptr) [[unlikely]] {
    PyErr_SetString(PyExc_RuntimeError, "this Encoder was cleared by the garbage collector");
    return nullptr;
  }
  fj_ctx ctx(*schema, options);
  Writer& writer = ctx.generic().writer();
  prepare_writer(writer, options);
  bool ok;
  // Native code writes members in the dict's order: sort_keys is the interpreter's. Every other
  // option acts through the interpreter's fallbacks (NaN, `any` values) or on the finished output.
  if (state.entry != nullptr && !options.sort_keys) {
    char* end = state.entry(&ctx, writer.cursor(), args[0]);
    ok = end != nullptr;
    if (ok) writer.advance_to(end);
  } else {
    ok = ctx.encode(schema->root, args[0]);
  }
  if (!ok) [[unlikely]] {
    ctx.raise();
    return nullptr;
  }
  return finish_output(writer, options);
}

PyObject* encoder_dumps(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                        PyObject* kwnames) noexcept {
  return encode_with("dumps", false, self, args, nargs, kwnames);
}

PyObject* encoder_dumps_str(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                            PyObject* kwnames) noexcept {
  return encode_with("dumps_str", true, self, args, nargs, kwnames);
}

PyObject* encoder_loads(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                        PyObject* kwnames) noexcept {
  static PyObject* const kw_ignore_unknown = PyUnicode_InternFromString("ignore_unknown");
  if (nargs != 1) [[unlikely]] {
    PyErr_Format(PyExc_TypeError, "loads() takes exactly 1 positional argument (%zd given)", nargs);
    return nullptr;
  }
  decode::DecodeOptions options;
  if (kwnames != nullptr) {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); ++i) {
      PyObject* name = PyTuple_GET_ITEM(kwnames, i);
      if (kw_ignore_unknown == nullptr) return nullptr;
      if (name != kw_ignore_unknown && PyUnicode_Compare(name, kw_ignore_unknown) != 0) {
        PyErr_Format(PyExc_TypeError, "loads() got an unexpected keyword argument '%U'", name);
        return nullptr;
      }
      const int flag = PyObject_IsTrue(args[nargs + i]);
      if (flag < 0) return nullptr;
      options.ignore_unknown = flag == 1;
    }
  }
  const EncoderState& state = state_of(self);
  if (!state.schema || !state.plan) [[unlikely]] {
    PyErr_SetString(PyExc_RuntimeError, "this Encoder was cleared by the garbage collector");
    return nullptr;
  }
  return decode::typed_loads(*state.schema, *state.plan, args[0], options);
}

PyObject* encoder_repr(PyObject* self) noexcept {
  const EncoderState& state = state_of(self);
  if (!state.schema) return PyUnicode_FromString("<fastjson.Encoder (cleared)>");
  const std::string schema = state.schema->describe(state.schema->root);
  return PyUnicode_FromFormat("<fastjson.Encoder %s jit=%s>", schema.c_str(),
                              state.entry ? "True" : "False");
}

PyObject* encoder_get_schema(PyObject* self, void*) noexcept {
  PyObject* source = state_of(self).source.get();
  return Py_NewRef(source ? source : Py_None);
}

PyObject* encoder_get_jit(PyObject* self, void*) noexcept {
  return PyBool_FromLong(state_of(self).entry != nullptr);
}

int encoder_traverse(PyObject* self, visitproc visit, void* arg) noexcept {
  const EncoderState& state = state_of(self);
  Py_VISIT(state.source.get());
  for (const Ref& owner : state.owners) Py_VISIT(owner.get());
  // Classes can hold the Encoder (a class attribute): the cycle must be visible to the collector.
  if (state.schema) {
    for (const schema::Node& node : state.schema->nodes) {
      Py_VISIT(node.cls.get());
      Py_VISIT(node.exclude.get());
    }
  }
  if (state.plan) {
    if (const int r = state.plan->traverse(visit, arg)) return r;
  }
  return 0;
}

int encoder_clear(PyObject* self) noexcept {
  EncoderState& state = state_of(self);
  state.entry = nullptr;
  // Moved out before they are released: a release may run code that looks at this Encoder.
  auto owners = std::move(state.owners);
  auto source = std::move(state.source);
  auto plan = std::move(state.plan);
  auto schema = std::move(state.schema);
  return 0;
}

void encoder_dealloc(PyObject* self) noexcept {
  PyObject_GC_UnTrack(self);
  state_of(self).~EncoderState();
  PyObject_GC_Del(self);
}

PyMethodDef encoder_methods[] = {
    {"dumps", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&encoder_dumps)),
     METH_FASTCALL | METH_KEYWORDS,
     "dumps(obj, /, **options) -> bytes\n--\n\n"
     "Serialize obj, which must match the schema, to JSON bytes (the bytes fastjson.dumps\n"
     "gives with the same options). Raises JSONEncodeError naming the mismatch and its path."},
    {"dumps_str", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&encoder_dumps_str)),
     METH_FASTCALL | METH_KEYWORDS,
     "dumps_str(obj, /, **options) -> str\n--\n\nLike dumps, returning str (see "
     "fastjson.dumps_str)."},
    {"loads", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&encoder_loads)),
     METH_FASTCALL | METH_KEYWORDS,
     "loads(data, /, *, ignore_unknown=False) -> object\n--\n\n"
     "Parse JSON (bytes, bytearray, memoryview or str) and build the schema's values from it\n"
     "(dicts, dataclass instances, enum members, tuples, ...), validating as it goes. Raises\n"
     "ValidationError naming expected vs got and the JSON path, JSONDecodeError for malformed\n"
     "JSON. Object keys the schema does not name are an error unless ignore_unknown is true."},
    {nullptr, nullptr, 0, nullptr}};

PyGetSetDef encoder_getset[] = {
    {"schema", encoder_get_schema, nullptr, "The schema this encoder was compiled from.", nullptr},
    {"jit", encoder_get_jit, nullptr, "True when dumps runs JIT-compiled native code.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

}  // namespace

PyTypeObject* encoder_type() noexcept { return &type_object; }

bool init_encoder_type() noexcept {
  PyTypeObject& t = type_object;
  if (t.tp_flags & Py_TPFLAGS_READY) return true;
  t.tp_name = "fastjson.Encoder";
  t.tp_basicsize = sizeof(EncoderObject);
  t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION;
  t.tp_doc = PyDoc_STR(
      "An encoder specialized for one schema; made by fastjson.compile(schema).\n\n"
      "dumps(obj) writes obj, which must match the schema, as fastjson.dumps would;\n"
      "loads(data) parses JSON into the schema's values, validating as it goes.");
  t.tp_dealloc = encoder_dealloc;
  t.tp_repr = encoder_repr;
  t.tp_traverse = encoder_traverse;
  t.tp_clear = encoder_clear;
  t.tp_methods = encoder_methods;
  t.tp_getset = encoder_getset;
  return PyType_Ready(&t) == 0;
}

PyObject* make_encoder(PyObject*, PyObject* const* args, Py_ssize_t nargs) noexcept {
  if (nargs != 3) {
    PyErr_Format(PyExc_TypeError, "_make_encoder() takes exactly 3 arguments (%zd given)", nargs);
    return nullptr;
  }
  std::unique_ptr<schema::Schema> schema = schema::Schema::build(args[0], args[1]);
  if (!schema) return nullptr;
  std::unique_ptr<decode::DecodePlan> plan = decode::DecodePlan::build(*schema);
  if (!plan) return nullptr;
  auto* self = PyObject_GC_New(EncoderObject, &type_object);
  if (self == nullptr) return nullptr;
  new (&self->state) EncoderState();
  self->state.schema = std::move(schema);
  self->state.plan = std::move(plan);
  self->state.source = Ref::borrow(args[2]);
  PyObject_GC_Track(self);
  return reinterpret_cast<PyObject*>(self);
}

PyObject* make_shape_encoder(PyObject* nodes, PyObject* root) noexcept {
  std::unique_ptr<schema::Schema> schema = schema::Schema::build(nodes, root, true);
  if (!schema) return nullptr;
  auto* self = PyObject_GC_New(EncoderObject, &type_object);
  if (self == nullptr) return nullptr;
  new (&self->state) EncoderState();
  self->state.schema = std::move(schema);
  PyObject_GC_Track(self);
  return reinterpret_cast<PyObject*>(self);
}

bool run_shape_encoder(PyObject* encoder, PyObject* obj, PyObject** out) noexcept {
  EncoderState& state = state_of(encoder);
  if (state.entry == nullptr || !state.schema) return false;
  // Held for the call: a subclass's items() below may run dumps again and evict this shape.
  const Ref hold = Ref::borrow(encoder);
  fj_ctx ctx(*state.schema);
  Writer& writer = ctx.generic().writer();
  char* end = state.entry(&ctx, writer.cursor(), obj);
  if (end == nullptr) [[unlikely]] {
    ctx.raise();
    *out = nullptr;
    return true;
  }
  writer.advance_to(end);
  *out = ctx.finish();
  return true;
}

const schema::Schema* encoder_schema(PyObject* encoder) noexcept {
  if (!PyObject_TypeCheck(encoder, &type_object)) {
    PyErr_Format(PyExc_TypeError, "expected fastjson.Encoder, got %.200s",
                 Py_TYPE(encoder)->tp_name);
    return nullptr;
  }
  const schema::Schema* schema = state_of(encoder).schema.get();
  if (schema == nullptr) PyErr_SetString(PyExc_TypeError, "this Encoder was cleared");
  return schema;
}

int encoder_install(PyObject* encoder, fj_entry_fn entry, PyObject* owner) noexcept {
  if (encoder_schema(encoder) == nullptr) return -1;
  EncoderState& state = state_of(encoder);
  try {
    state.owners.push_back(Ref::borrow(owner));
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
    return -1;
  }
  state.entry = entry;
  return 0;
}

}  // namespace fastjson::encode
