// The transparent shape JIT's table, its give-up rule for shapes that never repeat, the job queue
// the worker drains, and the counters behind fastjson.jit_stats().
#include "runtime/shape_table.h"

#include <dlfcn.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/compiled_encoder.h"
#include "runtime/cpython_dict.h"
#include "runtime/encoder.h"
#include "runtime/fork_gate.h"
#include "runtime/log_level.h"
#include "runtime/py_ref.h"

namespace fastjson::encode::shapes {

HookState g_hook;

namespace {

using py::Ref;

// Dicts with more keys are maps (ids as keys) rather than records: not observed, and hashing
// them would cost more than the 3% budget allows.
constexpr Py_ssize_t kMaxKeys = 64;
// The give-up rule: over a window of observed calls, when at least half brought a shape never
// seen before, the workload's shapes do not repeat: stop inserting, and observe only one call in
// kGiveUpSampling to notice when that changes (a window of samples with mostly known shapes:
// known to the table, or seen in Table::recent, the ring of recent samples).
constexpr uint32_t kWindow = 1024;
constexpr uint32_t kGiveUpWindow = 64;
constexpr uint32_t kGiveUpSampling = 256;
// A compiled shape must earn its place: its first 2 * Config::trials calls alternate between the
// compiled and the generic encoder, timed, and the compiled code stays only if its fastest call is
// at least 3% faster than the generic path's fastest (the minimum: other processes' load and cold
// caches only ever add time, so the fastest of each side is the closest to its real cost). (Objects
// with optional keys or string-heavy records can run slower compiled than generic: measured on
// twitter.json and github.json.) Interleaving makes machine noise hit both.

enum class State : uint8_t {
  kObserving,  // counting calls
  kQueued,     // hot: waiting for the worker
  kAttached,   // the worker made its encoder and is compiling it
  kTrial,      // compiled: timed against the generic encoder (kTrials calls each)
  kReady,      // compiled and faster: calls run the encoder
  kFailed,     // the compile failed: generic for good (until evicted)
  kDeclined,   // compiled but not faster than the generic encoder: generic for good
};

void set_filter(unsigned bit) {
  g_hook.ready_filter[bit / 64] |= uint64_t(1) << (bit % 64);
  g_hook.any_ready = true;
}
void clear_filter() {
  std::fill(std::begin(g_hook.ready_filter), std::end(g_hook.ready_filter), 0);
  g_hook.any_ready = false;
}

struct TrialTimes {
  std::array<int64_t, kMaxTrials> jit_ns{};
  std::array<int64_t, kMaxTrials> generic_ns{};
};

struct Entry {
  uint32_t count = 0;
  uint8_t filter_bit = 0;  // see HookState::ready_filter
  State state = State::kObserving;
  uint64_t last_used = 0;
  uint64_t job = 0;
  Ref encoder;  // kAttached, kTrial, kReady
  uint32_t trials = 0;
  // Only while on trial: 1 KB that every other entry (most of them, count-1 shapes of a
  // workload that never repeats) would otherwise carry through inserts and eviction scans.
  std::unique_ptr<TrialTimes> times;
};

struct Job {
  uint64_t id;
  uint64_t hash;
  Ref sample;  // the value that made the shape hot, for the worker's inference
};

struct Stats {
  uint64_t observed_calls = 0;
  uint64_t shapes_seen = 0;
  uint64_t compiled = 0;
  uint64_t compile_failures = 0;
  uint64_t declined = 0;
  uint64_t hits = 0;
  uint64_t guard_failures = 0;
  uint64_t evictions = 0;
  uint64_t give_ups = 0;
  uint64_t code_bytes = 0;
  std::vector<double> compile_ms;
};

// A direct-mapped cache in front of the map: a repeating shape costs one probe, and after giving
// up, calls that are not sampled look only here (compiled shapes are always cached), so a shape
// that is not known costs no map lookup (unordered_map's find measured ~9% of a 0.6 us dumps).
constexpr size_t kCacheSlots = 256;
struct Slot {
  uint64_t hash = 0;
  Entry* entry = nullptr;
};

struct Table {
  Config config;
  std::unordered_map<uint64_t, Entry> entries;  // node-based: Entry addresses are stable
  std::array<Slot, kCacheSlots> cache;
  std::array<uint64_t, 64> recent{};  // while given up: hashes of recent sampled shapes
  std::deque<Job> jobs;
  Ref worker;  // python/fastjson/_transparent.py's kick function
  bool worker_running = false;
  uint64_t tick = 0;
  uint64_t next_job = 1;
  uint32_t window_calls = 0;
  uint32_t window_new = 0;
  Stats stats;
};

Table& table() {
  static Table* t = new Table();  // never freed: outlives module teardown, holds references
  return *t;
}

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    std::shared_ptr<spdlog::logger> log = spdlog::get("fastjson.shapes");
    if (!log) log = spdlog::stderr_color_mt("fastjson.shapes");
    log->set_level(log_level_from_env());
    log->set_pattern("[%n] [%l] %v");
    return log;
  }();
  return *instance;
}

