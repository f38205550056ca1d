// RUN: llmc-opt %s --split-input-file --llmc-lower-to-ukernels | FileCheck %s

// llmc-lower-to-ukernels replaces a linalg.generic on buffers tagged
// llmc.ukernel (as convert-llm-to-linalg tags projections over packed
// weights and bufferization leaves them) by a call to the runtime's kernel,
// all operands i64:
//   linear_f32(x, ldx, w, y, ldy, m, n, k)
//   linear_int8(x, ldx, w, scales, y, ldy, m, n, k, scale_bytes)
//   linear_int4(x, ldx, w, scales, zeros or 0, y, ldy, m, n, k, group, scale_bytes)
// A pointer is the buffer's aligned pointer plus its offset times the
// element size; ldx / ldy are the row strides (elements); m is x's rows; n,
// k, group and scale_bytes come from the tag. Each kernel is declared once,
// privately.

#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>
#n = affine_map<(d0, d1, d2) -> (d1)>
#f32w = affine_map<(d0, d1, d2) -> ((d1 floordiv 32) * 2048 + d2 * 32 + d1 mod 32)>
#i8w = affine_map<(d0, d1, d2) -> (((d1 floordiv 16) * 16 + d2 floordiv 4) * 64 + (d1 mod 16) * 4 + d2 mod 4)>
#i4w2 = affine_map<(d0, d1, d2) -> ((((d1 floordiv 16) * 2 + d2 floordiv 64) * 8 + (d2 mod 64) floordiv 8) * 64 + (d1 mod 16) * 4 + d2 mod 4)>
#i4s2 = affine_map<(d0, d1, d2) -> (((d1 floordiv 16) * 2 + d2 floordiv 64) * 16 + d1 mod 16)>
#i4w32 = affine_map<(d0, d1, d2) -> ((((d1 floordiv 16) * 2 + d2 floordiv 32) * 4 + (d2 mod 32) floordiv 8) * 64 + (d1 mod 16) * 4 + d2 mod 4)>
#i4s32 = affine_map<(d0, d1, d2) -> (((d1 floordiv 16) * 2 + d2 floordiv 32) * 16 + d1 mod 16)>

// CHECK-DAG: func.func private @llmc_ukernel_linear_f32(i64, i64, i64, i64, i64, i64, i64, i64){{$}}
// CHECK-DAG: func.func private @llmc_ukernel_linear_int8(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64){{$}}
// CHECK-DAG: func.func private @llmc_ukernel_linear_int4(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64){{$}}

