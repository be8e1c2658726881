// dumps' keyword options, shared by fastjson.dumps, fastjson.dumps_str and Encoder.dumps(_str):
// parsing them from a METH_FASTCALL call, and turning a finished encoding into the result they ask
// for (indent, trailing newline, bytes or str).
#pragma once
#include <Python.h>

#include "runtime/encoder.h"
#include "runtime/writer.h"

namespace fastjson::encode {

// Reads the keyword arguments (values at kwargs[i], names in the tuple kwnames, may be null).
// `function` names the caller in messages. False with TypeError/ValueError set.
bool parse_options(const char* function, PyObject* const* kwargs, PyObject* kwnames,
                   Options& options) noexcept;

// Before encoding into `writer`: str output is built in place when nothing is re-laid out after.
inline void prepare_writer(Writer& writer, const Options& options) noexcept {
  if (options.as_str && options.indent < 0) writer.set_str_output();
}

// After a successful encoding: the bytes (or str) result, new reference; nullptr with an error set.
PyObject* finish_output(Writer& writer, const Options& options) noexcept;

}  // namespace fastjson::encode
