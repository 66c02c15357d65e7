// reactorscope-run: runs a libevent program, unmodified, on ReactorScope's
// libevent (the shared compat library under libevent's sonames, found first
// through LD_LIBRARY_PATH), after a pre-flight check of its ELF file.
//   reactorscope-run [--check] [--force] [--trace-text FILE] [--record FILE ...] [--no-app] [--] PROGRAM [ARGS...]
// The program keeps its stdin/stdout/stderr and its exit status: untraced
// (--no-app, no --trace-text, no --record), this process becomes the program (exec); else it runs as a
// child streaming its trace (TracedRun.h) to the text file, the recording
// (RunRecorder.h) and/or a running
// app (live/AppSocket.h; one that starts later is attached then) and its exit status (or the signal
// that ended it) becomes ours. Exit codes of our own: 1 refused by the check,
// 2 usage error, 126 cannot execute, 127 program not found.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "run/ElfImage.h"
#include "run/Preflight.h"
#include "run/RunRecorder.h"
#include "run/TracedRun.h"
#include "live/AppSocket.h"

namespace {

const char kUsage[] =
    "usage: reactorscope-run [--check] [--force] [--trace-text FILE] [--record FILE] [--no-app] [--] PROGRAM [ARGS...]\n"
    "Runs a program built against libevent 2.1 (e.g. gcc server.c -levent) unmodified on\n"
    "ReactorScope's libevent, with its own stdin, stdout, stderr and exit status.\n"
    "  --check   only check whether PROGRAM can run on it (exit 0 yes, 1 no) and say why\n"
    "  --force   run even when it uses libevent functions ReactorScope does not provide\n"
    "  --trace-text FILE  write the program's trace to FILE as text while it runs: one line per\n"
    "            record (time, pid, base, event id, callback name, kind, fd, from -> to (cause))\n"
    "  --record FILE  record the program's trace to FILE (a recording: reactorscope-cli info/export,\n"
    "            the app's File > Open recording); events labelled with their callbacks' names\n"
    "  --record-cap B, --record-last MIN, --record-overwrite  as for reactorscope-cli --record\n"
    "  --no-app  do not stream to a ReactorScope app (by default the trace goes to the app\n"
    "            listening at $REACTORSCOPE_APP_SOCKET, else $XDG_RUNTIME_DIR/reactorscope/app.sock\n"
    "            or /tmp/reactorscope-$UID/app.sock, and to one started later; forked children and\n"
    "            exec'd programs are sessions of their own); without --trace-text or --record: run untraced\n"
    "  --help    this text\n"
    "REACTORSCOPE_LIBEVENT_DIR overrides where the library is looked for.\n";

constexpr char kLibrary[] = "libevent-2.1.so.7";

bool isFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string directoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// The directory holding libevent-2.1.so.7: $REACTORSCOPE_LIBEVENT_DIR, next to
// this executable's build tree (build/src/run -> build/libevent-compat), the
// installed layout (bin -> lib/reactorscope), or the build directory this
// binary was configured in.
std::string findLibraryDir() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("REACTORSCOPE_LIBEVENT_DIR"); env && *env) candidates.emplace_back(env);
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    const std::string dir = directoryOf(self);
    candidates.push_back(dir + "/../../libevent-compat");
    candidates.push_back(dir + "/../lib/reactorscope");
  }
  candidates.emplace_back(REACTORSCOPE_LIBEVENT_BUILD_DIR);
  for (const std::string& dir : candidates) {
    char resolved[PATH_MAX];
    if (isFile(dir + "/" + kLibrary) && ::realpath(dir.c_str(), resolved)) return resolved;
  }
  return {};
}

