#include "Keyframes.h"

#include <zstd.h>

#include <algorithm>
#include <climits>
#include <iterator>

namespace rs::recording {

KeyframeMaker::KeyframeMaker(int64_t intervalNs, Emit onKeyframe, uint64_t maxRecords, bool keepForResync)
    : intervalNs_(intervalNs), maxRecords_(maxRecords), keepForResync_(keepForResync),
      onKeyframe_(std::move(onKeyframe)) {
  if (keepForResync_) keptKeyframes_.push_back({INT64_MIN, EventStates(), 0});
}

void KeyframeMaker::makeKeyframe(int64_t tsNs, const EventStates& states, KeyframeSource source) {
  onKeyframe_(tsNs, packKeyframe(states.encode()), source);
  ++made_;
}

void KeyframeMaker::feed(const TraceRecord* records, size_t count) {
  const size_t keptBefore = kept_.size();
  if (keepForResync_) kept_.insert(kept_.end(), records, records + count);
  size_t applied = 0;  // records [0, applied) are in states_
  for (size_t i = 0; i < count; ++i) {
    const int64_t ts = records[i].tsNs;
    if (!started_) {
      started_ = true;
      nextNs_ = ts + intervalNs_;
      previousTsNs_ = ts;
    }
    // Records come in time order; cutting only where the time steps up keeps every
    // record before the cut strictly older than K = ts.
    const bool due = ts >= nextNs_ || sinceKeyframe_ >= maxRecords_;
    if (due && ts > previousTsNs_) {
      states_.apply(records + applied, i - applied);
      applied = i;
      makeKeyframe(ts, states_, KeyframeSource::Records);
      if (keepForResync_) keptKeyframes_.push_back({ts, states_, keptBefore + i});
      nextNs_ = ts + intervalNs_;
      sinceKeyframe_ = 0;
    }
    previousTsNs_ = ts;
    ++sinceKeyframe_;
  }
  states_.apply(records + applied, count - applied);
  dropOldKept();
}

void KeyframeMaker::dropOldKept() {
  if (keptKeyframes_.size() <= kKeptKeyframes) return;
  const auto drop = static_cast<std::ptrdiff_t>(keptKeyframes_.size() - kKeptKeyframes);
  keptKeyframes_.erase(keptKeyframes_.begin(), keptKeyframes_.begin() + drop);
  const size_t first = keptKeyframes_.front().firstRecord;
  kept_.erase(kept_.begin(), kept_.begin() + static_cast<std::ptrdiff_t>(first));
  for (Kept& k : keptKeyframes_) k.firstRecord -= first;
}

bool KeyframeMaker::resync(int64_t takenNs, const SnapshotEvents& snapshot) {
  // The newest kept keyframe at or before takenNs: its state plus the records after it rebuild everything.
  auto base = std::find_if(keptKeyframes_.rbegin(), keptKeyframes_.rend(),
                           [takenNs](const Kept& k) { return k.tsNs <= takenNs; });
  if (base == keptKeyframes_.rend()) {
    states_.resync(takenNs, snapshot);
    makeKeyframe(takenNs, states_, KeyframeSource::Snapshot);
    return false;
  }
  const auto baseAt = static_cast<size_t>(std::distance(base, keptKeyframes_.rend()) - 1);
  EventStates rebuilt = keptKeyframes_[baseAt].states;
  size_t next = keptKeyframes_[baseAt].firstRecord;
  for (; next < kept_.size() && kept_[next].tsNs < takenNs; ++next) rebuilt.apply(kept_[next]);
  rebuilt.resync(takenNs, snapshot);
  makeKeyframe(takenNs, rebuilt, KeyframeSource::Snapshot);
  Kept atSnapshot{takenNs, rebuilt, next};
  // The keyframes cut past takenNs, made again at their times from the snapshot's states.
  for (size_t k = baseAt + 1; k < keptKeyframes_.size(); ++k) {
    Kept& later = keptKeyframes_[k];
    for (; next < later.firstRecord; ++next) rebuilt.apply(kept_[next]);
    makeKeyframe(later.tsNs, rebuilt, KeyframeSource::Records);
    later.states = rebuilt;
  }
  for (; next < kept_.size(); ++next) rebuilt.apply(kept_[next]);
  states_ = std::move(rebuilt);
  if (keptKeyframes_[baseAt].tsNs == takenNs)
    keptKeyframes_[baseAt] = std::move(atSnapshot);  // the file's keyframe there was replaced too
  else
    keptKeyframes_.insert(keptKeyframes_.begin() + static_cast<std::ptrdiff_t>(baseAt + 1), std::move(atSnapshot));
  dropOldKept();
  return true;
}

std::vector<uint8_t> packKeyframe(const std::vector<uint8_t>& table) {
  std::vector<uint8_t> out(ZSTD_compressBound(table.size()));
  // With zstd's content checksum, as blocks (BlockCodec): damage is refused when read.
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  size_t n = static_cast<size_t>(-1);
  if (cctx && !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1)) &&
      !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)))
    n = ZSTD_compress2(cctx, out.data(), out.size(), table.data(), table.size());
  ZSTD_freeCCtx(cctx);
  out.resize(ZSTD_isError(n) ? 0 : n);  // cannot fail with a bound-sized buffer
  return out;
}

bool unpackKeyframe(const uint8_t* data, size_t size, std::vector<uint8_t>& table, std::string* error) {
  auto fail = [&](const std::string& why) {
    if (error) *error = "bad keyframe: " + why;
    table.clear();
    return false;
  };
  const unsigned long long declared = ZSTD_getFrameContentSize(data, size);
  if (declared == ZSTD_CONTENTSIZE_ERROR || declared == ZSTD_CONTENTSIZE_UNKNOWN)
    return fail("not a zstd frame with its content size");
  if (declared > kMaxKeyframeBytes) return fail("declares " + std::to_string(declared) + " bytes, more than allowed");
  if (ZSTD_findFrameCompressedSize(data, size) != size) return fail("bytes after the zstd frame, or a cut frame");
  table.resize(static_cast<size_t>(declared));
  const size_t n = ZSTD_decompress(table.data(), table.size(), data, size);
  if (ZSTD_isError(n)) return fail(std::string("zstd: ") + ZSTD_getErrorName(n));
  if (n != declared) return fail("the zstd frame holds another size than it declares");
  return true;
}

bool stateAt(RecordingReader& reader, int64_t session, int64_t tNs, EventStates& out, std::string* error,
             SeekCost* cost) {
  int64_t keyTs = 0;
  std::vector<uint8_t> blob;
  std::string why;
  out = EventStates();
  int64_t fromNs = INT64_MIN;
  if (reader.keyframeAtOrBefore(session, tNs, keyTs, blob, &why)) {
    std::vector<uint8_t> table;
    if (!unpackKeyframe(blob.data(), blob.size(), table, error) || !out.decode(table.data(), table.size(), error))
      return false;
    fromNs = keyTs;
  } else if (!why.empty()) {
    if (error) *error = why;
    return false;
  }
  std::vector<TraceRecord> records;
  if (!reader.records(session, fromNs, tNs, records, error)) return false;
  out.apply(records.data(), records.size());
  if (cost) *cost = {fromNs == INT64_MIN ? 0 : keyTs, records.size(), reader.lastBlocksRead()};
  return true;
}

}  // namespace rs::recording
