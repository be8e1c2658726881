// Stateless helpers JIT'd code calls that are the JIT's own (not the runtime's ABI): the cold,
// loop-heavy parts of a guard, kept in C++ so the emitted code stays small and quick to compile.
#pragma once
#include <Python.h>

#include <cstdint>

#include "runtime/jit_abi.h"

extern "C" {

// 64 zero bytes: emitted code reads a value's fields through select(is_type, value, blank), so
// the loads of a type check it has not passed yet stay inside valid memory.
extern const unsigned char fj_jit_blank[64];

// 1 if key is an exact str equal to expected (an exact str), else 0.
int fj_jit_key_equals(PyObject* key, PyObject* expected) noexcept;

// The values of an object's n fields, matched in schema order from an exact dict with PyDict_Next
// (keys by pointer, then by value; optional fields may be absent: vals[i] = nullptr). 1 when the
// dict holds exactly those keys in that order, else 0 (the interpreter decides).
int fj_jit_object_values(PyObject* dict, PyObject* const* keys, const uint8_t* optional,
                         Py_ssize_t n, PyObject** vals) noexcept;

// Makes the UTF-8 form of every exact, non-ASCII str among values[0..n) (nulls skipped) ready,
// so a retried guard can read it in place. 1 if any was converted (retry), else 0 (fall back; a
// str that cannot be converted leaves no Python error behind: the interpreter reports it).
using fj_str_utf8_fn = const char* (*)(fj_ctx*, PyObject*, Py_ssize_t*) noexcept;
int fj_jit_prepare_strs(fj_ctx* ctx, PyObject* const* values, Py_ssize_t n,
                        fj_str_utf8_fn str_utf8) noexcept;
// The same for the keys and values of an exact dict.
int fj_jit_prepare_dict(fj_ctx* ctx, PyObject* dict, fj_str_utf8_fn str_utf8) noexcept;

}  // extern "C"
