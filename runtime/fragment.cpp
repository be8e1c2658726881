// fastjson.Fragment(b'...'): already-encoded JSON embedded verbatim, as orjson.Fragment. The
// contents are not validated (that would cost the parse the caller wanted to save); a str is
// written as its UTF-8.
#include <Python.h>
#include <structmember.h>

#include "runtime/encode_types.h"

namespace fastjson::encode {

namespace {

struct FragmentObject {
  PyObject_HEAD PyObject* contents;  // bytes or str, owned
};

PyTypeObject fragment_type_object = {PyVarObject_HEAD_INIT(nullptr, 0)};

PyObject* fragment_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) noexcept {
  static const char* keywords[] = {"contents", nullptr};
  PyObject* contents = nullptr;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:Fragment", const_cast<char**>(keywords),
                                   &contents)) {
    return nullptr;
  }
  if (!PyBytes_Check(contents) && !PyUnicode_Check(contents)) {
    PyErr_Format(PyExc_TypeError, "Fragment contents must be bytes or str, not %.200s",
                 Py_TYPE(contents)->tp_name);
    return nullptr;
  }
  auto* self = reinterpret_cast<FragmentObject*>(type->tp_alloc(type, 0));
  if (self == nullptr) return nullptr;
  self->contents = Py_NewRef(contents);
  return reinterpret_cast<PyObject*>(self);
}

void fragment_dealloc(PyObject* self) noexcept {
  Py_CLEAR(reinterpret_cast<FragmentObject*>(self)->contents);
  Py_TYPE(self)->tp_free(self);
}

PyObject* fragment_repr(PyObject* self) noexcept {
  return PyUnicode_FromFormat("fastjson.Fragment(%R)",
                              reinterpret_cast<FragmentObject*>(self)->contents);
}

PyMemberDef fragment_members[] = {{"contents", T_OBJECT_EX, offsetof(FragmentObject, contents),
                                   READONLY, "The JSON text written verbatim."},
                                  {nullptr, 0, 0, 0, nullptr}};

}  // namespace

PyTypeObject* fragment_type() noexcept { return &fragment_type_object; }

bool init_fragment_type() noexcept {
  PyTypeObject& t = fragment_type_object;
  if (t.tp_flags & Py_TPFLAGS_READY) return true;
  t.tp_name = "fastjson.Fragment";
  t.tp_basicsize = sizeof(FragmentObject);
  t.tp_flags = Py_TPFLAGS_DEFAULT;  // final: dumps recognizes it by exact type
  t.tp_doc = PyDoc_STR(
      "Fragment(contents: bytes | str)\n--\n\n"
      "Already-encoded JSON that dumps writes verbatim, without validating it.");
  t.tp_new = fragment_new;
  t.tp_dealloc = fragment_dealloc;
  t.tp_repr = fragment_repr;
  t.tp_members = fragment_members;
  return PyType_Ready(&t) == 0;
}

bool encode_fragment(GenericEncoder& encoder, PyObject* obj) noexcept {
  PyObject* contents = reinterpret_cast<FragmentObject*>(obj)->contents;
  if (PyBytes_Check(contents)) {
    return encoder.put_literal(PyBytes_AS_STRING(contents), size_t(PyBytes_GET_SIZE(contents)));
  }
  Py_ssize_t n;
  const char* data = PyUnicode_AsUTF8AndSize(contents, &n);
  if (data == nullptr) return encoder.fail_str_conversion(contents);
  return encoder.put_literal(data, size_t(n));
}

}  // namespace fastjson::encode
