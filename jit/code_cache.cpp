// The persistent code cache: entry format, atomic writes, validating reads, counters.
#include "jit/code_cache.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <llvm/Support/xxhash.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "jit/log.h"

namespace fastjson::jit {

namespace {

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
uint64_t get_u64(std::string_view in, size_t at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(uint8_t(in[at + i])) << (8 * i);
  return v;
}
uint32_t get_u32(std::string_view in, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(in[at + i])) << (8 * i);
  return v;
}
uint64_t hash64(std::string_view bytes) { return llvm::xxh3_64bits(llvm::StringRef(bytes)); }

std::string hex(uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[size_t(i)] = digits[v & 15];
  return out;
}

// Test hook: FASTJSON_CACHE_FAIL_WRITE=ENOSPC (or EIO, EROFS) makes every cache write fail with
// that error after half of the entry is written, as a full disk would (no small tmpfs here).
int test_hook_write_errno() {
  const char* value = std::getenv("FASTJSON_CACHE_FAIL_WRITE");
  if (value == nullptr) return 0;
  if (std::strcmp(value, "ENOSPC") == 0) return ENOSPC;
  if (std::strcmp(value, "EIO") == 0) return EIO;
  if (std::strcmp(value, "EROFS") == 0) return EROFS;
  return 0;
}

bool write_all(int fd, std::string_view bytes) {
  const int forced = test_hook_write_errno();
  if (forced != 0) {
    (void)!::write(fd, bytes.data(), bytes.size() / 2);
    errno = forced;
    return false;
  }
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(size_t(n));
  }
  return true;
}

// The whole file, or nullopt with errno (ENOENT: no entry) or a reason.
std::optional<std::string> read_file(const std::string& path, cache_format::Reject* reason) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *reason = errno == ENOENT || errno == ENOTDIR ? cache_format::Reject::kNone
                                                  : cache_format::Reject::kUnreadable;
    return std::nullopt;
  }
  struct stat st;
  std::optional<std::string> out;
  *reason = cache_format::Reject::kUnreadable;
  if (::fstat(fd, &st) == 0) {
    if (uint64_t(st.st_size) > cache_format::kMaxFileSize) {
      *reason = cache_format::Reject::kTooLarge;
    } else {
      std::string bytes(size_t(st.st_size), '\0');
      size_t done = 0;
      bool ok = true;
      while (done < bytes.size()) {
        const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          ok = n == 0;  // shorter than fstat said: the entry's own lengths will tell
          break;
        }
        done += size_t(n);
      }
      if (ok) {
        bytes.resize(done);
        out = std::move(bytes);
        *reason = cache_format::Reject::kNone;
      }
    }
  }
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return out;
}

}  // namespace

CacheKey CacheKey::from_material(std::string material) {
  const llvm::XXH128_hash_t h = llvm::xxh3_128bits(
      llvm::ArrayRef(reinterpret_cast<const uint8_t*>(material.data()), material.size()));
  CacheKey key;
  key.file_name = hex(h.high64) + hex(h.low64) + ".fjcode";
  key.material = std::move(material);
  return key;
}

namespace cache_format {

const char* reject_name(Reject reason) {
  switch (reason) {
    case Reject::kNone:
      return "none";
    case Reject::kTruncated:
      return "truncated";
    case Reject::kMagic:
      return "bad magic";
    case Reject::kFormat:
      return "other format version";
    case Reject::kForeignKey:
      return "foreign key";
    case Reject::kChecksum:
      return "checksum mismatch";
    case Reject::kTooLarge:
      return "too large";
    case Reject::kUnreadable:
      return "unreadable";
    case Reject::kLinkFailed:
      return "link failed";
  }
  return "?";
}

std::string encode(std::string_view key_material, std::string_view payload) {
  std::string out;
  out.reserve(kHeaderSize + key_material.size() + payload.size());
  out.append(kMagic);
  put_u32(out, kVersion);
  put_u32(out, 0);
  put_u64(out, key_material.size());
  put_u64(out, payload.size());
  put_u64(out, hash64(key_material));
  put_u64(out, hash64(payload));
  out.append(key_material);
  out.append(payload);
  return out;
}

Reject decode(std::string_view file, std::string_view key_material, std::string_view* payload) {
  if (file.size() < kMagic.size() || file.substr(0, kMagic.size()) != kMagic) {
    // A short file that starts like an entry was cut; anything else is not ours.
    return kMagic.substr(0, file.size()) == file ? Reject::kTruncated : Reject::kMagic;
  }
  if (file.size() < kHeaderSize) return Reject::kTruncated;
  if (get_u32(file, 8) != kVersion) return Reject::kFormat;
  const uint64_t key_length = get_u64(file, 16), payload_length = get_u64(file, 24);
  const uint64_t rest = file.size() - kHeaderSize;
  if (key_length > rest || payload_length > rest - key_length) return Reject::kTruncated;
  if (key_length + payload_length != rest) return Reject::kChecksum;  // trailing bytes
  const std::string_view key = file.substr(kHeaderSize, key_length);
  if (key != key_material || get_u64(file, 32) != hash64(key)) return Reject::kForeignKey;
  const std::string_view body = file.substr(kHeaderSize + key_length);
  if (get_u64(file, 40) != hash64(body)) return Reject::kChecksum;
  *payload = body;
  return Reject::kNone;
}

}  // namespace cache_format

