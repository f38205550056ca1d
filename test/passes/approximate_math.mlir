// RUN: llmc-opt %s --llmc-approximate-math | FileCheck %s

// exp (softmax, SiLU) becomes a polynomial of arith ops that LLVM can
// vectorize; sin and cos (rotary embeddings) stay libm calls, whose range
// reduction holds for large positions.
// CHECK-LABEL: func @approximate
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: arith.mulf
// CHECK: math.sin
// CHECK: math.cos
func.func @approximate(%x: f32, %v: vector<8xf32>) -> (f32, vector<8xf32>, f32, f32) {
  %0 = math.exp %x : f32
  %1 = math.tanh %v : vector<8xf32>
  %2 = math.sin %x : f32
  %3 = math.cos %x : f32
  return %0, %1, %2, %3 : f32, vector<8xf32>, f32, f32
}
