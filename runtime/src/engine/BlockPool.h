//===- BlockPool.h - KV blocks, refcounts and a prefix cache ----*- C++ -*-===//
//
// The paged KV cache's block allocator. The pool has numBlocks blocks of
// blockSize token slots, named by ids in [0, numBlocks). Sequences hold
// blocks through their block tables; a block is reference-counted so that
// several sequences can share it (a common prompt prefix, or the samples of
// one prompt).
//
// A full block may be published into a prefix cache under a key chained
// over the tokens of the sequence so far (vLLM's automatic prefix caching):
// key = chainKey(key of the previous block or 0, the block's tokens). A
// later prompt that starts with the same tokens looks those blocks up and
// reuses them instead of recomputing their keys and values.
//
// A cached block whose last reference goes is kept, since a later request
// may still hit it: it becomes evictable and joins an LRU list. allocate()
// takes free blocks first and evicts the least recently released cached
// block only when none are left.
//
// Every block is in exactly one state: free (refcount 0, not cached),
// evictable (refcount 0, cached, in the LRU list) or used (refcount > 0,
// cached or not).
//
// Not thread-safe: the engine holds its lock around every call.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_ENGINE_BLOCKPOOL_H
#define LLMC_RUNTIME_ENGINE_BLOCKPOOL_H

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace llmc::rt {

class BlockPool {
public:
  /// A pool whose blocks are all free. A negative numBlocks counts as 0 and
  /// a blockSize below 1 as 1.
  BlockPool(int32_t numBlocks, int32_t blockSize);

  int32_t numBlocks() const { return int32_t(blocks.size()); }
  int32_t blockSize() const { return size; }

  /// A block with reference count 1 and no cache entry: a free one, else the
  /// least recently used evictable cached block (its cache entry dropped).
  /// -1 when every block is referenced.
  int32_t allocate();

  /// How many allocate() calls can succeed now (free + evictable).
  int32_t available() const { return int32_t(freeList.size()) + numEvictable; }

  /// Reference count + 1. The block must have reference count >= 1; an
  /// out-of-range id or an unreferenced block is ignored.
  void retain(int32_t block);

  /// Reference count - 1; at 0 a cached block becomes evictable (most
  /// recently used end of the LRU), an uncached one free. An out-of-range id
  /// or an unreferenced block is ignored.
  void release(int32_t block);

  /// The block's reference count; 0 for an out-of-range id.
  int32_t refCount(int32_t block) const;

  /// The key of a full block holding `tokens` (`count` ids, normally
  /// blockSize) after the block whose key is `parent` (0 for a sequence's
  /// first block). Never 0, so 0 can mean "no parent"; the same on every
  /// run and platform (a SplitMix64 mix, not std::hash).
  static uint64_t chainKey(uint64_t parent, const int32_t *tokens,
                           int32_t count);

  /// Records that `block` (refcount >= 1, not yet cached) holds `tokens`
  /// (blockSize ids) after `parent`: later lookups with the same parent and
  /// tokens find it. Returns false and changes nothing when an equal entry
  /// already exists (another block holds the same prefix), or when the block
  /// is out of range, unreferenced or already cached; else true.
  bool publish(int32_t block, uint64_t parent, const int32_t *tokens);

  /// The cached block holding `tokens` (blockSize ids) after `parent`,
  /// retained (refcount + 1; an evictable one leaves the LRU list), or -1.
  /// Compares the parent key and the stored token ids, so a 64-bit hash
  /// collision can never hand out a block with different contents.
  int32_t lookup(uint64_t parent, const int32_t *tokens);

  /// Whether the block is in the prefix cache.
  bool isCached(int32_t block) const;

  /// Drops every evictable cached block from the cache (they become free).
  /// Cached blocks still in use stay cached.
  void clearCache();

  /// used = refcount > 0; cached = in the cache (used or evictable).
  struct Counts {
    int32_t free, evictable, used, cached;
  };
  Counts counts() const;

  /// Empty when the invariants hold, else what is wrong (one line): every
  /// block exactly one of free / evictable / used; the free and evictable
  /// lists hold no duplicates and only refcount-0 blocks; evictable blocks
  /// are cached, free ones are not; the cache map and per-block keys agree.
  /// O(numBlocks); for tests and debug checks.
  std::string checkInvariants() const;

private:
  struct Block {
    int32_t refs = 0;
    // Neighbours in the LRU list while evictable, else -1.
    int32_t prev = -1, next = -1;
    // The cache key; 0 (which chainKey never returns) when not cached.
    uint64_t key = 0;
  };
  struct CacheEntry {
    int32_t block;
    uint64_t parent;
    std::vector<int32_t> tokens;
  };
  // A multimap so that two contents whose keys collide can both be cached.
  using CacheMap = std::unordered_multimap<uint64_t, CacheEntry>;

  bool inRange(int32_t block) const {
    return block >= 0 && block < numBlocks();
  }
  CacheMap::iterator findEntry(uint64_t key, uint64_t parent,
                               const int32_t *tokens);
  void uncache(int32_t block);
  void lruPushBack(int32_t block);
  void lruUnlink(int32_t block);

  int32_t size;
  std::vector<Block> blocks;
  // Free blocks, used as a stack: a just-freed block is handed out first.
  std::vector<int32_t> freeList;
  // The LRU list of evictable blocks: head is the least recently released.
  int32_t lruHead = -1, lruTail = -1;
  int32_t numEvictable = 0;
  int32_t numUsed = 0;
  CacheMap cache;
};

} // namespace llmc::rt

#endif // LLMC_RUNTIME_ENGINE_BLOCKPOOL_H
