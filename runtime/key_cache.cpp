// Miss handling for the key cache: create the str, hash it once, and keep it in the slot.
#include "runtime/key_cache.h"

#include "runtime/decode_str.h"

namespace fastjson::decode {

PyObject* KeyCache::insert(Slot& slot, Words k, const uint8_t* s, size_t n) noexcept {
  PyObject* key = make_str(s, n);
  if (!key) return nullptr;
  // Pre-computing the hash now is what makes reuse pay: every dict insertion of this object
  // afterwards reads it instead of running SipHash over the key.
  if (PyObject_Hash(key) == -1 ||
      (!PyUnicode_IS_COMPACT_ASCII(key) && !PyUnicode_AsUTF8AndSize(key, nullptr))) {
    Py_DECREF(key);
    return nullptr;
  }
  // Freeing a str runs no Python code, so dropping the evicted key here is safe mid-parse.
  Py_XDECREF(slot.key);
  Py_INCREF(key);
  slot.key = key;
  slot.w0 = k.w0;
  slot.w1 = k.w1;
  slot.n = uint32_t(n);
  return key;
}

PyObject* KeyCache::make_uncached(const uint8_t* s, size_t n) noexcept { return make_str(s, n); }

KeyCache& key_cache() noexcept {
  // Never destroyed: the interpreter may already be gone when static destructors run.
  static KeyCache* cache = new KeyCache();
  return *cache;
}

}  // namespace fastjson::decode
