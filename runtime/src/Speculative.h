//===- Speculative.h - Draft, verify, accept ---------------------*- C++
//-*-===//
//
// Speculative decoding (Leviathan et al. 2023, Chen et al. 2023): a cheap
// draft proposes k tokens, the target scores the last emitted token and
// the k drafts in one forward, and a rule accepts a prefix of them. Drafts
// here are deterministic (n-gram prompt lookup, or another model's greedy
// tokens), so the rule is: accept draft d with probability p(d) under the
// target's processed distribution p; on rejection, draw from p with d
// removed. Greedy p is one-hot: accept exactly when d is the argmax, which
// with batch-invariant kernels gives the tokens of plain greedy decoding;
// sampling draws every token from the target's own distribution.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_SPECULATIVE_H
#define LLMC_RUNTIME_SPECULATIVE_H

#include "llmc/llmc.h"

#include <cstdint>
#include <utility>
#include <vector>

struct llmc_session;

namespace llmc::rt {

/// (token, probability) pairs of a distribution, as Sampler::distribution
/// gives them.
using Distribution = std::vector<std::pair<int32_t, float>>;

/// The token emitted where the draft proposed `draft`: `draft` itself when
/// u1 < p(draft) (`accepted` set), else a draw from p without `draft`,
/// renormalized, by inverse CDF at u2. u1 and u2 are uniform in [0, 1).
/// Either way the token is distributed as p.
int32_t verifyDraftToken(const Distribution &p, int32_t draft, double u1,
                         double u2, bool &accepted);

/// Up to `count` tokens to follow `history`: the tokens that followed the
/// most recent earlier occurrence of its last n tokens, for the largest n
/// in [1, maxNgram] that occurs.
std::vector<int32_t> proposeFromHistory(const std::vector<int32_t> &history,
                                        int64_t count, int64_t maxNgram = 3);

/// llmc_generate_speculative once its arguments are checked.
llmc_status_t generateSpeculative(llmc_session &session, const int32_t *prompt,
                                  size_t promptCount,
                                  const llmc_generate_params &params,
                                  const llmc_speculative_params &speculative,
                                  llmc_token_callback callback, void *userData,
                                  llmc_generate_result &result,
                                  llmc_speculative_stats &stats);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_SPECULATIVE_H
