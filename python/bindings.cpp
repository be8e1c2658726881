// Registration only: exposes the runtime's METH_FASTCALL entry points, exception types, the
// Encoder type and the JIT helper ABI capsule.
#include <pybind11/pybind11.h>

#include "runtime/api.h"
#include "runtime/compiled_encoder.h"
#include "runtime/encode_types.h"
#include "runtime/errors.h"
#include "runtime/fork_gate.h"
#include "runtime/shape_table.h"

namespace {

namespace shapes = fastjson::encode::shapes;

// Raw METH_FASTCALL functions: pybind11's generic dispatcher costs more than a small dumps itself.
PyMethodDef methods[] = {
    {"dumps", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fastjson::api::dumps)),
     METH_FASTCALL | METH_KEYWORDS,
     "dumps(obj, /, *, default=None, indent=None, sort_keys=False, append_newline=False, "
     "non_str_keys=False, allow_nan=False, decimal_as_number=False, sets=False)\n--\n\n"
     "Serialize obj to JSON bytes (compact unless indent is given)."},
    {"dumps_str",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fastjson::api::dumps_str)),
     METH_FASTCALL | METH_KEYWORDS,
     "dumps_str(obj, /, **options) -> str\n--\n\n"
     "Like dumps (same options), returning str; ASCII output becomes the str in place."},
    {"loads", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fastjson::api::loads)),
     METH_FASTCALL | METH_KEYWORDS,
     "loads(data, /) -> object\n--\n\nParse JSON from bytes, bytearray, memoryview or str."},
    {"_generic_dumps",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fastjson::api::generic_dumps)),
     METH_FASTCALL | METH_KEYWORDS,
     "_generic_dumps(obj, /, *, default=None) -> bytes\n--\n\n"
     "dumps without the transparent shape JIT (for benchmarks and tests)."},
    {"_make_encoder",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fastjson::encode::make_encoder)),
     METH_FASTCALL,
     "_make_encoder(nodes, root, schema, /) -> Encoder\n--\n\n"
     "An Encoder for a normalized schema description (see fastjson.compile)."},
// The transparent shape JIT's table and worker protocol (runtime/shape_table.h).
#define FASTJSON_SHAPE_FN(name, flags) \
  {"_shape_" #name, reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&shapes::py_##name)), flags, nullptr}
    FASTJSON_SHAPE_FN(configure, METH_FASTCALL),
    FASTJSON_SHAPE_FN(stats, METH_NOARGS),
    FASTJSON_SHAPE_FN(reset, METH_NOARGS),
    FASTJSON_SHAPE_FN(take_job, METH_NOARGS),
    FASTJSON_SHAPE_FN(attach, METH_FASTCALL),
    FASTJSON_SHAPE_FN(compiled, METH_FASTCALL),
    FASTJSON_SHAPE_FN(resume, METH_O),
    FASTJSON_SHAPE_FN(preload, METH_FASTCALL),
#undef FASTJSON_SHAPE_FN
    {"_fork_gate_close", &fastjson::fork_gate::py_close, METH_NOARGS,
     "Before fork: wait for compiles running without the GIL; hold new ones back."},
    {"_fork_gate_open", &fastjson::fork_gate::py_open, METH_O,
     "After fork (child: bool): let compiles run again."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

PYBIND11_MODULE(_fastjson, m) {
  if (!fastjson::py::init_exceptions()) throw pybind11::error_already_set();
  if (PyModule_AddFunctions(m.ptr(), methods) < 0) throw pybind11::error_already_set();
  const auto& types = fastjson::py::exceptions();
  m.attr("JSONEncodeError") = pybind11::handle(types.encode_error);
  m.attr("JSONDecodeError") = pybind11::handle(types.decode_error);
  m.attr("ValidationError") = pybind11::handle(types.validation_error);
  if (!fastjson::encode::init_encoder_type()) throw pybind11::error_already_set();
  m.attr("Encoder") =
      pybind11::handle(reinterpret_cast<PyObject*>(fastjson::encode::encoder_type()));
  if (!fastjson::encode::init_fragment_type()) throw pybind11::error_already_set();
  m.attr("Fragment") =
      pybind11::handle(reinterpret_cast<PyObject*>(fastjson::encode::fragment_type()));
  PyObject* api = fastjson::encode::make_api_capsule();
  if (api == nullptr) throw pybind11::error_already_set();
  m.attr("_C_API") = pybind11::reinterpret_steal<pybind11::object>(api);
}