inline uint64_t mix(uint64_t h, uint64_t v) noexcept {
  // FNV-style step on whole words, then a final avalanche below: shape keys only need to tell a
  // handful of live shapes apart; a collision costs speed (guards fail), never bytes.
  return (h ^ v) * 0x100000001b3ULL;
}

inline uint64_t finish_hash(uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

std::optional<uint64_t> dict_hash(PyObject* dict) noexcept {
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
  const Py_ssize_t used = PyDict_GET_SIZE(dict);
  if (used > kMaxKeys) return std::nullopt;
  Py_ssize_t n;
  const cpython::DictUnicodeEntry311* e = cpython::str_key_entries(dict, &n);
  if (e == nullptr) return std::nullopt;  // split tables, keys other than str
  uint64_t h = 0xcbf29ce484222325ULL ^ uint64_t(used);
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (e[i].value == nullptr) continue;
    // Unicode tables hold only str keys, whose hash the dict computed on insertion.
    h = mix(h, uint64_t(reinterpret_cast<PyASCIIObject*>(e[i].key)->hash));
  }
  return finish_hash(h);
#else
  (void)dict;
  return std::nullopt;
#endif
}

void log_eviction(uint64_t hash, const Entry& entry) {
  static const char* const names[] = {"observing", "queued", "compiling", "on trial",
                                      "compiled",  "failed", "declined"};
  logger().debug("evicted shape {:016x} ({}, {} calls)", hash, names[int(entry.state)],
                 entry.count);
}

// Evicts `count` entries: the least recently used shapes that are not compiled, then, when every
// shape is, the least recently used of all. One O(capacity) scan per call, so a full table makes
// room for capacity / 8 new shapes at once (evict_for_insert): a scan per insert touched all 64
// nodes for each new shape, and in a process with a large heap they miss the cache (~2% of a
// workload of new shapes, measured before given-up samples stopped inserting).
void evict(Table& t, size_t count) {
  std::vector<std::pair<std::pair<bool, uint64_t>, uint64_t>> order;  // ((ready, last used), hash)
  order.reserve(t.entries.size());
  for (const auto& [hash, entry] : t.entries) {
    order.push_back({{entry.state == State::kReady, entry.last_used}, hash});
  }
  count = std::min(count, order.size());
  std::nth_element(order.begin(), order.begin() + ptrdiff_t(count), order.end());
  // The encoders (and their code) may still be running further up the stack (run_shape_encoder
  // holds a reference while it runs): moved out, and released once the table is consistent.
  std::vector<Ref> released;
  bool was_ready = false;
  for (size_t i = 0; i < count; ++i) {
    const auto victim = t.entries.find(order[i].second);
    log_eviction(victim->first, victim->second);
    was_ready |= victim->second.state == State::kReady;
    ++t.stats.evictions;
    released.push_back(std::move(victim->second.encoder));
    Slot& slot = t.cache[victim->first % kCacheSlots];
    if (slot.entry == &victim->second) slot = Slot();
    t.entries.erase(victim);
  }
  if (was_ready) {
    clear_filter();
    for (const auto& [hash, entry] : t.entries) {
      if (entry.state == State::kReady) set_filter(entry.filter_bit);
    }
  }
}

void evict_for_insert(Table& t) {
  if (t.entries.size() >= t.config.max_shapes) {
    evict(t, std::max<size_t>(t.entries.size() + 1 - t.config.max_shapes, t.config.max_shapes / 8));
  }
}

