// reactorscope-run's ELF reader (src/run/ElfImage) on arbitrary files: no
// crash, no hang, no read outside the file; a refusal always says why; what it
// reads is names, never empty ones. Seeds: a small program linking libevent,
// with the GNU and the SysV symbol hash, each with and without section headers
// (the dynamic segment path).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "FuzzCheck.h"
#include "run/ElfImage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const int fd = ::memfd_create("fuzz_elf_image", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(::ftruncate(fd, 0) == 0);
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    FUZZ_CHECK(n > 0);
    done += static_cast<size_t>(n);
  }
  std::string error;
  const auto image = rs::run::ElfImage::open("/proc/self/fd/" + std::to_string(fd), &error);
  FUZZ_CHECK(image.has_value() || !error.empty());
  if (image) {
    for (const auto* names : {&image->needed, &image->undefinedSymbols, &image->definedSymbols})
      for (const std::string& name : *names) FUZZ_CHECK(!name.empty());
  }
  return 0;
}
