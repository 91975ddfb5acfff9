#pragma once

#include <string>

// Libraries opened when a check first needs them rather than linked: `egov-agent scan` links
// neither libcurl nor libvirt, whose ~50 dependencies would cost every start about 25 ms and
// 10 MB, and loads them only for an http check or a libvirt_domains check with a `uri`.
namespace egov::checks {

class SharedLibrary {
 public:
  /// dlopen()s `soname`; throws std::runtime_error with the loader's reason when it cannot.
  /// The library stays loaded for the life of the process.
  explicit SharedLibrary(std::string soname);

  /// The address of `symbol`, as a pointer to `Fn`; throws when the library lacks it.
  template <typename Fn>
  Fn* Get(const char* symbol) const {
    return reinterpret_cast<Fn*>(Address(symbol));
  }

 private:
  void* Address(const char* symbol) const;

  std::string soname_;
  void* handle_;
};

}  // namespace egov::checks

/// `fn` from `lib`, typed by the header's declaration of `fn`.
#define EGOV_SYMBOL(lib, fn) (lib).Get<decltype(fn)>(#fn)
