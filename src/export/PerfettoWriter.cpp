#include "PerfettoWriter.h"

#include <cerrno>
#include <cstring>

#include "perfetto_trace.pb.h"

namespace rs::exporting {

namespace pp = perfetto::protos;

struct PerfettoWriter::Packet {
  pp::TracePacket message;
};

namespace {

// Field 1 of Trace, wire type 2 (length-delimited).
constexpr unsigned char kTracePacketTag = (1 << 3) | 2;

void putVarint(std::FILE* out, uint64_t value) {
  unsigned char buf[10];
  size_t n = 0;
  do {
    buf[n] = static_cast<unsigned char>(value & 0x7f);
    value >>= 7;
    if (value) buf[n] |= 0x80;
    ++n;
  } while (value);
  std::fwrite(buf, 1, n, out);
}

}  // namespace

PerfettoWriter::PerfettoWriter(std::FILE* out) : out_(out), packet_(std::make_unique<Packet>()) {}

PerfettoWriter::~PerfettoWriter() = default;

void PerfettoWriter::writePacket() {
  packet_->message.set_trusted_packet_sequence_id(kSequenceId);
  if (first_) packet_->message.set_sequence_flags(pp::TracePacket::SEQ_INCREMENTAL_STATE_CLEARED);
  first_ = false;
  packet_->message.SerializeToString(&bytes_);
  std::fputc(kTracePacketTag, out_);
  putVarint(out_, bytes_.size());
  std::fwrite(bytes_.data(), 1, bytes_.size(), out_);
  packet_->message.Clear();
}

void PerfettoWriter::track(const ExportTrack& track) {
  auto* d = packet_->message.mutable_track_descriptor();
  d->set_uuid(track.uuid);
  d->set_name(track.name);
  if (track.parentUuid == 0) {
    d->mutable_process()->set_pid(static_cast<int32_t>(track.session));
    d->mutable_process()->set_process_name(track.name);
  } else {
    d->set_parent_uuid(track.parentUuid);
  }
  if (track.counter) d->mutable_counter()->set_unit(pp::CounterDescriptor::UNIT_SIZE_BYTES);
  writePacket();
}

pp::TrackEvent* PerfettoWriter::event(int type, uint64_t track, int64_t tsNs) {
  packet_->message.set_timestamp(static_cast<uint64_t>(tsNs));
  auto* e = packet_->message.mutable_track_event();
  e->set_type(static_cast<pp::TrackEvent::Type>(type));
  e->set_track_uuid(track);
  return e;
}

void PerfettoWriter::sliceBegin(uint64_t track, int64_t tsNs, const std::string& name, uint64_t flowEndId) {
  auto* e = event(pp::TrackEvent::TYPE_SLICE_BEGIN, track, tsNs);
  e->set_name(name);
  if (flowEndId) e->add_terminating_flow_ids(flowEndId);
  writePacket();
}

void PerfettoWriter::sliceEnd(uint64_t track, int64_t tsNs) {
  event(pp::TrackEvent::TYPE_SLICE_END, track, tsNs);
  writePacket();
}

void PerfettoWriter::instant(uint64_t track, int64_t tsNs, const std::string& name, uint64_t flowStartId) {
  auto* e = event(pp::TrackEvent::TYPE_INSTANT, track, tsNs);
  e->set_name(name);
  if (flowStartId) e->add_flow_ids(flowStartId);
  writePacket();
}

void PerfettoWriter::counter(uint64_t track, int64_t tsNs, int64_t value) {
  event(pp::TrackEvent::TYPE_COUNTER, track, tsNs)->set_counter_value(value);
  writePacket();
}

bool PerfettoWriter::finish(std::string* error) {
  if (std::fflush(out_) != 0 || std::ferror(out_)) {
    if (error) *error = std::string("writing failed: ") + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace rs::exporting