void call_worker(Table& t, bool now) {
  if (!t.worker) return;
  if (!now) {
    if (t.worker_running) return;
    t.worker_running = true;
  }
  // At the top of dumps, before anything is encoded: running Python code here is safe.
  Ref result = Ref::steal(PyObject_CallOneArg(t.worker.get(), now ? Py_True : Py_False));
  if (!result) {
    if (!now) t.worker_running = false;
    logger().warn("the shape compiler could not start; shapes stay on the generic path");
    PyErr_WriteUnraisable(t.worker.get());
  }
}

void enqueue(Table& t, uint64_t hash, Entry& entry, PyObject* sample) {
  entry.state = State::kQueued;
  entry.job = t.next_job++;
  t.jobs.push_back(Job{entry.job, hash, Ref::borrow(sample)});
  logger().debug("shape {:016x} hot after {} calls: queued for compiling", hash, entry.count);
}

void end_window(Table& t) {
  const uint32_t window = g_hook.gave_up ? kGiveUpWindow : kWindow;
  if (t.window_calls < window) return;
  const bool never_repeats = t.window_new * 2 >= t.window_calls;
  if (never_repeats && !g_hook.gave_up) {
    g_hook.gave_up = true;
    ++t.stats.give_ups;
    logger().debug("shapes do not repeat ({} new in {} calls): observing 1 call in {}",
                   t.window_new, t.window_calls, kGiveUpSampling);
  } else if (!never_repeats && g_hook.gave_up) {
    g_hook.gave_up = false;
    logger().debug("shapes repeat again: observing every call");
  }
  t.window_calls = 0;
  t.window_new = 0;
}

int64_t fastest(const std::array<int64_t, kMaxTrials>& v, uint32_t n) {
  return *std::min_element(v.begin(), v.begin() + n);
}

void keep_compiled(Table& t, uint64_t hash, Entry& entry) {
  entry.state = State::kReady;
  set_filter(entry.filter_bit);
  t.cache[hash % kCacheSlots] = Slot{hash, &entry};  // compiled shapes are found without the map
}

// One call of a shape on trial: alternately compiled and generic, timed; after the last, the
// verdict. The bytes are the same either way.
bool run_trial(Table& t, uint64_t hash, Entry& entry, PyObject* obj, PyObject** out) {
  using Clock = std::chrono::steady_clock;
  const bool compiled = entry.trials % 2 == 0;
  const auto start = Clock::now();
  if (compiled) {
    if (!run_shape_encoder(entry.encoder.get(), obj, out)) return false;
  } else {
    *out = generic_dumps(obj, Options{});
  }
  const int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  if (*out == nullptr) return true;  // an error: not a timing
  (compiled ? entry.times->jit_ns : entry.times->generic_ns)[entry.trials / 2] = ns;
  if (compiled) ++t.stats.hits;
  const uint32_t n = std::min(t.config.trials, kMaxTrials);
  if (++entry.trials < 2 * n) return true;
  const int64_t jit = fastest(entry.times->jit_ns, n),
                generic = fastest(entry.times->generic_ns, n);
  entry.times.reset();
  // Ties go to the generic path.
  if (jit * 100 < generic * 97) {
    keep_compiled(t, hash, entry);
    logger().debug("shape {:016x} compiled: {:.1f} us per call, generic {:.1f} us", hash, jit / 1e3,
                   generic / 1e3);
  } else {
    entry.state = State::kDeclined;
    ++t.stats.declined;
    // Moved out first: the release may run code (the encoder's owners) that looks at the table.
    Ref encoder = std::move(entry.encoder);
    logger().debug("shape {:016x} declined: compiled {:.1f} us per call, generic {:.1f} us", hash,
                   jit / 1e3, generic / 1e3);
  }
  return true;
}

bool read_u32(PyObject* arg, uint32_t& out, uint32_t min, const char* name,
              uint32_t max = 1 << 24) {
  if (arg == Py_None) return true;
  if (!PyLong_Check(arg) || PyBool_Check(arg)) {
    PyErr_Format(PyExc_TypeError, "%s must be an int, not %.200s", name, Py_TYPE(arg)->tp_name);
    return false;
  }
  const long long v = PyLong_AsLongLong(arg);
  if (v == -1 && PyErr_Occurred()) {
    if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return false;
    PyErr_Clear();
  }
  if (v < min || v > max) {
    PyErr_Format(PyExc_ValueError, "%s must be between %u and %u, got %S", name, min, max, arg);
    return false;
  }
  out = uint32_t(v);
  return true;
}

