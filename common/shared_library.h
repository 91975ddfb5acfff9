#pragma once

#include <string>

// A C library opened at run time (dlopen) instead of linked. The adapters for libvirt and libcurl
// (common/libvirt.cpp, common/curl.cpp) load theirs at first use, so a program pays for a
// library only when it calls it.
namespace egov {

class SharedLibrary {
 public:
  /// dlopen()s `soname`; throws std::runtime_error with the loader's reason when it cannot.
  /// The library stays loaded for the life of the process.
  explicit SharedLibrary(std::string soname);

  /// The address of `symbol`, as a pointer to `T` (a function or a variable); throws when the
  /// library lacks it.
  template <typename T>
  T* Get(const char* symbol) const {
    return reinterpret_cast<T*>(Address(symbol));
  }

 private:
  void* Address(const char* symbol) const;

  std::string soname_;
  void* handle_;
};

}  // namespace egov

/// `fn` (a function or variable the library's header declares) from the SharedLibrary `lib`,
/// typed by that declaration.
#define EGOV_SYMBOL(lib, fn) (lib).Get<decltype(fn)>(#fn)

/// `fn` from the SharedLibrary that the expression `library` gives, looked up once per call site
/// (at its first call): `EGOV_DLSYM(Libvirt(), virDomainCreate)(dom)`.
#define EGOV_DLSYM(library, fn)                                   \
  ([] {                                                           \
    static decltype(fn)* const symbol = EGOV_SYMBOL(library, fn); \
    return symbol;                                                \
  }())
