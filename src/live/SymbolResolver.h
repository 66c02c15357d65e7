// Callback addresses to function names, read from the target's ELF files with
// elfutils' libelf: the static symbol table (.symtab, static functions
// included) when the file has one, else the dynamic one. Each module is read
// once and cached; an unreadable one resolves to "0x<addr>@<file name>".
// Thread contract: one thread.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rs::live {

class SymbolResolver {
 public:
  // The function containing `fileAddress` (an address in the module's own
  // symbol-value space: runtime address minus load bias).
  std::string resolve(const std::string& module, uint64_t fileAddress);

 private:
  struct Function {
    uint64_t start;
    uint64_t size;
    std::string name;
  };
  using Table = std::vector<Function>;  // sorted by start
  const Table& load(const std::string& module);

  std::map<std::string, Table> tables_;
};

}  // namespace rs::live
