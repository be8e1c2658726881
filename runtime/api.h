// The Python-facing entry points (METH_FASTCALL | METH_KEYWORDS): argument handling, then the core.
#pragma once
#include <Python.h>

namespace fastjson::api {

// fastjson.dumps(obj, /, *, default=None, indent=None, ...) -> bytes (options: runtime/options.h)
PyObject* dumps(PyObject* module, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames);
// fastjson.dumps_str(obj, /, **the same options) -> str
PyObject* dumps_str(PyObject* module, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames);
// _fastjson._generic_dumps: dumps without the transparent shape JIT (benchmarks, tests).
PyObject* generic_dumps(PyObject* module, PyObject* const* args, Py_ssize_t nargs,
                        PyObject* kwnames);
// fastjson.loads(data, /) -> object
PyObject* loads(PyObject* module, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames);

}  // namespace fastjson::api
