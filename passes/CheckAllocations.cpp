//===- CheckAllocations.cpp - Run-time sizes that fit in memory -----------===//
//
// A buffer whose sizes come from run-time values (an ONNX shape tensor, a
// sequence length) gets llm.assert checks that every size is non-negative
// and that the byte count does not overflow: the lowering of memref.alloc
// multiplies sizes in 64-bit arithmetic that would otherwise wrap, and
// under-allocate.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/LLMOps.h"
#include "passes/Passes.h"

namespace llmc {
#define GEN_PASS_DEF_CHECKALLOCATIONS
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// Buffers larger than this are refused (2^48 bytes, 256 TiB).
constexpr int64_t kMaxBufferBytes = int64_t(1) << 48;

/// "node 'x': " for an ONNX node's location, else "".
std::string wherePrefix(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return "node '" + name.getName().str() + "': ";
  return "";
}

struct CheckAllocations : impl::CheckAllocationsBase<CheckAllocations> {
  void runOnOperation() override {
    getOperation().walk([&](memref::AllocOp op) {
      if (op.getDynamicSizes().empty())
        return;
      check(op);
    });
  }

  void check(memref::AllocOp op) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    MemRefType type = op.getType();
    int64_t elementBytes =
        std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
    // The static part of the element count.
    int64_t staticCount = 1;
    for (int64_t d : type.getShape())
      if (!ShapedType::isDynamic(d))
        staticCount *= std::max<int64_t>(d, 1);
    auto constant = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    std::string where = wherePrefix(loc);
    // count <= limit is kept while multiplying in each run-time size s:
    // s >= 0, and s == 0 or count <= limit / s.
    Value limit = constant(kMaxBufferBytes / elementBytes);
    Value count = constant(staticCount);
    Value zero = constant(0), one = constant(1);
    for (Value size : op.getDynamicSizes()) {
      Value nonNegative =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, size, zero);
      llm::AssertOp::create(b, loc, nonNegative,
                            b.getStringAttr(where + "a run-time size is "
                                                    "negative ({0})"),
                            ValueRange{size});
      Value divisor = arith::MaxSIOp::create(b, loc, size, one);
      Value room = arith::DivUIOp::create(b, loc, limit, divisor);
      Value fits =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, count, room);
      llm::AssertOp::create(
          b, loc, fits,
          b.getStringAttr(where + "a buffer of run-time size {0} x {1} "
                                  "elements exceeds 2^48 bytes"),
          ValueRange{count, size});
      count = arith::MulIOp::create(b, loc, count, size);
    }
  }
};

} // namespace
} // namespace llmc
