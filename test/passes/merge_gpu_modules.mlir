// RUN: llmc-opt %s --split-input-file --verify-diagnostics --llmc-merge-gpu-modules | FileCheck %s

// llmc-merge-gpu-modules: one module, @llmc_kernels, with one kernel per
// distinct body; every launch points at its kernel there.

// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK: func.func @forward
// CHECK: gpu.launch_func @llmc_kernels::@[[SCALE:kernel_[0-9]+]]
// CHECK: gpu.launch_func @llmc_kernels::@[[SCALE]]
// CHECK: gpu.launch_func @llmc_kernels::@[[ADD:kernel_[0-9]+]]
// CHECK-NOT: gpu.module @forward_kernel
// CHECK: gpu.module @llmc_kernels
// CHECK: gpu.func @[[SCALE]](%{{.*}}: memref<8xf32>, %{{.*}}: f32) kernel
// CHECK: arith.mulf
// CHECK: gpu.func @[[ADD]](%{{.*}}: memref<8xf32>, %{{.*}}: f32) kernel
// CHECK: arith.addf
// CHECK-NOT: gpu.func
module attributes {gpu.container_module} {
  func.func @forward(%a: memref<8xf32>, %b: memref<8xf32>, %s: f32) {
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    gpu.launch_func @forward_kernel::@forward_kernel
        blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1)
        args(%a : memref<8xf32>, %s : f32)
    gpu.launch_func @forward_kernel_0::@forward_kernel
        blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1)
        args(%b : memref<8xf32>, %s : f32)
    gpu.launch_func @forward_kernel_1::@forward_kernel
        blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1)
        args(%b : memref<8xf32>, %s : f32)
    return
  }
  gpu.module @forward_kernel {
    gpu.func @forward_kernel(%m: memref<8xf32>, %s: f32) kernel {
      %i = gpu.thread_id x
      %v = memref.load %m[%i] : memref<8xf32>
      %r = arith.mulf %v, %s : f32
      memref.store %r, %m[%i] : memref<8xf32>
      gpu.return
    }
  }
  // The same body under another module name: the same kernel.
  gpu.module @forward_kernel_0 {
    gpu.func @forward_kernel(%m: memref<8xf32>, %s: f32) kernel {
      %i = gpu.thread_id x
      %v = memref.load %m[%i] : memref<8xf32>
      %r = arith.mulf %v, %s : f32
      memref.store %r, %m[%i] : memref<8xf32>
      gpu.return
    }
  }
  gpu.module @forward_kernel_1 {
    gpu.func @forward_kernel(%m: memref<8xf32>, %s: f32) kernel {
      %i = gpu.thread_id x
      %v = memref.load %m[%i] : memref<8xf32>
      %r = arith.addf %v, %s : f32
      memref.store %r, %m[%i] : memref<8xf32>
      gpu.return
    }
  }
}

// -----

// expected-error @+1 {{already has a symbol @llmc_kernels}}
module attributes {gpu.container_module} {
  func.func private @llmc_kernels()
  gpu.module @forward_kernel {
    gpu.func @forward_kernel() kernel {
      gpu.return
    }
  }
}
