// The live trace stream's wire format (docs/trace-protocol.md): framed,
// little-endian messages a traced program's collector (LiveCollector.cpp)
// writes and src/live/TraceDecoder reads. Every constant and the encoder live
// here, once; the decoder validates against the same constants.
// Thread contract: plain functions and values, any thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace rs::live {

constexpr uint32_t kProtocolVersion = 1;
// The launcher's environment: a socket each traced process connects its own
// stream to (kept across fork and exec), or one inherited stream descriptor.
inline constexpr char kTraceSocketEnv[] = "REACTORSCOPE_TRACE_SOCKET";
inline constexpr char kTraceFdEnv[] = "REACTORSCOPE_TRACE_FD";
// Frame header: u32 body length, u16 type, u16 reserved (0).
constexpr size_t kFrameHeaderBytes = 8;
// A little-endian u32 of the stream, read from any address.
inline uint32_t readLe32(const void* at) {
  const auto* b = static_cast<const unsigned char*>(at);
  return uint32_t{b[0]} | (uint32_t{b[1]} << 8) | (uint32_t{b[2]} << 16) | (uint32_t{b[3]} << 24);
}
// The body length a frame's header gives (its first field).
inline uint32_t frameBodyBytes(const void* header) { return readLe32(header); }
// A frame header's type and reserved fields (u16 each, after the length).
inline uint16_t frameType(const void* header) {
  const auto* b = static_cast<const unsigned char*>(header);
  return static_cast<uint16_t>(b[4] | (b[5] << 8));
}
inline uint16_t frameReserved(const void* header) {
  const auto* b = static_cast<const unsigned char*>(header);
  return static_cast<uint16_t>(b[6] | (b[7] << 8));
}
constexpr uint32_t kMaxBodyBytes = uint32_t{1} << 20;
constexpr size_t kMaxStringBytes = 4096;  // a string: u16 length + bytes
constexpr size_t kRecordBytes = 40;       // rs::TraceRecord's layout
// Records per Records frame (12-byte head + 40 each stays under kMaxBodyBytes).
constexpr uint32_t kMaxRecordsPerFrame = 4096;

enum class MessageType : uint16_t {
  Hello = 1,        // u32 version, u32 pid, i64 start monotonic ns, str process name, str executable path
  BaseCreated = 2,  // u64 base, str backend method
  BaseFreed = 3,    // u64 base
  Callback = 4,     // u64 base, u64 event id, u8 role, u8 0, i16 events, i32 fd, u64 address,
                    // u64 file address (address - load bias), str module path
  Records = 5,      // u64 base, u32 count, u32 0, count x 40-byte records
  Log = 6,          // i32 severity (libevent's EVENT_LOG_*), str text
  Dropped = 7,      // u64 base, u64 dropped in the ring, u64 dropped by the collector (totals)
  Exit = 8,         // u8 signaled (0/1), u8 0, u16 0, i32 exit code or signal number; written by
                    // reactorscope-run (not the target) once the program ended: the last frame
};
constexpr uint16_t kFirstType = 1;
constexpr uint16_t kLastType = 8;
// Not a message of any process's stream (a decoder refuses it): the first
// frame of a connection from reactorscope-run to the app when the relay hands
// the process's own stream over instead of relaying it. Header only (body 0),
// sent with exactly one descriptor (SCM_RIGHTS): that stream. The app reads the
// stream from the descriptor; the connection then carries only what the relay
// says after the stream's last frame (exit). src/live/Handoff.
constexpr uint16_t kHandoffType = 9;

// Which of the program's callbacks an event runs.
enum class CallbackRole : uint8_t {
  Event = 0,          // event_new / event_assign: the event's own callback
  BufferRead = 1,     // a bufferevent's read event: bufferevent_setcb's readcb
  BufferWrite = 2,    // its write event: writecb
  BufferEventCb = 3,  // eventcb (on the read event's id)
  Listener = 4,       // an evconnlistener's listening event: its callback
};
constexpr uint8_t kLastRole = 4;

// Appends little-endian values to a byte string.
class Encoder {
 public:
  explicit Encoder(std::string& out) : out_(out) {}
  // Starts a frame; end() writes its body length.
  void begin(MessageType type) {
    start_ = out_.size();
    u32(0);
    u16(static_cast<uint16_t>(type));
    u16(0);
  }
  void end() {
    const uint32_t body = static_cast<uint32_t>(out_.size() - start_ - kFrameHeaderBytes);
    for (int i = 0; i < 4; ++i) out_[start_ + static_cast<size_t>(i)] = static_cast<char>((body >> (8 * i)) & 0xff);
  }
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { bytes(v, 2); }
  void u32(uint32_t v) { bytes(v, 4); }
  void u64(uint64_t v) { bytes(v, 8); }
  void str(std::string_view s) {
    const size_t n = s.size() < kMaxStringBytes ? s.size() : kMaxStringBytes;
    u16(static_cast<uint16_t>(n));
    out_.append(s.data(), n);
  }
  void raw(const void* data, size_t n) { out_.append(static_cast<const char*>(data), n); }

 private:
  void bytes(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string& out_;
  size_t start_ = 0;
};

// The exit frame reactorscope-run appends to the stream it relays.
inline std::string encodeExit(bool signaled, int32_t code) {
  std::string out;
  Encoder e(out);
  e.begin(MessageType::Exit);
  e.u8(signaled ? 1 : 0);
  e.u8(0);
  e.u16(0);
  e.u32(static_cast<uint32_t>(code));
  e.end();
  return out;
}

// The handoff frame (kHandoffType), without its descriptor.
inline std::string encodeHandoff() {
  std::string out;
  Encoder e(out);
  e.begin(static_cast<MessageType>(kHandoffType));
  e.end();
  return out;
}

}  // namespace rs::live
