#include "run/Preflight.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

namespace rs::run {

namespace {

std::string firstLine(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  std::getline(in, line);
  return line;
}

// "evhttp_* (12), evdns_* (3)": the missing names grouped by their prefix.
std::string groupedByPrefix(const std::vector<std::string>& names) {
  std::map<std::string, int> groups;
  for (const std::string& name : names) {
    const size_t cut = name.find('_');
    ++groups[cut == std::string::npos ? name : name.substr(0, cut + 1) + "*"];
  }
  std::string text;
  for (const auto& [prefix, count] : groups) {
    if (!text.empty()) text += ", ";
    text += prefix + " (" + std::to_string(count) + ")";
  }
  return text;
}

// The libevent 2.1 sonames ReactorScope's library stands for (libevent-2.1.so.7
// and the aliases engine/CMakeLists.txt makes): "libevent" + one of these parts.
constexpr const char* kReplacedParts[] = {"", "_core", "_extra", "_pthreads"};

// Whether `soname` (a libevent 2.1 one) is one of those: another part (e.g.
// libevent_openssl) stays the system's.
bool replacedSoname(const std::string& soname) {
  const size_t dash = soname.find('-');
  const std::string part = soname.substr(8, dash - 8);
  return std::any_of(std::begin(kReplacedParts), std::end(kReplacedParts), [&](const char* p) { return part == p; });
}

// What a program linking `lib` (a libevent soname not replaced) meets.
std::string notReplaced(const std::string& lib) {
  return "links " + lib +
         ", which ReactorScope does not replace: the system's copy needs libevent's own internals, so on "
         "ReactorScope's libevent the program stops as it loads, --force or not.";
}

// "2.1" for "libevent-2.1.so.7" or "libevent_core-2.1.so.7" (a libevent
// soname: "libevent", an optional "_part", "-MAJOR.MINOR.so"); empty otherwise.
std::string libeventVersionOf(const std::string& soname) {
  if (soname.rfind("libevent", 0) != 0) return {};
  const size_t dash = soname.find('-');
  const size_t so = soname.find(".so", dash == std::string::npos ? 0 : dash);
  if (dash == std::string::npos || so == std::string::npos) return {};
  const std::string part = soname.substr(8, dash - 8);  // "" or "_core"
  if (!part.empty() && (part[0] != '_' || part.size() == 1)) return {};
  const std::string version = soname.substr(dash + 1, so - dash - 1);
  const size_t dot = version.find('.');
  const auto digits = [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  };
  if (dot == std::string::npos || !digits(version.substr(0, dot)) || !digits(version.substr(dot + 1))) return {};
  return version;
}

}  // namespace

bool isLibeventName(const std::string& name) {
  static const char* const kPrefixes[] = {"event_",     "evbuffer_", "bufferevent_", "evconnlistener_", "evutil_",
                                          "evhttp_",    "evdns_",    "evrpc_",       "evtag_",          "evthread_",
                                          "libevent_",  "evtimer_",  "evsignal_",    "ev_token_bucket_", "evmap_"};
  return std::any_of(std::begin(kPrefixes), std::end(kPrefixes),
                     [&](const char* p) { return name.rfind(p, 0) == 0; });
}

PreflightResult preflight(const std::string& program, const std::vector<std::string>& providedSymbols) {
  PreflightResult r;
  std::string error;
  const std::optional<ElfImage> image = ElfImage::open(program, &error);
  if (!image) {
    const std::string line = firstLine(program);
    if (line.rfind("#!", 0) == 0) {
      r.verdict = PreflightResult::Verdict::Script;
      r.message = program + " is a script (" + line +
                  "): it is not checked, but every libevent program it starts runs on ReactorScope's libevent "
                  "(the setup is inherited). To check the binary it starts: reactorscope-run --check BINARY.";
      return r;
    }
    r.message = error + ". reactorscope-run runs dynamically linked libevent programs (ELF executables).";
    return r;
  }
  if (::access(program.c_str(), X_OK) != 0) {
    r.message = program + " is not executable (" + std::strerror(errno) + "): chmod +x " + program + ".";
    return r;
  }
  if (!image->is64BitX86) {
    r.message = program + " is not an x86-64 program; ReactorScope's libevent is built for x86-64 Linux only.";
    return r;
  }
  if (!image->dynamic) {
    const bool hasLibevent = std::any_of(image->staticSymbols.begin(), image->staticSymbols.end(),
                                         [](const std::string& s) { return s == "event_base_new" || s == "event_init"; });
    r.message = hasLibevent ? program +
                                  " is statically linked with libevent: its libevent is inside the binary, so "
                                  "ReactorScope's cannot take its place. Rebuild it linking libevent dynamically "
                                  "(e.g. gcc prog.c -levent, without -static)."
                            : program + " is statically linked and does not use libevent: there is nothing to watch.";
    return r;
  }
  std::vector<std::string> libevents;
  for (const std::string& lib : image->needed) {
    const std::string version = libeventVersionOf(lib);
    if (version.empty()) continue;
    if (version != "2.1") {
      r.message = program + " is built against libevent " + version + " (" + lib +
                  "); ReactorScope provides libevent 2.1's API and ABI. Rebuild it against libevent 2.1 "
                  "(Debian 12's libevent-dev).";
      return r;
    }
    libevents.push_back(lib);
  }
  const std::set<std::string> provided(providedSymbols.begin(), providedSymbols.end());
  std::vector<std::string> imported;
  for (const std::string& name : image->undefinedSymbols) {
    if (isLibeventName(name)) imported.push_back(name);
  }
  if (libevents.empty() && imported.empty()) {
    r.message = program + " does not use libevent (no libevent among the libraries it links: ";
    for (size_t i = 0; i < image->needed.size(); ++i) r.message += (i ? ", " : "") + image->needed[i];
    r.message += "). A program that loads libevent with dlopen still gets ReactorScope's: use --force.";
    r.forceable = true;
    return r;
  }
  for (const std::string& name : imported) {
    if (!provided.count(name)) r.missing.push_back(name);
  }
  std::sort(r.missing.begin(), r.missing.end());
  r.missing.erase(std::unique(r.missing.begin(), r.missing.end()), r.missing.end());
  if (!r.missing.empty()) {
    r.forceable = true;
    r.message = program + " uses " + std::to_string(r.missing.size()) +
                " libevent function(s) that ReactorScope's libevent does not provide: " + groupedByPrefix(r.missing) +
                ". It would stop with an undefined symbol (at start, or when it first calls one). --force runs it anyway.";
    for (const std::string& lib : libevents)
      if (!replacedSoname(lib)) r.message += " It also " + notReplaced(lib);
    return r;
  }
  for (const std::string& lib : libevents) {
    if (replacedSoname(lib)) continue;
    r.forceable = true;
    r.message = program + " " + notReplaced(lib);
    return r;
  }
  r.verdict = PreflightResult::Verdict::Runs;
  r.message = program + " links libevent 2.1 (";
  for (size_t i = 0; i < libevents.size(); ++i) r.message += (i ? ", " : "") + libevents[i];
  r.message += ") and uses " + std::to_string(imported.size()) +
               " of its functions, all provided by ReactorScope's libevent.";
  return r;
}

}  // namespace rs::run
