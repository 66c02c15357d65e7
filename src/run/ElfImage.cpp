#include "run/ElfImage.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "live/ElfSymbols.h"

namespace rs::run {

namespace {

// Longer names are not a program's imports (a hostile file could name every
// symbol with one huge string: each would be copied).
constexpr size_t kMaxNameBytes = 4096;

// One symbol's name, if it is a global function or object: into *defined or
// *undefined (either may be null).
void classifySymbol(const GElf_Sym& sym, const char* name, std::vector<std::string>* defined,
                    std::vector<std::string>* undefined) {
  if (::strnlen(name, kMaxNameBytes + 1) > kMaxNameBytes) return;
  const int type = GELF_ST_TYPE(sym.st_info);
  if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE && type != STT_GNU_IFUNC) return;
  if (GELF_ST_BIND(sym.st_info) == STB_LOCAL) return;
  if (sym.st_shndx == SHN_UNDEF) {
    if (undefined) undefined->emplace_back(name);
  } else if (defined) {
    defined->emplace_back(name);
  }
}

// The names of one symbol table section, as classifySymbol() sorts them.
void readSymbols(Elf* elf, Elf_Scn* section, const GElf_Shdr& header, std::vector<std::string>* defined,
                 std::vector<std::string>* undefined) {
  live::forEachSymbol(elf, section, header, [&](const GElf_Sym& sym, const char* name) {
    classifySymbol(sym, name, defined, undefined);
  });
}

// The dynamic linker reads a program through its program headers only: a file
// whose section headers were stripped (sstrip, some packers) still runs. Its
// libraries and dynamic symbols are read here from the PT_DYNAMIC segment, the
// way the loader finds them (addresses mapped to file offsets through PT_LOAD).
class DynamicSegment {
 public:
  explicit DynamicSegment(Elf* elf) : elf_(elf) {
    size_t phnum = 0;
    if (elf_getphdrnum(elf, &phnum) != 0) return;
    for (size_t i = 0; i < phnum; ++i) {
      GElf_Phdr phdr;
      if (!gelf_getphdr(elf, static_cast<int>(i), &phdr)) continue;
      if (phdr.p_type == PT_LOAD) loads_.push_back(phdr);
      if (phdr.p_type == PT_DYNAMIC) dynamic_ = phdr;
    }
  }

  void read(ElfImage* image) {
    if (dynamic_.p_type != PT_DYNAMIC) return;
    Elf_Data* dyn = elf_getdata_rawchunk(elf_, static_cast<int64_t>(dynamic_.p_offset), dynamic_.p_filesz, ELF_T_DYN);
    if (!dyn) return;
    std::vector<uint64_t> neededOffsets;
    uint64_t strtab = 0, strsz = 0, symtab = 0, syment = 0, hash = 0, gnuHash = 0;
    const size_t count = dynamic_.p_filesz / gelf_fsize(elf_, ELF_T_DYN, 1, EV_CURRENT);
    for (size_t i = 0; i < count; ++i) {
      GElf_Dyn d;
      if (!gelf_getdyn(dyn, static_cast<int>(i), &d) || d.d_tag == DT_NULL) break;
      switch (d.d_tag) {
        case DT_NEEDED: neededOffsets.push_back(d.d_un.d_val); break;
        case DT_STRTAB: strtab = d.d_un.d_ptr; break;
        case DT_STRSZ: strsz = d.d_un.d_val; break;
        case DT_SYMTAB: symtab = d.d_un.d_ptr; break;
        case DT_SYMENT: syment = d.d_un.d_val; break;
        case DT_HASH: hash = d.d_un.d_ptr; break;
        case DT_GNU_HASH: gnuHash = d.d_un.d_ptr; break;
        default: break;
      }
    }
    const char* strings = chunk(strtab, strsz, ELF_T_BYTE);
    if (!strings) return;
    const auto name = [&](uint64_t offset) -> const char* {  // (nullptr: none, or longer than kMaxNameBytes)
      return offset < strsz && std::memchr(strings + offset, '\0', std::min<uint64_t>(strsz - offset, kMaxNameBytes + 1))
                 ? strings + offset
                 : nullptr;
    };
    for (uint64_t offset : neededOffsets)
      if (const char* lib = name(offset); lib && *lib) image->needed.emplace_back(lib);
    const size_t symBytes = gelf_fsize(elf_, ELF_T_SYM, 1, EV_CURRENT);
    // As the loader: the GNU hash when there is one (the SysV one may be stale).
    uint64_t symbols = gnuHash ? gnuHashSymbolCount(gnuHash) : 0;
    if (symbols == 0 && hash) symbols = hashSymbolCount(hash);
    if (!symtab || syment != symBytes || symbols == 0 || symbols > kMaxSymbols) return;
    Elf_Data* syms = nullptr;
    if (const auto offset = fileOffset(symtab, symbols * symBytes))
      syms = elf_getdata_rawchunk(elf_, static_cast<int64_t>(*offset), symbols * symBytes, ELF_T_SYM);
    for (uint64_t i = 1; syms && i < symbols; ++i) {
      GElf_Sym sym;
      if (!gelf_getsym(syms, static_cast<int>(i), &sym)) break;
      if (const char* symName = name(sym.st_name); symName && *symName)
        classifySymbol(sym, symName, &image->definedSymbols, &image->undefinedSymbols);
    }
  }

