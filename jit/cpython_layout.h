// CPython 3.11 object layouts the emitted code reads directly (byte offsets), including the dict
// internals that are not in the public headers. Computed from CPython's own headers at build time
// (cpython_layout.cpp) and checked against a live dict before the dict fast path is used.
#pragma once
#include <cstdint>

namespace fastjson::jit {

struct CPythonLayout {
  int64_t refcnt, type, var_size;  // PyObject / PyVarObject
  int64_t list_items, tuple_items, long_digits, float_value;
  // str: length in code points; state bits (compact_ascii_mask set for compact ASCII strings,
  // whose characters follow the PyASCIIObject header); other strs cache their UTF-8 (once
  // computed) in PyCompactUnicodeObject.utf8 / utf8_length.
  int64_t str_length, str_state, ascii_data, utf8_length, utf8;
  uint32_t compact_ascii_mask;
  int64_t dict_used, dict_keys, dict_values;  // PyDictObject
  // PyDictKeysObject (internal/pycore_dict.h): the entries follow dk_indices, whose size in bytes
  // is 1 << dk_log2_index_bytes; entries are {key, value} for all-str-key tables, {hash, key,
  // value} for general ones.
  int64_t keys_log2_index_bytes, keys_kind, keys_nentries, keys_indices;
  int64_t unicode_entry_size, general_entry_size, general_entry_key;
  uint8_t kind_general, kind_unicode;
  int long_shift;  // bits per PyLong digit
  // True when the dict internals above match this interpreter (probed on a live dict); when false
  // the emitted code iterates dicts with PyDict_Next only.
  bool dict_internals_ok;
};

// The layout of the running interpreter. Needs the GIL on first call (it probes a dict).
const CPythonLayout& cpython_layout();

}  // namespace fastjson::jit
