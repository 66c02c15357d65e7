// Hands every message of a decoded trace to each of its sinks in turn
// (reactorscope-run's --trace-text and --record of one process together).
// Thread contract: the decoder's thread.
#pragma once
#include <vector>

#include "live/TraceDecoder.h"

namespace rs::run {

class SinkFanOut : public live::TraceSink {
 public:
  void addSink(live::TraceSink* sink) { sinks_.push_back(sink); }
  bool empty() const { return sinks_.empty(); }
  void hello(const live::Hello& h) override { each([&](live::TraceSink& s) { s.hello(h); }); }
  void baseCreated(uint64_t base, const std::string& method) override {
    each([&](live::TraceSink& s) { s.baseCreated(base, method); });
  }
  void baseFreed(uint64_t base) override { each([&](live::TraceSink& s) { s.baseFreed(base); }); }
  void callback(const live::CallbackInfo& info) override { each([&](live::TraceSink& s) { s.callback(info); }); }
  void records(uint64_t base, const TraceRecord* records, size_t count) override {
    each([&](live::TraceSink& s) { s.records(base, records, count); });
  }
  void log(int severity, const std::string& text) override { each([&](live::TraceSink& s) { s.log(severity, text); }); }
  void dropped(const live::DropCounts& counts) override { each([&](live::TraceSink& s) { s.dropped(counts); }); }
  void exited(const live::ProgramExit& x) override { each([&](live::TraceSink& s) { s.exited(x); }); }

 private:
  template <typename F>
  void each(F&& f) {
    for (live::TraceSink* s : sinks_) f(*s);
  }
  std::vector<live::TraceSink*> sinks_;
};

}  // namespace rs::run
