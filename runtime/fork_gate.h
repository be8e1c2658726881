// The fork gate: work done without the GIL that os.fork() must not cut in half (an LLVM compile,
// loading libLLVM). A fork copies only the forking thread; a lock held at that instant by another
// thread (the JIT session's, LLVM's, the sanitizer allocator's) stays held in the child forever.
// So such work runs inside a Scope, and the at-fork hooks (python/fastjson/_worker.py) close the
// gate before fork: new Scopes wait, the ones running finish, then the process forks.
#pragma once

#include <Python.h>

namespace fastjson::fork_gate {

// Blocks while a fork is being prepared. Call without the GIL (the forking thread may need it).
void enter() noexcept;
void leave() noexcept;

class Scope {
 public:
  Scope() noexcept { enter(); }
  ~Scope() { leave(); }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
};

// _fork_gate_close() -> None: before fork (GIL held; released while it waits for running Scopes).
PyObject* py_close(PyObject* module, PyObject* unused) noexcept;
// _fork_gate_open(child, /) -> None: after fork, in the parent (child=False) or the child.
PyObject* py_open(PyObject* module, PyObject* child) noexcept;

}  // namespace fastjson::fork_gate
