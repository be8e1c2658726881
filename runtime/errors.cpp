// Exception types and raise helpers: all cold, called only once something has gone wrong.
#include "runtime/errors.h"

#include "runtime/py_ref.h"

namespace fastjson::py {

namespace {

// Defined in Python: its __init__ and __reduce__ are plain Python, and there is no C-level state.
constexpr const char* kValidationErrorSource = R"(
class ValidationError(JSONDecodeError):
    """Raised by Encoder.loads when the JSON is valid but does not match the schema; the
    message names expected vs got and the JSON path. msg, doc, pos, lineno and colno point at
    the offending value, as for any JSONDecodeError."""

    __module__ = "fastjson"

    def __init__(self, msg, doc, pos):
        JSONDecodeError.__init__(self, msg, doc, pos)
        self.args = (msg,)

    def __reduce__(self):
        return self.__class__, (self.msg, self.doc, self.pos)
)";

PyObject* make_validation_error(PyObject* decode_error) noexcept {
  Ref globals = Ref::steal(PyDict_New());
  Ref name = Ref::steal(PyUnicode_FromString("fastjson"));
  if (!globals || !name ||
      PyDict_SetItemString(globals.get(), "__builtins__", PyEval_GetBuiltins()) < 0 ||
      PyDict_SetItemString(globals.get(), "__name__", name.get()) < 0 ||
      PyDict_SetItemString(globals.get(), "JSONDecodeError", decode_error) < 0) {
    return nullptr;
  }
  Ref done =
      Ref::steal(PyRun_String(kValidationErrorSource, Py_file_input, globals.get(), globals.get()));
  if (!done) return nullptr;
  PyObject* type = PyDict_GetItemString(globals.get(), "ValidationError");  // borrowed
  Py_XINCREF(type);
  return type;
}

}  // namespace

ExceptionTypes& exceptions() noexcept {
  static ExceptionTypes types;
  return types;
}

bool init_exceptions() noexcept {
  ExceptionTypes& types = exceptions();
  if (types.encode_error && types.decode_error && types.validation_error) return true;
  Ref json_decoder = Ref::steal(PyImport_ImportModule("json.decoder"));
  if (!json_decoder) return false;
  Ref base = Ref::steal(PyObject_GetAttrString(json_decoder.get(), "JSONDecodeError"));
  if (!base) return false;
  types.encode_error = PyErr_NewExceptionWithDoc(
      "fastjson.JSONEncodeError",
      "Raised when a value cannot be serialized; the message names its type and JSON path.",
      PyExc_TypeError, nullptr);
  if (!types.encode_error) return false;
  types.decode_error = PyErr_NewExceptionWithDoc(
      "fastjson.JSONDecodeError",
      "Raised on invalid JSON; msg, doc, pos, lineno and colno point at the fault.", base.get(),
      nullptr);
  if (!types.decode_error) return false;
  types.validation_error = make_validation_error(types.decode_error);
  return types.validation_error != nullptr;
}

namespace {

// Takes the pending Python exception (if any) as a normalized exception instance.
Ref fetch_pending() noexcept {
  if (!PyErr_Occurred()) return {};
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  if (tb && value) PyException_SetTraceback(value, tb);
  Py_XDECREF(type);
  Py_XDECREF(tb);
  return Ref::steal(value);
}

// Raises `exc` (an exception instance), chaining `cause` as __cause__ when present.
void raise_instance(Ref exc, Ref cause) noexcept {
  if (!exc) return;  // building the exception failed; that error is already set
  if (cause) PyException_SetCause(exc.get(), cause.release());  // steals
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.get())), exc.get());
}

}  // namespace

void raise_encode_error(std::string_view message) noexcept {
  Ref cause = fetch_pending();
  Ref text = Ref::steal(PyUnicode_FromStringAndSize(message.data(), Py_ssize_t(message.size())));
  if (!text) return;
  raise_instance(Ref::steal(PyObject_CallOneArg(exceptions().encode_error, text.get())),
                 std::move(cause));
}

void raise_decode_error(std::string_view msg, PyObject* doc, Py_ssize_t pos) noexcept {
  Ref cause = fetch_pending();
  Ref text = Ref::steal(PyUnicode_FromStringAndSize(msg.data(), Py_ssize_t(msg.size())));
  Ref position = Ref::steal(PyLong_FromSsize_t(pos));
  if (!text || !position) return;
  PyObject* args[] = {text.get(), doc, position.get()};
  raise_instance(Ref::steal(PyObject_Vectorcall(exceptions().decode_error, args, 3, nullptr)),
                 std::move(cause));
}

void raise_validation_error(std::string_view message, PyObject* doc, Py_ssize_t pos) noexcept {
  Ref cause = fetch_pending();
  Ref text = Ref::steal(PyUnicode_FromStringAndSize(message.data(), Py_ssize_t(message.size())));
  Ref position = Ref::steal(PyLong_FromSsize_t(pos));
  if (!text || !position) return;
  PyObject* args[] = {text.get(), doc, position.get()};
  raise_instance(Ref::steal(PyObject_Vectorcall(exceptions().validation_error, args, 3, nullptr)),
                 std::move(cause));
}

}  // namespace fastjson::py
