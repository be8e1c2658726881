// Compile-time proof that runtime/cpython_dict.h matches this CPython's private dict layout. The
// internal header needs Py_BUILD_CORE, so it is confined to this file, which defines nothing.
#define Py_BUILD_CORE 1
#include "runtime/cpython_dict.h"

#include <internal/pycore_dict.h>

#include <cstddef>

#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
namespace fastjson::cpython {

static_assert(offsetof(DictKeys311, dk_log2_index_bytes) == offsetof(PyDictKeysObject, dk_log2_index_bytes));
static_assert(offsetof(DictKeys311, dk_kind) == offsetof(PyDictKeysObject, dk_kind));
static_assert(offsetof(DictKeys311, dk_nentries) == offsetof(PyDictKeysObject, dk_nentries));
static_assert(offsetof(DictKeys311, dk_indices) == offsetof(PyDictKeysObject, dk_indices));
static_assert(sizeof(DictEntry311) == sizeof(PyDictKeyEntry));
static_assert(offsetof(DictEntry311, key) == offsetof(PyDictKeyEntry, me_key));
static_assert(offsetof(DictEntry311, value) == offsetof(PyDictKeyEntry, me_value));
static_assert(sizeof(DictUnicodeEntry311) == sizeof(PyDictUnicodeEntry));
static_assert(offsetof(DictUnicodeEntry311, key) == offsetof(PyDictUnicodeEntry, me_key));
static_assert(offsetof(DictUnicodeEntry311, value) == offsetof(PyDictUnicodeEntry, me_value));
static_assert(DICT_KEYS_GENERAL == 0 && DICT_KEYS_UNICODE == 1 && DICT_KEYS_SPLIT == 2);

}  // namespace fastjson::cpython
#endif
