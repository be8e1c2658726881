// fastjson.Encoder: what fastjson.compile(schema) returns. A raw CPython type (dumps is
// METH_FASTCALL: a one-record call must cost about as much as the encoding itself) holding the
// schema IR and, once the JIT has installed it, the native entry point.
#pragma once
#include <Python.h>

#include "runtime/jit_abi.h"
#include "runtime/schema.h"

namespace fastjson::encode {

// The type object; init_encoder_type() readies it once (false with a Python error set).
PyTypeObject* encoder_type() noexcept;
bool init_encoder_type() noexcept;

// _fastjson._make_encoder(nodes, root, schema, /) -> Encoder: builds the IR from a normalized
// description (runtime/schema.h); `schema` is the object the user gave, kept as Encoder.schema.
PyObject* make_encoder(PyObject* module, PyObject* const* args, Py_ssize_t nargs) noexcept;

// For the JIT (FjApi): the IR of an Encoder, and installing compiled code into one.
const schema::Schema* encoder_schema(PyObject* encoder) noexcept;
int encoder_install(PyObject* encoder, fj_entry_fn entry, PyObject* owner) noexcept;

// For the transparent shape JIT (shape_table.cpp): an Encoder for an inferred description whose
// failed guards fall back to the generic encoder (Schema::generic_fallback), or nullptr with an
// error set; and running one: false when no native code is installed yet (the caller encodes
// generically), else true with *out the bytes or nullptr with the exception set.
PyObject* make_shape_encoder(PyObject* nodes, PyObject* root) noexcept;
bool run_shape_encoder(PyObject* encoder, PyObject* obj, PyObject** out) noexcept;

// The FjApi capsule exported as _fastjson._C_API (jit_abi.cpp).
PyObject* make_api_capsule() noexcept;

}  // namespace fastjson::encode
