/* event_config as programs use it to pick a backend: require_features (O1,
 * ET, FDS, EARLY_CLOSE) alone and combined, avoid_method, IGNORE_ENV (the
 * environment's EVENT_NOEPOLL is then not honoured), NOLOCK / NO_CACHE_TIME /
 * PRECISE_TIMER flags, set_num_cpus_hint, the features of the base each
 * config yields, and event_get_supported_methods. The printed method depends
 * on the backend the run is for (both libraries run with the same
 * environment). */
#include "scenario.h"

static const char *features_str(int f) {
  static char buf[128];
  buf[0] = '\0';
  if (f & EV_FEATURE_ET) strcat(buf, "|ET");
  if (f & EV_FEATURE_O1) strcat(buf, "|O1");
  if (f & EV_FEATURE_FDS) strcat(buf, "|FDS");
  if (f & EV_FEATURE_EARLY_CLOSE) strcat(buf, "|EARLY_CLOSE");
  return buf[0] ? buf + 1 : "0";
}

static void try_config(const char *title, struct event_config *cfg) {
  struct event_base *b = event_base_new_with_config(cfg);
  if (b == NULL) {
    LOG("%s: no base", title);
  } else {
    LOG("%s: method=%s features=%s", title, event_base_get_method(b), features_str(event_base_get_features(b)));
    event_base_free(b);
  }
  event_config_free(cfg);
}

static struct event_config *requiring(int features) {
  struct event_config *cfg = event_config_new();
  CHECK(cfg != NULL);
  LOG("require_features(%s)=%d", features_str(features), event_config_require_features(cfg, features));
  return cfg;
}

int main(void) {
  struct event_base *base = new_base();
  struct event_config *cfg;
  const char **methods = event_get_supported_methods();
  int i, has_epoll = 0, has_poll = 0;
  for (i = 0; methods[i] != NULL; ++i) {
    has_epoll |= strcmp(methods[i], "epoll") == 0;
    has_poll |= strcmp(methods[i], "poll") == 0;
  }
  LOG("supported: epoll=%d poll=%d first=%s", has_epoll, has_poll, methods[0]);
  LOG("default base: method=%s features=%s", event_base_get_method(base), features_str(event_base_get_features(base)));

  try_config("empty config", event_config_new());
  try_config("O1", requiring(EV_FEATURE_O1));
  try_config("ET", requiring(EV_FEATURE_ET));
  try_config("FDS", requiring(EV_FEATURE_FDS));
  try_config("EARLY_CLOSE", requiring(EV_FEATURE_EARLY_CLOSE));
  try_config("ET|O1", requiring(EV_FEATURE_ET | EV_FEATURE_O1));
  try_config("O1|FDS", requiring(EV_FEATURE_O1 | EV_FEATURE_FDS));
  try_config("nothing", requiring(0));

  cfg = event_config_new();
  LOG("avoid epoll=%d", event_config_avoid_method(cfg, "epoll"));
  try_config("avoiding epoll", cfg);
  cfg = event_config_new();
  LOG("avoid nonexistent=%d", event_config_avoid_method(cfg, "kqueue"));
  try_config("avoiding kqueue", cfg);
  cfg = event_config_new();
  event_config_avoid_method(cfg, "epoll");
  event_config_require_features(cfg, EV_FEATURE_ET);
  try_config("avoiding epoll, requiring ET", cfg);

  cfg = event_config_new();
  LOG("set_flag IGNORE_ENV=%d", event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV));
  try_config("ignoring the environment", cfg);
  cfg = event_config_new();
  LOG("set_flag NOLOCK=%d", event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK));
  LOG("set_flag NO_CACHE_TIME=%d", event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME));
  LOG("set_flag PRECISE_TIMER=%d", event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER));
  LOG("set_num_cpus_hint(4)=%d", event_config_set_num_cpus_hint(cfg, 4));
  try_config("flags", cfg);
  cfg = event_config_new();
  LOG("set_flag EPOLL_USE_CHANGELIST=%d", event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST));
  try_config("changelist asked", cfg); /* named "epoll (with changelist)" on epoll */
  event_base_free(base);
  return 0;
}
