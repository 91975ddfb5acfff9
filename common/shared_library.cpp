#include "common/shared_library.h"

#include <dlfcn.h>

#include <stdexcept>

namespace egov {

SharedLibrary::SharedLibrary(std::string soname)
    : soname_(std::move(soname)), handle_(::dlopen(soname_.c_str(), RTLD_NOW | RTLD_LOCAL)) {
  if (!handle_) throw std::runtime_error("cannot load " + soname_ + ": " + ::dlerror());
}

void* SharedLibrary::Address(const char* symbol) const {
  ::dlerror();
  void* address = ::dlsym(handle_, symbol);
  if (!address) throw std::runtime_error(soname_ + " has no " + symbol);
  return address;
}

}  // namespace egov
