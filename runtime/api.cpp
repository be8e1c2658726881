// Argument parsing for the module functions, done by hand: no tuple/dict is built per call, and
// keyword names are matched by pointer first (interned) then by value (runtime/options.cpp).
#include "runtime/api.h"

#include "runtime/decoder.h"
#include "runtime/encoder.h"
#include "runtime/options.h"

namespace fastjson::api {

namespace {

PyObject* dumps_as(const char* function, bool as_str, PyObject* const* args, Py_ssize_t nargs,
                   PyObject* kwnames,
                   PyObject* (*encode)(PyObject*, const encode::Options&) noexcept = encode::dumps) {
  if (nargs != 1) {
    PyErr_Format(PyExc_TypeError, "%s() takes exactly 1 positional argument (%zd given)", function,
                 nargs);
    return nullptr;
  }
  encode::Options options;
  options.as_str = as_str;
  if (!encode::parse_options(function, args + nargs, kwnames, options)) return nullptr;
  return encode(args[0], options);
}

}  // namespace

PyObject* dumps(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return dumps_as("dumps", false, args, nargs, kwnames);
}

PyObject* dumps_str(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return dumps_as("dumps_str", true, args, nargs, kwnames);
}

PyObject* generic_dumps(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return dumps_as("dumps", false, args, nargs, kwnames, encode::generic_dumps);
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
