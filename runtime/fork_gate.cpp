// See fork_gate.h. One counter of running Scopes and one of forks being prepared, under a mutex.
#include "runtime/fork_gate.h"

#include <condition_variable>
#include <mutex>

namespace fastjson::fork_gate {
namespace {

struct Gate {
  std::mutex mutex;
  std::condition_variable changed;
  int running = 0;  // Scopes inside
  int closing = 0;  // forks being prepared (several threads may fork at once)
};

// Replaced (the old one leaked) in a forked child: a thread that held the mutex, or waited on the
// condition variable, at the fork does not exist there, and glibc's condition variables do not
// survive waiters that vanished.
Gate* g_gate = new Gate();

}  // namespace

void enter() noexcept {
  Gate& g = *g_gate;
  std::unique_lock lock(g.mutex);
  g.changed.wait(lock, [&] { return g.closing == 0; });
  ++g.running;
}

void leave() noexcept {
  Gate& g = *g_gate;
  {
    std::lock_guard lock(g.mutex);
    --g.running;
  }
  g.changed.notify_all();
}

PyObject* py_close(PyObject*, PyObject*) noexcept {
  Gate& g = *g_gate;
  Py_BEGIN_ALLOW_THREADS  // a running Scope may be waiting for the GIL to finish its work
  {
    std::unique_lock lock(g.mutex);
    ++g.closing;
    g.changed.wait(lock, [&] { return g.running == 0; });
  }
  Py_END_ALLOW_THREADS
  Py_RETURN_NONE;
}

PyObject* py_open(PyObject*, PyObject* child) noexcept {
  const int is_child = PyObject_IsTrue(child);
  if (is_child < 0) return nullptr;
  if (is_child) {
    g_gate = new Gate();  // no Scope runs here: the threads that ran them were not copied
    Py_RETURN_NONE;
  }
  Gate& g = *g_gate;
  {
    std::lock_guard lock(g.mutex);
    --g.closing;
  }
  g.changed.notify_all();
  Py_RETURN_NONE;
}

}  // namespace fastjson::fork_gate
