// The generic recursive encoder's cold paths (subclasses, default=, non-str keys, errors) and the
// fastjson.dumps entry point; the hot paths are inline in generic_encoder.h.
// Output matches json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() byte for byte.
#include "runtime/encoder.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "runtime/cpython_dict.h"
#include "runtime/encode_types.h"
#include "runtime/errors.h"
#include "runtime/float_list.h"
#include "runtime/generic_encoder.h"
#include "runtime/options.h"
#include "runtime/shape_table.h"

namespace fastjson::encode {

namespace {

#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
// PyDict_Next inlined for CPython 3.11's combined tables: the call and its checks were ~17% of the
// instructions of dumps on citm_catalog and records. The layouts are mirrored in
// runtime/cpython_dict.h, checked against internal/pycore_dict.h at compile time; split tables
// (instance __dict__) go through PyDict_Next. Everything is re-read each step, as PyDict_Next does, so a dict mutated
// meanwhile by default= or a subclass's items() is walked no less safely than by PyDict_Next.
[[gnu::always_inline]] inline bool dict_next(PyObject* dict, Py_ssize_t* pos, PyObject** key,
                                             PyObject** value) noexcept {
  const auto* d = reinterpret_cast<PyDictObject*>(dict);
  if (d->ma_values != nullptr) [[unlikely]]
    return PyDict_Next(dict, pos, key, value);
  auto* keys = reinterpret_cast<cpython::DictKeys311*>(d->ma_keys);
  const char* entries = cpython::dict_entries(keys);
  const Py_ssize_t n = keys->dk_nentries;
  Py_ssize_t i = *pos;
  if (keys->dk_kind != 0) [[likely]] {
    const auto* e = reinterpret_cast<const cpython::DictUnicodeEntry311*>(entries);
    while (i < n && e[i].value == nullptr) ++i;  // deleted entries
    if (i >= n) return false;
    *key = e[i].key;
    *value = e[i].value;
  } else {
    const auto* e = reinterpret_cast<const cpython::DictEntry311*>(entries);
    while (i < n && e[i].value == nullptr) ++i;
    if (i >= n) return false;
    *key = e[i].key;
    *value = e[i].value;
  }
  *pos = i + 1;
  return true;
}
#else
inline bool dict_next(PyObject* dict, Py_ssize_t* pos, PyObject** key, PyObject** value) noexcept {
  return PyDict_Next(dict, pos, key, value);
}
#endif

}  // namespace

bool GenericEncoder::encode(PyObject* obj) noexcept {
  PyTypeObject* type = Py_TYPE(obj);
  if (type == &PyUnicode_Type) return encode_str(obj);
  if (type == &PyLong_Type) return encode_int(obj);
  if (type == &PyFloat_Type) return encode_float(obj);
  if (type == &PyDict_Type) return encode_dict(obj);
  if (type == &PyList_Type) return encode_sequence(obj);
  if (obj == Py_True) return put_literal("true", 4);
  if (obj == Py_False) return put_literal("false", 5);
  if (obj == Py_None) return put_literal("null", 4);
  if (type == &PyTuple_Type) return encode_sequence(obj);
  return encode_other(obj);
}

// Out of line (noinline, see the header), so that encode(), whose prologue and epilogue run once
// per value, stays small: inlined into it, this loop measured 4-6% slower on citm_catalog and 2%
// on records.
bool GenericEncoder::encode_dict(PyObject* dict) noexcept {
  if (!enter(dict, false) || !open('{')) return false;
  // Checked here, next to the read of default_fn, rather than first: that placement cost 6
  // instructions per dict (callgrind, records), this one 3.
  if (options_.sort_keys) [[unlikely]]
    return encode_dict_sorted(dict);
  // Read once: options_ is a reference, so the compiler would reload it after every call.
  const bool guard = options_.default_fn != nullptr;
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (dict_next(dict, &pos, &key, &value)) {
    if (!encode_member(key, value, guard)) return false;
  }
  return close('}');
}

// One `"key":value,` of an object. A key fault is reported at the object's own path.
// `guard`: default= is set; it runs Python code that could drop the dict's last reference to key
// or value, so both are held meanwhile.
[[gnu::always_inline]] inline bool GenericEncoder::encode_member(PyObject* key, PyObject* value,
                                                                 bool guard) noexcept {
  const py::Ref key_guard = guard ? py::Ref::borrow(key) : py::Ref();
  const py::Ref value_guard = guard ? py::Ref::borrow(value) : py::Ref();
  const bool key_ok = Py_IS_TYPE(key, &PyUnicode_Type) ? encode_str(key) : encode_key(key);
  if (!key_ok) return false;
  writer_.put(':');  // within the Writer's slack after the key's own reservation
  if (!encode(value)) {
    path_push_key(key);
    return false;
  }
  writer_.put(',');  // within the Writer's slack after the value's own reservation
  return true;
}

// Lists and tuples (and their subclasses, which share the layout of ob_item).
bool GenericEncoder::encode_sequence(PyObject* seq) noexcept {
  if (!enter(seq, false) || !open('[')) return false;
  const bool is_list = PyList_Check(seq);
  const bool guard = options_.default_fn != nullptr;  // read once, as in encode_dict
  // Size and items are re-read each step: default= may mutate a list while it is written.
  for (Py_ssize_t i = 0; i < Py_SIZE(seq); ++i) {
    PyObject* item = is_list ? PyList_GET_ITEM(seq, i) : PyTuple_GET_ITEM(seq, i);
    const py::Ref item_guard = guard ? py::Ref::borrow(item) : py::Ref();
    // Floats inline: canada.json is 111k floats in 2-element lists, where the call to encode() and
    // its dispatch cost as much as the formatting (-5% on canada; twitter and records unchanged,
    // measured against a copy of this loop taken only by lists that start with a float).
    bool ok;
    FloatList leaf = FloatList::kNotOne;
    if (Py_IS_TYPE(item, &PyFloat_Type)) {
      ok = encode_float(item);
    } else if (Py_IS_TYPE(item, &PyList_Type) && depth_ < kMaxDepth &&
               (leaf = write_float_list(writer_, item)) != FloatList::kNotOne) {
      ok = leaf == FloatList::kWritten || fail_python();  // [lon, lat] pairs: see float_list.h
    } else {
      ok = encode(item);
    }
    if (!ok) {
      path_.push_index(i);
      return false;
    }
    writer_.put(',');  // within the Writer's slack after the item's own reservation
  }
  return close(']');
}

bool GenericEncoder::encode_big_int(PyObject* i) noexcept {
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(i, &overflow);
  if (overflow == 0) {
    if (v == -1 && PyErr_Occurred()) return fail_python();
    writer_.advance_to(format::write_i64(writer_.cursor(), v));
    return true;
  }
  if (overflow > 0) {
    const unsigned long long u = PyLong_AsUnsignedLongLong(i);
    if (!(u == static_cast<unsigned long long>(-1) && PyErr_Occurred())) {
      writer_.advance_to(format::write_u64(writer_.cursor(), u));
      return true;
    }
    PyErr_Clear();  // beyond 64 bits: fall through to CPython's own decimal conversion
  }
  // int.__repr__ (not the subclass's), as json does; it enforces sys.set_int_max_str_digits.
  py::Ref text = py::Ref::steal(PyLong_Type.tp_repr(i));
  if (!text) {
    if (PyErr_ExceptionMatches(PyExc_ValueError)) return fail(Fault::kIntDigits, i);
    return fail_python();
  }
  Py_ssize_t n;
  const char* data = PyUnicode_AsUTF8AndSize(text.get(), &n);
  if (data == nullptr || !writer_.reserve(size_t(n))) return fail_python();
  writer_.put(data, size_t(n));
  return true;
}

bool GenericEncoder::encode_other(PyObject* obj) noexcept {
  // Subclasses of the native types, in json's own order of checks.
  if (PyUnicode_Check(obj)) return encode_str(obj);
  if (PyLong_Check(obj)) return encode_int(obj);  // int.__repr__ semantics: IntEnum -> its value
  if (PyFloat_Check(obj)) return encode_float(obj);
  if (PyList_Check(obj) || PyTuple_Check(obj)) return encode_sequence_subclass(obj);
  if (PyDict_Check(obj)) return encode_dict_subclass(obj);
  // datetime, UUID, Enum, Decimal, dataclasses, numpy, Fragment, sets: never handed to default=.
  const Rare rare = encode_rare(obj);
  if (rare != Rare::kNotRare) return rare == Rare::kWritten;
  if (options_.default_fn == nullptr) return fail(Fault::kUnsupported, obj);
  // default=: its result is encoded in obj's place; each call is one nesting level, so a default
  // that keeps returning unsupported (or the same) objects ends in a clear error, not a hang.
  if (!enter(obj, true)) return false;
  py::Ref replacement = py::Ref::steal(PyObject_CallOneArg(options_.default_fn, obj));
  if (!replacement) return fail(Fault::kUnsupported, obj);  // the raised error becomes __cause__
  if (!encode(replacement.get())) return false;
  leave();
  return true;
}

bool GenericEncoder::encode_dict_subclass(PyObject* dict) noexcept {
  // Like json, through items(): an OrderedDict's order (move_to_end) lives outside the hash table
  // that PyDict_Next walks, and a subclass may define items() itself.
  if (!enter(dict, false)) return false;
  py::Ref items = py::Ref::steal(PyMapping_Items(dict));
  if (!items) return fail_python();
  if (!encode_pairs(items.get())) return false;
  leave();
  return true;
}

// Entered from encode_dict with the level entered and '{' written.
bool GenericEncoder::encode_dict_sorted(PyObject* dict) noexcept {
  py::Ref items = py::Ref::steal(PyDict_Items(dict));
  if (!items) return fail_python();
  writer_.unput_if('{');  // encode_pairs writes the braces
  if (!encode_pairs(items.get())) return false;
  leave();
  return true;
}

bool GenericEncoder::encode_pairs(PyObject* pairs) noexcept {
  // sort_keys sorts the (key, value) pairs as json does (sorted(d.items())): by the original keys,
  // so keys of types that do not compare (1 and "a") raise json's TypeError.
  if (options_.sort_keys && PyList_Sort(pairs) < 0) return fail_python();
  if (!open('{')) return false;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(pairs); ++i) {
    PyObject* pair = PyList_GET_ITEM(pairs, i);
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
      PyErr_SetString(PyExc_ValueError, "items must return 2-tuples");
      return fail_python();
    }
    // Held: the pair may be the only owner, and the list is ours but a value's code could reach it.
    const py::Ref pair_guard = py::Ref::borrow(pair);
    if (!encode_member(PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1),
                       options_.default_fn != nullptr)) {
      return false;
    }
  }
  writer_.unput_if(',');
  if (!writer_.reserve(1)) return fail_python();
  writer_.put('}');
  return true;
}

