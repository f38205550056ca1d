// RUN: llmc-opt %s --split-input-file --llmc-lower-to-ukernels --verify-diagnostics

// The llmc.ukernel tag is checked: a kernel the runtime has, the sizes its
// call passes, and as many weight parts as it reads. A generic the kernel
// cannot take stays loops, with a warning: never silently slow.

#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> ((d1 floordiv 32) * 2048 + d2 * 32 + d1 mod 32)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>

func.func @unknown_kernel(%x: memref<?x64xf32>, %w: memref<2048xf32>, %y: memref<?x32xf32>) {
  // expected-error @+1 {{names kernel 'linear_f64', which the runtime does not have (linear_f32, linear_int8, linear_int4)}}
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<2048xf32>) outs(%y : memref<?x32xf32>)
      attrs = {llmc.ukernel = {group = 0 : i64, k = 64 : i64, kernel = "linear_f64", n = 32 : i64, scale_bytes = 0 : i64}} {
  ^bb0(%in: f32, %wv: f32, %out: f32):
    %0 = arith.mulf %in, %wv : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> ((d1 floordiv 32) * 2048 + d2 * 32 + d1 mod 32)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>

func.func @missing_size(%x: memref<?x64xf32>, %w: memref<2048xf32>, %y: memref<?x32xf32>) {
  // expected-error @+1 {{expects an integer 'k' in its llmc.ukernel}}
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<2048xf32>) outs(%y : memref<?x32xf32>)
      attrs = {llmc.ukernel = {group = 0 : i64, kernel = "linear_f32", n = 32 : i64, scale_bytes = 0 : i64}} {
  ^bb0(%in: f32, %wv: f32, %out: f32):
    %0 = arith.mulf %in, %wv : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> ((d1 floordiv 32) * 2048 + d2 * 32 + d1 mod 32)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>

// int8 reads data and scales: one part is not enough.
func.func @missing_scales(%x: memref<?x64xf32>, %w: memref<2048xf32>, %y: memref<?x32xf32>) {
  // expected-error @+1 {{reads 1 weight parts, which linear_int8 does not take}}
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<2048xf32>) outs(%y : memref<?x32xf32>)
      attrs = {llmc.ukernel = {group = 0 : i64, k = 64 : i64, kernel = "linear_int8", n = 32 : i64, scale_bytes = 2 : i64}} {
  ^bb0(%in: f32, %wv: f32, %out: f32):
    %0 = arith.mulf %in, %wv : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> ((d1 floordiv 32) * 2048 + d2 * 32 + d1 mod 32)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>

// Activation rows with an inner stride of 2: loops, and a warning.
func.func @x_inner_stride_2(%buf: memref<?x128xf32>, %w: memref<2048xf32>, %y: memref<?x32xf32>) {
  %c0 = arith.constant 0 : index
  %m = memref.dim %buf, %c0 : memref<?x128xf32>
  %x = memref.subview %buf[0, 0] [%m, 64] [1, 2] : memref<?x128xf32> to memref<?x64xf32, strided<[128, 2]>>
  // expected-warning @+1 {{cannot call llmc_ukernel_linear_f32: its activation rows are not unit-stride; it stays loops}}
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32, strided<[128, 2]>>, memref<2048xf32>) outs(%y : memref<?x32xf32>)
      attrs = {llmc.ukernel = {group = 0 : i64, k = 64 : i64, kernel = "linear_f32", n = 32 : i64, scale_bytes = 0 : i64}} {
  ^bb0(%in: f32, %wv: f32, %out: f32):
    %0 = arith.mulf %in, %wv : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}
