#include "runtime/decode_instance.h"

#include <datetime.h>

#include "runtime/py_ref.h"
#include "runtime/rfc3339.h"

namespace fastjson::decode {

namespace {

using py::Ref;

bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_dec(char c) noexcept { return c >= '0' && c <= '9'; }

bool equals_lower(std::string_view text, std::string_view word) noexcept {
  if (text.size() != word.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i] >= 'A' && text[i] <= 'Z' ? char(text[i] - 'A' + 'a') : text[i];
    if (c != word[i]) return false;
  }
  return true;
}

// 1 if cls is module.name or derives from it, 0 if not, -1 with an error. A module nobody has
// imported holds no base of cls, and is not imported here.
int derives(PyObject* cls, const char* module, const char* name) noexcept {
  Ref module_name = Ref::steal(PyUnicode_FromString(module));
  if (!module_name) return -1;
  Ref mod = Ref::steal(PyImport_GetModule(module_name.get()));
  if (!mod) return PyErr_Occurred() ? -1 : 0;
  Ref base = Ref::steal(PyObject_GetAttrString(mod.get(), name));
  if (!base) return -1;
  return PyObject_IsSubclass(cls, base.get());
}

PyObject* timezone(const rfc3339::Time& t) noexcept {
  if (!t.has_offset) return Py_NewRef(Py_None);
  if (t.offset_us == 0) return Py_NewRef(PyDateTime_TimeZone_UTC);
  // timedelta normalizes a negative offset into days = -1 and positive seconds.
  const int64_t seconds = t.offset_us / 1000000, us = t.offset_us % 1000000;
  Ref delta = Ref::steal(PyDelta_FromDSU(0, int(seconds), int(us)));
  if (!delta) return nullptr;
  return PyTimeZone_FromOffset(delta.get());
}

// The exact classes are built through the C API; a subclass is called like Python code would,
// so its __new__/__init__ run.
PyObject* temporal(InstanceKind kind, PyObject* cls, std::string_view text) noexcept {
  rfc3339::Date d;
  rfc3339::Time t;
  const bool ok = kind == InstanceKind::kDateTime ? rfc3339::parse_datetime(text, d, t)
                  : kind == InstanceKind::kDate   ? rfc3339::parse_date(text, d)
                                                  : rfc3339::parse_time(text, t);
  if (!ok) return nullptr;
  if (kind == InstanceKind::kDate) {
    if (cls == reinterpret_cast<PyObject*>(PyDateTimeAPI->DateType))
      return PyDate_FromDate(d.year, d.month, d.day);
    return PyObject_CallFunction(cls, "iii", d.year, d.month, d.day);
  }
  Ref tz = Ref::steal(timezone(t));
  if (!tz) return nullptr;
  if (kind == InstanceKind::kDateTime) {
    if (cls == reinterpret_cast<PyObject*>(PyDateTimeAPI->DateTimeType)) {
      return PyDateTimeAPI->DateTime_FromDateAndTime(d.year, d.month, d.day, t.hour, t.minute,
                                                     t.second, t.microsecond, tz.get(),
                                                     PyDateTimeAPI->DateTimeType);
    }
    return PyObject_CallFunction(cls, "iiiiiiiO", d.year, d.month, d.day, t.hour, t.minute,
                                 t.second, t.microsecond, tz.get());
  }
  if (cls == reinterpret_cast<PyObject*>(PyDateTimeAPI->TimeType)) {
    return PyDateTimeAPI->Time_FromTime(t.hour, t.minute, t.second, t.microsecond, tz.get(),
                                        PyDateTimeAPI->TimeType);
  }
  return PyObject_CallFunction(cls, "iiiiO", t.hour, t.minute, t.second, t.microsecond, tz.get());
}

// uuid.UUID itself is made as its __init__ makes it (object.__setattr__ of `int` and `is_safe`)
// without running that Python code, which cost more than the rest of the decode (10k UUIDs:
// 7.5 ms through the class call, 1.7 ms this way). Loaded when a schema names uuid.UUID; the
// references live for the process, like the class.
struct UuidClass {
  PyObject* cls = nullptr;
  PyObject* unknown = nullptr;  // uuid.SafeUUID.unknown, the default is_safe
  PyObject* int_name = nullptr;
  PyObject* is_safe_name = nullptr;
  PyObject* no_args = nullptr;
};
UuidClass uuid_class;

bool load_uuid_class() noexcept {
  if (uuid_class.cls != nullptr) return true;
  Ref mod = Ref::steal(PyImport_ImportModule("uuid"));
  if (!mod) return false;
  Ref cls = Ref::steal(PyObject_GetAttrString(mod.get(), "UUID"));
  Ref safe = Ref::steal(PyObject_GetAttrString(mod.get(), "SafeUUID"));
  if (!cls || !safe) return false;
  if (!PyType_Check(cls.get())) {
    PyErr_SetString(PyExc_TypeError, "uuid.UUID is not a class");
    return false;
  }
  Ref unknown = Ref::steal(PyObject_GetAttrString(safe.get(), "unknown"));
  Ref int_name = Ref::steal(PyUnicode_InternFromString("int"));
  Ref is_safe_name = Ref::steal(PyUnicode_InternFromString("is_safe"));
  Ref no_args = Ref::steal(PyTuple_New(0));
  if (!unknown || !int_name || !is_safe_name || !no_args) return false;
  uuid_class = UuidClass{cls.release(), unknown.release(), int_name.release(),
                         is_safe_name.release(), no_args.release()};
  return true;
}

int hex_value(char c) noexcept { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

// An exact uuid.UUID from checked text (32 hex digits, hyphens anywhere skipped).
PyObject* make_uuid(std::string_view text) noexcept {
  unsigned char bytes[16] = {};
  size_t nibble = 0;
  for (char c : text) {
    if (c == '-') continue;
    bytes[nibble / 2] = (unsigned char)(bytes[nibble / 2] | hex_value(c) << (nibble % 2 ? 0 : 4));
    ++nibble;
  }
  Ref value = Ref::steal(_PyLong_FromByteArray(bytes, 16, /*little_endian=*/0, /*is_signed=*/0));
  if (!value) return nullptr;
  PyTypeObject* type = reinterpret_cast<PyTypeObject*>(uuid_class.cls);
  Ref obj = Ref::steal(PyBaseObject_Type.tp_new(type, uuid_class.no_args, nullptr));
  if (!obj) return nullptr;
  // object.__setattr__: UUID's own __setattr__ refuses every assignment.
  if (PyObject_GenericSetAttr(obj.get(), uuid_class.int_name, value.get()) < 0 ||
      PyObject_GenericSetAttr(obj.get(), uuid_class.is_safe_name, uuid_class.unknown) < 0) {
    return nullptr;
  }
  return obj.release();
}

}  // namespace

InstanceKind instance_kind(PyObject* cls) noexcept {
  static constexpr struct {
    const char* module;
    const char* name;
    InstanceKind kind;
  } kClasses[] = {
      // datetime before date: a datetime is a date.
      {"datetime", "datetime", InstanceKind::kDateTime}, {"datetime", "date", InstanceKind::kDate},
      {"datetime", "time", InstanceKind::kTime},         {"uuid", "UUID", InstanceKind::kUuid},
      {"decimal", "Decimal", InstanceKind::kDecimal},
  };
  for (const auto& c : kClasses) {
    const int r = derives(cls, c.module, c.name);
    if (r < 0) return InstanceKind::kNone;
    if (r == 0) continue;
    if (c.kind == InstanceKind::kUuid && !load_uuid_class()) return InstanceKind::kNone;
    if (c.kind <= InstanceKind::kTime && PyDateTimeAPI == nullptr) {
      PyDateTime_IMPORT;  // datetime.h's per-file pointer, read by the macros above
      if (PyDateTimeAPI == nullptr) return InstanceKind::kNone;
    }
    return c.kind;
  }
  return InstanceKind::kNone;
}

const char* instance_name(InstanceKind kind) noexcept {
  switch (kind) {
    case InstanceKind::kDateTime:
      return "datetime";
    case InstanceKind::kDate:
      return "date";
    case InstanceKind::kTime:
      return "time";
    case InstanceKind::kUuid:
      return "uuid";
    case InstanceKind::kDecimal:
      return "decimal";
    case InstanceKind::kNone:
      break;
  }
  return "?";
}

const char* instance_invalid(InstanceKind kind) noexcept {
  switch (kind) {
    case InstanceKind::kDateTime:
      return "Invalid RFC 3339 encoded datetime";
    case InstanceKind::kDate:
      return "Invalid RFC 3339 encoded date";
    case InstanceKind::kTime:
      return "Invalid RFC 3339 encoded time";
    case InstanceKind::kUuid:
      return "Invalid UUID";
    case InstanceKind::kDecimal:
      return "Invalid decimal string";
    case InstanceKind::kNone:
      break;
  }
  return "Invalid value";
}

bool decimal_syntax(std::string_view s) noexcept {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const std::string_view rest = s.substr(i);
  if (equals_lower(rest, "inf") || equals_lower(rest, "infinity")) return true;
  for (std::string_view nan : {std::string_view("nan"), std::string_view("snan")}) {
    if (rest.size() >= nan.size() && equals_lower(rest.substr(0, nan.size()), nan)) {
      for (size_t k = nan.size(); k < rest.size(); ++k) {
        if (!is_dec(rest[k])) return false;
      }
      return true;
    }
  }
  size_t digits = 0;
  while (i < s.size() && is_dec(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_dec(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i == s.size() || !is_dec(s[i])) return false;
    while (i < s.size() && is_dec(s[i])) ++i;
  }
  return i == s.size();
}

bool uuid_syntax(std::string_view s) noexcept {
  if (s.size() == 32) {
    for (char c : s) {
      if (!is_hex(c)) return false;
    }
    return true;
  }
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    const bool hyphen = i == 8 || i == 13 || i == 18 || i == 23;
    if (hyphen ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

PyObject* instance_from_text(InstanceKind kind, PyObject* cls, std::string_view text) noexcept {
  switch (kind) {
    case InstanceKind::kDateTime:
    case InstanceKind::kDate:
    case InstanceKind::kTime:
      return temporal(kind, cls, text);
    case InstanceKind::kUuid:
      if (!uuid_syntax(text)) return nullptr;
      if (cls == uuid_class.cls) return make_uuid(text);
      break;
    case InstanceKind::kDecimal:
      if (!decimal_syntax(text)) return nullptr;
      break;
    case InstanceKind::kNone:
      return nullptr;
  }
  // Both constructors take the checked text as it is (UUID drops the hyphens itself); the text
  // is ASCII, so it becomes a str without decoding.
  Ref str = Ref::steal(PyUnicode_FromStringAndSize(text.data(), Py_ssize_t(text.size())));
  if (!str) return nullptr;
  return PyObject_CallOneArg(cls, str.get());
}

}  // namespace fastjson::decode
