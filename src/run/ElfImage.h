// What the pre-flight check needs to know about an executable, read with
// elfutils' libelf: whether it is dynamically linked, the libraries it names
// (DT_NEEDED), the functions and data it imports (undefined dynamic symbols),
// and the symbols a library exports (defined dynamic symbols) -- from the
// section headers, or, in a file whose section headers were stripped, from its
// dynamic segment, as the loader reads it.
// Thread contract: a plain value; open() may run on any thread.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace rs::run {

struct ElfImage {
  // Fills an image from the file at path; nullopt with *error saying why (not
  // readable, not an ELF file, a truncated or malformed one).
  static std::optional<ElfImage> open(const std::string& path, std::string* error);

  bool is64BitX86 = false;  // the only kind our library is built for
  bool dynamic = false;     // has a program interpreter / dynamic section
  std::vector<std::string> needed;            // DT_NEEDED, in order
  std::vector<std::string> undefinedSymbols;  // imported (dynamic) names
  std::vector<std::string> definedSymbols;    // exported (dynamic) names
  // Names in the static symbol table (.symtab), when the file has one: how a
  // statically linked libevent is recognised.
  std::vector<std::string> staticSymbols;
};

}  // namespace rs::run
