//===- CopiesToLinalg.cpp - memref.copy as linalg.copy --------------------===//

#include "passes/Passes.h"

namespace llmc {
#define GEN_PASS_DEF_COPIESTOLINALG
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

struct CopiesToLinalgPass : impl::CopiesToLinalgBase<CopiesToLinalgPass> {
  void runOnOperation() override {
    OpBuilder builder(&getContext());
    getOperation().walk([&](memref::CopyOp copy) {
      builder.setInsertionPoint(copy);
      linalg::CopyOp::create(builder, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    });
  }
};

} // namespace
} // namespace llmc
