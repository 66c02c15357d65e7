// Callback addresses to function names, read from the target's ELF files with
// elfutils' libelf: the static symbol table (.symtab, static functions
// included) when the file has one, else the dynamic one; and to "file:line"
// with libdw when the file has debug information. Each module is read once
// and cached; an unreadable one resolves to "0x<addr>@<file name>".
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
  // "server.c:99" (the source file's base name), or empty without debug info.
  std::string sourceLine(const std::string& module, uint64_t fileAddress);

  SymbolResolver() = default;
  SymbolResolver(const SymbolResolver&) = delete;
  SymbolResolver& operator=(const SymbolResolver&) = delete;
  ~SymbolResolver();

 private:
  struct Function {
    uint64_t start;
    uint64_t size;
    std::string name;
  };
  using Table = std::vector<Function>;  // sorted by start
  const Table& load(const std::string& module);

  std::map<std::string, Table> tables_;
  // libdw's view of each module, opened lazily (Dwfl* and Dwfl_Module*, kept
  // opaque here; module null when libdw cannot read the file).
  struct DebugInfo {
    void* session = nullptr;
    void* module = nullptr;
  };
  std::map<std::string, DebugInfo> debugInfo_;
};

}  // namespace rs::live
