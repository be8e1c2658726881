// fastjson's Python exception types and the cold functions that raise them at the Python boundary.
#pragma once
#include <Python.h>
#include <string_view>

namespace fastjson::py {

// Created once at module init (python/bindings.cpp) and kept alive by the module.
struct ExceptionTypes {
  PyObject* encode_error = nullptr;  // fastjson.JSONEncodeError(TypeError)
  PyObject* decode_error = nullptr;  // fastjson.JSONDecodeError(json.JSONDecodeError)
  PyObject* validation_error = nullptr;  // fastjson.ValidationError(fastjson.JSONDecodeError)
};
ExceptionTypes& exceptions() noexcept;

// Creates the exception types; returns false with a Python error set on failure.
bool init_exceptions() noexcept;

// Raises fastjson.JSONEncodeError(message). If a Python error is already set it becomes __cause__.
void raise_encode_error(std::string_view message) noexcept;

// Raises fastjson.JSONDecodeError(msg, doc, pos) the way json.JSONDecodeError does, so .msg, .doc,
// .pos, .lineno and .colno are set. `doc` is the document as a str; `pos` a code-point index in it.
void raise_decode_error(std::string_view msg, PyObject* doc, Py_ssize_t pos) noexcept;

// Raises fastjson.ValidationError: a JSONDecodeError (msg, doc, pos, lineno, colno set as for
// any) whose str() is `message` alone, since the message names the JSON path, not a position.
void raise_validation_error(std::string_view message, PyObject* doc, Py_ssize_t pos) noexcept;

}  // namespace fastjson::py
