// The pre-flight check of reactorscope-run: can this program run on
// ReactorScope's libevent? It reads the program's ELF file (ElfImage) and the
// compat library's exports, and names the cause and the fix when the answer is
// no: a statically linked libevent, no libevent at all, another libevent
// version, or libevent functions the library does not implement.
// Thread contract: pure functions of their arguments.
#pragma once
#include <string>
#include <vector>

#include "run/ElfImage.h"

namespace rs::run {

struct PreflightResult {
  enum class Verdict {
    Runs,     // dynamically linked against libevent 2.1, every import provided
    Script,   // a #! script: not checked; the programs it starts inherit the setup
    Refused,  // will not work (or not as the user expects): message says why
  };
  Verdict verdict = Verdict::Refused;
  std::string message;                 // one paragraph: what, why, what to do
  std::vector<std::string> missing;    // libevent functions we do not provide
  bool forceable = false;              // --force runs it anyway
};

// program: the path to check (already resolved through PATH). providedSymbols:
// the names the compat library exports.
PreflightResult preflight(const std::string& program, const std::vector<std::string>& providedSymbols);

// True for names of libevent's API (event_*, evbuffer_*, bufferevent_*, ...).
bool isLibeventName(const std::string& name);

}  // namespace rs::run
