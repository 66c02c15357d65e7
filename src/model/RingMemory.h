// Where the timelines' large ring buffers live: in transparent huge pages.
//
// A busy app writes into thousands of event rings in turn (TraceAggregator: one
// sample per record, each into another event's ring) and later reads each ring's
// oldest samples back to fold them. With 4 KiB pages almost every one of those
// accesses needs another TLB entry; in 2 MiB pages the whole history budget is a
// few dozen entries (a captured echo stream fed to the app's consumer: ~7 % less
// CPU). Buffers of at least kMinBytes are carved from 2 MiB chunks asked to be
// huge pages (madvise(MADV_HUGEPAGE); where the kernel says no they stay normal
// pages and everything works the same); smaller ones come from operator new.
// Sizes are rounded up to a power of two; a freed buffer is kept on its size's
// free list for the next ring of that size (chunks are not given back: the
// history budget bounds what the rings hold at once). Buffers larger than a chunk
// are mapped and unmapped on their own. Under AddressSanitizer all buffers are
// ordinary allocations (so overruns are still caught).
//
// Thread contract: any thread (a mutex guards the free lists; rings allocate
// only when they grow, shrink or appear).
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>

namespace rs::gui {

namespace ringmemory {
constexpr size_t kMinBytes = size_t{16} << 10;
constexpr size_t kChunkBytes = size_t{2} << 20;
void* allocate(size_t bytes);
void deallocate(void* p, size_t bytes) noexcept;
}  // namespace ringmemory

// The allocator SpanRing's buffers use.
template <typename T>
struct RingAllocator {
  using value_type = T;
  RingAllocator() = default;
  template <typename U>
  RingAllocator(const RingAllocator<U>&) noexcept {}
  T* allocate(size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(ringmemory::allocate(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept { ringmemory::deallocate(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const RingAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace rs::gui
