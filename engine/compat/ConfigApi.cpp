// libevent's event_config and backend choice: event_base_new(_with_config)
// picks the first of libevent 2.1.12's Linux backends (epoll, poll, select)
// that the configuration does not avoid (by name or by a required feature)
// and the environment does not disable (EVENT_NOEPOLL, EVENT_NOPOLL,
// EVENT_NOSELECT: set at all, even empty, as libevent's getenv test), and that
// can be created. Like libevent's, the base's fds come in libevent's order: the
// backend's (epoll only), the signal pipe, then the wakeup eventfd only when
// threads are enabled (evthread_use_pthreads before the base) or the program
// calls evthread_make_base_notifiable.
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "CompatBase.h"
#include "CompatLog.h"
#include "CrossThread.h"
#include "LiveCollector.h"

struct event_config {
  std::vector<std::string> avoided;  // event_config_avoid_method's names
  int requiredFeatures = 0;          // event_config_require_features
  int flags = 0;                     // EVENT_BASE_FLAG_*
};

namespace {

struct Backend {
  rs::Poller::Backend backend;
  const char* name;
  int features;
};

// libevent 2.1.12's eventops on Linux, in its order, with their features.
constexpr Backend kBackends[] = {
    {rs::Poller::Backend::Epoll, "epoll", EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE},
    {rs::Poller::Backend::Poll, "poll", EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE},
    {rs::Poller::Backend::Select, "select", EV_FEATURE_FDS},
};

bool avoidedByConfig(const event_config* cfg, const Backend& b) {
  if (!cfg) return false;
  if ((b.features & cfg->requiredFeatures) != cfg->requiredFeatures) return true;
  for (const std::string& name : cfg->avoided)
    if (name == b.name) return true;
  return false;
}

// libevent's event_is_method_disabled: EVENT_NO<NAME> set, whatever its value.
bool disabledByEnvironment(const Backend& b) {
  std::string variable = "EVENT_NO";
  for (const char* c = b.name; *c; ++c) variable += static_cast<char>(*c - 'a' + 'A');
  return std::getenv(variable.c_str()) != nullptr;
}

struct event_base* makeBase(const event_config* cfg) {
  const int flags = cfg ? cfg->flags : 0;
  const bool checkEnvironment = !(flags & EVENT_BASE_FLAG_IGNORE_ENV);
  rs::EventBase::Options options;
  options.preciseTimer = (flags & EVENT_BASE_FLAG_PRECISE_TIMER) ||
                         (checkEnvironment && std::getenv("EVENT_PRECISE_TIMER") != nullptr);
  options.signalPipeAtStart = true;  // every libevent backend's init runs evsig_init_
  options.notifiable = false;        // below, after the backend's fds, as libevent
  event_base* base = nullptr;
  for (const Backend& b : kBackends) {
    if (avoidedByConfig(cfg, b) || (checkEnvironment && disabledByEnvironment(b))) continue;
    options.backend = b.backend;
    base = new (std::nothrow) event_base(options);
    if (base && base->valid()) break;
    delete base;  // this backend cannot be made here: the next one
    base = nullptr;
  }
  if (!base) {
    rs::compat::logWarn("event_base_new_with_config: no event mechanism available");
    return nullptr;
  }
  base->changelistAsked = std::strcmp(base->method(), "epoll") == 0 &&
                          ((flags & EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) ||
                           (checkEnvironment && std::getenv("EVENT_EPOLL_USE_CHANGELIST") != nullptr));
  if (std::getenv("EVENT_SHOW_METHOD")) rs::compat::logMsg("libevent using: %s", base->libeventMethod());
  if (rs::compat::threadsEnabled() && !(flags & EVENT_BASE_FLAG_NOLOCK) && base->makeNotifiable() != 0) {
    rs::compat::logWarn("event_base_new_with_config: Unable to make base notifiable.");
    delete base;
    return nullptr;
  }
  base->wallClock.disabled = flags & EVENT_BASE_FLAG_NO_CACHE_TIME;
  rs::live::baseCreated(base);
  return base;
}

}  // namespace

extern "C" {

struct event_config* event_config_new(void) { return new (std::nothrow) event_config; }

void event_config_free(struct event_config* cfg) { delete cfg; }

int event_config_avoid_method(struct event_config* cfg, const char* method) {
  if (!cfg || !method) return -1;
  cfg->avoided.emplace_back(method);  // any name, as libevent (kqueue, devpoll, ... avoid nothing here)
  return 0;
}

int event_config_require_features(struct event_config* cfg, int feature) {
  if (!cfg) return -1;
  cfg->requiredFeatures = feature;  // replaces, as libevent's
  return 0;
}

int event_config_set_flag(struct event_config* cfg, int flag) {
  if (!cfg) return -1;
  cfg->flags |= flag;
  return 0;
}

int event_config_set_num_cpus_hint(struct event_config* cfg, int /*cpus*/) {
  return cfg ? 0 : -1;  // a hint for IOCP (Windows) in libevent: nothing to do here
}

struct event_base* event_base_new(void) { return makeBase(nullptr); }

struct event_base* event_base_new_with_config(const struct event_config* cfg) { return makeBase(cfg); }

const char** event_get_supported_methods(void) {
  static const char* methods[] = {kBackends[0].name, kBackends[1].name, kBackends[2].name, nullptr};
  return methods;
}

int event_base_get_features(const struct event_base* base) {
  if (!base) return 0;
  for (const Backend& b : kBackends)
    if (std::strcmp(base->method(), b.name) == 0) return b.features;
  return 0;
}

}  // extern "C"
