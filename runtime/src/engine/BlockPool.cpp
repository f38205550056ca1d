//===- BlockPool.cpp - KV blocks, refcounts and a prefix cache ------------===//

#include "engine/BlockPool.h"

#include <algorithm>

namespace llmc::rt {

namespace {

/// SplitMix64's step: a bijection on 64 bits that spreads every input bit
/// over the output, so chaining it gives a well-mixed, portable hash.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

} // namespace

BlockPool::BlockPool(int32_t numBlocks, int32_t blockSize)
    : size(std::max<int32_t>(blockSize, 1)),
      blocks(size_t(std::max<int32_t>(numBlocks, 0))) {
  // Reversed so that a fresh pool hands out 0, 1, 2, ...
  freeList.reserve(blocks.size());
  for (int32_t b = this->numBlocks() - 1; b >= 0; --b)
    freeList.push_back(b);
}

int32_t BlockPool::allocate() {
  int32_t block;
  if (!freeList.empty()) {
    block = freeList.back();
    freeList.pop_back();
  } else if (lruHead >= 0) {
    block = lruHead;
    lruUnlink(block);
    uncache(block);
  } else {
    return -1;
  }
  blocks[block].refs = 1;
  ++numUsed;
  return block;
}

void BlockPool::retain(int32_t block) {
  // Retaining an unreferenced block would leave it on the free or LRU list
  // while in use; ignore it instead.
  if (!inRange(block) || blocks[block].refs <= 0)
    return;
  ++blocks[block].refs;
}

void BlockPool::release(int32_t block) {
  if (!inRange(block) || blocks[block].refs <= 0)
    return;
  if (--blocks[block].refs > 0)
    return;
  --numUsed;
  if (blocks[block].key != 0)
    lruPushBack(block);
  else
    freeList.push_back(block);
}

int32_t BlockPool::refCount(int32_t block) const {
  return inRange(block) ? blocks[block].refs : 0;
}

uint64_t BlockPool::chainKey(uint64_t parent, const int32_t *tokens,
                             int32_t count) {
  count = std::max<int32_t>(count, 0);
  // The count is mixed in so that prefixes of one another differ.
  uint64_t h = mix(mix(parent) ^ uint64_t(uint32_t(count)));
  for (int32_t i = 0; i < count; ++i)
    h = mix(h ^ uint64_t(uint32_t(tokens[i])));
  // 0 means "no parent" and "not cached"; remap the one value that hits it.
  return h != 0 ? h : 1;
}

BlockPool::CacheMap::iterator
BlockPool::findEntry(uint64_t key, uint64_t parent, const int32_t *tokens) {
  auto [it, end] = cache.equal_range(key);
  for (; it != end; ++it) {
    const CacheEntry &entry = it->second;
    if (entry.parent == parent &&
        std::equal(entry.tokens.begin(), entry.tokens.end(), tokens))
      return it;
  }
  return cache.end();
}

bool BlockPool::publish(int32_t block, uint64_t parent, const int32_t *tokens) {
  if (!inRange(block) || blocks[block].refs <= 0 || blocks[block].key != 0 ||
      !tokens)
    return false;
  uint64_t key = chainKey(parent, tokens, size);
  if (findEntry(key, parent, tokens) != cache.end())
    return false;
  cache.emplace(key, CacheEntry{block, parent,
                                std::vector<int32_t>(tokens, tokens + size)});
  blocks[block].key = key;
  return true;
}

int32_t BlockPool::lookup(uint64_t parent, const int32_t *tokens) {
  if (!tokens)
    return -1;
  auto it = findEntry(chainKey(parent, tokens, size), parent, tokens);
  if (it == cache.end())
    return -1;
  int32_t block = it->second.block;
  if (blocks[block].refs == 0) {
    lruUnlink(block);
    ++numUsed;
  }
  ++blocks[block].refs;
  return block;
}

bool BlockPool::isCached(int32_t block) const {
  return inRange(block) && blocks[block].key != 0;
}

void BlockPool::clearCache() {
  while (lruHead >= 0) {
    int32_t block = lruHead;
    lruUnlink(block);
    uncache(block);
    freeList.push_back(block);
  }
}

BlockPool::Counts BlockPool::counts() const {
  return {int32_t(freeList.size()), numEvictable, numUsed,
          int32_t(cache.size())};
}

void BlockPool::uncache(int32_t block) {
  auto [it, end] = cache.equal_range(blocks[block].key);
  for (; it != end; ++it) {
    if (it->second.block == block) {
      cache.erase(it);
      break;
    }
  }
  blocks[block].key = 0;
}

void BlockPool::lruPushBack(int32_t block) {
  Block &b = blocks[block];
  b.prev = lruTail;
  b.next = -1;
  if (lruTail >= 0)
    blocks[lruTail].next = block;
  else
    lruHead = block;
  lruTail = block;
  ++numEvictable;
}

void BlockPool::lruUnlink(int32_t block) {
  Block &b = blocks[block];
  if (b.prev >= 0)
    blocks[b.prev].next = b.next;
  else
    lruHead = b.next;
  if (b.next >= 0)
    blocks[b.next].prev = b.prev;
  else
    lruTail = b.prev;
  b.prev = b.next = -1;
  --numEvictable;
}

std::string BlockPool::checkInvariants() const {
  auto name = [](int32_t block) { return "block " + std::to_string(block); };
  int32_t n = numBlocks();
  // How many times each block appears on the free and LRU lists.
  std::vector<int32_t> onFree(n), onLru(n);

  for (int32_t block : freeList) {
    if (!inRange(block))
      return "free list holds out-of-range " + name(block);
    if (++onFree[block] > 1)
      return name(block) + " is on the free list twice";
    if (blocks[block].refs != 0)
      return name(block) + " is free with refcount " +
             std::to_string(blocks[block].refs);
    if (blocks[block].key != 0)
      return name(block) + " is free but cached";
  }

  int32_t lruLength = 0, prev = -1;
  for (int32_t block = lruHead; block >= 0; block = blocks[block].next) {
    if (!inRange(block))
      return "LRU list holds out-of-range " + name(block);
    // A second visit means a duplicate or a cycle; stop either way.
    if (++onLru[block] > 1)
      return name(block) + " is on the LRU list twice";
    if (blocks[block].prev != prev)
      return name(block) + " has a wrong LRU back link";
    if (blocks[block].refs != 0)
      return name(block) + " is evictable with refcount " +
             std::to_string(blocks[block].refs);
    if (blocks[block].key == 0)
      return name(block) + " is evictable but not cached";
    prev = block;
    ++lruLength;
  }
  if (lruTail != prev)
    return "LRU tail is " + std::to_string(lruTail) + ", list ends at " +
           std::to_string(prev);
  if (lruLength != numEvictable)
    return "LRU list has " + std::to_string(lruLength) +
           " blocks, count says " + std::to_string(numEvictable);

  int32_t used = 0, cached = 0;
  for (int32_t block = 0; block < n; ++block) {
    const Block &b = blocks[block];
    if (b.refs < 0)
      return name(block) + " has refcount " + std::to_string(b.refs);
    int32_t states = onFree[block] + onLru[block] + (b.refs > 0);
    if (states != 1)
      return name(block) + " is in " + std::to_string(states) +
             " of free / evictable / used";
    if (!onLru[block] && (b.prev != -1 || b.next != -1))
      return name(block) + " has LRU links but is not evictable";
    used += b.refs > 0;
    if (b.key == 0)
      continue;
    ++cached;
    int32_t entries = 0;
    auto [it, end] = cache.equal_range(b.key);
    for (; it != end; ++it)
      entries += it->second.block == block;
    if (entries != 1)
      return name(block) + " has key " + std::to_string(b.key) + " but " +
             std::to_string(entries) + " cache entries";
  }
  if (used != numUsed)
    return std::to_string(used) + " blocks used, count says " +
           std::to_string(numUsed);
  if (size_t(cached) != cache.size())
    return std::to_string(cached) + " blocks have keys but the cache has " +
           std::to_string(cache.size()) + " entries";

  for (const auto &[key, entry] : cache) {
    if (!inRange(entry.block))
      return "cache entry for out-of-range " + name(entry.block);
    if (blocks[entry.block].key != key)
      return "cache key " + std::to_string(key) + " names " +
             name(entry.block) + " whose key is " +
             std::to_string(blocks[entry.block].key);
    if (entry.tokens.size() != size_t(size))
      return "cache entry of " + name(entry.block) + " holds " +
             std::to_string(entry.tokens.size()) + " tokens";
    if (chainKey(entry.parent, entry.tokens.data(), size) != key)
      return "cache entry of " + name(entry.block) +
             " is filed under the wrong key";
    auto [other, end] = cache.equal_range(key);
    for (; other != end; ++other)
      if (other->second.block != entry.block &&
          other->second.parent == entry.parent &&
          other->second.tokens == entry.tokens)
        return name(entry.block) + " and " + name(other->second.block) +
               " are cached with the same contents";
  }
  return "";
}

} // namespace llmc::rt