CodeCache& CodeCache::instance() {
  static CodeCache* cache = new CodeCache();  // never destroyed: used by threads up to exit
  return *cache;
}

void CodeCache::configure(std::optional<std::string> directory, std::string runtime_identity) {
  std::lock_guard<std::mutex> lock(mutex_);
  directory_ = std::move(directory);
  runtime_identity_ = std::move(runtime_identity);
  warned_.clear();
}

bool CodeCache::enabled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return directory_.has_value();
}

std::string CodeCache::runtime_identity() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return runtime_identity_;
}

std::string CodeCache::path_of(const CacheKey& key) const {
  return *directory_ + "/" + key.file_name;
}

void CodeCache::count_reject(cache_format::Reject reason) {
  ++stats_.rejects[cache_format::reject_name(reason)];
}

void CodeCache::log_problem(const std::string& kind, const std::string& message) {
  bool first;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    first = warned_.emplace(kind, true).second;
  }
  logger().log(first ? spdlog::level::warn : spdlog::level::debug, "code cache: {}", message);
}

std::optional<std::string> CodeCache::load(const CacheKey& key) {
  std::string path;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!directory_) return std::nullopt;
    path = path_of(key);
  }
  cache_format::Reject reason = cache_format::Reject::kNone;
  std::optional<std::string> file = read_file(path, &reason);
  std::string_view payload;
  if (file) reason = cache_format::decode(*file, key.material, &payload);
  if (file && reason == cache_format::Reject::kNone) {
    // A hit makes the entry the most recently used for trim() (a read-only directory: no matter).
    ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.hits;
    logger().debug("code cache: hit {} ({} bytes)", path, payload.size());
    return std::string(payload);
  }
  if (!file && reason == cache_format::Reject::kNone) {  // no such file (or directory)
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.misses;
    logger().debug("code cache: miss {}", path);
    return std::nullopt;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    count_reject(reason);
  }
  std::string why = cache_format::reject_name(reason);
  if (reason == cache_format::Reject::kUnreadable) why += std::string(": ") + std::strerror(errno);
  // Every rejected entry is worth a warning: it is never loaded, and compiling replaces it.
  logger().warn("code cache: rejected {} ({}); compiling instead", path, why);
  return std::nullopt;
}

void CodeCache::reject_loaded(const CacheKey& key, const std::string& why) {
  std::string path;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    count_reject(cache_format::Reject::kLinkFailed);
    --stats_.hits;  // counted as a hit when read
    path = directory_ ? path_of(key) : key.file_name;
  }
  logger().warn("code cache: rejected {} (link failed: {}); compiling instead", path, why);
}

void CodeCache::store(const CacheKey& key, std::string_view object) {
  std::string directory, path, temp;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!directory_) return;
    directory = *directory_;
    path = path_of(key);
    // Unique per process and call: writers never share a temporary file.
    temp = directory + "/." + key.file_name + ".tmp." + std::to_string(::getpid()) + "." +
           std::to_string(next_temp_++);
  }
  const std::string entry = cache_format::encode(key.material, object);
  auto failed = [&](const char* step, int error) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.write_failures;
    }
    log_problem(std::string(step) + std::to_string(error),
                std::string("cannot write ") + path + " (" + step + ": " + std::strerror(error) +
                    "); the code is used without being cached");
  };
  int fd = -1;
  // Twice: the directory may be removed between creating it and opening the file in it.
  for (int attempt = 0; attempt < 2 && fd < 0; ++attempt) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec && ec != std::errc::file_exists) return failed("mkdir", ec.value());
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != ENOENT) return failed("open", errno);
  }
  if (fd < 0) return failed("open", errno);
  // No fsync: it would cost milliseconds per entry, and an entry cut short by a crash is
  // rejected by its lengths and checksum, then rewritten.
  const bool written = write_all(fd, entry);
  const int write_error = errno;
  if (::close(fd) != 0 && written) {
    const int close_error = errno;
    ::unlink(temp.c_str());
    return failed("close", close_error);
  }
  if (!written) {
    ::unlink(temp.c_str());
    return failed("write", write_error);
  }
  // rename() replaces atomically: a reader opens the old entry or the new one, never a mix.
  // Processes storing the same key race harmlessly: their entries are identical.
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int rename_error = errno;
    ::unlink(temp.c_str());
    return failed("rename", rename_error);
  }
  bool trim_now;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.writes;
    trim_now = !trimmed_ || ++writes_since_trim_ >= kTrimEvery;
    if (trim_now) {
      trimmed_ = true;
      writes_since_trim_ = 0;
    }
  }
  logger().debug("code cache: stored {} ({} bytes)", path, object.size());
  if (trim_now) trim();
}

