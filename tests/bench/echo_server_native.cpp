// The echo benchmark's native server: rs::EchoServer on one EventBase, with an
// optional trace consumer thread draining the ring as the GUI would (--trace).
//
//   echo_server_native [PORT] [echo|discard|source] [--trace]
//
// Prints "listening on 127.0.0.1:N"; on SIGINT/SIGTERM prints the trace record
// and drop counts to stderr and exits.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/EventBase.h"
#include "workload/EchoServer.h"

int main(int argc, char** argv) {
  rs::EchoServerConfig cfg;
  bool trace = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--trace") trace = true;
    else if (a == "echo") cfg.mode = rs::EchoServerConfig::Mode::Echo;
    else if (a == "discard") cfg.mode = rs::EchoServerConfig::Mode::Discard;
    else if (a == "source") cfg.mode = rs::EchoServerConfig::Mode::Source;
    else cfg.port = static_cast<uint16_t>(std::stoi(a));
  }
  cfg.backlog = 4096;
  rs::EventBase::Options opt;
  opt.tracing = trace;
  rs::EventBase base(opt);
  rs::EchoServer server(&base, cfg);
  std::string err;
  if (!server.start(&err)) {
    std::fprintf(stderr, "echo_server_native: %s\n", err.c_str());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%u\n", server.port());
  std::fflush(stdout);

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> drained{0};
  std::thread consumer;
  if (trace) {
    consumer = std::thread([&] {
      std::vector<rs::TraceRecord> recs(1 << 16);
      while (!stop.load()) {
        size_t n;
        while ((n = base.tracer().drain(recs.data(), recs.size())) > 0) drained += n;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  auto quit = [&](int, short) { base.loopbreak(); };
  rs::Event sigint(&base, SIGINT, rs::kEvSignal | rs::kEvPersist, quit);
  rs::Event sigterm(&base, SIGTERM, rs::kEvSignal | rs::kEvPersist, quit);
  sigint.add(nullptr);
  sigterm.add(nullptr);
  base.dispatch();
  stop = true;
  if (consumer.joinable()) consumer.join();
  std::fprintf(stderr, "trace_records=%llu dropped=%llu\n", static_cast<unsigned long long>(drained.load()),
               static_cast<unsigned long long>(base.tracer().dropped()));
  return 0;
}
