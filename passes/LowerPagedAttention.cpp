//===- LowerPagedAttention.cpp - Paged attention as generated loops -------===//
//
// Without the runtime's kernels (--ukernels=false, and every GPU build) the
// buffer form of llm.paged_flash_attention becomes loops with the kernel's
// semantics (abi.h, llmc_paged_attention_fn):
//
//   checks    every token's sequence, position and the blocks its attention
//             reads, on the host, once per distinct set of index buffers;
//   store     scf.parallel over (component, KV head, token): each new key
//             and value into its slot of the pool (keys transposed per KV
//             head within a block, values as rows), converted to the pool's
//             element type;
//   attention scf.parallel over (head, token, chunk of positions): an
//             online softmax over the chunk, read through the block table,
//             into a scratch row; then scf.parallel over (component, head,
//             token) combining the chunks. No score matrix; a decode step
//             still has thousands of independent pieces of work.
//
// The parallel loops become GPU kernels through the same mapping as linalg's
// (contiguous dimension first), or loops on the CPU.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/LLMOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

#include <limits>
#include <set>
#include <tuple>

namespace llmc {
#define GEN_PASS_DEF_LOWERPAGEDATTENTION
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// Integer and index arithmetic on one builder, to keep the loops readable.
struct Arith {
  OpBuilder &b;
  Location loc;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value rem(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value dim(Value memref, int64_t d) {
    return memref::DimOp::create(b, loc, memref, d);
  }
  /// An integer element of `memref` as an index (sign-extended).
  Value loadIndex(Value memref, ValueRange indices) {
    Value v = memref::LoadOp::create(b, loc, memref, indices);
    if (!v.getType().isInteger(64))
      v = arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  }
  void check(Value condition, StringRef message, ValueRange values) {
    llm::AssertOp::create(b, loc, condition, b.getStringAttr(message), values);
  }
};

/// The index buffers and pool whose entries a paged attention checks: every
/// layer of a forward shares them, and the loop over their entries is
/// emitted once, before the first.
using CheckKey = std::tuple<void *, void *, void *, void *>;

struct LowerPagedAttentionPass
    : impl::LowerPagedAttentionBase<LowerPagedAttentionPass> {
  void runOnOperation() override {
    SmallVector<llm::PagedFlashAttentionOp> ops;
    getOperation().walk([&](llm::PagedFlashAttentionOp op) {
      if (op.getNumResults() == 0)
        ops.push_back(op);
    });
    std::set<CheckKey> checked;
    for (llm::PagedFlashAttentionOp op : ops) {
      Type element = cast<MemRefType>(op.getPool().getType()).getElementType();
      if (!element.isF32() && !element.isF16()) {
        op.emitOpError("generated paged attention stores f32 or f16 keys "
                       "and values, not ")
            << element << " (an int8 KV cache needs the runtime's kernel)";
        return signalPassFailure();
      }
      OpBuilder b(op);
      Arith a{b, op.getLoc()};
      Value tokens = a.dim(op.getQuery(), 0);
      CheckKey key{op.getPositions().getAsOpaquePointer(),
                   op.getSequences().getAsOpaquePointer(),
                   op.getBlockTables().getAsOpaquePointer(),
                   op.getPool().getAsOpaquePointer()};
      emitCountChecks(op, a, tokens);
      if (checked.insert(key).second)
        emitEntryChecks(op, a, tokens);
      emitStores(op, a, tokens);
      emitAttention(op, a, tokens);
      op.erase();
    }
  }

  /// The kernel's checks, in its order and words: as many positions and
  /// sequence ids as tokens...
  void emitCountChecks(llm::PagedFlashAttentionOp op, Arith &a, Value tokens) {
    using P = arith::CmpIPredicate;
    Value numPositions = a.dim(op.getPositions(), 0),
          numIds = a.dim(op.getSequences(), 0);
    a.check(a.cmp(P::eq, numPositions, tokens),
            "paged attention: {0} tokens but {1} positions or sequence ids",
            {tokens, numPositions});
    a.check(a.cmp(P::eq, numIds, tokens),
            "paged attention: {0} tokens but {1} positions or sequence ids",
            {tokens, numIds});
  }

  /// ...then per token its sequence, its position, and each block up to its
  /// own.
  void emitEntryChecks(llm::PagedFlashAttentionOp op, Arith &a, Value tokens) {
    using P = arith::CmpIPredicate;
    OpBuilder &b = a.b;
    Value positions = op.getPositions(), sequences = op.getSequences(),
          tables = op.getBlockTables();
    Value numSequences = a.dim(tables, 0), maxBlocks = a.dim(tables, 1);
    Value numBlocks = a.dim(op.getPool(), 0);
    int64_t blockSize = cast<MemRefType>(op.getPool().getType()).getDimSize(3);
    Value zero = a.index(0), one = a.index(1), bs = a.index(blockSize);
    auto inRange = [&](Value v, Value end) {
      // Unsigned: a negative value read as an index is out of range too.
      return a.cmp(P::ult, v, end);
    };
    scf::ForOp::create(
        b, a.loc, zero, tokens, one, ValueRange{},
        [&](OpBuilder &nb, Location l, Value t, ValueRange) {
          Arith n{nb, l};
          Value s = n.loadIndex(sequences, {t});
          n.check(inRange(s, numSequences),
                  "token {0} belongs to sequence {1}, which has no block "
                  "table",
                  {t, s});
          Value p = n.loadIndex(positions, {t});
          Value lastBlock = n.div(p, bs);
          n.check(inRange(lastBlock, maxBlocks),
                  "token {0} is at position {1}, outside its block table",
                  {t, p});
          scf::ForOp::create(
              nb, l, zero, n.add(lastBlock, one), one, ValueRange{},
              [&](OpBuilder &ib, Location il, Value i, ValueRange) {
                Arith in{ib, il};
                Value block = in.loadIndex(tables, {s, i});
                in.check(inRange(block, numBlocks),
                         "block table entry {0} names block {1}, outside "
                         "the KV pool",
                         {in.add(in.mul(s, maxBlocks), i), block});
                scf::YieldOp::create(ib, il);
              });
          scf::YieldOp::create(nb, l);
        });
  }

  /// (block, slot) of position `p` of the token's sequence `s`.
  static std::pair<Value, Value> locate(llm::PagedFlashAttentionOp op, Arith &a,
                                        Value s, Value p) {
    int64_t blockSize = cast<MemRefType>(op.getPool().getType()).getDimSize(3);
    Value bs = a.index(blockSize);
    return {a.loadIndex(op.getBlockTables(), {s, a.div(p, bs)}), a.rem(p, bs)};
  }

  /// Pool indices of component `c` of KV head `kv`'s key in `slot`: the key
  /// half holds [kv_heads][head_dim][block_size] in the [block_size,
  /// kv_heads, head_dim] shape of the tensor type.
  static SmallVector<Value> keyIndices(llm::PagedFlashAttentionOp op, Arith &a,
                                       Value block, Value slot, Value kv,
                                       Value c) {
    auto pool = cast<MemRefType>(op.getPool().getType());
    int64_t bs = pool.getDimSize(3), kvHeads = pool.getDimSize(4),
            headDim = pool.getDimSize(5);
    Value flat =
        a.add(a.mul(a.add(a.mul(kv, a.index(headDim)), c), a.index(bs)), slot);
    return {block,
            a.index(op.getLayer()),
            a.index(0),
            a.div(flat, a.index(kvHeads * headDim)),
            a.rem(a.div(flat, a.index(headDim)), a.index(kvHeads)),
            a.rem(flat, a.index(headDim))};
  }

  static SmallVector<Value> valueIndices(llm::PagedFlashAttentionOp op,
                                         Arith &a, Value block, Value slot,
                                         Value kv, Value c) {
    return {block, a.index(op.getLayer()), a.index(1), slot, kv, c};
  }

  void emitStores(llm::PagedFlashAttentionOp op, Arith &a, Value tokens) {
    auto pool = cast<MemRefType>(op.getPool().getType());
    Type element = pool.getElementType();
    Value zero = a.index(0), one = a.index(1);
    scf::ParallelOp::create(
        a.b, a.loc, ValueRange{zero, zero, zero},
        ValueRange{a.index(pool.getDimSize(5)), a.index(pool.getDimSize(4)),
                   tokens},
        ValueRange{one, one, one},
        [&](OpBuilder &nb, Location l, ValueRange ivs) {
          Arith n{nb, l};
          Value c = ivs[0], kv = ivs[1], t = ivs[2];
          Value s = n.loadIndex(op.getSequences(), {t});
          Value p = n.loadIndex(op.getPositions(), {t});
          auto [block, slot] = locate(op, n, s, p);
          auto store = [&](Value from, SmallVector<Value> at) {
            Value v = memref::LoadOp::create(nb, l, from, ValueRange{t, kv, c});
            if (v.getType() != element)
              v = arith::TruncFOp::create(nb, l, element, v);
            memref::StoreOp::create(nb, l, v, op.getPool(), at);
          };
          store(op.getKey(), keyIndices(op, n, block, slot, kv, c));
          store(op.getValue(), valueIndices(op, n, block, slot, kv, c));
        });
  }

  /// The attention in two parallel loops. Each token's visible positions
  /// are cut into chunks so that a decode step (one token, a few heads)
  /// still has thousands of independent pieces of work: the first loop,
  /// over (head, token, chunk), runs an online softmax over its chunk into
  /// a scratch row [acc[head_dim], max, sum]; the second, over (component,
  /// head, token), rescales the chunks to their common maximum and adds
  /// them up. The chunk count is chosen on the host from the token count
  /// alone: ceil(kTargetWork / (heads * tokens)), at most one chunk per
  /// kMinChunk positions of the block tables' capacity.
  static constexpr int64_t kTargetWork = 4096, kMinChunk = 16;

  void emitAttention(llm::PagedFlashAttentionOp op, Arith &a, Value tokens) {
    using P = arith::CmpIPredicate;
    OpBuilder &b = a.b;
    auto pool = cast<MemRefType>(op.getPool().getType());
    int64_t headDim = pool.getDimSize(5), blockSize = pool.getDimSize(3);
    int64_t heads = op.getNumHeads();
    int64_t group = heads / op.getNumKvHeads();
    Type f32 = b.getF32Type();
    Value out = op.getInit();
    Value zero = a.index(0), one = a.index(1), d = a.index(headDim);
    std::optional<int64_t> window = op.getSlidingWindow();
    if (window && *window <= 0)
      window.reset();
    auto constant = [](OpBuilder &cb, Location cl, double v) -> Value {
      return arith::ConstantOp::create(cb, cl, cb.getF32FloatAttr(v));
    };
    auto load = [&](OpBuilder &lb, Location ll, Value memref,
                    ValueRange at) -> Value {
      Value v = memref::LoadOp::create(lb, ll, memref, at);
      return v.getType() == f32 ? v : arith::ExtFOp::create(lb, ll, f32, v);
    };
    auto ceilDiv = [&](Value x, Value y) {
      return a.div(a.sub(a.add(x, y), one), y);
    };

    // Chunks: count and length, from the token count and the capacity.
    Value capacity = a.mul(a.dim(op.getBlockTables(), 1), a.index(blockSize));
    Value work =
        a.mul(a.index(heads), arith::MaxUIOp::create(b, a.loc, tokens, one));
    Value chunks = ceilDiv(a.index(kTargetWork), work);
    chunks = arith::MinUIOp::create(
        b, a.loc, chunks,
        arith::MaxUIOp::create(b, a.loc, ceilDiv(capacity, a.index(kMinChunk)),
                               one));
    Value chunkLength =
        arith::MaxUIOp::create(b, a.loc, ceilDiv(capacity, chunks), one);
    Value scratch = memref::AllocOp::create(
        b, a.loc,
        MemRefType::get(
            {ShapedType::kDynamic, heads, ShapedType::kDynamic, headDim + 2},
            f32),
        ValueRange{tokens, chunks});
    Value maxAt = a.index(headDim), sumAt = a.index(headDim + 1);

    scf::ParallelOp::create(
        b, a.loc, ValueRange{zero, zero, zero},
        ValueRange{a.index(heads), tokens, chunks}, ValueRange{one, one, one},
        [&](OpBuilder &nb, Location l, ValueRange ivs) {
          Arith n{nb, l};
          Value h = ivs[0], t = ivs[1], c = ivs[2];
          Value kv = n.div(h, n.index(group));
          Value s = n.loadIndex(op.getSequences(), {t});
          Value p = n.loadIndex(op.getPositions(), {t});
          Value end = n.add(p, one);
          // Visible positions: [first, p], first = max(0, p - window + 1);
          // this chunk's share of them: [lo, hi), perhaps empty.
          Value first = zero;
          if (window) {
            Value w = n.index(*window);
            Value inside = n.cmp(P::uge, end, w);
            first = arith::SelectOp::create(nb, l, inside, n.sub(end, w), zero);
          }
          Value chunkStart = n.mul(c, chunkLength);
          Value lo = arith::MaxUIOp::create(nb, l, first, chunkStart);
          Value hi = arith::MinUIOp::create(nb, l, end,
                                            n.add(chunkStart, chunkLength));
          scf::ForOp::create(
              nb, l, zero, d, one, ValueRange{},
              [&](OpBuilder &ib, Location il, Value i, ValueRange) {
                memref::StoreOp::create(ib, il, constant(ib, il, 0.0), scratch,
                                        ValueRange{t, h, c, i});
                scf::YieldOp::create(ib, il);
              });
          Value lowest =
              constant(nb, l, -std::numeric_limits<float>::infinity());
          auto loop = scf::ForOp::create(
              nb, l, lo, arith::MaxUIOp::create(nb, l, lo, hi), one,
              ValueRange{lowest, constant(nb, l, 0.0)},
              [&](OpBuilder &jb, Location jl, Value j, ValueRange state) {
                Arith jn{jb, jl};
                Value block, slot;
                std::tie(block, slot) = locate(op, jn, s, j);
                auto dot = scf::ForOp::create(
                    jb, jl, zero, d, one, ValueRange{constant(jb, jl, 0.0)},
                    [&](OpBuilder &cb, Location cl, Value i, ValueRange acc) {
                      Arith cn{cb, cl};
                      Value q = load(cb, cl, op.getQuery(), {t, h, i});
                      Value k = load(cb, cl, op.getPool(),
                                     keyIndices(op, cn, block, slot, kv, i));
                      scf::YieldOp::create(
                          cb, cl,
                          Value(math::FmaOp::create(cb, cl, q, k, acc[0])));
                    });
                Value score = arith::MulFOp::create(
                    jb, jl, dot.getResult(0),
                    constant(jb, jl, op.getScale().convertToDouble()));
                Value max = arith::MaximumFOp::create(jb, jl, state[0], score);
                Value rescale = math::ExpOp::create(
                    jb, jl, arith::SubFOp::create(jb, jl, state[0], max));
                Value weight = math::ExpOp::create(
                    jb, jl, arith::SubFOp::create(jb, jl, score, max));
                scf::ForOp::create(
                    jb, jl, zero, d, one, ValueRange{},
                    [&](OpBuilder &cb, Location cl, Value i, ValueRange) {
                      Arith cn{cb, cl};
                      SmallVector<Value> at{t, h, c, i};
                      Value o = memref::LoadOp::create(cb, cl, scratch, at);
                      Value v = load(cb, cl, op.getPool(),
                                     valueIndices(op, cn, block, slot, kv, i));
                      Value next = math::FmaOp::create(
                          cb, cl, weight, v,
                          arith::MulFOp::create(cb, cl, o, rescale));
                      memref::StoreOp::create(cb, cl, next, scratch, at);
                      scf::YieldOp::create(cb, cl);
                    });
                Value sum =
                    math::FmaOp::create(jb, jl, state[1], rescale, weight);
                scf::YieldOp::create(jb, jl, ValueRange{max, sum});
              });
          // An empty chunk: maximum -inf, sum 0, weighs nothing below.
          memref::StoreOp::create(nb, l, loop.getResult(0), scratch,
                                  ValueRange{t, h, c, maxAt});
          memref::StoreOp::create(nb, l, loop.getResult(1), scratch,
                                  ValueRange{t, h, c, sumAt});
        });

    scf::ParallelOp::create(
        b, a.loc, ValueRange{zero, zero, zero},
        ValueRange{d, a.index(heads), tokens}, ValueRange{one, one, one},
        [&](OpBuilder &nb, Location l, ValueRange ivs) {
          Value i = ivs[0], h = ivs[1], t = ivs[2];
          Value lowest =
              constant(nb, l, -std::numeric_limits<float>::infinity());
          auto max = scf::ForOp::create(
              nb, l, zero, chunks, one, ValueRange{lowest},
              [&](OpBuilder &cb, Location cl, Value c, ValueRange acc) {
                Value m = memref::LoadOp::create(cb, cl, scratch,
                                                 ValueRange{t, h, c, maxAt});
                scf::YieldOp::create(
                    cb, cl,
                    Value(arith::MaximumFOp::create(cb, cl, acc[0], m)));
              });
          auto sums = scf::ForOp::create(
              nb, l, zero, chunks, one,
              ValueRange{constant(nb, l, 0.0), constant(nb, l, 0.0)},
              [&](OpBuilder &cb, Location cl, Value c, ValueRange acc) {
                Value m = memref::LoadOp::create(cb, cl, scratch,
                                                 ValueRange{t, h, c, maxAt});
                Value w = math::ExpOp::create(
                    cb, cl, arith::SubFOp::create(cb, cl, m, max.getResult(0)));
                Value sum = memref::LoadOp::create(cb, cl, scratch,
                                                   ValueRange{t, h, c, sumAt});
                Value o = memref::LoadOp::create(cb, cl, scratch,
                                                 ValueRange{t, h, c, i});
                scf::YieldOp::create(
                    cb, cl,
                    ValueRange{math::FmaOp::create(cb, cl, sum, w, acc[0]),
                               math::FmaOp::create(cb, cl, o, w, acc[1])});
              });
          memref::StoreOp::create(nb, l,
                                  arith::DivFOp::create(nb, l,
                                                        sums.getResult(1),
                                                        sums.getResult(0)),
                                  out, ValueRange{t, h, i});
        });
    memref::DeallocOp::create(b, a.loc, scratch);
  }
};

} // namespace
} // namespace llmc
