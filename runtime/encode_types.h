// The serializers of the rarer types (datetime, UUID, Enum, Decimal, dataclasses, sets, numpy,
// Fragment), one file each (encode_<type>.cpp), reached only from GenericEncoder::encode_rare
// (encode_rare.cpp): the cold path after the exact-type checks for dict/list/str/int/float and the
// subclass checks have failed, and before default=. Nothing here is on the hot path.
#pragma once
#include <Python.h>

#include <cstddef>

#include "runtime/generic_encoder.h"

namespace fastjson::encode {

// A class of a Python module, found once that module has been imported by anyone (no instance can
// exist before; nothing is imported here), then kept for the process lifetime.
class ImportedClass {
 public:
  constexpr ImportedClass(const char* module, const char* name) noexcept
      : module_(module), name_(name) {}
  // The class, or nullptr (no error set) while the module is not imported.
  PyTypeObject* get() noexcept { return cls_ != nullptr ? cls_ : lookup(); }
  bool is_instance(PyObject* obj) noexcept {
    PyTypeObject* cls = get();
    return cls != nullptr && PyObject_TypeCheck(obj, cls);
  }
  // The exact class, or (subclasses) any subclass.
  bool matches(PyObject* obj, bool subclasses) noexcept {
    PyTypeObject* cls = get();
    return cls != nullptr &&
           (Py_IS_TYPE(obj, cls) || (subclasses && PyType_IsSubtype(Py_TYPE(obj), cls)));
  }

 private:
  PyTypeObject* lookup() noexcept;
  const char* module_;
  const char* name_;
  PyObject* module_name_ = nullptr;  // interned, never released
  PyTypeObject* cls_ = nullptr;      // a strong reference, never released
};

// --- text forms, shared by values (quoted) and dict keys (non_str_keys)
// --------------------------- `subclasses` false: only the exact classes (one pointer compare
// each). encode_rare tries every type exactly first, then with subclasses: a miss of
// PyType_IsSubtype walks the whole MRO, and each rare value would otherwise pay it for every type
// checked before its own.

inline constexpr size_t kMaxTemporalChars = 64;
// datetime.datetime / date / time (and subclasses) as RFC 3339 text (isoformat's layout), unquoted,
// into buf. Returns the length; 0 if obj is none of them; -1 with a Python error set.
Py_ssize_t temporal_text(PyObject* obj, char* buf, bool subclasses = true) noexcept;

inline constexpr size_t kUuidChars = 36;
// uuid.UUID (or subclass): the lowercase hyphenated form into buf. 1 written, 0 not a UUID, -1
// error.
int uuid_text(PyObject* obj, char* buf, bool subclasses = true) noexcept;

// enum.Enum (or subclass) member: its .value (new reference); nullptr with no error if obj is not
// an Enum member, nullptr with an error set if reading .value failed. Without `subclasses`: only
// members of classes made by enum.EnumType itself (not by a metaclass derived from it).
py::Ref enum_value(PyObject* obj, bool subclasses = true) noexcept;

bool is_decimal(PyObject* obj) noexcept;

// A dict key under non_str_keys: the str written for an enum member (its value's key text), UUID,
// datetime/date/time or Decimal key; nullptr with no error for other types, with an error set on
// failure (encode_rare.cpp).
py::Ref rare_key_text(PyObject* key) noexcept;
// The str json writes for a non-str dict key (encoder.cpp): float/int/bool/None as json converts
// them, and with non_str_keys rare_key_text's types. nullptr as rare_key_text.
py::Ref key_text(PyObject* key, bool non_str_keys) noexcept;

// --- whole values
// -----------------------------------------------------------------------------------

// Each writes obj (already known to be of its type) or records the fault.
bool encode_decimal(GenericEncoder& encoder, PyObject* obj) noexcept;
// Dataclass instances: an object of their fields in definition order (ClassVar/InitVar excluded).
// Returns kNotRare for anything that is not a dataclass instance.
Rare encode_dataclass(GenericEncoder& encoder, PyObject* obj) noexcept;
// numpy.ndarray and numpy scalars (bool_, integer, floating); kNotRare otherwise.
Rare encode_numpy(GenericEncoder& encoder, PyObject* obj) noexcept;

// fastjson.Fragment (fragment.cpp).
PyTypeObject* fragment_type() noexcept;
bool init_fragment_type() noexcept;
bool encode_fragment(GenericEncoder& encoder, PyObject* obj) noexcept;

}  // namespace fastjson::encode
