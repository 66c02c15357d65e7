// One connection of the load client: where it stands in its state machine and
// the bookkeeping of the messages on it. The client's core (LoadClient.cpp)
// owns every LoadConnection and makes every transition:
//
//   Idle --startConnect--> Connecting --connected--> Open --close--> Closed
//     \___________________________ stopOpening / close _____________/
//
// Closed is final. While Open, `sendingDone` says the connection sends no more
// (duration, count, drain or its fault's end); it then has one timeout to
// finish (`doneAt`). Its bufferevent's callbacks reach the core through
// LoadConnectionOwner.
// Thread contract: loop thread only (the client's loop), like LoadClient.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "core/EventBase.h"
#include "net/BufferEvent.h"
#include "net/InetAddress.h"

namespace rs {

struct LoadConnection;

// What a LoadConnection's bufferevent callbacks call: the client's core.
class LoadConnectionOwner {
 public:
  virtual void onConnectionReadable(LoadConnection* c) = 0;
  virtual void onConnectionWritable(LoadConnection* c) = 0;
  virtual void onConnectionEvent(LoadConnection* c, short what) = 0;

 protected:
  ~LoadConnectionOwner() = default;
};

struct LoadConnection {
  enum class State { Idle, Connecting, Open, Closed };

  LoadConnectionOwner* owner = nullptr;
  uint32_t index = 0;
  BufferEvent* bev = nullptr;  // Connecting and Open only
  State state = State::Idle;
  Nanos connectStarted = 0;
  std::string local;  // Open: its socket's own address ("127.0.0.1:54321")
  uint64_t nextSeq = 0;   // next message to send
  uint64_t recvSeq = 0;   // message being received
  size_t recvOffset = 0;  // bytes of it received so far
  uint64_t recvMismatched = 0;
  std::deque<Nanos> inflight;  // intended send time of each unanswered message
  Nanos nextIntended = 0;      // open loop schedule
  // When the oldest unanswered message became the oldest: its echo is due
  // one timeout later, however many of its bytes trickle in meanwhile.
  Nanos headSince = 0;
  Nanos doneAt = 0;                 // when sending ended: the connection has one timeout to finish
  size_t sourceOffset = 0;          // source mode: position in the chargen pattern
  uint64_t bytesWrittenBefore = 0;  // closed: what its bufferevent handed to the kernel
  bool sendingDone = false;
  bool shutdownSent = false;
  bool waitingForFloodTurn = false;  // FloodGate's

  bool open() const { return state == State::Open; }
  // A new socketless bufferevent (close on free) whose callbacks go to owner.
  void createBufferEvent(EventBase* base);
  // Its number in the client, 1, 2, ... (replacements continue the count): the
  // N of "load conn N" labels and of "connection N to ..." messages.
  uint32_t number() const { return index + 1; }
  // "connection 3 to 127.0.0.1:9000": how messages name it.
  std::string name(const InetAddress& target) const;
};

}  // namespace rs
