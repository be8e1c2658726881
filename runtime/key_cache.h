// Object keys seen before are reused, not re-created: one str object per distinct short key.
#pragma once
#include <Python.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "runtime/decode_str.h"

namespace fastjson::decode {

// A direct-mapped cache from UTF-8 key bytes to a str object, after orjson's deserialize/cache.rs:
// 2048 slots of keys up to 64 bytes. Reusing the object saves the allocation, the copy and, above
// all, the SipHash dict insertion would otherwise compute for each fresh str (the hash is cached
// on the object, computed once when it enters the cache). A collision just replaces the slot.
// Keys of up to 16 bytes (nearly all in practice) are stored in the slot as two words, so a
// lookup compares them without touching the str object: that dependent load was ~4% of
// github.json. Used only with the GIL held; no step between lookup and update runs Python code,
// so a re-entrant loads (from a finalizer) sees a consistent table.
class KeyCache {
 public:
  static constexpr size_t kMaxKeyBytes = 64;

  // Keys are chained: each slot remembers the slot of the key that followed it last time, and a
  // hit prefetches that slot. Objects of one shape repeat their keys in order, so the next
  // lookup finds its slot in L1 instead of waiting on L2 (the slot load was the largest single
  // stall of github.json in perf: the build's allocations evict the table between keys).
  // `chain` is the caller's cursor: kNoChain before an object's first key, then whatever the
  // previous get() left in it.
  static constexpr uint32_t kNoChain = ~uint32_t(0);

  // Returns a new reference to a str equal to the UTF-8 key `s[0, n)` (valid UTF-8), or nullptr
  // with a Python error set.
  PyObject* get(const uint8_t* s, size_t n, uint32_t& chain) noexcept {
    if (n > kMaxKeyBytes) [[unlikely]] {
      chain = kNoChain;
      return make_uncached(s, n);
    }
    Words k;
    if (n <= 16) [[likely]] {
      k = short_words(s, n);
    } else {
      k = Words{hash_long(s, n), 0};  // long keys: compared by hash, then by bytes
    }
    const auto i = uint32_t(index(k, n));
    link(chain, i);
    chain = i;
    Slot& slot = slots_[i];
    if (slot.n == n && slot.w0 == k.w0 && slot.w1 == k.w1 && slot.key &&
        (n <= 16 || same_bytes(slot.key, s, n))) [[likely]] {
      __builtin_prefetch(&slots_[slot.next]);
      Py_INCREF(slot.key);
      return slot.key;
    }
    return insert(slot, k, s, n);
  }

  PyObject* get(const uint8_t* s, size_t n) noexcept {
    uint32_t chain = kNoChain;
    return get(s, n, chain);
  }

  // Records that slot `to` followed slot `from` (the previous slot's line is still in L1).
  void link(uint32_t from, uint32_t to) noexcept {
    if (from != kNoChain && slots_[from].next != to) slots_[from].next = to;
  }

 private:
  static constexpr unsigned kSlotBits = 11;
  struct Words {
    uint64_t w0, w1;
  };
  // 2048 slots * 32 bytes = 64 KiB.
  struct Slot {
    uint64_t w0 = 0, w1 = 0;  // the key's bytes (n <= 16) or its hash (longer keys)
    uint32_t n = 0;
    uint32_t next = 0;  // the slot of the key that followed this one last time
    PyObject* key = nullptr;  // strong reference, held for the process lifetime
  };

  // Two words that together hold all of a key of up to 16 bytes, given its length: for n >= 8
  // the first and last 8 bytes (overlapping), for 4..7 the first and last 4, below that the
  // bytes themselves. Equal (n, w0, w1) means equal keys.
  static Words short_words(const uint8_t* s, size_t n) noexcept {
    if (n >= 8) return Words{bytes::load64(s), bytes::load64(s + n - 8)};
    if (n >= 4) return Words{bytes::load32(s), bytes::load32(s + n - 4)};
    if (n > 0)
      return Words{uint64_t(s[0]) | (uint64_t(s[n / 2]) << 8) | (uint64_t(s[n - 1]) << 16), 0};
    return Words{0, 0};
  }

  // A multiply-rotate over 8-byte words is enough to spread keys this short; Fibonacci
  // hashing (multiplying by 2^64 / golden ratio) then takes the index from the top bits.
  static constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;
  static uint64_t mix(uint64_t h, uint64_t w) noexcept {
    return (((h << 23) | (h >> 41)) ^ w) * kGolden;
  }

  static uint64_t hash_long(const uint8_t* s, size_t n) noexcept {
    uint64_t h = uint64_t(n) * kGolden;
    bytes::for_each_word(s, n, [&](uint64_t w) { h = mix(h, w); });
    return h;
  }

  // One multiply: the lookup waits on this before it can load the slot.
  static size_t index(Words k, size_t n) noexcept {
    const uint64_t h = (k.w0 ^ ((k.w1 << 29) | (k.w1 >> 35)) ^ (uint64_t(n) << 56)) * kGolden;
    return size_t(h >> (64 - kSlotBits));
  }

  static bool same_bytes(PyObject* key, const uint8_t* s, size_t n) noexcept {
    // Cached keys are compact: ASCII ones hold their bytes after the header; others had their
    // UTF-8 form cached by PyUnicode_AsUTF8AndSize when they were inserted.
    const uint8_t* data;
    size_t size;
    if (PyUnicode_IS_COMPACT_ASCII(key)) [[likely]] {
      data = reinterpret_cast<const uint8_t*>(reinterpret_cast<PyASCIIObject*>(key) + 1);
      size = size_t(PyUnicode_GET_LENGTH(key));
    } else {
      auto* compact = reinterpret_cast<PyCompactUnicodeObject*>(key);
      data = reinterpret_cast<const uint8_t*>(compact->utf8);
      size = size_t(compact->utf8_length);
    }
    return size == n && bytes::equal(data, s, n);
  }

  PyObject* insert(Slot& slot, Words k, const uint8_t* s, size_t n) noexcept;
  static PyObject* make_uncached(const uint8_t* s, size_t n) noexcept;

  Slot slots_[size_t(1) << kSlotBits];
};

// The process-wide cache (the GIL serializes every use).
KeyCache& key_cache() noexcept;

}  // namespace fastjson::decode