// f32 panels, N = 32, K = 64. Every operand is traced to its buffer.
// CHECK-LABEL: func @linear_f32(
// CHECK-SAME: %[[X:[^:]*]]: memref<?x64xf32>, %[[W:[^:]*]]: memref<2048xf32>, %[[Y:[^:]*]]: memref<?x32xf32>)
// CHECK-NOT: linalg.generic
// CHECK: %[[M:.*]] = memref.dim %[[X]], %{{.*}} : memref<?x64xf32>
// CHECK: %[[MI:.*]] = arith.index_cast %[[M]] : index to i64
// CHECK: %{{[^,]*}}, %[[XOFF:[^,]*]], {{.*}} = memref.extract_strided_metadata %[[X]]
// CHECK: %[[XP:.*]] = memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[XOB:.*]] = arith.muli %[[XOFF]], %[[C4]] : index
// CHECK: %[[XA:.*]] = arith.addi %[[XP]], %[[XOB]] : index
// CHECK: %[[XI:.*]] = arith.index_cast %[[XA]] : index to i64
// CHECK: %{{.*}}, %[[XST:[^:]*]]:2 = memref.extract_strided_metadata %[[X]]
// CHECK: %[[LDX:.*]] = arith.index_cast %[[XST]]#0 : index to i64
// CHECK: %{{[^,]*}}, %[[WOFF:[^,]*]], {{.*}} = memref.extract_strided_metadata %[[W]]
// CHECK: %[[WP:.*]] = memref.extract_aligned_pointer_as_index %[[W]]
// CHECK: %[[C4W:.*]] = arith.constant 4 : index
// CHECK: %[[WOB:.*]] = arith.muli %[[WOFF]], %[[C4W]] : index
// CHECK: %[[WA:.*]] = arith.addi %[[WP]], %[[WOB]] : index
// CHECK: %[[WI:.*]] = arith.index_cast %[[WA]] : index to i64
// CHECK: %{{[^,]*}}, %[[YOFF:[^,]*]], {{.*}} = memref.extract_strided_metadata %[[Y]]
// CHECK: %[[YP:.*]] = memref.extract_aligned_pointer_as_index %[[Y]]
// CHECK: %[[YA:.*]] = arith.addi %[[YP]], %{{.*}} : index
// CHECK: %[[YI:.*]] = arith.index_cast %[[YA]] : index to i64
// CHECK: %{{.*}}, %[[YST:[^:]*]]:2 = memref.extract_strided_metadata %[[Y]]
// CHECK: %[[LDY:.*]] = arith.index_cast %[[YST]]#0 : index to i64
// CHECK-DAG: %[[N:.*]] = arith.constant 32 : i64
// CHECK-DAG: %[[K:.*]] = arith.constant 64 : i64
// CHECK: call @llmc_ukernel_linear_f32(%[[XI]], %[[LDX]], %[[WI]], %[[YI]], %[[LDY]], %[[MI]], %[[N]], %[[K]]) : (i64, i64, i64, i64, i64, i64, i64, i64) -> ()
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @linear_f32(%x: memref<?x64xf32>, %w: memref<2048xf32>, %y: memref<?x32xf32>) {
  linalg.generic {indexing_maps = [#x, #f32w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<2048xf32>) outs(%y : memref<?x32xf32>)
      attrs = {llmc.ukernel = {group = 0 : i64, k = 64 : i64, kernel = "linear_f32", n = 32 : i64, scale_bytes = 0 : i64}} {
  ^bb0(%in: f32, %wv: f32, %out: f32):
    %0 = arith.mulf %in, %wv fastmath<reassoc,contract> : f32
    %1 = arith.addf %out, %0 fastmath<reassoc,contract> : f32
    linalg.yield %1 : f32
  }
  return
}

// int8, N = 128, K = 64, f32 scales: the scales pointer follows the data,
// scale_bytes closes the list; the data's offset is scaled by 1 byte.
// CHECK-LABEL: func @linear_int8(
// CHECK-SAME: %[[X:[^:]*]]: memref<?x64xf32>, %[[W:[^:]*]]: memref<8192xi8>, %[[S:[^:]*]]: memref<128xf32>, %[[Y:[^:]*]]: memref<?x128xf32>)
// CHECK: %[[M:.*]] = memref.dim %[[X]]
// CHECK: %[[MI:.*]] = arith.index_cast %[[M]] : index to i64
// CHECK: %[[XP:.*]] = memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: %[[XA:.*]] = arith.addi %[[XP]], %{{.*}} : index
// CHECK: %[[XI:.*]] = arith.index_cast %[[XA]] : index to i64
// CHECK: %{{.*}}, %[[XST:[^:]*]]:2 = memref.extract_strided_metadata %[[X]]
// CHECK: %[[LDX:.*]] = arith.index_cast %[[XST]]#0 : index to i64
// CHECK: %{{[^,]*}}, %[[WOFF:[^,]*]], {{.*}} = memref.extract_strided_metadata %[[W]]
// CHECK: %[[WP:.*]] = memref.extract_aligned_pointer_as_index %[[W]]
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[WOB:.*]] = arith.muli %[[WOFF]], %[[C1]] : index
// CHECK: %[[WA:.*]] = arith.addi %[[WP]], %[[WOB]] : index
// CHECK: %[[WI:.*]] = arith.index_cast %[[WA]] : index to i64
// CHECK: %[[SP:.*]] = memref.extract_aligned_pointer_as_index %[[S]]
// CHECK: %[[SA:.*]] = arith.addi %[[SP]], %{{.*}} : index
// CHECK: %[[SI:.*]] = arith.index_cast %[[SA]] : index to i64
// CHECK: %[[YP:.*]] = memref.extract_aligned_pointer_as_index %[[Y]]
// CHECK: %[[YA:.*]] = arith.addi %[[YP]], %{{.*}} : index
// CHECK: %[[YI:.*]] = arith.index_cast %[[YA]] : index to i64
// CHECK: %{{.*}}, %[[YST:[^:]*]]:2 = memref.extract_strided_metadata %[[Y]]
// CHECK: %[[LDY:.*]] = arith.index_cast %[[YST]]#0 : index to i64
// CHECK-DAG: %[[N:.*]] = arith.constant 128 : i64
// CHECK-DAG: %[[K:.*]] = arith.constant 64 : i64
// CHECK-DAG: %[[SB:.*]] = arith.constant 4 : i64
// CHECK: call @llmc_ukernel_linear_int8(%[[XI]], %[[LDX]], %[[WI]], %[[SI]], %[[YI]], %[[LDY]], %[[MI]], %[[N]], %[[K]], %[[SB]]) : (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> ()
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @linear_int8(%x: memref<?x64xf32>, %w: memref<8192xi8>, %s: memref<128xf32>, %y: memref<?x128xf32>) {
  linalg.generic {indexing_maps = [#x, #i8w, #n, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w, %s : memref<?x64xf32>, memref<8192xi8>, memref<128xf32>) outs(%y : memref<?x128xf32>)
      attrs = {llmc.ukernel = {group = 0 : i64, k = 64 : i64, kernel = "linear_int8", n = 128 : i64, scale_bytes = 4 : i64}} {
  ^bb0(%in: f32, %u: i8, %sv: f32, %out: f32):
    %c128 = arith.constant 128 : i32
    %0 = arith.extui %u : i8 to i32
    %1 = arith.subi %0, %c128 : i32
    %2 = arith.sitofp %1 : i32 to f32
    %3 = arith.mulf %2, %sv : f32
    %4 = arith.mulf %in, %3 fastmath<reassoc,contract> : f32
    %5 = arith.addf %out, %4 fastmath<reassoc,contract> : f32
    linalg.yield %5 : f32
  }
  return
}

// int4 with zero points, N = 96, K = 128, 2 groups of 64, f16 scales (offset
// scaled by 2 bytes): x, ldx, data, scales, zeros, y, ldy, m, n, k, group,
// scale_bytes.
// CHECK-LABEL: func @linear_int4_zero_points(
// CHECK-SAME: %[[X:[^:]*]]: memref<?x128xf32>, %[[W:[^:]*]]: memref<6144xi8>, %[[S:[^:]*]]: memref<192xf16>, %[[Z:[^:]*]]: memref<192xi8>, %[[Y:[^:]*]]: memref<?x96xf32>)
// CHECK: %[[M:.*]] = memref.dim %[[X]]
// CHECK: %[[MI:.*]] = arith.index_cast %[[M]] : index to i64
// CHECK: %[[XP:.*]] = memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: %[[XA:.*]] = arith.addi %[[XP]], %{{.*}} : index
// CHECK: %[[XI:.*]] = arith.index_cast %[[XA]] : index to i64
// CHECK: %{{.*}}, %[[XST:[^:]*]]:2 = memref.extract_strided_metadata %[[X]]
// CHECK: %[[LDX:.*]] = arith.index_cast %[[XST]]#0 : index to i64
// CHECK: %[[WP:.*]] = memref.extract_aligned_pointer_as_index %[[W]]
// CHECK: %[[WA:.*]] = arith.addi %[[WP]], %{{.*}} : index
// CHECK: %[[WI:.*]] = arith.index_cast %[[WA]] : index to i64
// CHECK: %{{[^,]*}}, %[[SOFF:[^,]*]], {{.*}} = memref.extract_strided_metadata %[[S]]
// CHECK: %[[SP:.*]] = memref.extract_aligned_pointer_as_index %[[S]]
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[SOB:.*]] = arith.muli %[[SOFF]], %[[C2]] : index
// CHECK: %[[SA:.*]] = arith.addi %[[SP]], %[[SOB]] : index
// CHECK: %[[SI:.*]] = arith.index_cast %[[SA]] : index to i64
// CHECK: %[[ZP:.*]] = memref.extract_aligned_pointer_as_index %[[Z]]
// CHECK: %[[ZA:.*]] = arith.addi %[[ZP]], %{{.*}} : index
// CHECK: %[[ZI:.*]] = arith.index_cast %[[ZA]] : index to i64
// CHECK: %[[YP:.*]] = memref.extract_aligned_pointer_as_index %[[Y]]
// CHECK: %[[YA:.*]] = arith.addi %[[YP]], %{{.*}} : index
// CHECK: %[[YI:.*]] = arith.index_cast %[[YA]] : index to i64
// CHECK: %{{.*}}, %[[YST:[^:]*]]:2 = memref.extract_strided_metadata %[[Y]]
// CHECK: %[[LDY:.*]] = arith.index_cast %[[YST]]#0 : index to i64
// CHECK-DAG: %[[N:.*]] = arith.constant 96 : i64
// CHECK-DAG: %[[K:.*]] = arith.constant 128 : i64
// CHECK-DAG: %[[G:.*]] = arith.constant 64 : i64
// CHECK-DAG: %[[SB:.*]] = arith.constant 2 : i64
// CHECK: call @llmc_ukernel_linear_int4(%[[XI]], %[[LDX]], %[[WI]], %[[SI]], %[[ZI]], %[[YI]], %[[LDY]], %[[MI]], %[[N]], %[[K]], %[[G]], %[[SB]]) : (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> ()
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @linear_int4_zero_points(%x: memref<?x128xf32>, %w: memref<6144xi8>, %s: memref<192xf16>, %z: memref<192xi8>, %y: memref<?x96xf32>) {
  linalg.generic {indexing_maps = [#x, #i4w2, #i4s2, #i4s2, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w, %s, %z : memref<?x128xf32>, memref<6144xi8>, memref<192xf16>, memref<192xi8>) outs(%y : memref<?x96xf32>)
      attrs = {llmc.ukernel = {group = 64 : i64, k = 128 : i64, kernel = "linear_int4", n = 96 : i64, scale_bytes = 2 : i64}} {
  ^bb0(%in: f32, %u: i8, %sv: f16, %zv: i8, %out: f32):
    %c0 = arith.constant 0 : i32
    %c4 = arith.constant 4 : i32
    %c8 = arith.constant 8 : i32
    %c15 = arith.constant 15 : i32
    %kk = linalg.index 2 : index
    %0 = arith.extui %u : i8 to i32
    %1 = arith.index_cast %kk : index to i32
    %2 = arith.remui %1, %c8 : i32
    %3 = arith.cmpi uge, %2, %c4 : i32
    %4 = arith.select %3, %c4, %c0 : i32
    %5 = arith.shrui %0, %4 : i32
    %6 = arith.andi %5, %c15 : i32
    %7 = arith.extui %zv : i8 to i32
    %8 = arith.subi %6, %7 : i32
    %9 = arith.sitofp %8 : i32 to f32
    %10 = arith.extf %sv : f16 to f32
    %11 = arith.mulf %9, %10 : f32
    %12 = arith.mulf %in, %11 fastmath<reassoc,contract> : f32
    %13 = arith.addf %out, %12 fastmath<reassoc,contract> : f32
    linalg.yield %13 : f32
  }
  return
}

// Symmetric int4 (no zero points buffer): the zeros pointer is 0. x is a
// row of a larger buffer (the last token, at a dynamic offset) and y's rows
// are 96 apart: the offset enters x's pointer, 96 is ldy. Both calls use
// the one declaration per kernel.
// CHECK-LABEL: func @linear_int4_symmetric_strided(
// CHECK-SAME: %[[X:[^:]*]]: memref<1x40xf32, strided<[40, 1], offset: ?>>, %[[W:[^:]*]]: memref<1024xi8>, %[[S:[^:]*]]: memref<64xf32>, %[[Y:[^:]*]]: memref<1x20xf32, strided<[96, 1]>>)
// CHECK: %[[M:.*]] = memref.dim %[[X]]
// CHECK: %[[MI:.*]] = arith.index_cast %[[M]] : index to i64
// CHECK: %{{[^,]*}}, %[[XOFF:[^,]*]], {{.*}} = memref.extract_strided_metadata %[[X]]
// CHECK: %[[XP:.*]] = memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[XOB:.*]] = arith.muli %[[XOFF]], %[[C4]] : index
// CHECK: %[[XA:.*]] = arith.addi %[[XP]], %[[XOB]] : index
// CHECK: %[[XI:.*]] = arith.index_cast %[[XA]] : index to i64
// CHECK: %{{.*}}, %[[XST:[^:]*]]:2 = memref.extract_strided_metadata %[[X]]
// CHECK: %[[LDX:.*]] = arith.index_cast %[[XST]]#0 : index to i64
// CHECK: %[[WP:.*]] = memref.extract_aligned_pointer_as_index %[[W]]
// CHECK: %[[WI:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[SP:.*]] = memref.extract_aligned_pointer_as_index %[[S]]
// CHECK: %[[SI:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: %[[YP:.*]] = memref.extract_aligned_pointer_as_index %[[Y]]
// CHECK: %[[YI:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %{{.*}}, %[[YST:[^:]*]]:2 = memref.extract_strided_metadata %[[Y]]
// CHECK: %[[LDY:.*]] = arith.index_cast %[[YST]]#0 : index to i64
// CHECK-DAG: %[[N:.*]] = arith.constant 20 : i64
// CHECK-DAG: %[[K:.*]] = arith.constant 40 : i64
// CHECK-DAG: %[[G:.*]] = arith.constant 32 : i64
// CHECK-DAG: %[[SB:.*]] = arith.constant 4 : i64
// CHECK: call @llmc_ukernel_linear_int4(%[[XI]], %[[LDX]], %[[WI]], %[[SI]], %[[ZERO]], %[[YI]], %[[LDY]], %[[MI]], %[[N]], %[[K]], %[[G]], %[[SB]])
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @linear_int4_symmetric_strided(%x: memref<1x40xf32, strided<[40, 1], offset: ?>>, %w: memref<1024xi8>, %s: memref<64xf32>, %y: memref<1x20xf32, strided<[96, 1]>>) {
  linalg.generic {indexing_maps = [#x, #i4w32, #i4s32, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w, %s : memref<1x40xf32, strided<[40, 1], offset: ?>>, memref<1024xi8>, memref<64xf32>) outs(%y : memref<1x20xf32, strided<[96, 1]>>)
      attrs = {llmc.ukernel = {group = 32 : i64, k = 40 : i64, kernel = "linear_int4", n = 20 : i64, scale_bytes = 4 : i64}} {
  ^bb0(%in: f32, %u: i8, %sv: f32, %out: f32):
    %c0 = arith.constant 0 : i32
    %c4 = arith.constant 4 : i32
    %c8 = arith.constant 8 : i32
    %c15 = arith.constant 15 : i32
    %kk = linalg.index 2 : index
    %0 = arith.extui %u : i8 to i32
    %1 = arith.index_cast %kk : index to i32
    %2 = arith.remui %1, %c8 : i32
    %3 = arith.cmpi uge, %2, %c4 : i32
    %4 = arith.select %3, %c4, %c0 : i32
    %5 = arith.shrui %0, %4 : i32
    %6 = arith.andi %5, %c15 : i32
    %7 = arith.subi %6, %c8 : i32
    %8 = arith.sitofp %7 : i32 to f32
    %9 = arith.mulf %8, %sv : f32
    %10 = arith.mulf %in, %9 fastmath<reassoc,contract> : f32
    %11 = arith.addf %out, %10 fastmath<reassoc,contract> : f32
    linalg.yield %11 : f32
  }
  return
}

// -----

// An untagged generic (here a plain matmul over an unpacked weight) is not
// a kernel call, and no kernel is declared.
// CHECK-NOT: llmc_ukernel
// CHECK-LABEL: func @untagged(
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : memref<?x64xf32>, memref<32x64xf32>) outs(%{{.*}} : memref<?x32xf32>)
// CHECK-NOT: llmc_ukernel
// CHECK-NOT: call
// CHECK: return
func.func @untagged(%x: memref<?x64xf32>, %w: memref<32x64xf32>, %y: memref<?x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<32x64xf32>) outs(%y : memref<?x32xf32>) {
  ^bb0(%in: f32, %wv: f32, %out: f32):
    %0 = arith.mulf %in, %wv : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// x's rows are not unit-stride (every other element of a wider buffer, as
// a strided subview leaves them): the kernels cannot read them, so the
// tagged generic stays, to become loops (with a warning, see
// lower_to_ukernels_invalid.mlir), and no kernel is declared.
// CHECK-NOT: llmc_ukernel_linear
// CHECK-LABEL: func @x_inner_stride_2(
// CHECK-NOT: call
// CHECK: %[[SUB:.*]] = memref.subview
// CHECK-NOT: call
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[SUB]], %{{.*}} : memref<?x64xf32, strided<[128, 2]>>, memref<2048xf32>)
// CHECK-SAME: llmc.ukernel = {group = 0 : i64, k = 64 : i64, kernel = "linear_f32", n = 32 : i64, scale_bytes = 0 : i64}
// CHECK-NOT: call
// CHECK: return
func.func @x_inner_stride_2(%buf: memref<?x128xf32>, %w: memref<2048xf32>, %y: memref<?x32xf32>) {
  %c0 = arith.constant 0 : index
  %m = memref.dim %buf, %c0 : memref<?x128xf32>
  %x = memref.subview %buf[0, 0] [%m, 64] [1, 2] : memref<?x128xf32> to memref<?x64xf32, strided<[128, 2]>>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> ((d1 floordiv 32) * 2048 + d2 * 32 + d1 mod 32)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32, strided<[128, 2]>>, memref<2048xf32>) outs(%y : memref<?x32xf32>)
      attrs = {llmc.ukernel = {group = 0 : i64, k = 64 : i64, kernel = "linear_f32", n = 32 : i64, scale_bytes = 0 : i64}} {
  ^bb0(%in: f32, %wv: f32, %out: f32):
    %0 = arith.mulf %in, %wv fastmath<reassoc,contract> : f32
    %1 = arith.addf %out, %0 fastmath<reassoc,contract> : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// The same for the result, and for an inner stride unknown at compile time.
// CHECK-NOT: llmc_ukernel_linear
// CHECK-LABEL: func @y_inner_stride_2(
// CHECK-NOT: call
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : memref<?x32xf32, strided<[64, 2]>>)
// CHECK-SAME: llmc.ukernel
// CHECK-LABEL: func @x_dynamic_inner_stride(
// CHECK-NOT: call
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<?x64xf32, strided<[?, ?], offset: ?>>, memref<8192xi8>, memref<128xf32>)
// CHECK-SAME: llmc.ukernel
// CHECK-NOT: call
// CHECK: return
func.func @y_inner_stride_2(%x: memref<?x64xf32>, %w: memref<2048xf32>, %y: memref<?x32xf32, strided<[64, 2]>>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> ((d1 floordiv 32) * 2048 + d2 * 32 + d1 mod 32)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<2048xf32>) outs(%y : memref<?x32xf32, strided<[64, 2]>>)
      attrs = {llmc.ukernel = {group = 0 : i64, k = 64 : i64, kernel = "linear_f32", n = 32 : i64, scale_bytes = 0 : i64}} {
  ^bb0(%in: f32, %wv: f32, %out: f32):
    %0 = arith.mulf %in, %wv fastmath<reassoc,contract> : f32
    %1 = arith.addf %out, %0 fastmath<reassoc,contract> : f32
    linalg.yield %1 : f32
  }
  return
}
func.func @x_dynamic_inner_stride(%x: memref<?x64xf32, strided<[?, ?], offset: ?>>, %w: memref<8192xi8>, %s: memref<128xf32>, %y: memref<?x128xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (((d1 floordiv 16) * 16 + d2 floordiv 4) * 64 + (d1 mod 16) * 4 + d2 mod 4)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w, %s : memref<?x64xf32, strided<[?, ?], offset: ?>>, memref<8192xi8>, memref<128xf32>) outs(%y : memref<?x128xf32>)
      attrs = {llmc.ukernel = {group = 0 : i64, k = 64 : i64, kernel = "linear_int8", n = 128 : i64, scale_bytes = 4 : i64}} {
  ^bb0(%in: f32, %u: i8, %sv: f32, %out: f32):
    %c128 = arith.constant 128 : i32
    %0 = arith.extui %u : i8 to i32
    %1 = arith.subi %0, %c128 : i32
    %2 = arith.sitofp %1 : i32 to f32
    %3 = arith.mulf %2, %sv : f32
    %4 = arith.mulf %in, %3 fastmath<reassoc,contract> : f32
    %5 = arith.addf %out, %4 fastmath<reassoc,contract> : f32
    linalg.yield %5 : f32
  }
  return
}

// -----

// Before bufferization (tensor operands) a tagged generic is left alone.
// CHECK-NOT: llmc_ukernel_linear
// CHECK-LABEL: func @on_tensors(
// CHECK-NOT: call
// CHECK: linalg.generic
// CHECK-SAME: llmc.ukernel
// CHECK-NOT: call
// CHECK: return
func.func @on_tensors(%x: tensor<?x64xf32>, %w: tensor<2048xf32>, %y: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> ((d1 floordiv 32) * 2048 + d2 * 32 + d1 mod 32)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x64xf32>, tensor<2048xf32>) outs(%y : tensor<?x32xf32>)
      attrs = {llmc.ukernel = {group = 0 : i64, k = 64 : i64, kernel = "linear_f32", n = 32 : i64, scale_bytes = 0 : i64}} {
  ^bb0(%in: f32, %wv: f32, %out: f32):
    %1 = arith.mulf %in, %wv fastmath<reassoc,contract> : f32
    %2 = arith.addf %out, %1 fastmath<reassoc,contract> : f32
    linalg.yield %2 : f32
  } -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}
