#include "run/ElfImage.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
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

// "" when every header and segment the file describes lies inside it; else
// what lies past its end (a cut download or copy: its tables would read as
// missing, and a dynamically linked program as a static one).
std::string truncation(int fd, Elf* elf, const GElf_Ehdr& ehdr) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return {};
  const auto size = static_cast<uint64_t>(st.st_size);
  const auto past = [&](uint64_t end, const char* what) {
    return end > size ? std::string(what) + " end at byte " + std::to_string(end) + ", the file has " +
                            std::to_string(size)
                      : std::string();
  };
  if (std::string p = past(ehdr.e_shoff + uint64_t{ehdr.e_shnum} * ehdr.e_shentsize, "its section headers");
      ehdr.e_shnum && !p.empty())
    return p;
  size_t phnum = 0;
  if (elf_getphdrnum(elf, &phnum) != 0) return {};
  if (std::string p = past(ehdr.e_phoff + uint64_t{phnum} * ehdr.e_phentsize, "its program headers"); !p.empty())
    return p;
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr phdr;
    if (gelf_getphdr(elf, static_cast<int>(i), &phdr) && phdr.p_type == PT_LOAD)
      if (std::string p = past(phdr.p_offset + phdr.p_filesz, "its loaded segments"); !p.empty()) return p;
  }
  return {};
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
  } else if (const std::string cut = truncation(fd, elf, ehdr); !cut.empty()) {
    *error = path + " is truncated or damaged: " + cut;
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
