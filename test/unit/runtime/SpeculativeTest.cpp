//===- SpeculativeTest.cpp - The acceptance rule and prompt lookup --------===//
//
// verifyDraftToken against the closed form: over a grid of the two
// uniforms, every token comes out with exactly its probability under p,
// whatever the draft (in p, or not), and greedy p accepts exactly its
// argmax. proposeFromHistory on small sequences.
//
//===----------------------------------------------------------------------===//

#include "Speculative.h"

#include <gtest/gtest.h>

#include <map>

using namespace llmc::rt;

namespace {

/// The frequency of each output over an n x n grid of (u1, u2).
std::map<int32_t, double> outputs(const Distribution &p, int32_t draft, int n,
                                  double &acceptance) {
  std::map<int32_t, double> freq;
  int64_t accepted = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      bool ok;
      int32_t token =
          verifyDraftToken(p, draft, (i + 0.5) / n, (j + 0.5) / n, ok);
      freq[token] += 1.0 / (double(n) * n);
      accepted += ok;
    }
  acceptance = double(accepted) / (double(n) * n);
  return freq;
}

TEST(Speculative, EveryTokenComesOutWithItsProbability) {
  Distribution p{{3, 0.5f}, {1, 0.3f}, {7, 0.15f}, {2, 0.05f}};
  for (int32_t draft : {3, 1, 7, 2, 9}) {
    SCOPED_TRACE("draft " + std::to_string(draft));
    double acceptance;
    auto freq = outputs(p, draft, 1000, acceptance);
    double pDraft = 0;
    for (auto [token, probability] : p) {
      EXPECT_NEAR(freq[token], probability, 2e-3) << "token " << token;
      if (token == draft)
        pDraft = probability;
    }
    EXPECT_NEAR(acceptance, pDraft, 2e-3);
    EXPECT_EQ(freq.count(9), 0u); // never out of p
  }
}

TEST(Speculative, GreedyAcceptsExactlyTheArgmax) {
  Distribution greedy{{5, 1.0f}};
  for (double u : {0.0, 0.5, 0.999999}) {
    bool accepted;
    EXPECT_EQ(verifyDraftToken(greedy, 5, u, u, accepted), 5);
    EXPECT_TRUE(accepted);
    EXPECT_EQ(verifyDraftToken(greedy, 4, u, u, accepted), 5);
    EXPECT_FALSE(accepted);
  }
}

TEST(Speculative, ProposesWhatFollowedTheLongestRecentMatch) {
  // ... 1 2 3 [4 5] ... 1 2 3 -> 4 5 (the 3-gram), capped at the count.
  EXPECT_EQ(proposeFromHistory({1, 2, 3, 4, 5, 9, 1, 2, 3}, 2),
            (std::vector<int32_t>{4, 5}));
  // The most recent occurrence wins.
  EXPECT_EQ(proposeFromHistory({7, 1, 8, 7, 2, 7}, 1),
            (std::vector<int32_t>{2}));
  // Fewer tokens follow than asked: as many as there are.
  EXPECT_EQ(proposeFromHistory({4, 6, 4}, 3), (std::vector<int32_t>{6, 4}));
  // No earlier occurrence, or too short a history: nothing.
  EXPECT_TRUE(proposeFromHistory({1, 2, 3}, 4).empty());
  EXPECT_TRUE(proposeFromHistory({1}, 4).empty());
  EXPECT_TRUE(proposeFromHistory({}, 4).empty());
}

} // namespace
