// bench_recording (scripts/bench-recording): echo-like trace records into a
// RecordingWriter for N seconds from one producer thread, then the reader's open
// and range-read times. Prints figures; asserts nothing.
//   bench_recording [--seconds 10] [--rate 2400000] [--out FILE] [--keep]
// --rate R: records/s the producer offers (paced per 4096-record chunk); what the
// queue cannot take is dropped and counted. --rate 0: as fast as the writer takes
// them (a partial append is retried after 100 us, so nothing drops): the writer's ceiling.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <thread>

#include "EchoLikeRecords.h"
#include "RecordingReader.h"
#include "RecordingWriter.h"

using namespace rs::recording;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

int usage(const char* message) {
  std::fprintf(stderr, "bench_recording: %s\nusage: bench_recording [--seconds N] [--rate R] [--out FILE] [--keep]\n",
               message);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 10;
  double rate = 2'400'000;
  std::string out = "/tmp/bench-recording-" + std::to_string(getpid()) + ".rsrec";
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--seconds" || arg == "--rate" || arg == "--out") && i + 1 >= argc) return usage("missing value");
    if (arg == "--seconds") {
      seconds = std::atof(argv[++i]);
      if (seconds <= 0 || seconds > 3600) return usage("--seconds takes 0 < N <= 3600");
    } else if (arg == "--rate") {
      rate = std::atof(argv[++i]);
      if (rate < 0) return usage("--rate takes R >= 0");
    } else if (arg == "--out") {
      out = argv[++i];
    } else if (arg == "--keep") {
      keep = true;
    } else {
      return usage(("unknown argument '" + arg + "'").c_str());
    }
  }

  // A pool of echo-like records replayed with shifted timestamps: the producer's
  // cost is a copy, as when a loop's trace ring is drained into a buffer.
  std::vector<rs::TraceRecord> pool;
  testing::EchoLikeRecords gen(1, 1000);
  gen.generate(1 << 20, pool);
  const int64_t poolSpanNs = pool.back().tsNs - pool.front().tsNs + 1000;

  RecordingWriterOptions options;
  options.overwrite = true;
  RecordingWriter writer(options);
  std::string error;
  if (!writer.open(out, &error)) {
    std::fprintf(stderr, "bench_recording: %s\n", error.c_str());
    return 1;
  }
  const int64_t session = writer.addSession(SessionInfo{"server", "bench", getpid(), pool.front().tsNs, "echo-like"});

  constexpr size_t kChunk = 4096;
  std::vector<rs::TraceRecord> chunk(kChunk);
  uint64_t offered = 0;
  size_t poolAt = 0;
  int64_t shiftNs = 0;
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    for (size_t i = 0; i < kChunk; ++i) {
      chunk[i] = pool[poolAt];
      chunk[i].tsNs += shiftNs;
      if (++poolAt == pool.size()) {
        poolAt = 0;
        shiftNs += poolSpanNs;
      }
    }
    if (rate > 0) {
      writer.append(session, chunk.data(), kChunk);
      offered += kChunk;
      std::this_thread::sleep_until(t0 + std::chrono::duration<double>(static_cast<double>(offered) / rate));
    } else {
      for (size_t done = 0; done < kChunk && Clock::now() < end + std::chrono::seconds(5);) {
        done += writer.append(session, chunk.data() + done, kChunk - done);
        if (done < kChunk) std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      offered += kChunk;
    }
  }
  const double produceSeconds = msSince(t0) / 1000;
  const uint64_t droppedBeforeClose = writer.dropped();
  writer.close();
  const double totalSeconds = msSince(t0) / 1000;
  const uint64_t committed = writer.committedRecords();
  if (writer.failed()) std::fprintf(stderr, "bench_recording: %s\n", writer.error().c_str());

  struct stat st{};
  stat(out.c_str(), &st);
  std::printf("records offered      %llu in %.1f s (%.2f M/s offered%s)\n", static_cast<unsigned long long>(offered),
              produceSeconds, static_cast<double>(offered) / produceSeconds / 1e6, rate > 0 ? ", paced" : ", unpaced");
  std::printf("records committed    %llu, %.2f M/s sustained (until close: %.1f s)\n",
              static_cast<unsigned long long>(committed), static_cast<double>(committed) / totalSeconds / 1e6,
              totalSeconds);
  if (rate > 0)
    std::printf("dropped              %llu\n", static_cast<unsigned long long>(droppedBeforeClose));
  else  // the refused part of each append was offered again: counted by dropped(), never lost
    std::printf("dropped              0 (%llu refused and offered again)\n",
                static_cast<unsigned long long>(droppedBeforeClose));
  std::printf("file                 %.1f MB, %.2f bytes/record on disk (raw 40), %llu blocks\n",
              static_cast<double>(st.st_size) / 1e6,
              committed ? static_cast<double>(st.st_size) / static_cast<double>(committed) : 0.0,
              static_cast<unsigned long long>(writer.committedBlocks()));

  RecordingReader reader;
  const auto tOpen = Clock::now();
  if (!reader.open(out, &error)) {
    std::fprintf(stderr, "bench_recording: %s\n", error.c_str());
    return 1;
  }
  const double openMs = msSince(tOpen);
  TimeSpan span;
  const auto tSpan = Clock::now();
  reader.span(session, span, &error);
  const double spanMs = msSince(tSpan);
  std::printf("reader open          %.2f ms; span %.2f ms (%.1f s of trace)\n", openMs, spanMs,
              static_cast<double>(span.lastNs - span.firstNs) / 1e9);
  std::vector<rs::TraceRecord> got;
  for (int64_t windowMs : {1, 100, 1000}) {
    const int64_t from = span.firstNs + (span.lastNs - span.firstNs) / 2;
    const auto tRead = Clock::now();
    if (!reader.records(session, from, from + windowMs * 1'000'000, got, &error)) {
      std::fprintf(stderr, "bench_recording: %s\n", error.c_str());
      return 1;
    }
    std::printf("range read %5lld ms   %.2f ms: %zu records from %zu blocks\n", static_cast<long long>(windowMs),
                msSince(tRead), got.size(), reader.lastBlocksRead());
  }
  if (!keep) unlink(out.c_str());
  return writer.failed() ? 1 : 0;
}