bool read_bool(PyObject* arg, bool& out) {
  if (arg == Py_None) return true;
  const int v = PyObject_IsTrue(arg);
  if (v < 0) return false;
  out = v != 0;
  return true;
}

Entry* find_job(Table& t, uint64_t job, uint64_t* hash_out = nullptr) {
  for (auto& [hash, entry] : t.entries) {
    if (entry.job != job) continue;
    if (hash_out != nullptr) *hash_out = hash;
    return &entry;
  }
  return nullptr;
}

}  // namespace

std::optional<uint64_t> shape_hash(PyObject* obj) noexcept {
  PyTypeObject* type = Py_TYPE(obj);
  if (type == &PyDict_Type) return dict_hash(obj);
  if (type == &PyList_Type && PyList_GET_SIZE(obj) > 0) {
    PyObject* first = PyList_GET_ITEM(obj, 0);
    if (!Py_IS_TYPE(first, &PyDict_Type)) return std::nullopt;
    const std::optional<uint64_t> item = dict_hash(first);
    if (!item) return std::nullopt;
    return finish_hash(mix(*item, 0x6c697374ULL));  // "list"
  }
  return std::nullopt;
}

namespace {

// Compiled shapes keep their slot: after giving up, unsampled calls find them only there.
void cache_slot(Slot& slot, uint64_t hash, Entry* entry) noexcept {
  if (slot.entry == nullptr || slot.entry->state != State::kReady) slot = Slot{hash, entry};
}

}  // namespace

bool dumps_hook(PyObject* obj, PyObject** out, bool sampled) noexcept {
  Table& t = table();
  const std::optional<uint64_t> hash = shape_hash(obj);
  if (!hash) return false;
  if (sampled) g_hook.countdown = kGiveUpSampling - 1;
  Slot& slot = t.cache[*hash % kCacheSlots];
  Entry* found = slot.entry != nullptr && slot.hash == *hash ? slot.entry : nullptr;
  if (found == nullptr && sampled) {
    auto it = t.entries.find(*hash);
    if (it != t.entries.end()) {
      found = &it->second;
      cache_slot(slot, *hash, found);
    }
  }
  if (found != nullptr) {
    Entry& entry = *found;
    entry.last_used = ++t.tick;
    if (sampled) {
      ++t.window_calls;  // a known shape: counts towards observing every call again
      end_window(t);
    }
    if (entry.state == State::kReady) {
      if (run_shape_encoder(entry.encoder.get(), obj, out)) {
        ++t.stats.hits;
        return true;
      }
      return false;
    }
    if (entry.state == State::kTrial) return run_trial(t, *hash, entry, obj, out);
    if (!sampled) return false;
    ++t.stats.observed_calls;
    if (entry.state == State::kObserving && ++entry.count >= t.config.threshold) {
      enqueue(t, *hash, entry, obj);
      call_worker(t, !t.config.background);
    }
    return false;
  }
  if (!sampled) return false;
  ++t.stats.observed_calls;
  ++t.window_calls;
  if (g_hook.gave_up) {
    // Given up, a sampled shape the table does not know goes into the ring of recent samples,
    // not into the table: a shape found there again is a repeat, enough to notice when shapes
    // repeat again, and shapes that never do cost no insert and no eviction.
    uint64_t& recent = t.recent[*hash % t.recent.size()];
    if (recent != *hash) {
      recent = *hash;
      ++t.window_new;
      ++t.stats.shapes_seen;
    }
    end_window(t);
    return false;
  }
  ++t.window_new;
  end_window(t);
  evict_for_insert(t);
  Entry& entry = t.entries[*hash];
  cache_slot(t.cache[*hash % kCacheSlots], *hash, &entry);
  entry.filter_bit = uint8_t(filter_bit(obj));  // < 256: shape_hash accepted obj
  ++t.stats.shapes_seen;
  entry.count = 1;
  entry.last_used = ++t.tick;
  if (entry.count >= t.config.threshold) {
    enqueue(t, *hash, entry, obj);
    call_worker(t, !t.config.background);
  }
  return false;
}

