// What comes back to the load client, checked byte for byte: echoes against
// the payload each message was sent with (Payload makes message (connection,
// seq) a pure function, so nothing sent is kept), the source server's stream
// against the chargen pattern, and anything from a server that should send
// nothing. Mismatches and echoes go to the report; a message with a wrong byte
// is never counted as received. What to do once a message is back (closed
// loop: send the next) is the caller's: it is called back per message.
// Thread contract: loop thread only (the client's loop).
#pragma once
#include <cstddef>
#include <functional>
#include <string>

#include "workload/LoadClientReport.h"
#include "workload/LoadConnection.h"
#include "workload/Payload.h"

namespace rs {

class EchoVerifier {
 public:
  // Called after each whole message c got back, at `now`; false stops reading
  // (c was closed).
  using MessageBack = std::function<bool(LoadConnection* c, Nanos now)>;

  EchoVerifier(const Payload* payload, size_t messageSize, LoadClientReport* report)
      : payload_(payload), messageSize_(messageSize), report_(report) {}

  // Echo (or discard, where any byte is unexpected): consumes c's input.
  void receiveEchoes(LoadConnection* c, bool discardMode, const MessageBack& messageBack);
  // Source mode: every byte must continue the chargen stream.
  void receiveSource(LoadConnection* c);
  // A message (or, at close, the part of one received) that came back with
  // c->recvMismatched wrong bytes.
  void countMismatchedMessage(LoadConnection* c, const std::string& which);

 private:
  const Payload* payload_;
  size_t messageSize_;
  LoadClientReport* report_;
};

}  // namespace rs
