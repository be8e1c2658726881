// Keyword options: parsing (names matched by pointer first: they are interned by the compiler of
// the calling code) and the finishing steps that act on the whole output.
#include "runtime/options.h"

#include <climits>

#include "runtime/indent.h"

namespace fastjson::encode {

namespace {

PyObject* interned(const char* s) noexcept {
  return PyUnicode_InternFromString(s);  // process lifetime, like CPython's own _Py_ID strings
}

bool keyword_is(PyObject* name, PyObject* interned) noexcept {
  return name == interned || PyUnicode_Compare(name, interned) == 0;
}

bool read_bool(PyObject* value, bool& out) noexcept {
  const int truth = PyObject_IsTrue(value);
  if (truth < 0) return false;
  out = truth != 0;
  return true;
}

}  // namespace

bool parse_options(const char* function, PyObject* const* kwargs, PyObject* kwnames,
                   Options& options) noexcept {
  if (kwnames == nullptr) return true;
  static PyObject* const kw_default = interned("default");
  static PyObject* const kw_indent = interned("indent");
  static PyObject* const kw_sort_keys = interned("sort_keys");
  static PyObject* const kw_append_newline = interned("append_newline");
  static PyObject* const kw_non_str_keys = interned("non_str_keys");
  static PyObject* const kw_allow_nan = interned("allow_nan");
  static PyObject* const kw_decimal_as_number = interned("decimal_as_number");
  static PyObject* const kw_sets = interned("sets");
  const Py_ssize_t n = PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, i);
    PyObject* value = kwargs[i];
    bool ok = true;
    if (keyword_is(name, kw_default)) {
      if (value != Py_None) {
        if (!PyCallable_Check(value)) {
          PyErr_Format(PyExc_TypeError, "default must be callable, not %.200s",
                       Py_TYPE(value)->tp_name);
          return false;
        }
        options.default_fn = value;
      }
    } else if (keyword_is(name, kw_indent)) {
      if (value == Py_None) {
        options.indent = -1;
      } else if (!PyLong_Check(value) || PyBool_Check(value)) {
        PyErr_Format(PyExc_TypeError, "indent must be None or an int, not %.200s",
                     Py_TYPE(value)->tp_name);
        return false;
      } else {
        const long v = PyLong_AsLong(value);
        if (v == -1 && PyErr_Occurred()) return false;
        if (v < 0 || v > 1024) {
          PyErr_Format(PyExc_ValueError, "indent must be between 0 and 1024, got %ld", v);
          return false;
        }
        options.indent = int(v);
      }
    } else if (keyword_is(name, kw_sort_keys)) {
      ok = read_bool(value, options.sort_keys);
    } else if (keyword_is(name, kw_append_newline)) {
      ok = read_bool(value, options.append_newline);
    } else if (keyword_is(name, kw_non_str_keys)) {
      ok = read_bool(value, options.non_str_keys);
    } else if (keyword_is(name, kw_allow_nan)) {
      ok = read_bool(value, options.allow_nan);
    } else if (keyword_is(name, kw_decimal_as_number)) {
      ok = read_bool(value, options.decimal_as_number);
    } else if (keyword_is(name, kw_sets)) {
      ok = read_bool(value, options.sets);
    } else {
      PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", function, name);
      return false;
    }
    if (!ok) return false;
  }
  return true;
}

PyObject* finish_output(Writer& writer, const Options& options) noexcept {
  if (options.indent >= 0) {
    Writer laid_out;
    if (options.as_str) laid_out.set_str_output();
    if (!write_indented(writer.data(), writer.size(), options.indent, laid_out)) return nullptr;
    if (options.append_newline) {
      if (!laid_out.reserve(1)) return nullptr;
      laid_out.put('\n');
    }
    return laid_out.finish();
  }
  if (options.append_newline) {
    if (!writer.reserve(1)) return nullptr;
    writer.put('\n');
  }
  return writer.finish();
}

}  // namespace fastjson::encode