void count_guard_failure() noexcept { ++table().stats.guard_failures; }

PyObject* py_configure(PyObject*, PyObject* const* args, Py_ssize_t nargs) noexcept {
  if (nargs != 6) {
    PyErr_Format(PyExc_TypeError, "_shape_configure() takes exactly 6 arguments (%zd given)",
                 nargs);
    return nullptr;
  }
  Table& t = table();
  Config c = t.config;
  if (!read_bool(args[0], c.enabled) || !read_u32(args[1], c.threshold, 1, "threshold") ||
      !read_u32(args[2], c.max_shapes, 1, "max_shapes") || !read_bool(args[3], c.background) ||
      !read_u32(args[4], c.trials, 0, "trials", kMaxTrials)) {
    return nullptr;
  }
  if (args[5] != Py_None) {
    if (!PyCallable_Check(args[5])) {
      PyErr_SetString(PyExc_TypeError, "worker must be callable");
      return nullptr;
    }
    t.worker = Ref::borrow(args[5]);
  }
  t.config = c;
  g_hook.observing = c.enabled;
  if (t.entries.size() > t.config.max_shapes) evict(t, t.entries.size() - t.config.max_shapes);
  return Py_BuildValue("{s:O,s:I,s:I,s:O,s:I}", "jit", c.enabled ? Py_True : Py_False, "threshold",
                       c.threshold, "max_shapes", c.max_shapes, "background",
                       c.background ? Py_True : Py_False, "trials", c.trials);
}

PyObject* py_stats(PyObject*, PyObject*) noexcept {
  Table& t = table();
  const Stats& s = t.stats;
  std::vector<double> ms = s.compile_ms;
  std::sort(ms.begin(), ms.end());
  double total = 0;
  for (double v : ms) total += v;
  const double median =
      ms.empty()
          ? 0.0
          : (ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2);
  const double max = ms.empty() ? 0.0 : ms.back();
  size_t pending = t.jobs.size();
  for (const auto& [hash, entry] : t.entries) pending += entry.state == State::kAttached ? 1 : 0;
  return Py_BuildValue(
      "{s:K,s:K,s:n,s:K,s:K,s:K,s:K,s:K,s:K,s:n,s:K,s:O,s:d,s:d,s:d,s:K}", "observed_calls",
      (unsigned long long)s.observed_calls, "shapes_observed", (unsigned long long)s.shapes_seen,
      "shapes_live", Py_ssize_t(t.entries.size()), "compiled", (unsigned long long)s.compiled,
      "compile_failures", (unsigned long long)s.compile_failures, "declined",
      (unsigned long long)s.declined, "hits", (unsigned long long)s.hits, "guard_failures",
      (unsigned long long)s.guard_failures, "evictions", (unsigned long long)s.evictions, "pending",
      Py_ssize_t(pending), "give_ups", (unsigned long long)s.give_ups, "gave_up",
      g_hook.gave_up ? Py_True : Py_False, "compile_ms_total", total, "compile_ms_median", median,
      "compile_ms_max", max, "code_bytes", (unsigned long long)s.code_bytes);
}

PyObject* py_reset(PyObject*, PyObject*) noexcept {
  Table& t = table();
  // Moved out before release: an encoder's release must find the table consistent.
  auto entries = std::move(t.entries);
  auto jobs = std::move(t.jobs);
  t.entries.clear();
  t.jobs.clear();
  t.cache.fill(Slot());
  t.recent.fill(0);
  t.stats = Stats();
  clear_filter();
  g_hook.gave_up = false;
  g_hook.countdown = 0;
  t.window_calls = 0;
  t.window_new = 0;
  Py_RETURN_NONE;
}

PyObject* py_take_job(PyObject*, PyObject*) noexcept {
  Table& t = table();
  while (!t.jobs.empty()) {
    Job job = std::move(t.jobs.front());
    t.jobs.pop_front();
    auto it = t.entries.find(job.hash);
    if (it == t.entries.end() || it->second.job != job.id) continue;  // evicted meanwhile
    it->second.state = State::kAttached;
    return Py_BuildValue("(KO)", (unsigned long long)job.id, job.sample.get());
  }
  // Under the GIL, so a shape that becomes hot after this starts a new worker.
  t.worker_running = false;
  Py_RETURN_NONE;
}