bool GenericEncoder::encode_nonfinite(double v, PyObject* f) noexcept {
  if (!options_.allow_nan) return fail_float(v, f);
  return put_literal("null", 4);
}

bool GenericEncoder::fail_value(std::string message, PyObject* culprit) noexcept {
  detail_ = std::move(message);
  return fail(Fault::kValue, culprit);
}

bool GenericEncoder::encode_sequence_subclass(PyObject* seq) noexcept {
  // Like json (PySequence_Fast), through iteration: a subclass may define __iter__. The subclass
  // takes a level of its own, without a path component, so a cycle through it is still found.
  if (!enter(seq, true)) return false;
  py::Ref items = py::Ref::steal(PySequence_List(seq));
  if (!items) return fail_python();
  if (!encode_sequence(items.get())) return false;
  leave();
  return true;
}

// The text json writes for a dict key that is not a str: float as repr (non-finite as json writes
// them, valid JSON inside a string), bools and None as their literals, int as int.__repr__. A new
// str, or nullptr: with ValueError set for an int past sys.get_int_max_str_digits(), with nothing
// set for a key of any other type. One place, so written keys and error paths always agree.
// non_str_keys adds enum members, UUID, datetime/date/time and Decimal (rare_key_text).
py::Ref key_text(PyObject* key, bool non_str_keys) noexcept {
  if (PyFloat_Check(key)) {
    const double v = PyFloat_AS_DOUBLE(key);
    if (std::isnan(v)) return py::Ref::steal(PyUnicode_FromString("NaN"));
    if (std::isinf(v)) return py::Ref::steal(PyUnicode_FromString(v > 0 ? "Infinity" : "-Infinity"));
    char buf[format::kMaxFloatChars];
    const char* end = format::write_double_repr(buf, v);
    return py::Ref::steal(PyUnicode_FromStringAndSize(buf, end - buf));
  }
  if (key == Py_True) return py::Ref::steal(PyUnicode_FromString("true"));
  if (key == Py_False) return py::Ref::steal(PyUnicode_FromString("false"));
  if (key == Py_None) return py::Ref::steal(PyUnicode_FromString("null"));
  if (PyLong_Check(key)) return py::Ref::steal(PyLong_Type.tp_repr(key));
  if (non_str_keys) return rare_key_text(key);
  return {};
}

