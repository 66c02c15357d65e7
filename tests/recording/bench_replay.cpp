// bench_replay (scripts/bench-replay): the replay side's figures. Writes (or reuses)
// a recording of echo-like records with keyframes every --keyframe-ms of record
// time or every --keyframe-records records (whichever first), then measures: open
// (RecordingReader::open + every session's span: index reads, no scan), seeks
// (recording/Keyframes stateAt: keyframe + the records after it) at --seeks random
// times, and -- in GUI builds -- what a slider move costs the app: the recorded
// FrameSource's seek (state at t - 100 ms, the window ingested into the model, log
// and intervals up to t) plus reading every view's data from it, at random times and
// along a drag (small steps backwards: each one a full seek). Prints p50/p90/p99/max;
// asserts nothing.
//   bench_replay [--mib 256] [--keyframe-ms 250] [--keyframe-records 65536]
//                [--connections 1000] [--seeks 50] [--out FILE] [--keep] [--reuse]
// --reuse: measure an existing --out file without writing it.
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "EchoLikeRecords.h"
#include "Keyframes.h"
#include "RecordingReader.h"
#include "RecordingWriter.h"
#ifdef REACTORSCOPE_BENCH_FRAME_SOURCE
#include "RecordedFrameSource.h"
#endif

using namespace rs::recording;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// "p50 X ms, p90 Y ms, p99 Z ms, max W ms" of the times (sorted here).
std::string percentiles(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  const auto at = [&](double p) { return times[std::min(times.size() - 1, static_cast<size_t>(p * static_cast<double>(times.size())))]; };
  char buf[160];
  std::snprintf(buf, sizeof buf, "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", at(0.5), at(0.9), at(0.99),
                times.back());
  return buf;
}

#ifdef REACTORSCOPE_BENCH_FRAME_SOURCE
// This thread's CPU time in ms: what a seek costs apart from waiting for a core on a loaded machine.
double threadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// What the views read in one redraw: every row, every connection's series, the
// diagram's and stats' figures, the log. Returns a checksum so nothing is optimised away.
uint64_t readViewData(const rs::gui::RecordedFrameSource& source) {
  uint64_t sum = 0;
  for (int i = 0; i < source.rowCount(); ++i) sum += source.row(i).activations;
  for (const auto& c : source.connections()) sum += c.owner;
  const rs::gui::DiagramStats diagram = source.diagramStats();
  sum += static_cast<uint64_t>(sizeof diagram);
  sum += source.callbackHistogram().count() + source.schedulingDelayHistogram().count();
  for (const auto& [session, figures] : source.figures()) sum += figures.intervals.size();
  QVector<rs::gui::LogEntry> log;
  sum += source.logLines(0, &log);
  return sum;
}

// Random slider moves, then a drag: --seeks steps of 20 ms backwards from a random t.
int benchFrameSource(const std::string& path, const TimeSpan& span, int seeks) {
  rs::gui::RecordedFrameSource source;
  QString error;
  if (!source.open(QString::fromStdString(path), &error)) {
    std::fprintf(stderr, "bench_replay: %s\n", error.toStdString().c_str());
    return 1;
  }
  std::mt19937_64 rng(7);
  uint64_t checksum = 0;
  const auto move = [&](int64_t t, std::vector<double>& times, std::vector<double>& cpu) {
    const auto s0 = Clock::now();
    const double c0 = threadCpuMs();
    if (!source.seek(t, &error)) return false;
    checksum += readViewData(source);
    times.push_back(msSince(s0));
    cpu.push_back(threadCpuMs() - c0);
    return true;
  };
  std::vector<double> random, drag, randomCpu, dragCpu;
  for (int i = 0; i < seeks; ++i) {
    const int64_t t = span.firstNs + static_cast<int64_t>(rng() % static_cast<uint64_t>(span.lastNs - span.firstNs + 1));
    if (!move(t, random, randomCpu)) break;
  }
  const int64_t dragFrom = span.firstNs + (span.lastNs - span.firstNs) / 2;
  for (int i = 0; i < seeks && error.isEmpty(); ++i) move(dragFrom - int64_t{i} * 20'000'000, drag, dragCpu);
  if (!error.isEmpty()) {
    std::fprintf(stderr, "bench_replay: %s\n", error.toStdString().c_str());
    return 1;
  }
  std::printf("slider move (FrameSource seek + every view's data; %d rows): random %s\n  (CPU time: %s)\n",
              source.rowCount(), percentiles(random).c_str(), percentiles(randomCpu).c_str());
  std::printf("slider drag (20 ms steps back, each a full seek): %s\n  (CPU time: %s; checksum %llu)\n",
              percentiles(drag).c_str(), percentiles(dragCpu).c_str(), static_cast<unsigned long long>(checksum));
  return 0;
}
#endif

int usage(const char* message) {
  std::fprintf(stderr,
               "bench_replay: %s\nusage: bench_replay [--mib N] [--keyframe-ms K] [--keyframe-records R] [--connections C] [--seeks S] "
               "[--out FILE] [--keep] [--reuse]\n",
               message);
  return 2;
}

long long fileBytes(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

}  // namespace

