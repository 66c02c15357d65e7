#include "model/RingMemory.h"

#include <sys/mman.h>

#include <array>
#include <bit>
#include <cstdint>
#include <mutex>
#include <vector>

namespace rs::gui::ringmemory {

namespace {

// Size classes kMinBytes, 2 * kMinBytes, ..., kChunkBytes.
constexpr int kClasses = std::countr_zero(kChunkBytes) - std::countr_zero(kMinBytes) + 1;

size_t classBytes(int c) { return kMinBytes << c; }
int classOf(size_t bytes) {
  return std::countr_zero(std::bit_ceil(bytes)) - std::countr_zero(kMinBytes);
}

// A 2 MiB-aligned region of `bytes` (a multiple of kChunkBytes) asked to be huge
// pages; null when the address space is exhausted.
void* mapAligned(size_t bytes) {
  const size_t span = bytes + kChunkBytes;
  void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kChunkBytes - 1) & ~(uintptr_t{kChunkBytes} - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  const uintptr_t end = start + span;
  if (end > aligned + bytes) ::munmap(reinterpret_cast<void*>(aligned + bytes), end - (aligned + bytes));
  ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);  // advice: failing is fine
  return reinterpret_cast<void*>(aligned);
}

struct Pool {
  std::mutex mutex;
  std::array<std::vector<void*>, kClasses> free;
  // Per class, the chunk being carved and how many of its blocks are handed out.
  std::array<char*, kClasses> carving{};
  std::array<size_t, kClasses> carved{};
  std::array<size_t, kClasses> blocks{};  // ever carved, free or not
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: rings may be freed during exit
  return *p;
}

}  // namespace

// Under AddressSanitizer every buffer is an ordinary one, so overruns are caught.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kOrdinaryOnly = true;
#else
constexpr bool kOrdinaryOnly = false;
#endif

void* allocate(size_t bytes) {
  if (kOrdinaryOnly || bytes < kMinBytes) return ::operator new(bytes);
  if (bytes > kChunkBytes) {
    const size_t mapped = (bytes + kChunkBytes - 1) / kChunkBytes * kChunkBytes;
    void* p = mapAligned(mapped);
    if (!p) throw std::bad_alloc();
    return p;
  }
  const int c = classOf(bytes);
  Pool& pl = pool();
  std::lock_guard lock(pl.mutex);
  auto& list = pl.free[static_cast<size_t>(c)];
  if (!list.empty()) {
    void* p = list.back();
    list.pop_back();
    return p;
  }
  const size_t size = classBytes(c);
  char*& chunk = pl.carving[static_cast<size_t>(c)];
  size_t& carved = pl.carved[static_cast<size_t>(c)];
  if (!chunk || (carved + 1) * size > kChunkBytes) {
    char* fresh = static_cast<char*>(mapAligned(kChunkBytes));
    if (!fresh) throw std::bad_alloc();
    size_t& blocks = pl.blocks[static_cast<size_t>(c)];
    blocks += kChunkBytes / size;
    list.reserve(blocks);  // room for every block: deallocate() never allocates
    chunk = fresh;
    carved = 0;
  }
  return chunk + size * carved++;
}

void deallocate(void* p, size_t bytes) noexcept {
  if (!p) return;
  if (kOrdinaryOnly || bytes < kMinBytes) {
    ::operator delete(p);
    return;
  }
  if (bytes > kChunkBytes) {
    ::munmap(p, (bytes + kChunkBytes - 1) / kChunkBytes * kChunkBytes);
    return;
  }
  Pool& pl = pool();
  std::lock_guard lock(pl.mutex);
  pl.free[static_cast<size_t>(classOf(bytes))].push_back(p);
}

}  // namespace rs::gui::ringmemory
