//===- BlockPoolTest.cpp - Allocation, sharing, prefix cache, LRU eviction ===//

#include "engine/BlockPool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <list>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <utility>
#include <vector>

using namespace llmc::rt;

namespace {

using Tokens = std::vector<int32_t>;

void expectCounts(const BlockPool &pool, int32_t free, int32_t evictable,
                  int32_t used, int32_t cached) {
  BlockPool::Counts c = pool.counts();
  EXPECT_EQ(c.free, free);
  EXPECT_EQ(c.evictable, evictable);
  EXPECT_EQ(c.used, used);
  EXPECT_EQ(c.cached, cached);
  EXPECT_EQ(pool.available(), free + evictable);
  EXPECT_EQ(pool.checkInvariants(), "");
}

TEST(BlockPool, FreshPool) {
  BlockPool pool(4, 16);
  EXPECT_EQ(pool.numBlocks(), 4);
  EXPECT_EQ(pool.blockSize(), 16);
  expectCounts(pool, 4, 0, 0, 0);
  for (int32_t b = 0; b < 4; ++b) {
    EXPECT_EQ(pool.refCount(b), 0);
    EXPECT_FALSE(pool.isCached(b));
  }
}

TEST(BlockPool, AllocateUntilExhaustedThenReuse) {
  BlockPool pool(4, 2);
  std::set<int32_t> got;
  for (int i = 0; i < 4; ++i) {
    int32_t b = pool.allocate();
    ASSERT_GE(b, 0);
    ASSERT_LT(b, 4);
    EXPECT_EQ(pool.refCount(b), 1);
    got.insert(b);
    expectCounts(pool, 3 - i, 0, i + 1, 0);
  }
  EXPECT_EQ(got.size(), 4u);
  EXPECT_EQ(pool.allocate(), -1);
  expectCounts(pool, 0, 0, 4, 0);

  pool.release(2);
  expectCounts(pool, 1, 0, 3, 0);
  EXPECT_EQ(pool.allocate(), 2);
  EXPECT_EQ(pool.allocate(), -1);
  expectCounts(pool, 0, 0, 4, 0);
}

TEST(BlockPool, EmptyPool) {
  BlockPool pool(0, 16);
  EXPECT_EQ(pool.allocate(), -1);
  expectCounts(pool, 0, 0, 0, 0);
}

TEST(BlockPool, RetainAndRelease) {
  BlockPool pool(2, 2);
  int32_t b = pool.allocate();
  pool.retain(b);
  pool.retain(b);
  EXPECT_EQ(pool.refCount(b), 3);
  expectCounts(pool, 1, 0, 1, 0);
  pool.release(b);
  pool.release(b);
  EXPECT_EQ(pool.refCount(b), 1);
  expectCounts(pool, 1, 0, 1, 0);
  pool.release(b);
  EXPECT_EQ(pool.refCount(b), 0);
  expectCounts(pool, 2, 0, 0, 0);
}

TEST(BlockPool, MisuseIsIgnored) {
  BlockPool pool(3, 2);
  Tokens t = {1, 2};
  int32_t held = pool.allocate();
  int32_t cached = pool.allocate();
  ASSERT_TRUE(pool.publish(cached, 0, t.data()));
  int32_t unused = 2;
  expectCounts(pool, 1, 0, 2, 1);

  for (int32_t bad : {-1, 3, 1000, unused}) {
    pool.retain(bad);
    pool.release(bad);
    EXPECT_FALSE(pool.publish(bad, 0, t.data()));
    EXPECT_EQ(pool.refCount(bad), 0);
    EXPECT_FALSE(pool.isCached(bad));
    expectCounts(pool, 1, 0, 2, 1);
  }
  // Publishing a cached block again, even with other contents, is refused.
  Tokens other = {3, 4};
  EXPECT_FALSE(pool.publish(cached, 0, other.data()));
  EXPECT_FALSE(pool.publish(cached, 0, t.data()));
  EXPECT_EQ(pool.lookup(0, other.data()), -1);
  EXPECT_FALSE(pool.publish(held, 0, nullptr));
  EXPECT_EQ(pool.lookup(0, nullptr), -1);
  expectCounts(pool, 1, 0, 2, 1);

  // Releasing an evictable block again must not put it on a list twice.
  pool.release(cached);
  expectCounts(pool, 1, 1, 1, 1);
  pool.release(cached);
  pool.retain(cached);
  expectCounts(pool, 1, 1, 1, 1);
  EXPECT_EQ(pool.refCount(held), 1);
}

TEST(BlockPool, ChainKey) {
  Tokens a = {1, 2, 3, 4}, b = {1, 2, 3, 5}, c = {4, 3, 2, 1};
  uint64_t ka = BlockPool::chainKey(0, a.data(), 4);
  EXPECT_EQ(ka, BlockPool::chainKey(0, a.data(), 4));
  EXPECT_NE(ka, BlockPool::chainKey(0, b.data(), 4));
  EXPECT_NE(ka, BlockPool::chainKey(0, c.data(), 4));
  // Same tokens after a different parent.
  EXPECT_NE(ka, BlockPool::chainKey(1, a.data(), 4));
  EXPECT_NE(ka, BlockPool::chainKey(ka, a.data(), 4));
  // A prefix of the tokens.
  EXPECT_NE(ka, BlockPool::chainKey(0, a.data(), 3));
  // Negative ids are hashed by their bits, not dropped.
  Tokens neg = {-1, 2, 3, 4};
  EXPECT_NE(ka, BlockPool::chainKey(0, neg.data(), 4));

  EXPECT_NE(BlockPool::chainKey(0, nullptr, 0), 0u);
  std::mt19937_64 rng(1);
  std::set<uint64_t> seen;
  for (int i = 0; i < 10000; ++i) {
    Tokens t = {int32_t(rng()), int32_t(rng())};
    uint64_t parent = i % 3 == 0 ? 0 : rng();
    uint64_t k = BlockPool::chainKey(parent, t.data(), 2);
    EXPECT_NE(k, 0u);
    seen.insert(k);
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(BlockPool, ChainKeyIsTheSameEverywhere) {
  // Pinned values: the key must not depend on the platform or the run.
  Tokens t = {0, 1, 2, 3};
  EXPECT_EQ(BlockPool::chainKey(0, t.data(), 4), 0x442e980b62d29135ull);
  EXPECT_EQ(BlockPool::chainKey(0x123456789abcdef0ull, t.data(), 4),
            0xd317042d360c297full);
}

TEST(BlockPool, PublishAndLookup) {
  BlockPool pool(4, 2);
  Tokens t = {7, 8};
  int32_t a = pool.allocate();
  EXPECT_TRUE(pool.publish(a, 0, t.data()));
  EXPECT_TRUE(pool.isCached(a));
  expectCounts(pool, 3, 0, 1, 1);

  // A hit retains the block.
  EXPECT_EQ(pool.lookup(0, t.data()), a);
  EXPECT_EQ(pool.refCount(a), 2);
  expectCounts(pool, 3, 0, 1, 1);

  // At refcount 0 it stays cached, evictable.
  pool.release(a);
  pool.release(a);
  EXPECT_EQ(pool.refCount(a), 0);
  EXPECT_TRUE(pool.isCached(a));
  expectCounts(pool, 3, 1, 0, 1);

  // A hit revives it from the LRU list.
  EXPECT_EQ(pool.lookup(0, t.data()), a);
  EXPECT_EQ(pool.refCount(a), 1);
  expectCounts(pool, 3, 0, 1, 1);
}

TEST(BlockPool, LookupMisses) {
  BlockPool pool(4, 2);
  Tokens t = {7, 8}, otherTokens = {7, 9}, swapped = {8, 7};
  int32_t a = pool.allocate();
  ASSERT_TRUE(pool.publish(a, 5, t.data()));
  EXPECT_EQ(pool.lookup(5, otherTokens.data()), -1);
  EXPECT_EQ(pool.lookup(5, swapped.data()), -1);
  EXPECT_EQ(pool.lookup(0, t.data()), -1);
  EXPECT_EQ(pool.lookup(6, t.data()), -1);
  EXPECT_EQ(pool.refCount(a), 1);
  expectCounts(pool, 3, 0, 1, 1);
}

TEST(BlockPool, LookupComparesTokens) {
  // A real 64-bit collision cannot be forced; check at least that a lookup
  // under the same parent with other tokens never returns the block, and
  // leaves it alone.
  BlockPool pool(2, 4);
  Tokens tokensA = {1, 2, 3, 4}, tokensB = {1, 2, 3, 40};
  uint64_t parent = BlockPool::chainKey(0, tokensA.data(), 4);
  int32_t x = pool.allocate();
  ASSERT_TRUE(pool.publish(x, parent, tokensA.data()));
  pool.release(x);
  EXPECT_EQ(pool.lookup(parent, tokensB.data()), -1);
  EXPECT_EQ(pool.refCount(x), 0);
  expectCounts(pool, 1, 1, 0, 1);
  EXPECT_EQ(pool.lookup(parent, tokensA.data()), x);
}

TEST(BlockPool, DuplicatePublish) {
  BlockPool pool(4, 2);
  Tokens t = {1, 1};
  int32_t a = pool.allocate(), b = pool.allocate();
  EXPECT_TRUE(pool.publish(a, 0, t.data()));
  EXPECT_FALSE(pool.publish(b, 0, t.data()));
  EXPECT_FALSE(pool.isCached(b));
  expectCounts(pool, 2, 0, 2, 1);
  // The duplicate was never cached, so releasing it frees it.
  pool.release(b);
  expectCounts(pool, 3, 0, 1, 1);
  EXPECT_EQ(pool.lookup(0, t.data()), a);
  // The same tokens after another parent are other contents.
  int32_t c = pool.allocate();
  EXPECT_TRUE(pool.publish(c, 9, t.data()));
  expectCounts(pool, 2, 0, 2, 2);
}

TEST(BlockPool, FreeBlocksGoBeforeEvictableOnes) {
  BlockPool pool(3, 2);
  Tokens t = {1, 2};
  int32_t a = pool.allocate();
  ASSERT_TRUE(pool.publish(a, 0, t.data()));
  pool.release(a);
  expectCounts(pool, 2, 1, 0, 1);
  int32_t b = pool.allocate(), c = pool.allocate();
  EXPECT_NE(b, a);
  EXPECT_NE(c, a);
  EXPECT_TRUE(pool.isCached(a));
  expectCounts(pool, 0, 1, 2, 1);
  EXPECT_EQ(pool.allocate(), a);
  EXPECT_FALSE(pool.isCached(a));
  EXPECT_EQ(pool.refCount(a), 1);
  expectCounts(pool, 0, 0, 3, 0);
  EXPECT_EQ(pool.allocate(), -1);
}

TEST(BlockPool, EvictsLeastRecentlyReleasedFirst) {
  BlockPool pool(3, 2);
  Tokens ta = {1, 2}, tb = {3, 4};
  int32_t a = pool.allocate(), b = pool.allocate(), c = pool.allocate();
  ASSERT_TRUE(pool.publish(a, 0, ta.data()));
  ASSERT_TRUE(pool.publish(b, 0, tb.data()));
  pool.release(a);
  pool.release(b);
  expectCounts(pool, 0, 2, 1, 2);

  EXPECT_EQ(pool.allocate(), a);
  expectCounts(pool, 0, 1, 2, 1);
  EXPECT_FALSE(pool.isCached(a));
  EXPECT_EQ(pool.lookup(0, ta.data()), -1);
  EXPECT_EQ(pool.lookup(0, tb.data()), b);
  expectCounts(pool, 0, 0, 3, 1);
  EXPECT_EQ(pool.allocate(), -1);
  EXPECT_EQ(pool.refCount(c), 1);
}

TEST(BlockPool, LookupRefreshesRecency) {
  BlockPool pool(2, 2);
  Tokens ta = {1, 2}, tb = {3, 4};
  int32_t a = pool.allocate(), b = pool.allocate();
  ASSERT_TRUE(pool.publish(a, 0, ta.data()));
  ASSERT_TRUE(pool.publish(b, 0, tb.data()));
  pool.release(a);
  pool.release(b);
  // A is used again and released last, so B is now the oldest.
  EXPECT_EQ(pool.lookup(0, ta.data()), a);
  pool.release(a);
  expectCounts(pool, 0, 2, 0, 2);
  EXPECT_EQ(pool.allocate(), b);
  EXPECT_EQ(pool.allocate(), a);
  EXPECT_EQ(pool.allocate(), -1);
  expectCounts(pool, 0, 0, 2, 0);
}

TEST(BlockPool, ChainedPrefix) {
  // Three full blocks of one prompt; a second prompt shares the first two.
  BlockPool pool(8, 2);
  Tokens prompt = {1, 2, 3, 4, 5, 6}, other = {1, 2, 3, 4, 9, 9};
  std::vector<int32_t> table;
  uint64_t parent = 0;
  for (int i = 0; i < 3; ++i) {
    int32_t b = pool.allocate();
    ASSERT_TRUE(pool.publish(b, parent, prompt.data() + 2 * i));
    parent = BlockPool::chainKey(parent, prompt.data() + 2 * i, 2);
    table.push_back(b);
  }
  parent = 0;
  std::vector<int32_t> hits;
  for (int i = 0; i < 3; ++i) {
    int32_t b = pool.lookup(parent, other.data() + 2 * i);
    if (b < 0)
      break;
    hits.push_back(b);
    parent = BlockPool::chainKey(parent, other.data() + 2 * i, 2);
  }
  EXPECT_EQ(hits, std::vector<int32_t>(table.begin(), table.begin() + 2));
  EXPECT_EQ(pool.refCount(table[0]), 2);
  EXPECT_EQ(pool.refCount(table[2]), 1);
  // The third block's tokens, but as a first block: another parent, a miss.
  EXPECT_EQ(pool.lookup(0, prompt.data() + 4), -1);
  expectCounts(pool, 5, 0, 3, 3);
}

TEST(BlockPool, ClearCache) {
  BlockPool pool(4, 2);
  Tokens ta = {1, 2}, tb = {3, 4};
  int32_t a = pool.allocate(), b = pool.allocate();
  ASSERT_TRUE(pool.publish(a, 0, ta.data()));
  ASSERT_TRUE(pool.publish(b, 0, tb.data()));
  pool.release(a);
  expectCounts(pool, 2, 1, 1, 2);
  pool.clearCache();
  // Only the evictable block leaves the cache; B is still in use.
  expectCounts(pool, 3, 0, 1, 1);
  EXPECT_FALSE(pool.isCached(a));
  EXPECT_TRUE(pool.isCached(b));
  EXPECT_EQ(pool.lookup(0, ta.data()), -1);
  pool.release(b);
  expectCounts(pool, 3, 1, 0, 1);
  pool.clearCache();
  expectCounts(pool, 4, 0, 0, 0);
}

// A straightforward model of the pool: refcounts, a map of cached contents
// and an LRU list, checked against the real one after every operation.
TEST(BlockPool, RandomizedAgainstModel) {
  constexpr int32_t kBlocks = 12, kSize = 2;
  BlockPool pool(kBlocks, kSize);
  std::mt19937 rng(12345);
  auto pick = [&](size_t n) {
    return size_t(std::uniform_int_distribution<size_t>(0, n - 1)(rng));
  };

  using Content = std::pair<uint64_t, Tokens>;
  std::vector<int32_t> refs(kBlocks, 0);
  std::vector<std::optional<Content>> contents(kBlocks);
  std::map<Content, int32_t> cache;
  std::list<int32_t> lru;
  // One entry per reference the test holds.
  std::vector<int32_t> held;

  // Few parents and token values, so that hits and duplicates are common.
  auto randomContent = [&]() {
    Content c;
    c.first = pick(3);
    for (int32_t i = 0; i < kSize; ++i)
      c.second.push_back(int32_t(pick(3)));
    return c;
  };
  auto uncache = [&](int32_t b) {
    cache.erase(*contents[b]);
    contents[b].reset();
  };
  auto modelRelease = [&](int32_t b) {
    if (--refs[b] == 0 && contents[b])
      lru.push_back(b);
  };

  int hits = 0, evictions = 0, published = 0;
  for (int op = 0; op < 10000; ++op) {
    switch (pick(8)) {
    case 0:
    case 1: { // allocate
      int32_t numFree = 0;
      for (int32_t b = 0; b < kBlocks; ++b)
        numFree += refs[b] == 0 && !contents[b];
      int32_t b = pool.allocate();
      if (numFree > 0) {
        ASSERT_GE(b, 0) << "op " << op;
        ASSERT_EQ(refs[b], 0) << "op " << op;
        ASSERT_FALSE(contents[b]) << "op " << op;
      } else if (!lru.empty()) {
        ASSERT_EQ(b, lru.front()) << "op " << op;
        lru.pop_front();
        uncache(b);
        ++evictions;
      } else {
        ASSERT_EQ(b, -1) << "op " << op;
        break;
      }
      refs[b] = 1;
      held.push_back(b);
      break;
    }
    case 2: { // retain
      if (held.empty())
        break;
      int32_t b = held[pick(held.size())];
      pool.retain(b);
      ++refs[b];
      held.push_back(b);
      break;
    }
    case 3:
    case 4: { // release
      if (held.empty())
        break;
      size_t i = pick(held.size());
      int32_t b = held[i];
      held[i] = held.back();
      held.pop_back();
      pool.release(b);
      modelRelease(b);
      break;
    }
    case 5: { // publish
      if (held.empty())
        break;
      int32_t b = held[pick(held.size())];
      Content c = randomContent();
      bool expected = !contents[b] && !cache.count(c);
      ASSERT_EQ(pool.publish(b, c.first, c.second.data()), expected)
          << "op " << op;
      if (expected) {
        cache[c] = b;
        contents[b] = c;
        ++published;
      }
      break;
    }
    case 6: { // lookup
      Content c = randomContent();
      auto it = cache.find(c);
      int32_t b = pool.lookup(c.first, c.second.data());
      if (it == cache.end()) {
        ASSERT_EQ(b, -1) << "op " << op;
        break;
      }
      ASSERT_EQ(b, it->second) << "op " << op;
      if (refs[b] == 0)
        lru.remove(b);
      ++refs[b];
      held.push_back(b);
      ++hits;
      break;
    }
    case 7: { // rare clearCache, else misuse that must change nothing
      if (pick(50) == 0) {
        pool.clearCache();
        for (int32_t b : lru)
          uncache(b);
        lru.clear();
        break;
      }
      int32_t b = int32_t(pick(kBlocks + 4)) - 2;
      if (b >= 0 && b < kBlocks && refs[b] > 0)
        break;
      pool.retain(b);
      pool.release(b);
      ASSERT_FALSE(pool.publish(b, 0, Tokens(kSize, 0).data()));
      break;
    }
    }

    ASSERT_EQ(pool.checkInvariants(), "") << "op " << op;
    BlockPool::Counts counts = pool.counts();
    int32_t used = 0, numFree = 0;
    for (int32_t b = 0; b < kBlocks; ++b) {
      ASSERT_EQ(pool.refCount(b), refs[b]) << "op " << op << " block " << b;
      ASSERT_EQ(pool.isCached(b), bool(contents[b]))
          << "op " << op << " block " << b;
      used += refs[b] > 0;
      numFree += refs[b] == 0 && !contents[b];
    }
    ASSERT_EQ(counts.used, used) << "op " << op;
    ASSERT_EQ(counts.free, numFree) << "op " << op;
    ASSERT_EQ(counts.evictable, int32_t(lru.size())) << "op " << op;
    ASSERT_EQ(counts.cached, int32_t(cache.size())) << "op " << op;
  }
  // The mix must have exercised each path.
  EXPECT_GT(hits, 100);
  EXPECT_GT(evictions, 100);
  EXPECT_GT(published, 100);

  for (int32_t b : held) {
    pool.release(b);
    modelRelease(b);
    ASSERT_EQ(pool.checkInvariants(), "");
  }
  BlockPool::Counts counts = pool.counts();
  EXPECT_EQ(counts.used, 0);
  EXPECT_EQ(counts.evictable, int32_t(lru.size()));
  EXPECT_EQ(counts.free + counts.evictable, kBlocks);
  EXPECT_EQ(pool.available(), kBlocks);
  pool.clearCache();
  expectCounts(pool, kBlocks, 0, 0, 0);
}

} // namespace
