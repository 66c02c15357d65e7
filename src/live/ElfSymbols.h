// One walk over an ELF symbol table section (libelf), shared by the run
// pre-flight (src/run/ElfImage) and callback-name resolution (SymbolResolver).
// Thread contract: plain function.
#pragma once
#include <gelf.h>
#include <libelf.h>

namespace rs::live {

// Calls fn(const GElf_Sym&, const char* name) for every entry of `section`
// after the null one that has a non-empty name.
template <class Fn>
void forEachSymbol(Elf* elf, Elf_Scn* section, const GElf_Shdr& header, Fn&& fn) {
  Elf_Data* data = elf_getdata(section, nullptr);
  if (!data || header.sh_entsize == 0) return;
  const size_t count = header.sh_size / header.sh_entsize;
  for (size_t i = 1; i < count; ++i) {
    GElf_Sym sym;
    if (!gelf_getsym(data, static_cast<int>(i), &sym)) break;
    const char* name = elf_strptr(elf, header.sh_link, sym.st_name);
    if (name && *name) fn(sym, name);
  }
}

}  // namespace rs::live
