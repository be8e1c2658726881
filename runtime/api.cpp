// Argument parsing for the module functions, done by hand: no tuple/dict is built per call, and
// keyword names are matched by pointer first (interned) then by value.
#include "runtime/api.h"

#include "runtime/decoder.h"
#include "runtime/encoder.h"

namespace fastjson::api {

namespace {

bool keyword_is(PyObject* name, PyObject* interned) {
  return name == interned || PyUnicode_Compare(name, interned) == 0;
}

PyObject* interned(const char* s) {
  PyObject* o = PyUnicode_InternFromString(s);
  return o;  // kept for the process lifetime, like CPython's own _Py_ID strings
}

}  // namespace

namespace {

PyObject* dumps_with(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                     PyObject* (*encode)(PyObject*, const encode::Options&) noexcept) {
  static PyObject* const kw_default = interned("default");
  if (nargs != 1) {
    PyErr_Format(PyExc_TypeError, "dumps() takes exactly 1 positional argument (%zd given)", nargs);
    return nullptr;
  }
  encode::Options options;
  if (kwnames) {
    Py_ssize_t n = PyTuple_GET_SIZE(kwnames);
    for (Py_ssize_t i = 0; i < n; ++i) {
      PyObject* name = PyTuple_GET_ITEM(kwnames, i);
      PyObject* value = args[nargs + i];
      if (keyword_is(name, kw_default)) {
        if (value != Py_None) {
          if (!PyCallable_Check(value)) {
            PyErr_Format(PyExc_TypeError, "default must be callable, not %.200s",
                         Py_TYPE(value)->tp_name);
            return nullptr;
          }
          options.default_fn = value;
        }
      } else {
        PyErr_Format(PyExc_TypeError, "dumps() got an unexpected keyword argument '%U'", name);
        return nullptr;
      }
    }
  }
  return encode(args[0], options);
}

}  // namespace

PyObject* dumps(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return dumps_with(args, nargs, kwnames, encode::dumps);
}

PyObject* generic_dumps(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return dumps_with(args, nargs, kwnames, encode::generic_dumps);
}

PyObject* loads(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  if (kwnames && PyTuple_GET_SIZE(kwnames) > 0) {
    PyErr_Format(PyExc_TypeError, "loads() got an unexpected keyword argument '%U'",
                 PyTuple_GET_ITEM(kwnames, 0));
    return nullptr;
  }
  if (nargs != 1) {
    PyErr_Format(PyExc_TypeError, "loads() takes exactly 1 positional argument (%zd given)", nargs);
    return nullptr;
  }
  return decode::loads(args[0]);
}

}  // namespace fastjson::api
