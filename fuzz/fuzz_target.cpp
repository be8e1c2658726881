// One libFuzzer target per check in tests/fuzz/harness.py (FASTJSON_FUZZ_CHECK names it): the
// interpreter is embedded, the extension modules are linked in (instrumented), and a failed check
// or a Python error aborts, so libFuzzer records the input as a crash.
#include <Python.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>

extern "C" PyObject* PyInit__fastjson();
#if FASTJSON_FUZZ_WITH_JIT
extern "C" PyObject* PyInit__jit();
#endif

namespace {

PyObject* g_check = nullptr;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "fuzz target: %s\n", what);
  if (PyErr_Occurred()) PyErr_Print();
  std::abort();
}

// Registers a statically linked extension module under its package name, so `import fastjson`
// (the real package's .py files) finds it in sys.modules and never loads a built .so.
void register_module(const char* name, PyObject* (*init)()) {
  PyObject* module = init();
  if (module == nullptr) die(name);
  PyObject* modules = PyImport_GetModuleDict();
  if (PyDict_SetItemString(modules, name, module) < 0) die(name);
  Py_DECREF(module);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.install_signal_handlers = 0;  // libFuzzer owns SIGINT/SIGSEGV reporting
  config.parse_argv = 0;
  PyStatus status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) die("Py_InitializeFromConfig failed");
  register_module("fastjson._fastjson", PyInit__fastjson);
#if FASTJSON_FUZZ_WITH_JIT
  register_module("fastjson._jit", PyInit__jit);
#endif
  PyObject* sys_path = PySys_GetObject("path");  // borrowed
  for (const char* dir : {FASTJSON_SOURCE_DIR "/python", FASTJSON_SOURCE_DIR "/tests/fuzz"}) {
    PyObject* entry = PyUnicode_FromString(dir);
    if (entry == nullptr || PyList_Insert(sys_path, 0, entry) < 0) die("sys.path");
    Py_DECREF(entry);
  }
  // The import system sets a submodule as its package's attribute; ours bypassed it, and the JIT
  // finds the runtime's capsule by attribute (fastjson._fastjson._C_API).
  PyObject* package = PyImport_ImportModule("fastjson");
  if (package == nullptr) die("import fastjson");
  for (const char* name : {"_fastjson", "_jit"}) {
    std::string full = std::string("fastjson.") + name;
    PyObject* module = PyDict_GetItemString(PyImport_GetModuleDict(), full.c_str());  // borrowed
    if (module != nullptr && PyObject_SetAttrString(package, name, module) < 0) die(name);
  }
  Py_DECREF(package);
  PyObject* harness = PyImport_ImportModule("harness");
  if (harness == nullptr) die("import harness");
  PyObject* checks = PyObject_GetAttrString(harness, "CHECKS");
  if (checks == nullptr) die("harness.CHECKS");
  g_check = PyDict_GetItemString(checks, FASTJSON_FUZZ_CHECK);  // borrowed, kept alive by CHECKS
  if (g_check == nullptr) die("no such check: " FASTJSON_FUZZ_CHECK);
  Py_INCREF(g_check);
  Py_DECREF(checks);
  Py_DECREF(harness);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  PyObject* bytes = PyBytes_FromStringAndSize(reinterpret_cast<const char*>(data), Py_ssize_t(size));
  if (bytes == nullptr) die("PyBytes_FromStringAndSize");
  PyObject* result = PyObject_CallOneArg(g_check, bytes);
  Py_DECREF(bytes);
  if (result == nullptr) die("check failed");  // AssertionError or anything unexpected
  Py_DECREF(result);
  return 0;
}
