// The code cache's entry format and its file handling alone: an entry is only ever handed back
// whole, for the exact key it was written with; everything else is a named rejection.
// (Compiled only into fastjson_jit_tests, like the other test_jit*.cpp files.)
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "jit/code_cache.h"

namespace fastjson::jit {
namespace {

using cache_format::Reject;

const std::string kKey = "key material: schema, build, cpu";
const std::string kObject = std::string(
                                "\x7f"
                                "ELF",
                                4) +
                            std::string(300, 'x');

Reject decode(const std::string& file, const std::string& key = kKey) {
  std::string_view payload;
  const Reject reason = cache_format::decode(file, key, &payload);
  if (reason == Reject::kNone) {
    EXPECT_EQ(payload, kObject);
  }
  return reason;
}

TEST(JitCodeCache, EntryRoundTrips) {
  const std::string entry = cache_format::encode(kKey, kObject);
  EXPECT_EQ(entry.size(), cache_format::kHeaderSize + kKey.size() + kObject.size());
  EXPECT_EQ(entry.substr(0, 8), std::string("FJCODE\0\n", 8));
  EXPECT_EQ(decode(entry), Reject::kNone);
}

TEST(JitCodeCache, EveryDamageIsNamed) {
  const std::string entry = cache_format::encode(kKey, kObject);
  EXPECT_EQ(decode(""), Reject::kTruncated);
  EXPECT_EQ(decode(entry.substr(0, 5)), Reject::kTruncated);
  EXPECT_EQ(decode(entry.substr(0, 30)), Reject::kTruncated);
  for (size_t cut = cache_format::kHeaderSize; cut < entry.size(); cut += 37) {
    EXPECT_EQ(decode(entry.substr(0, cut)), Reject::kTruncated) << cut;
  }
  EXPECT_EQ(decode("\x7f"
                   "ELF and more than eight bytes"),
            Reject::kMagic);
  std::string version = entry;
  version[8] = 2;
  EXPECT_EQ(decode(version), Reject::kFormat);
  EXPECT_EQ(decode(entry, kKey + "!"), Reject::kForeignKey);
  EXPECT_EQ(decode(entry, "another key of the same length.."), Reject::kForeignKey);
  for (size_t at = cache_format::kHeaderSize + kKey.size(); at < entry.size(); at += 29) {
    std::string flipped = entry;
    flipped[at] ^= 1;
    EXPECT_EQ(decode(flipped), Reject::kChecksum) << at;
  }
  EXPECT_EQ(decode(entry + "trailing"), Reject::kChecksum);
  // Lengths that overflow when added are caught before anything is read past the end.
  std::string huge = entry;
  for (int i = 16; i < 32; ++i) huge[size_t(i)] = char(0xff);
  EXPECT_EQ(decode(huge), Reject::kTruncated);
  EXPECT_STREQ(cache_format::reject_name(Reject::kForeignKey), "foreign key");
}

TEST(JitCodeCache, KeysNameFilesByHashOfTheWholeMaterial) {
  const CacheKey a = CacheKey::from_material("a"), b = CacheKey::from_material("b");
  EXPECT_NE(a.file_name, b.file_name);
  EXPECT_EQ(a.file_name, CacheKey::from_material("a").file_name);
  EXPECT_EQ(a.file_name.size(), 32u + 7u);  // 128-bit hex + ".fjcode"
}

TEST(JitCodeCache, StoresAndLoadsThroughTheDirectory) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("fastjson-cache-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  CodeCache& cache = CodeCache::instance();
  cache.configure((dir / "sub").string(), "test runtime");
  cache.reset_stats();
  const CacheKey key = CacheKey::from_material(kKey);
  EXPECT_FALSE(cache.load(key).has_value());  // the directory does not exist yet: a miss
  cache.store(key, kObject);                  // creates it
  EXPECT_EQ(cache.load(key), kObject);
  // Overwritten with garbage: rejected, never returned.
  std::ofstream(dir / "sub" / key.file_name, std::ios::binary) << "garbage";
  EXPECT_FALSE(cache.load(key).has_value());
  CacheStats stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.writes, 1u);
  EXPECT_EQ(stats.rejects["bad magic"], 1u);
  // Only the entry is left in the directory: no temporary file.
  size_t files = 0;
  for (const auto& item : std::filesystem::directory_iterator(dir / "sub")) {
    EXPECT_EQ(item.path().filename().string(), key.file_name);
    ++files;
  }
  EXPECT_EQ(files, 1u);
  cache.configure(std::nullopt, "");
  EXPECT_FALSE(cache.enabled());
  EXPECT_FALSE(cache.load(key).has_value());
  std::filesystem::remove_all(dir);
}

// Sets a file's modification time to `seconds_ago` before now.
void age(const std::filesystem::path& file, int seconds_ago) {
  timespec times[2];
  ::clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= seconds_ago;
  times[1] = times[0];
  ASSERT_EQ(::utimensat(AT_FDCWD, file.c_str(), times, 0), 0);
}

TEST(JitCodeCache, TrimRemovesLeastRecentlyUsedEntriesAndDeadWritersFiles) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("fastjson-trim-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  CodeCache& cache = CodeCache::instance();
  cache.configure(dir.string(), "test runtime");
  cache.reset_stats();
  ::setenv("FASTJSON_CACHE_MAX_MB", "1", 1);
  const std::string object(300 << 10, 'o');  // four entries: 1.2 MB, over the 1 MB limit
  std::vector<CacheKey> keys;
  for (int i = 0; i < 4; ++i) {
    keys.push_back(CacheKey::from_material(kKey + std::to_string(i)));
    cache.store(keys.back(), object);
    age(dir / keys.back().file_name, 400 - 100 * i);  // 0 is the oldest
  }
  EXPECT_EQ(cache.load(keys[1]), object);  // a hit: 1 becomes the most recently used
  std::ofstream(dir / ".x.fjcode.tmp.1.0") << "dead writer";
  age(dir / ".x.fjcode.tmp.1.0", 2 * 3600);
  std::ofstream(dir / ".y.fjcode.tmp.1.1") << "live writer";
  std::ofstream(dir / "notes.txt") << std::string(2 << 20, 'n');  // not the cache's: kept
  age(dir / "notes.txt", 10 * 3600);
  cache.trim();
  // Oldest first until at most 3/4 of the limit: 0, then 2; 3 and the refreshed 1 stay.
  EXPECT_FALSE(std::filesystem::exists(dir / keys[0].file_name));
  EXPECT_FALSE(std::filesystem::exists(dir / keys[2].file_name));
  EXPECT_EQ(cache.load(keys[1]), object);
  EXPECT_EQ(cache.load(keys[3]), object);
  EXPECT_FALSE(std::filesystem::exists(dir / ".x.fjcode.tmp.1.0"));
  EXPECT_TRUE(std::filesystem::exists(dir / ".y.fjcode.tmp.1.1"));
  EXPECT_TRUE(std::filesystem::exists(dir / "notes.txt"));
  const CacheStats stats = cache.stats();
  EXPECT_EQ(stats.evictions, 2u);
  EXPECT_EQ(stats.stale_removed, 1u);
  ::unsetenv("FASTJSON_CACHE_MAX_MB");
  cache.configure(std::nullopt, "");
  std::filesystem::remove_all(dir);
}

TEST(JitCodeCache, TheGeneratorIsIdentified) { EXPECT_FALSE(generator_identity().empty()); }

}  // namespace
}  // namespace fastjson::jit
