#include "run/ElfImage.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "live/ElfSymbols.h"

namespace rs::run {

namespace {

// The names of one symbol table: defined ones into *defined, undefined ones into
// *undefined (either may be null).
void readSymbols(Elf* elf, Elf_Scn* section, const GElf_Shdr& header, std::vector<std::string>* defined,
                 std::vector<std::string>* undefined) {
  live::forEachSymbol(elf, section, header, [&](const GElf_Sym& sym, const char* name) {
    const int type = GELF_ST_TYPE(sym.st_info);
    if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE && type != STT_GNU_IFUNC) return;
    if (GELF_ST_BIND(sym.st_info) == STB_LOCAL) return;
    if (sym.st_shndx == SHN_UNDEF) {
      if (undefined) undefined->emplace_back(name);
    } else if (defined) {
      defined->emplace_back(name);
    }
  });
}

}  // namespace

std::optional<ElfImage> ElfImage::open(const std::string& path, std::string* error) {
  if (elf_version(EV_CURRENT) == EV_NONE) {
    *error = "libelf is unusable here";
    return std::nullopt;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  ElfImage image;
  std::optional<ElfImage> result;
  GElf_Ehdr ehdr;
  if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &ehdr)) {
    *error = path + " is not an ELF executable";
  } else {
    image.is64BitX86 = gelf_getclass(elf) == ELFCLASS64 && ehdr.e_machine == EM_X86_64;
    size_t phnum = 0;
    if (elf_getphdrnum(elf, &phnum) == 0) {
      for (size_t i = 0; i < phnum; ++i) {
        GElf_Phdr phdr;
        if (gelf_getphdr(elf, static_cast<int>(i), &phdr) && (phdr.p_type == PT_INTERP || phdr.p_type == PT_DYNAMIC))
          image.dynamic = true;
      }
    }
    for (Elf_Scn* section = elf_nextscn(elf, nullptr); section; section = elf_nextscn(elf, section)) {
      GElf_Shdr header;
      if (!gelf_getshdr(section, &header)) continue;
      if (header.sh_type == SHT_DYNSYM) {
        readSymbols(elf, section, header, &image.definedSymbols, &image.undefinedSymbols);
      } else if (header.sh_type == SHT_SYMTAB) {
        readSymbols(elf, section, header, &image.staticSymbols, nullptr);
      } else if (header.sh_type == SHT_DYNAMIC) {
        Elf_Data* data = elf_getdata(section, nullptr);
        const size_t count = data && header.sh_entsize ? header.sh_size / header.sh_entsize : 0;
        for (size_t i = 0; i < count; ++i) {
          GElf_Dyn dyn;
          if (!gelf_getdyn(data, static_cast<int>(i), &dyn)) break;
          if (dyn.d_tag == DT_NULL) break;
          if (dyn.d_tag != DT_NEEDED) continue;
          if (const char* name = elf_strptr(elf, header.sh_link, dyn.d_un.d_val)) image.needed.emplace_back(name);
        }
      }
    }
    result = std::move(image);
  }
  if (elf) elf_end(elf);
  ::close(fd);
  return result;
}

}  // namespace rs::run
