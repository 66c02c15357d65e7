// libevent's process-wide settings: the log and fatal-error callbacks, debug
// logging, global shutdown; and the message formatting behind CompatLog.h.
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "CompatBase.h"
#include "CompatLog.h"
#include "LiveCollector.h"

namespace {

std::atomic<event_log_cb> g_logCallback{nullptr};
std::atomic<event_fatal_cb> g_fatalCallback{nullptr};
std::atomic<ev_uint32_t> g_debugMask{0};

const char* severityName(int severity) {
  switch (severity) {
    case EVENT_LOG_DEBUG: return "debug";
    case EVENT_LOG_MSG: return "msg";
    case EVENT_LOG_WARN: return "warn";
    case EVENT_LOG_ERR: return "err";
    default: return "???";
  }
}

// One message: the text (cut at 1023 bytes, as libevent's buffer), then
// ": <strerror(errorNumber)>" when errorNumber >= 0.
void emit(int severity, int errorNumber, const char* format, va_list args) {
  char text[1024];
  std::vsnprintf(text, sizeof text, format, args);
  if (errorNumber >= 0) {
    const size_t used = std::strlen(text);
    std::snprintf(text + used, sizeof text - used, ": %s", std::strerror(errorNumber));
  }
  rs::live::logLine(severity, text);
  if (const event_log_cb cb = g_logCallback.load(std::memory_order_acquire)) {
    cb(severity, text);
  } else {
    std::fprintf(stderr, "[%s] %s\n", severityName(severity), text);
  }
}

}  // namespace

namespace rs::compat {

void logWarn(const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(EVENT_LOG_WARN, -1, format, args);
  va_end(args);
}

void logWarnErrno(const char* format, ...) {
  const int savedErrno = errno;
  va_list args;
  va_start(args, format);
  emit(EVENT_LOG_WARN, savedErrno, format, args);
  va_end(args);
  errno = savedErrno;
}

void logMsg(const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(EVENT_LOG_MSG, -1, format, args);
  va_end(args);
}

bool debugLoggingEnabled() { return g_debugMask.load(std::memory_order_relaxed) != 0; }

void logDebug(const char* format, ...) {
  if (!debugLoggingEnabled()) return;
  va_list args;
  va_start(args, format);
  emit(EVENT_LOG_DEBUG, -1, format, args);
  va_end(args);
}

void logFatal(int exitCode, const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(EVENT_LOG_ERR, -1, format, args);
  va_end(args);
  if (const event_fatal_cb cb = g_fatalCallback.load(std::memory_order_acquire)) cb(exitCode);
  std::exit(exitCode);
}

}  // namespace rs::compat

extern "C" {

void event_set_log_callback(event_log_cb cb) { g_logCallback.store(cb, std::memory_order_release); }

void event_set_fatal_callback(event_fatal_cb cb) { g_fatalCallback.store(cb, std::memory_order_release); }

void event_enable_debug_logging(ev_uint32_t which) { g_debugMask.store(which, std::memory_order_relaxed); }

// As libevent's: debug mode and its map, the signal globals (CompatBase.h's
// releaseGlobals). The log and fatal hooks stay set, as libevent's do.
void libevent_global_shutdown(void) { rs::compat::releaseGlobals(); }

}  // extern "C"