void CodeCache::trim() {
  namespace fs = std::filesystem;
  std::string directory;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!directory_) return;
    directory = *directory_;
  }
  uint64_t limit = kDefaultMaxMb << 20;
  if (const char* mb = std::getenv("FASTJSON_CACHE_MAX_MB"); mb != nullptr && *mb != '\0') {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(mb, &end, 10);
    if (*end == '\0' && *mb != '-' && v < (uint64_t(1) << 40)) {
      limit = uint64_t(v) << 20;
    } else {
      log_problem("max_mb",
                  std::string("FASTJSON_CACHE_MAX_MB must be a number of megabytes, got '") + mb +
                      "'; using " + std::to_string(kDefaultMaxMb));
    }
  }
  struct Entry {
    int64_t mtime_ns;
    uint64_t size;
    std::string path;
  };
  std::vector<Entry> entries;
  uint64_t total = 0, stale = 0;
  const auto now = std::chrono::system_clock::now();
  std::error_code ec;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool is_entry =
        name.size() > 7 && name.front() != '.' && name.compare(name.size() - 7, 7, ".fjcode") == 0;
    const bool is_temp = name.front() == '.' && name.find(".fjcode.tmp.") != std::string::npos;
    if (!is_entry && !is_temp) continue;
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const auto mtime = std::chrono::system_clock::time_point(
        std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec));
    if (is_temp) {
      if (now - mtime > std::chrono::seconds(kStaleSeconds) && ::unlink(it->path().c_str()) == 0) {
        ++stale;
      }
      continue;
    }
    const int64_t mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    entries.push_back({mtime_ns, uint64_t(st.st_size), it->path().string()});
    total += uint64_t(st.st_size);
  }
  uint64_t evicted = 0;
  if (total > limit) {
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.mtime_ns < b.mtime_ns; });
    for (const Entry& e : entries) {
      if (total <= limit / 4 * 3) break;
      // Removed by another process meanwhile: its size is gone all the same.
      if (::unlink(e.path.c_str()) == 0 || errno == ENOENT) {
        total -= e.size;
        ++evicted;
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.evictions += evicted;
    stats_.stale_removed += stale;
  }
  if (evicted != 0 || stale != 0) {
    logger().debug(
        "code cache: trimmed {}: {} least recently used entries and {} stale temporary "
        "files removed; {} bytes of entries left (limit {})",
        directory, evicted, stale, total, limit);
  }
}

CacheStats CodeCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void CodeCache::reset_stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_ = CacheStats{};
}

namespace {

struct BuildIdSearch {
  uintptr_t base;
  std::string id;
};

int find_build_id(dl_phdr_info* info, size_t, void* data) {
  auto* search = static_cast<BuildIdSearch*>(data);
  if (uintptr_t(info->dlpi_addr) != search->base) {
    // dladdr's base is the lowest mapped address; for PIE/DSOs dlpi_addr is the load bias, equal
    // to it when the first segment starts at vaddr 0 (always for the DSOs g++ links).
    bool contains = false;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
      const ElfW(Phdr)& ph = info->dlpi_phdr[i];
      if (ph.p_type == PT_LOAD && info->dlpi_addr + ph.p_vaddr == search->base) contains = true;
    }
    if (!contains) return 0;
  }
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    const char* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
      const char* name = p + sizeof(ElfW(Nhdr));
      const char* desc = name + ((note->n_namesz + 3) & ~3u);
      if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
          std::memcmp(name, "GNU", 4) == 0 && desc + note->n_descsz <= end) {
        static const char digits[] = "0123456789abcdef";
        for (size_t k = 0; k < note->n_descsz; ++k) {
          const auto byte = uint8_t(desc[k]);
          search->id += digits[byte >> 4];
          search->id += digits[byte & 15];
        }
        return 1;
      }
      p = desc + ((note->n_descsz + 3) & ~3u);
    }
  }
  return 1;  // the right object, without a build id
}

}  // namespace

const std::string& generator_identity() {
  static const std::string identity = [] {
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void*>(&generator_identity), &info) == 0) return std::string();
    BuildIdSearch search{reinterpret_cast<uintptr_t>(info.dli_fbase), {}};
    ::dl_iterate_phdr(&find_build_id, &search);
    if (!search.id.empty()) return "build-id " + search.id;
    cache_format::Reject ignored;
    std::optional<std::string> file =
        info.dli_fname ? read_file(info.dli_fname, &ignored) : std::nullopt;
    return file ? "file-hash " + hex(hash64(*file)) : std::string();
  }();
  return identity;
}

}  // namespace fastjson::jit