bool GenericEncoder::encode_key(PyObject* key) noexcept {
  if (PyUnicode_Check(key)) return encode_str(key);  // str subclasses: their text
  const py::Ref text = key_text(key, options_.non_str_keys);
  if (!text) {
    if (!PyErr_Occurred()) return fail(Fault::kBadKey, key);
    return PyErr_ExceptionMatches(PyExc_ValueError) ? fail(Fault::kIntDigits, key) : fail_python();
  }
  return encode_str(text.get());
}

void GenericEncoder::path_push_key(PyObject* key) noexcept {
  // The key's text as it appears in the output (repr for keys that never made it there). The
  // error being reported is set aside meanwhile: no C-API call may run with an exception pending,
  // and rendering the path must not replace it.
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  py::Ref text = PyUnicode_Check(key) ? py::Ref::borrow(key) : key_text(key, options_.non_str_keys);
  if (!text) {
    PyErr_Clear();
    text = py::Ref::steal(PyObject_Repr(key));
  }
  Py_ssize_t n = 0;
  const char* data = text ? PyUnicode_AsUTF8AndSize(text.get(), &n) : nullptr;
  path_.push_key(data ? std::string_view(data, size_t(n)) : std::string_view("?"));
  PyErr_Clear();
  PyErr_Restore(type, value, traceback);
}

