#include "live/SymbolResolver.h"

#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>

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

namespace {

// Which file a path named when it was read: a rebuilt binary at the same path
// is read again.
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  int64_t mtimeNs = 0;
  bool operator==(const FileIdentity&) const = default;
};

bool identify(const std::string& path, FileIdentity* id) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  *id = {st.st_dev, st.st_ino, st.st_size, int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec};
  return true;
}

}  // namespace

// Every resolver of the process shares what was read (one app sees the same
// program and our libevent in session after session; reading a large module's
// symbol table takes tens of milliseconds): one table per path, read again
// when the file there changed.
std::shared_ptr<const SymbolResolver::Table> SymbolResolver::sharedTable(const std::string& module) {
  struct Entry {
    FileIdentity identity;
    std::shared_ptr<const Table> table;
  };
  static std::mutex mutex;
  static std::map<std::string, Entry>* cache = new std::map<std::string, Entry>;  // (never destroyed)
  FileIdentity identity;
  if (elf_version(EV_CURRENT) == EV_NONE || !identify(module, &identity)) return std::make_shared<const Table>();
  std::lock_guard lock(mutex);
  Entry& entry = (*cache)[module];
  if (entry.table && entry.identity == identity) return entry.table;
  auto table = std::make_shared<Table>();
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
    for (size_t i = 0; i < syms.size(); ++i) table->push_back({syms[i].st_value, syms[i].st_size, names[i]});
    std::sort(table->begin(), table->end(), [](const Function& a, const Function& b) { return a.start < b.start; });
    elf_end(elf);
  }
  ::close(fd);
  entry = {identity, table};
  return table;
}

const SymbolResolver::Table& SymbolResolver::load(const std::string& module) {
  auto [it, inserted] = tables_.try_emplace(module);
  if (inserted) it->second = sharedTable(module);
  return *it->second;
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
