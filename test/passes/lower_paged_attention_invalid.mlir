// RUN: llmc-opt %s --llmc-lower-paged-attention --verify-diagnostics

// An int8 pool keeps scales beside its values: only the runtime's kernel
// reads it.
func.func @int8(%q: memref<?x2x4xf32>, %k: memref<?x1x4xf32>, %v: memref<?x1x4xf32>,
    %pos: memref<?xi64>, %seq: memref<?xi32>, %bt: memref<?x?xi32>,
    %pool: memref<?x1x2x8x1x8xi8>, %out: memref<?x2x4xf32>) {
  // expected-error @+1 {{generated paged attention stores f32 or f16 keys and values, not 'i8' (an int8 KV cache needs the runtime's kernel)}}
  llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %out)
      {layer = 0 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, scale = 0.5 : f64}
      : (memref<?x2x4xf32>, memref<?x1x4xf32>, memref<?x1x4xf32>, memref<?xi64>, memref<?xi32>,
         memref<?x?xi32>, memref<?x1x2x8x1x8xi8>, memref<?x2x4xf32>) -> ()
  return
}