int main(int argc, char** argv) {
  double mib = 256, keyframeMs = 250;
  uint64_t keyframeRecords = KeyframeMaker::kDefaultMaxRecords;
  int connections = 1000, seeks = 50;
  std::string out = "/tmp/bench-replay-" + std::to_string(getpid()) + ".rsrec";
  bool keep = false, reuse = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool valued = arg == "--mib" || arg == "--keyframe-ms" || arg == "--keyframe-records" || arg == "--connections" || arg == "--seeks" ||
                        arg == "--out";
    if (valued && i + 1 >= argc) return usage("missing value");
    if (arg == "--mib") mib = std::atof(argv[++i]);
    else if (arg == "--keyframe-ms") keyframeMs = std::atof(argv[++i]);
    else if (arg == "--keyframe-records") keyframeRecords = std::strtoull(argv[++i], nullptr, 10);
    else if (arg == "--connections") connections = std::atoi(argv[++i]);
    else if (arg == "--seeks") seeks = std::atoi(argv[++i]);
    else if (arg == "--out") out = argv[++i];
    else if (arg == "--keep") keep = true;
    else if (arg == "--reuse") reuse = keep = true;
    else return usage(("unknown argument '" + arg + "'").c_str());
  }
  if (mib <= 0 || mib > 8192 || keyframeMs <= 0 || keyframeRecords < 1 || connections < 1 || connections > 100000 || seeks < 1 ||
      seeks > 10000)
    return usage("a value is out of range (--mib 0-8192, --keyframe-ms > 0, --keyframe-records >= 1, --connections 1-100000, --seeks 1-10000)");

  if (!reuse) {
    RecordingWriterOptions options;
    options.blockMaxAgeMs = 100'000;  // blocks are cut by count here
    RecordingWriter writer(options);
    std::string error;
    std::remove(out.c_str());
    if (!writer.open(out, &error)) return usage(error.c_str());
    const int64_t s = writer.addSession(SessionInfo{"client", "bench", getpid(), 0, "bench_replay"});
    KeyframeMaker maker(static_cast<int64_t>(keyframeMs * 1e6),
                        [&](int64_t ts, std::vector<uint8_t> state, KeyframeSource source) {
                          writer.addKeyframe(s, ts, std::move(state), source);
                        },
                        keyframeRecords);
    testing::EchoLikeRecords gen(1, static_cast<uint32_t>(connections));
    std::vector<rs::TraceRecord> chunk;
    const auto target = static_cast<int64_t>(mib * 1024 * 1024);
    const auto t0 = Clock::now();
    uint64_t records = 0;
    while (writer.storedBlockBytes() < target) {
      chunk.clear();
      gen.generate(65536, chunk);
      maker.feed(chunk.data(), chunk.size());
      for (size_t done = 0; done < chunk.size();) {
        done += writer.append(s, chunk.data() + done, chunk.size() - done);
        if (done < chunk.size()) std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      records += chunk.size();
      if (records % (64 * 65536) == 0) writer.flush();
    }
    writer.close();
    std::printf("wrote %llu records (%.1f s of record time, %llu keyframes: every %.0f ms or %llu records) in %.1f s: "
                "%lld bytes, %.2f B/record\n",
                static_cast<unsigned long long>(records), static_cast<double>(gen.nowNs() - 1'000'000'000) / 1e9,
                static_cast<unsigned long long>(maker.keyframesMade()), keyframeMs,
                static_cast<unsigned long long>(keyframeRecords), msSince(t0) / 1000, fileBytes(out),
                static_cast<double>(fileBytes(out)) / static_cast<double>(records));
  }

  const auto t0 = Clock::now();
  RecordingReader reader;
  std::string error;
  if (!reader.open(out, &error)) return usage(error.c_str());
  TimeSpan span;
  for (const auto& s : reader.sessions())
    if (!reader.span(s.id, span, &error)) return usage(error.c_str());
  const double openMs = msSince(t0);
  std::printf("open: %.1f ms (%lld bytes, %zu session(s), span %.1f s)\n", openMs, fileBytes(out),
              reader.sessions().size(), static_cast<double>(span.lastNs - span.firstNs) / 1e9);

  std::mt19937_64 rng(42);
  std::vector<double> times;
  size_t maxReplayed = 0, events = 0;
  for (int i = 0; i < seeks; ++i) {
    const int64_t t = span.firstNs + static_cast<int64_t>(rng() % static_cast<uint64_t>(span.lastNs - span.firstNs + 1));
    EventStates state;
    SeekCost cost;
    const auto s0 = Clock::now();
    if (!stateAt(reader, reader.sessions()[0].id, t, state, &error, &cost)) return usage(error.c_str());
    times.push_back(msSince(s0));
    maxReplayed = std::max(maxReplayed, cost.recordsReplayed);
    events = state.events().size();
  }
  std::printf("seek (stateAt): %d random times, %s (at most %zu records replayed after the keyframe; %zu events "
              "in the state)\n",
              seeks, percentiles(times).c_str(), maxReplayed, events);
  int status = 0;
#ifdef REACTORSCOPE_BENCH_FRAME_SOURCE
  status = benchFrameSource(out, span, seeks);
#endif
  if (!keep) std::remove(out.c_str());
  return status;
}
