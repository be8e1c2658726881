// datetime.datetime, date and time as RFC 3339 text in isoformat()'s layout, like orjson's default:
// "2024-06-11T08:30:00", "2024-06-11T08:30:00.000123+02:00", "+00:00" for UTC (not "Z"),
// microseconds only when non-zero, naive values without an offset; an offset with seconds keeps
// them as isoformat does ("+05:30:15"). The offset comes from utcoffset(), so any tzinfo works.
#include <Python.h>
#include <datetime.h>

#include <cstring>

#include "runtime/encode_types.h"

namespace fastjson::encode {

namespace {

// The datetime C API, loaded once the datetime module has been imported by anyone: before that no
// date/time object can exist, and `import fastjson` must not import datetime.
// PyDateTimeAPI is datetime.h's per-file pointer, which its macros (PyDelta_Check) read.
const PyDateTime_CAPI* datetime_api() noexcept {
  if (PyDateTimeAPI != nullptr) return PyDateTimeAPI;
  static ImportedClass datetime_class("datetime", "datetime");
  if (datetime_class.get() == nullptr) return nullptr;
  PyDateTimeAPI = static_cast<PyDateTime_CAPI*>(PyCapsule_Import(PyDateTime_CAPSULE_NAME, 0));
  if (PyDateTimeAPI == nullptr) PyErr_Clear();
  return PyDateTimeAPI;
}

char* digits2(char* p, int v) noexcept {
  p[0] = char('0' + v / 10);
  p[1] = char('0' + v % 10);
  return p + 2;
}

char* date_part(char* p, int year, int month, int day) noexcept {
  p = digits2(p, year / 100);
  p = digits2(p, year % 100);
  *p++ = '-';
  p = digits2(p, month);
  *p++ = '-';
  return digits2(p, day);
}

char* micro_part(char* p, int us) noexcept {
  *p++ = '.';
  p = digits2(p, us / 10000);
  p = digits2(p, us / 100 % 100);
  return digits2(p, us % 100);
}

char* time_part(char* p, int hour, int minute, int second, int us) noexcept {
  p = digits2(p, hour);
  *p++ = ':';
  p = digits2(p, minute);
  *p++ = ':';
  p = digits2(p, second);
  return us != 0 ? micro_part(p, us) : p;
}

// "+HH:MM[:SS[.ffffff]]" from obj.utcoffset() when obj has a tzinfo; nothing when the offset is
// None. nullptr with an error set.
char* offset_part(char* p, PyObject* obj, PyObject* tzinfo) noexcept {
  if (tzinfo == Py_None) return p;
  if (tzinfo == PyDateTimeAPI->TimeZone_UTC) {  // datetime.timezone.utc: no call needed
    std::memcpy(p, "+00:00", 6);
    return p + 6;
  }
  py::Ref offset = py::Ref::steal(PyObject_CallMethod(obj, "utcoffset", nullptr));
  if (!offset) return nullptr;
  if (offset.get() == Py_None) return p;
  if (!PyDelta_Check(offset.get())) {
    PyErr_SetString(PyExc_TypeError, "utcoffset() must return a timedelta or None");
    return nullptr;
  }
  // timedelta normalizes to days (may be negative), 0 <= seconds < 86400, 0 <= us < 10**6.
  long long total_us = (PyDateTime_DELTA_GET_DAYS(offset.get()) * 86400LL +
                        PyDateTime_DELTA_GET_SECONDS(offset.get())) *
                           1000000LL +
                       PyDateTime_DELTA_GET_MICROSECONDS(offset.get());
  *p++ = total_us < 0 ? '-' : '+';
  if (total_us < 0) total_us = -total_us;
  const int us = int(total_us % 1000000);
  const long long seconds = total_us / 1000000;
  p = digits2(p, int(seconds / 3600 % 100));
  *p++ = ':';
  p = digits2(p, int(seconds / 60 % 60));
  if (seconds % 60 != 0 || us != 0) {
    *p++ = ':';
    p = digits2(p, int(seconds % 60));
    if (us != 0) p = micro_part(p, us);
  }
  return p;
}

}  // namespace

Py_ssize_t temporal_text(PyObject* obj, char* buf, bool subclasses) noexcept {
  const PyDateTime_CAPI* api = datetime_api();
  if (api == nullptr) return 0;
  PyTypeObject* type = Py_TYPE(obj);
  if (!subclasses && type != api->DateTimeType && type != api->DateType && type != api->TimeType) {
    return 0;
  }
  char* p = buf;
  if (type == api->DateTimeType || PyType_IsSubtype(type, api->DateTimeType)) {
    p = date_part(p, PyDateTime_GET_YEAR(obj), PyDateTime_GET_MONTH(obj), PyDateTime_GET_DAY(obj));
    *p++ = 'T';
    p = time_part(p, PyDateTime_DATE_GET_HOUR(obj), PyDateTime_DATE_GET_MINUTE(obj),
                  PyDateTime_DATE_GET_SECOND(obj), PyDateTime_DATE_GET_MICROSECOND(obj));
    p = offset_part(p, obj, PyDateTime_DATE_GET_TZINFO(obj));
  } else if (type == api->DateType || PyType_IsSubtype(type, api->DateType)) {
    p = date_part(p, PyDateTime_GET_YEAR(obj), PyDateTime_GET_MONTH(obj), PyDateTime_GET_DAY(obj));
  } else if (type == api->TimeType || PyType_IsSubtype(type, api->TimeType)) {
    p = time_part(p, PyDateTime_TIME_GET_HOUR(obj), PyDateTime_TIME_GET_MINUTE(obj),
                  PyDateTime_TIME_GET_SECOND(obj), PyDateTime_TIME_GET_MICROSECOND(obj));
    // time.utcoffset() asks the tzinfo with None for the date, as isoformat does.
    p = offset_part(p, obj, PyDateTime_TIME_GET_TZINFO(obj));
  } else {
    return 0;
  }
  return p == nullptr ? -1 : Py_ssize_t(p - buf);
}

}  // namespace fastjson::encode