bool GenericEncoder::fail_depth(PyObject* obj, bool no_component) noexcept {
  stack_[kMaxDepth] = obj;
  no_component_[kMaxDepth] = no_component;
  // The first level whose object already appears above it is where a cycle closes.
  for (int level = 1; level <= kMaxDepth; ++level) {
    for (int above = 0; above < level; ++above) {
      if (stack_[above] != stack_[level]) continue;
      // Each container above `level` adds one path component (its child's key or index); a
      // default= level adds none, as the replacement sits at its original's path.
      size_t components = 0;
      for (int k = 0; k < level; ++k) components += no_component_[k] ? 0 : 1;
      circular_components_ = components;
      culprit_type_ = Py_TYPE(obj)->tp_name;
      fault_ = Fault::kCircular;
      return false;
    }
  }
  return fail(Fault::kTooDeep, obj);
}

void GenericEncoder::raise() noexcept {
  if (fault_ == Fault::kPython) return;  // MemoryError etc.: already set, passed through
  std::string message;
  switch (fault_) {
    case Fault::kUnsupported:
      message = std::string("Type is not JSON serializable: ") + culprit_type_;
      break;
    case Fault::kOutOfRangeFloat:
      message = "Out of range float values are not JSON compliant: " + detail_;
      break;
    case Fault::kBadKey:
      message = std::string("Dict keys must be str, int, float, bool or None, not ") + culprit_type_;
      break;
    case Fault::kCircular:
      message = "Circular reference detected";
      path_.keep_outermost(circular_components_);
      break;
    case Fault::kTooDeep:
      message = "Maximum nesting depth exceeded (" + std::to_string(kMaxDepth) + ")";
      break;
    case Fault::kSurrogate:
      message = "str is not valid UTF-8: surrogates not allowed";
      break;
    case Fault::kIntDigits:
      message = "int exceeds the limit for integer string conversion (sys.set_int_max_str_digits)";
      break;
    case Fault::kSchema:
    case Fault::kValue:
      message = detail_;
      break;
    case Fault::kNone:
    case Fault::kPython:
      return;
  }
  message += " - at ";
  message += path_.render();
  py::raise_encode_error(message);
}

bool GenericEncoder::fail_schema(std::string message) noexcept {
  detail_ = std::move(message);
  return fail(Fault::kSchema, nullptr);
}

PyObject* dumps(PyObject* obj, const Options& options) noexcept {
  // The transparent shape JIT (shape_table.h): compiled code for shapes this process keeps
  // sending. Its routines write the default compact bytes, so a call with any option (default=,
  // indent, str output, ...) takes the generic path.
  if (options == Options{}) {
    PyObject* out;
    if (shapes::dumps(obj, &out)) return out;
  }
  return generic_dumps(obj, options);
}

PyObject* generic_dumps(PyObject* obj, const Options& options) noexcept {
  GenericEncoder encoder(options);
  prepare_writer(encoder.writer(), options);
  if (!encoder.encode(obj)) [[unlikely]] {
    encoder.raise();
    return nullptr;
  }
  return finish_output(encoder.writer(), options);
}

}  // namespace fastjson::encode
