// RUN: llmc-opt %s --llmc-buffers-to-gpu="chips=sm_80,sm_90" -o %t.mlir
// RUN: FileCheck %s < %t.mlir
// RUN: %python %testlib/extract_ptx.py %t.mlir %t.ptx | FileCheck %s --check-prefix=PTX

// The GPU pipeline (bufferized entry point -> kernels in PTX, host code in
// the LLVM dialect): every linalg op becomes a kernel, the identical ones
// one kernel, all in one binary with PTX per architecture; buffers are
// device memory; the host calls MLIR's GPU runtime functions. The size
// checks run first, so that allocations, launches and frees go on one
// stream with one synchronization, at the end.

// CHECK-NOT: memref.alloc
// CHECK-LABEL: llvm.func @forward
// CHECK-COUNT-6: llvm.call @llmc_ukernel_fail
// CHECK-NOT: llmc_ukernel_fail
// CHECK: %[[STREAM:.*]] = llvm.call @mgpuStreamCreate
// CHECK: %[[Y:.*]] = llvm.call @mgpuMemAlloc({{.*}}, %[[STREAM]], %{{.*}})
// CHECK: gpu.launch_func <%[[STREAM]] : !llvm.ptr> @llmc_kernels::@kernel_0
// CHECK: gpu.launch_func <%[[STREAM]] : !llvm.ptr> @llmc_kernels::@kernel_1
// CHECK-NOT: mgpuStreamSynchronize
// CHECK: gpu.launch_func <%[[STREAM]] : !llvm.ptr> @llmc_kernels::@kernel_2
// CHECK: gpu.launch_func <%[[STREAM]] : !llvm.ptr> @llmc_kernels::@kernel_2
// CHECK: llvm.call @mgpuMemFree(%[[Y]], %[[STREAM]])
// CHECK: llvm.call @mgpuStreamSynchronize(%[[STREAM]])
// CHECK-NOT: mgpuStreamSynchronize
// CHECK: gpu.binary @llmc_kernels
// CHECK-SAME: #gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">, {{.*}}assembly = "{{.*}}.target sm_80
// CHECK-SAME: #gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}assembly = "{{.*}}.target sm_90

// PTX: sm_80 3 kernels
// PTX: sm_90 3 kernels

// Every PTX assembles (where the toolkit is).
// RUN: %if cuda-toolkit %{ %ptxas -arch=sm_80 %t.ptx/sm_80.ptx -o %t.sm_80.cubin %}
// RUN: %if cuda-toolkit %{ %ptxas -arch=sm_90 %t.ptx/sm_90.ptx -o %t.sm_90.cubin %}

#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(m, n) -> (m, n)>

func.func @forward(%x: memref<?x64xf32>, %w: memref<32x64xf32>)
    -> memref<?x32xf32> attributes {llm.entry_point} {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  %zero = arith.constant 0.0 : f32
  %y = memref.alloc(%n) : memref<?x32xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<?x32xf32>)
  linalg.generic {indexing_maps = [#x, #w, #y],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<32x64xf32>)
      outs(%y : memref<?x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %p, %acc : f32
    linalg.yield %s : f32
  }
  // Twice the same op on different buffers: one kernel.
  %out = memref.alloc(%n) : memref<?x32xf32>
  %tmp = memref.alloc(%n) : memref<?x32xf32>
  linalg.generic {indexing_maps = [#id, #id],
                  iterator_types = ["parallel", "parallel"]}
      ins(%y : memref<?x32xf32>) outs(%tmp : memref<?x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [#id, #id],
                  iterator_types = ["parallel", "parallel"]}
      ins(%tmp : memref<?x32xf32>) outs(%out : memref<?x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  }
  memref.dealloc %y : memref<?x32xf32>
  memref.dealloc %tmp : memref<?x32xf32>
  return %out : memref<?x32xf32>
}
