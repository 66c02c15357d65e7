// Callback addresses to function names, read from the target's ELF files with
// elfutils' libelf: the static symbol table (.symtab, static functions
// included) when the file has one, else the dynamic one; and to "file:line"
// with libdw when the file has debug information. Each module's symbol table
// is read once per process while the file stays the same (shared by every
// resolver: an app sees the same program session after session); an
// unreadable one resolves to "0x<addr>@<file name>".
// Thread contract: one thread per resolver (the shared tables are guarded).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
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
  static std::shared_ptr<const Table> sharedTable(const std::string& module);
  const Table& load(const std::string& module);

  // This resolver's view: each module's table as it was when first asked for.
  std::map<std::string, std::shared_ptr<const Table>> tables_;
  // libdw's view of each module, opened lazily (Dwfl* and Dwfl_Module*, kept
  // opaque here; module null when libdw cannot read the file).
  struct DebugInfo {
    void* session = nullptr;
    void* module = nullptr;
  };
  std::map<std::string, DebugInfo> debugInfo_;
};

}  // namespace rs::live
