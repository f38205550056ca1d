// RUN: llmc-opt %s --split-input-file --verify-diagnostics --llmc-gpu-buffers | FileCheck %s

// llmc-gpu-buffers: the buffers an entry point allocates move to device
// memory (gpu.alloc / gpu.dealloc), its result too; the host may still read
// its arguments, not what it allocated.

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[N:.*]]: index, %[[POS:.*]]: memref<?xi64>)
func.func @forward(%n: index, %positions: memref<?xi64>) -> memref<?x8xf32>
    attributes {llm.entry_point} {
  %c0 = arith.constant 0 : index
  // CHECK: memref.load %[[POS]]
  %p = memref.load %positions[%c0] : memref<?xi64>
  %s = arith.index_cast %p : i64 to index
  // CHECK: %[[TMP:.*]] = gpu.alloc (%[[N]]) : memref<?x8xf32>
  %tmp = memref.alloc(%n) {alignment = 64 : i64} : memref<?x8xf32>
  // CHECK: %[[OUT:.*]] = gpu.alloc (%{{.*}}) : memref<?x8xf32>
  %out = memref.alloc(%s) : memref<?x8xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c0, %gz = %c0)
             threads(%tx, %ty, %tz) in (%x = %c0, %y = %c0, %z = %c0) {
    // Kernels touch device buffers.
    %v = memref.load %tmp[%bx, %tx] : memref<?x8xf32>
    memref.store %v, %out[%bx, %tx] : memref<?x8xf32>
    gpu.terminator
  }
  // CHECK: gpu.dealloc %[[TMP]] : memref<?x8xf32>
  memref.dealloc %tmp : memref<?x8xf32>
  // CHECK-NOT: memref.alloc
  // CHECK: return %[[OUT]]
  return %out : memref<?x8xf32>
}

// -----

func.func @hostRead(%n: index) -> f32 attributes {llm.entry_point} {
  %c0 = arith.constant 0 : index
  %tmp = memref.alloc(%n) : memref<?xf32>
  %v = memref.subview %tmp[1] [2] [1] : memref<?xf32> to memref<2xf32, strided<[1], offset: 1>>
  // expected-error @+1 {{reads or writes a GPU buffer on the host}}
  %x = memref.load %v[%c0] : memref<2xf32, strided<[1], offset: 1>>
  return %x : f32
}

// -----

func.func @unmapped(%a: memref<4xf32>) attributes {llm.entry_point} {
  %zero = arith.constant 0.0 : f32
  // expected-error @+1 {{is left on the host: every linalg op of an entry point must be mapped to the GPU}}
  linalg.fill ins(%zero : f32) outs(%a : memref<4xf32>)
  return
}