// PROGRAM as execvp would find it: a path when it has a slash, else via $PATH.
std::string resolveProgram(const std::string& program) {
  if (program.find('/') != std::string::npos) return isFile(program) ? program : std::string();
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = end > start ? dirs.substr(start, end - start) : ".";
    const std::string candidate = dir + "/" + program;
    if (isFile(candidate) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

// The --trace-text file cannot be written (errno says why): one line, exit status 2.
int traceFileFailed(const std::string& path) {
  std::fprintf(stderr, "reactorscope-run: cannot write the trace to %s: %s\n", path.c_str(), std::strerror(errno));
  return 2;
}

// A connection to the running app, or -1 after one line saying how to start it.
int connectApp() {
  std::string error;
  const std::string path = rs::live::appSocketPath();
  const int fd = rs::live::connectToApp(path, &error);
  if (fd < 0)
    std::fprintf(stderr,
                 "reactorscope-run: no ReactorScope app is listening (%s); start one with `reactorscope &`: the "
                 "program shows up in it when it does (--no-app: don't look, run untraced). Running it anyway.\n",
                 error.c_str());
  return fd;
}

// Runs the program with its trace written to `text` (null: none; opened by the
// caller, closed here), recorded as `record` says (no path: none) and sent to
// the app on appFd (-1: none); exits as it did (a program killed by a signal
// kills this process with the same signal).
int runTracedAndExit(const std::string& program, char** argv, std::FILE* text,
                     const rs::recording::RecordOptions& record, bool useApp, int appFd) {
  std::string error;
  rs::run::RunRecorder recorder;
  if (!record.path.empty() && !recorder.open(record, &error)) {
    std::fprintf(stderr, "reactorscope-run: --record: %s\n", error.c_str());
    if (text && text != stdout) std::fclose(text);
    if (appFd >= 0) ::close(appFd);
    return 2;
  }
  const rs::run::TracedOptions options{text, record.path.empty() ? nullptr : &recorder, useApp, appFd};
  const rs::run::TracedExit result = rs::run::runTraced(program, argv, options, &error);
  if (text && text != stdout) std::fclose(text);
  if (!record.path.empty()) std::fprintf(stderr, "reactorscope-run: %s\n", recorder.close().c_str());
  if (!error.empty()) {
    std::fprintf(stderr, "reactorscope-run: %s\n", error.c_str());
    return result.code;
  }
  if (!result.signaled) return result.code;
  ::signal(result.code, SIG_DFL);
  ::raise(result.code);
  return 128 + result.code;
}

}  // namespace

int main(int argc, char** argv) {
  bool checkOnly = false;
  bool force = false;
  bool useApp = true;
  std::string traceTextPath;
  std::vector<std::string> recordArgs;  // --record FILE, --record-cap B, ...: recording::takeRecordOptions checks them
  int first = 1;
  for (; first < argc; ++first) {
    const std::string arg = argv[first];
    if (arg == "--") {
      ++first;
      break;
    }
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--check") {
      checkOnly = true;
    } else if (arg == "--force") {
      force = true;
    } else if (arg == "--no-app") {
      useApp = false;
    } else if (arg == "--trace-text") {
      if (first + 1 >= argc || !*argv[first + 1]) {
        std::fprintf(stderr, "reactorscope-run: --trace-text needs a file name\n%s", kUsage);
        return 2;
      }
      traceTextPath = argv[++first];
    } else if (arg == "--record-overwrite" || (arg.rfind("--record", 0) == 0 && arg.find('=') != std::string::npos)) {
      recordArgs.push_back(arg);
    } else if (arg == "--record" || arg == "--record-cap" || arg == "--record-last") {
      recordArgs.push_back(arg);
      if (first + 1 < argc) recordArgs.emplace_back(argv[++first]);
    } else if (arg.rfind("-", 0) == 0) {
      std::fprintf(stderr, "reactorscope-run: unknown option '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    } else {
      break;
    }
  }
  std::string recordError;
  const auto record = rs::recording::takeRecordOptions(recordArgs, &recordError);
  if (!record || !recordArgs.empty()) {
    std::fprintf(stderr, "reactorscope-run: %s\n%s",
                 record ? ("unknown option '" + recordArgs.front() + "'").c_str() : recordError.c_str(), kUsage);
    return 2;
  }
  if (first >= argc) {
    std::fprintf(stderr, "reactorscope-run: no program given\n%s", kUsage);
    return 2;
  }
  const std::string program = resolveProgram(argv[first]);
  if (program.empty()) {
    std::fprintf(stderr, "reactorscope-run: %s: no such program (not a file, or not on PATH)\n", argv[first]);
    return 127;
  }
  const std::string libraryDir = findLibraryDir();
  if (libraryDir.empty()) {
    std::fprintf(stderr,
                 "reactorscope-run: ReactorScope's %s was not found (looked next to this program and in %s); "
                 "set REACTORSCOPE_LIBEVENT_DIR to the directory that holds it\n",
                 kLibrary, REACTORSCOPE_LIBEVENT_BUILD_DIR);
    return 126;
  }
  std::string error;
  const std::optional<rs::run::ElfImage> library = rs::run::ElfImage::open(libraryDir + "/" + kLibrary, &error);
  if (!library) {
    std::fprintf(stderr, "reactorscope-run: %s\n", error.c_str());
    return 126;
  }
  const rs::run::PreflightResult check = rs::run::preflight(program, library->definedSymbols);
  using Verdict = rs::run::PreflightResult::Verdict;
  if (checkOnly) {
    std::printf("%s\n", check.message.c_str());
    for (const std::string& name : check.missing) std::printf("  missing: %s\n", name.c_str());
    return check.verdict == Verdict::Refused ? 1 : 0;
  }
  if (check.verdict == Verdict::Refused && !(force && check.forceable)) {
    std::fprintf(stderr, "reactorscope-run: %s\n", check.message.c_str());
    return 1;
  }

  std::string libraryPath = libraryDir;
  if (const char* old = std::getenv("LD_LIBRARY_PATH"); old && *old) libraryPath += std::string(":") + old;
  ::setenv("LD_LIBRARY_PATH", libraryPath.c_str(), 1);
  // The trace file is opened (once: it may be a FIFO) before the app is looked
  // for: one that cannot be written stops the run there, not after "running it
  // anyway". Close-on-exec: not the program's.
  std::FILE* text = traceTextPath.empty() ? nullptr : traceTextPath == "-" ? stdout : std::fopen(traceTextPath.c_str(), "we");
  if (!traceTextPath.empty() && !text) return traceFileFailed(traceTextPath);
  const int appFd = useApp ? connectApp() : -1;
  if (text || !record->path.empty() || useApp)
    return runTracedAndExit(program, argv + first, text, *record, useApp, appFd);
  ::execv(program.c_str(), argv + first);
  std::fprintf(stderr, "reactorscope-run: cannot run %s: %s\n", program.c_str(), std::strerror(errno));
  return 126;
}