PyObject* py_attach(PyObject*, PyObject* const* args, Py_ssize_t nargs) noexcept {
  if (nargs != 3) {
    PyErr_SetString(PyExc_TypeError, "_shape_attach(job, nodes, root, /)");
    return nullptr;
  }
  const unsigned long long job = PyLong_AsUnsignedLongLong(args[0]);
  if (job == (unsigned long long)-1 && PyErr_Occurred()) return nullptr;
  Ref encoder = Ref::steal(make_shape_encoder(args[1], args[2]));
  if (!encoder) return nullptr;
  Entry* entry = find_job(table(), job);
  if (entry == nullptr) Py_RETURN_NONE;
  entry->encoder = Ref::borrow(encoder.get());
  return encoder.release();
}

PyObject* py_compiled(PyObject*, PyObject* const* args, Py_ssize_t nargs) noexcept {
  if (nargs != 4) {
    PyErr_SetString(PyExc_TypeError, "_shape_compiled(job, ok, ms, code_bytes, /)");
    return nullptr;
  }
  const unsigned long long job = PyLong_AsUnsignedLongLong(args[0]);
  const int ok = PyObject_IsTrue(args[1]);
  const double ms = PyFloat_AsDouble(args[2]);
  const unsigned long long bytes = PyLong_AsUnsignedLongLong(args[3]);
  if (PyErr_Occurred()) return nullptr;
  Table& t = table();
  if (ok) {
    ++t.stats.compiled;
    t.stats.compile_ms.push_back(ms);
    t.stats.code_bytes += bytes;
  } else {
    ++t.stats.compile_failures;
  }
  uint64_t hash = 0;
  Entry* entry = find_job(t, job, &hash);
  if (entry == nullptr) Py_RETURN_NONE;  // evicted while compiling: the code is dropped
  if (ok && entry->encoder) {
    entry->trials = 0;
    if (t.config.trials == 0) {
      keep_compiled(t, hash, *entry);
    } else {
      entry->times = std::make_unique<TrialTimes>();
      entry->state = State::kTrial;
    }
    logger().debug("shape job {} compiled in {:.2f} ms ({} bytes of code)", job, ms, bytes);
  } else {
    entry->state = State::kFailed;
    entry->encoder = Ref();
  }
  Py_RETURN_NONE;
}

PyObject* py_resume(PyObject*, PyObject* child) noexcept {
  const int is_child = PyObject_IsTrue(child);
  if (is_child < 0) return nullptr;
  Table& t = table();
  // In the parent the worker lives on and resumes the job it had (its compile waited at the fork
  // gate): nothing to do. In the child that worker is gone: attached entries, whose compile will
  // never finish, go back to observing, and queued jobs get a new worker.
  if (!is_child) Py_RETURN_NONE;
  t.worker_running = false;
  for (auto& [hash, entry] : t.entries) {
    if (entry.state == State::kAttached) {
      entry.state = State::kObserving;
      entry.encoder = Ref();
      entry.count = 0;
    }
  }
  if (!t.jobs.empty()) call_worker(t, false);
  Py_RETURN_NONE;
}

PyObject* py_preload(PyObject*, PyObject* const* args, Py_ssize_t nargs) noexcept {
  if (nargs != 1 || !PyUnicode_Check(args[0])) {
    PyErr_SetString(PyExc_TypeError, "_shape_preload(path: str, /)");
    return nullptr;
  }
  const char* path = PyUnicode_AsUTF8(args[0]);
  if (path == nullptr) return nullptr;
  void* handle;
  Py_BEGIN_ALLOW_THREADS {
    fork_gate::Scope loading;  // dlopen's locks must not be copied held into a forked child
    // The flags Python's own import uses (RTLD_NOW, local): the import later finds it loaded. The
    // handle is kept: the module stays loaded for the process anyway.
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  }
  Py_END_ALLOW_THREADS
  if (handle == nullptr) {
    PyErr_Format(PyExc_ImportError, "cannot load %s: %s", path, dlerror());
    return nullptr;
  }
  Py_RETURN_NONE;
}

}  // namespace fastjson::encode::shapes
