// The JSON path of an error (`$.items[3]["a b"]`), collected while the error unwinds out of the
// recursion: nothing is recorded on the success path, so it costs nothing until something fails.
#pragma once
#include <Python.h>

#include <string>
#include <string_view>
#include <vector>

namespace fastjson {

class JsonPath {
 public:
  // Called innermost first, as each container's frame unwinds.
  void push_index(Py_ssize_t index) { parts_.push_back({std::string(), index}); }
  void push_key(std::string_view key_utf8) { parts_.push_back({std::string(key_utf8), -1}); }

  size_t depth() const noexcept { return parts_.size(); }
  // Keeps only the `n` outermost components (the path to an ancestor of the failing value).
  void keep_outermost(size_t n);

  // "$" followed by the components, outermost first; `.key` for identifier-like keys, `["key"]`
  // otherwise, `[i]` for indexes. Past kMaxShown components the middle is elided as "...".
  std::string render() const;

  static constexpr size_t kMaxShown = 32;

 private:
  struct Part {
    std::string key;
    Py_ssize_t index;  // -1 for a key
  };
  std::vector<Part> parts_;  // innermost first
};

}  // namespace fastjson