 private:
  static constexpr uint64_t kMaxSymbols = uint64_t{1} << 24;  // (a damaged count reads nothing)

  // The file offset of [vaddr, vaddr + size) when one loaded segment holds it from the file.
  std::optional<uint64_t> fileOffset(uint64_t vaddr, uint64_t size) const {
    for (const GElf_Phdr& load : loads_)
      if (vaddr >= load.p_vaddr && size <= load.p_filesz && vaddr - load.p_vaddr <= load.p_filesz - size)
        return load.p_offset + (vaddr - load.p_vaddr);
    return std::nullopt;
  }
  const char* chunk(uint64_t vaddr, uint64_t size, Elf_Type type) const {
    const auto offset = fileOffset(vaddr, size);
    Elf_Data* data = offset && size ? elf_getdata_rawchunk(elf_, static_cast<int64_t>(*offset), size, type) : nullptr;
    return data ? static_cast<const char*>(data->d_buf) : nullptr;
  }
  const uint32_t* words(uint64_t vaddr, uint64_t count) const {
    return reinterpret_cast<const uint32_t*>(chunk(vaddr, count * 4, ELF_T_WORD));
  }
  // DT_HASH: its second word is the number of symbols.
  uint64_t hashSymbolCount(uint64_t vaddr) const {
    const uint32_t* header = words(vaddr, 2);
    return header ? header[1] : 0;
  }
  // DT_GNU_HASH: the table's last symbol ends the chain that starts at the
  // highest bucket value (its hash word has the low bit set); the symbols
  // before symoffset (imports) are in no chain but count.
  uint64_t gnuHashSymbolCount(uint64_t vaddr) const {
    const uint32_t* header = words(vaddr, 4);
    if (!header) return 0;
    const uint64_t buckets = header[0], symOffset = header[1], bloomWords = header[2];
    const uint64_t bloomBytes = bloomWords * (gelf_getclass(elf_) == ELFCLASS64 ? 8 : 4);
    const uint64_t bucketsAt = vaddr + 16 + bloomBytes;
    const uint32_t* bucket = buckets && buckets <= kMaxSymbols ? words(bucketsAt, buckets) : nullptr;
    if (!bucket) return symOffset;
    uint64_t last = 0;
    for (uint64_t b = 0; b < buckets; ++b) last = std::max<uint64_t>(last, bucket[b]);
    if (last < symOffset) return symOffset;
    // The chain from `last` on, read at once: as far as its segment holds.
    const uint64_t chainAt = bucketsAt + buckets * 4 + (last - symOffset) * 4;
    const uint64_t room = std::min(bytesFrom(chainAt) / 4, kMaxSymbols);
    const uint32_t* chain = room ? words(chainAt, room) : nullptr;
    for (uint64_t i = 0; chain && i < room; ++i)
      if (chain[i] & 1) return last + i + 1;
    return 0;
  }
  // How many bytes of a loaded segment's file image lie from vaddr on (0: none).
  uint64_t bytesFrom(uint64_t vaddr) const {
    for (const GElf_Phdr& load : loads_)
      if (vaddr >= load.p_vaddr && vaddr - load.p_vaddr < load.p_filesz) return load.p_filesz - (vaddr - load.p_vaddr);
    return 0;
  }

  Elf* elf_;
  std::vector<GElf_Phdr> loads_;
  GElf_Phdr dynamic_{};
};

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
    bool dynamicSection = false;
    for (Elf_Scn* section = elf_nextscn(elf, nullptr); section; section = elf_nextscn(elf, section)) {
      GElf_Shdr header;
      if (!gelf_getshdr(section, &header)) continue;
      if (header.sh_type == SHT_DYNSYM) {
        readSymbols(elf, section, header, &image.definedSymbols, &image.undefinedSymbols);
      } else if (header.sh_type == SHT_SYMTAB) {
        readSymbols(elf, section, header, &image.staticSymbols, nullptr);
      } else if (header.sh_type == SHT_DYNAMIC) {
        dynamicSection = true;
        Elf_Data* data = elf_getdata(section, nullptr);
        const size_t count = data && header.sh_entsize ? header.sh_size / header.sh_entsize : 0;
        for (size_t i = 0; i < count; ++i) {
          GElf_Dyn dyn;
          if (!gelf_getdyn(data, static_cast<int>(i), &dyn)) break;
          if (dyn.d_tag == DT_NULL) break;
          if (dyn.d_tag != DT_NEEDED) continue;
          const char* name = elf_strptr(elf, header.sh_link, dyn.d_un.d_val);
          if (name && *name && ::strnlen(name, kMaxNameBytes + 1) <= kMaxNameBytes) image.needed.emplace_back(name);
        }
      }
    }
    if (image.dynamic && !dynamicSection) DynamicSegment(elf).read(&image);  // section headers stripped
    result = std::move(image);
  }
  if (elf) elf_end(elf);
  ::close(fd);
  return result;
}

}  // namespace rs::run
