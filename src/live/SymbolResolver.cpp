#include "live/SymbolResolver.h"

#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "live/ElfSymbols.h"

namespace rs::live {

namespace {

// FUNC symbols of one table section, appended to *syms and *names.
void readFunctions(Elf* elf, Elf_Scn* section, const GElf_Shdr& header, std::vector<GElf_Sym>* syms,
                   std::vector<std::string>* names) {
  forEachSymbol(elf, section, header, [&](const GElf_Sym& sym, const char* name) {
    if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF || sym.st_value == 0) return;
    syms->push_back(sym);
    names->emplace_back(name);
  });
}

// Only regular files are read: a module path naming a FIFO or a device (from
// a hostile stream) must not block or feed the readers endless bytes.
bool isRegularFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

const Dwfl_Callbacks kOffline = {dwfl_build_id_find_elf, dwfl_standard_find_debuginfo, dwfl_offline_section_address,
                                 nullptr};

}  // namespace

SymbolResolver::~SymbolResolver() {
  for (auto& [module, info] : debugInfo_)
    if (info.session) dwfl_end(static_cast<Dwfl*>(info.session));
}

std::string SymbolResolver::sourceLine(const std::string& module, uint64_t fileAddress) {
  auto [it, inserted] = debugInfo_.try_emplace(module);
  if (inserted && isRegularFile(module)) {
    if (Dwfl* dwfl = dwfl_begin(&kOffline)) {
      dwfl_report_begin(dwfl);
      Dwfl_Module* mod = dwfl_report_offline(dwfl, "target", module.c_str(), -1);
      dwfl_report_end(dwfl, nullptr, nullptr);
      it->second = {dwfl, mod};
    }
  }
  auto* mod = static_cast<Dwfl_Module*>(it->second.module);
  GElf_Addr bias = 0;
  if (!mod || !dwfl_module_getelf(mod, &bias)) return {};
  Dwfl_Line* line = dwfl_module_getsrc(mod, fileAddress + bias);
  int lineNo = 0;
  const char* file = line ? dwfl_lineinfo(line, nullptr, &lineNo, nullptr, nullptr, nullptr) : nullptr;
  if (!file) return {};
  const std::string path(file);
  const size_t slash = path.rfind('/');
  return (slash == std::string::npos ? path : path.substr(slash + 1)) + ":" + std::to_string(lineNo);
}

const SymbolResolver::Table& SymbolResolver::load(const std::string& module) {
  auto [it, inserted] = tables_.try_emplace(module);
  if (!inserted) return it->second;
  Table& table = it->second;
  if (elf_version(EV_CURRENT) == EV_NONE || !isRegularFile(module)) return table;
  const int fd = ::open(module.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return table;
  if (Elf* elf = elf_begin(fd, ELF_C_READ, nullptr)) {
    std::vector<GElf_Sym> symtab, dynsym;
    std::vector<std::string> symtabNames, dynsymNames;
    for (Elf_Scn* section = elf_nextscn(elf, nullptr); section; section = elf_nextscn(elf, section)) {
      GElf_Shdr header;
      if (!gelf_getshdr(section, &header)) continue;
      if (header.sh_type == SHT_SYMTAB) readFunctions(elf, section, header, &symtab, &symtabNames);
      if (header.sh_type == SHT_DYNSYM) readFunctions(elf, section, header, &dynsym, &dynsymNames);
    }
    const bool useSymtab = !symtab.empty();
    const std::vector<GElf_Sym>& syms = useSymtab ? symtab : dynsym;
    const std::vector<std::string>& names = useSymtab ? symtabNames : dynsymNames;
    for (size_t i = 0; i < syms.size(); ++i) table.push_back({syms[i].st_value, syms[i].st_size, names[i]});
    std::sort(table.begin(), table.end(), [](const Function& a, const Function& b) { return a.start < b.start; });
    elf_end(elf);
  }
  ::close(fd);
  return table;
}

std::string SymbolResolver::resolve(const std::string& module, uint64_t fileAddress) {
  const Table& table = load(module);
  auto it = std::upper_bound(table.begin(), table.end(), fileAddress,
                             [](uint64_t address, const Function& f) { return address < f.start; });
  if (it != table.begin()) {
    --it;
    if (fileAddress == it->start) return it->name;
    if (fileAddress < it->start + std::max<uint64_t>(it->size, 1))
      return it->name + "+0x" + [&] {
        char hex[24];
        std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(fileAddress - it->start));
        return std::string(hex);
      }();
  }
  char text[48];
  std::snprintf(text, sizeof text, "0x%llx@", static_cast<unsigned long long>(fileAddress));
  const size_t slash = module.rfind('/');
  return text + (slash == std::string::npos ? module : module.substr(slash + 1));
}

}  // namespace rs::live
