#include "workload/LoadConnection.h"

namespace rs {

namespace {
void onRead(BufferEvent*, void* ctx) {
  auto* c = static_cast<LoadConnection*>(ctx);
  c->owner->onConnectionReadable(c);
}
void onWrite(BufferEvent*, void* ctx) {
  auto* c = static_cast<LoadConnection*>(ctx);
  c->owner->onConnectionWritable(c);
}
void onEvent(BufferEvent*, short what, void* ctx) {
  auto* c = static_cast<LoadConnection*>(ctx);
  c->owner->onConnectionEvent(c, what);
}
}  // namespace

void LoadConnection::createBufferEvent(EventBase* base) {
  bev = BufferEvent::create(base, -1, BufferEvent::kOptCloseOnFree);
  bev->setLabelPrefix("load conn");
  bev->setLabelNumber(number());
  bev->setCallbacks(&onRead, &onWrite, &onEvent, this);
}

std::string LoadConnection::name(const InetAddress& target) const {
  return "connection " + std::to_string(number()) + " to " + target.toString();
}

}  // namespace rs
