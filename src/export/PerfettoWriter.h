// Perfetto's native protobuf trace (perfetto_trace.proto): the file is a `Trace`
// message written one `TracePacket` at a time (field 1, length-delimited), so it
// streams. A session is a process track (ProcessDescriptor, pid = session id), its
// loop, event and buffer tracks are child tracks (counter tracks in bytes); slices
// are TYPE_SLICE_BEGIN/END track events, flows use flow_ids/terminating_flow_ids.
// Timestamps are the recording's CLOCK_MONOTONIC ns. All packets are on one
// sequence (trusted_packet_sequence_id 1).
// Thread contract: one thread.
#pragma once
#include <cstdio>
#include <memory>
#include <string>

#include "ExportSink.h"

namespace perfetto::protos {
class TrackEvent;
}

namespace rs::exporting {

class PerfettoWriter final : public ExportSink {
 public:
  static constexpr uint32_t kSequenceId = 1;
  // Writes to `out` (not owned; the caller closes it after finish()).
  explicit PerfettoWriter(std::FILE* out);
  ~PerfettoWriter() override;
  void track(const ExportTrack& track) override;
  void sliceBegin(uint64_t track, int64_t tsNs, const std::string& name, uint64_t flowEndId) override;
  void sliceEnd(uint64_t track, int64_t tsNs) override;
  void instant(uint64_t track, int64_t tsNs, const std::string& name, uint64_t flowStartId) override;
  void counter(uint64_t track, int64_t tsNs, int64_t value) override;
  bool finish(std::string* error) override;

 private:
  struct Packet;  // the generated TracePacket, kept out of this header
  // The packet's track event of `type` (TrackEvent::Type) on `track` at tsNs.
  perfetto::protos::TrackEvent* event(int type, uint64_t track, int64_t tsNs);
  // Writes the packet (sequence id and the first packet's flags set here) and clears it.
  void writePacket();
  std::FILE* out_;
  std::unique_ptr<Packet> packet_;
  std::string bytes_;
  bool first_ = true;
};

}  // namespace rs::exporting
