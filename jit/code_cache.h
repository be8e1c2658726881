// The persistent code cache: object files of compiled encoders on disk, one file per key, shared
// by every process that uses the same directory. Keys are derived from everything that shapes the
// machine code (jit/compile.cpp, cache_key); this file holds the entry format and the file system
// work, and never trusts what it reads: any doubt is a miss, logged with its reason.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace fastjson::jit {

// What a cache file is looked up by: the full key material (stored in the entry and compared
// byte for byte, so a hash collision or a file from another build cannot be loaded) and the file
// name derived from it (a hash).
struct CacheKey {
  std::string material;
  std::string file_name;
  static CacheKey from_material(std::string material);
};

// The entry format: a fixed header, the key material, the object file.
//   magic "FJCODE\0\n" | u32 format | u32 0 | u64 key length | u64 payload length |
//   u64 xxh3 of the key material | u64 xxh3 of the payload     (little-endian, 48 bytes)
// A reader checks every field against the file's size and its own key before using the payload.
namespace cache_format {
inline constexpr std::string_view kMagic{"FJCODE\0\n", 8};
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kHeaderSize = 48;
// Files beyond this are not read (an object file of the largest shapes is ~1 MB).
inline constexpr uint64_t kMaxFileSize = uint64_t(64) << 20;

enum class Reject : uint8_t {
  kNone,
  kTruncated,   // shorter than its header says (or than a header)
  kMagic,       // not a fastjson cache entry
  kFormat,      // another entry format version
  kForeignKey,  // made for other key material (another schema, build, CPU, ...)
  kChecksum,    // payload bytes differ from what was written
  kTooLarge,
  kUnreadable,  // I/O error other than "no such file"
  kLinkFailed,  // valid entry whose object did not link here
};
const char* reject_name(Reject reason);  // "truncated", "bad magic", ... (stats and logs)

std::string encode(std::string_view key_material, std::string_view payload);
// The payload of `file` when it is a valid entry for `key_material`, else the reason.
Reject decode(std::string_view file, std::string_view key_material, std::string_view* payload);
}  // namespace cache_format

struct CacheStats {
  uint64_t hits = 0, misses = 0, writes = 0, write_failures = 0;
  uint64_t evictions = 0;      // entries removed by trim() to keep the directory under its limit
  uint64_t stale_removed = 0;  // temporary files of writers that died mid-write, removed by trim()
  std::map<std::string, uint64_t> rejects;  // by reject_name
};

// The process's cache directory and counters. Thread-safe; does file I/O, so callers hold no GIL.
class CodeCache {
 public:
  static CodeCache& instance();

  // The directory (created on first write), or nullopt to switch the cache off. `runtime_identity`
  // names the interpreter and package (fastjson.__version__, sys.implementation.cache_tag,
  // sys.version): part of every key.
  void configure(std::optional<std::string> directory, std::string runtime_identity);
  bool enabled() const;
  std::string runtime_identity() const;

  // The object file stored under `key`, or nullopt (no entry, or one rejected: logged, counted).
  std::optional<std::string> load(const CacheKey& key);
  // Stores `object` under `key`: written to a temporary file in the directory, then renamed over
  // the entry, so readers see a whole file or none. Failures (read-only or full file system,
  // directory removed) are logged and counted; the caller goes on with the code it has.
  void store(const CacheKey& key, std::string_view object);
  // A loaded entry was unusable after all (its object did not link).
  void reject_loaded(const CacheKey& key, const std::string& why);

  // Keeps the directory bounded; store() runs it after its first write in a process, then after
  // every kTrimEvery writes. Removes temporary files older than kStaleSeconds (their writer died:
  // a live one renames within milliseconds) and, when the entries' total size exceeds the limit
  // (FASTJSON_CACHE_MAX_MB, default kDefaultMaxMb), the least recently used entries (oldest
  // modification time: a hit refreshes it) until the total is at most 3/4 of the limit. Other
  // files in the directory are never touched. Concurrent trims and readers are safe: an entry
  // removed under a reader is a miss, and the code is compiled again.
  void trim();
  static constexpr uint64_t kTrimEvery = 32;
  static constexpr int64_t kStaleSeconds = 3600;
  static constexpr uint64_t kDefaultMaxMb = 256;

  CacheStats stats() const;
  void reset_stats();

 private:
  std::string path_of(const CacheKey& key) const;  // under mutex_
  void count_reject(cache_format::Reject reason);
  // Logs at warning the first time a kind of problem shows up, later at debug: a read-only cache
  // directory must not write a warning per compile.
  void log_problem(const std::string& kind, const std::string& message);

  mutable std::mutex mutex_;
  std::optional<std::string> directory_;
  std::string runtime_identity_;
  CacheStats stats_;
  std::map<std::string, bool> warned_;
  uint64_t next_temp_ = 0;
  uint64_t writes_since_trim_ = 0;
  bool trimmed_ = false;  // trim() ran in this process
};

// Identifies the machine code generator itself: the GNU build id of the binary holding this
// function (fastjson._jit), or a hash of that file when it has none. Any change to the emitter
// changes it, so no entry written by another build is ever loaded.
const std::string& generator_identity();

}  // namespace fastjson::jit
