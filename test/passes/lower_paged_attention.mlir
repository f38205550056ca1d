// RUN: llmc-opt %s --split-input-file --llmc-lower-paged-attention | FileCheck %s
// RUN: llmc-opt %s --split-input-file --llmc-lower-paged-attention --llmc-lower-asserts --convert-scf-to-cf | FileCheck %s --check-prefix=LOWERED

// Two layers over one pool (f16, block size 16, 2 KV heads of 4, 4 query
// heads): the checks once, before the first; then per layer a store loop
// and an attention loop.
// CHECK-LABEL: func @two_layers
// CHECK-SAME: (%[[Q:.*]]: memref<?x4x4xf32>, %[[K:.*]]: memref<?x2x4xf32>, %[[V:.*]]: memref<?x2x4xf32>, %[[POS:.*]]: memref<?xi64>, %[[SEQ:.*]]: memref<?xi32>, %[[BT:.*]]: memref<?x?xi32>, %[[POOL:.*]]: memref<?x2x2x16x2x4xf16>, %[[OUT0:.*]]: memref<?x4x4xf32>, %[[OUT1:.*]]: memref<?x4x4xf32>)
// Counts: as many positions and sequence ids as tokens.
// CHECK: %[[T:.*]] = memref.dim %[[Q]], %c0
// CHECK: %[[NPOS:.*]] = memref.dim %[[POS]], %c0
// CHECK: %[[NSEQ:.*]] = memref.dim %[[SEQ]], %c0
// CHECK: %[[SAME:.*]] = arith.cmpi eq, %[[NPOS]], %[[T]] : index
// CHECK: llm.assert %[[SAME]], "paged attention: {0} tokens but {1} positions or sequence ids"
// CHECK: llm.assert %{{.*}}, "paged attention: {0} tokens but {1} positions or sequence ids"
// Per token: its sequence, its position, every block up to its own.
// CHECK: scf.for %[[TOK:.*]] = %c0{{.*}} to %[[T]] step %c1{{.*}} {
// CHECK: %[[S32:.*]] = memref.load %[[SEQ]][%[[TOK]]] : memref<?xi32>
// CHECK: %[[SOK:.*]] = arith.cmpi ult, %[[S:.*]], %{{.*}} : index
// CHECK: llm.assert %[[SOK]], "token {0} belongs to sequence {1}, which has no block table"(%[[TOK]], %[[S]] : index, index)
// CHECK: %[[P64:.*]] = memref.load %[[POS]][%[[TOK]]] : memref<?xi64>
// CHECK: llm.assert %{{.*}}, "token {0} is at position {1}, outside its block table"
// CHECK: scf.for
// CHECK: memref.load %[[BT]]
// CHECK: llm.assert %{{.*}}, "block table entry {0} names block {1}, outside the KV pool"
// The store: (component, KV head, token), keys and values rounded to f16.
// CHECK: scf.parallel (%[[C:.*]], %[[KV:.*]], %[[TT:.*]]) = (%c0{{.*}}, %c0{{.*}}, %c0{{.*}}) to (%c4{{.*}}, %c2{{.*}}, %[[T]])
// CHECK: memref.load %[[K]][%[[TT]], %[[KV]], %[[C]]]
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: memref.store %{{.*}}, %[[POOL]][%{{.*}}, %c0{{.*}}, %c0{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<?x2x2x16x2x4xf16>
// CHECK: memref.load %[[V]][%[[TT]], %[[KV]], %[[C]]]
// CHECK: arith.truncf
// CHECK: memref.store %{{.*}}, %[[POOL]][%{{.*}}, %c0{{.*}}, %c1{{.*}}, %{{.*}}, %[[KV]], %[[C]]] : memref<?x2x2x16x2x4xf16>
// The attention: chunks of positions, as many as make 4096 pieces of work
// (heads x tokens x chunks), at most one per 16 positions of the block
// tables' capacity; a scratch row [acc x 4, max, sum] per piece.
// CHECK: %[[WORK:.*]] = arith.muli %c4{{.*}}, %{{.*}} : index
// CHECK: %[[WANT:.*]] = arith.divui %{{.*}}, %[[WORK]] : index
// CHECK: %[[CHUNKS:.*]] = arith.minui %[[WANT]], %{{.*}} : index
// CHECK: %[[SCRATCH:.*]] = memref.alloc(%[[T]], %[[CHUNKS]]) : memref<?x4x?x6xf32>
// (head, token, chunk): an online softmax over the chunk's positions.
// CHECK: scf.parallel (%[[H:.*]], %[[AT:.*]], %[[CH:.*]]) = (%c0{{.*}}, %c0{{.*}}, %c0{{.*}}) to (%c4{{.*}}, %[[T]], %[[CHUNKS]])
// CHECK: %[[LO:.*]] = arith.maxui
// CHECK: %[[HI:.*]] = arith.minui
// CHECK: memref.store %{{.*}}, %[[SCRATCH]][%[[AT]], %[[H]], %[[CH]], %{{.*}}]
// CHECK: %[[UPTO:.*]] = arith.maxui %[[LO]], %[[HI]] : index
// CHECK: scf.for %{{.*}} = %[[LO]] to %[[UPTO]] step %c1{{.*}} iter_args(%[[M:.*]] = %cst{{.*}}, %[[L:.*]] = %cst{{.*}}) -> (f32, f32)
// CHECK: memref.load %[[BT]]
// CHECK: scf.for {{.*}} -> (f32)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: math.fma
// CHECK: arith.maximumf %[[M]]
// CHECK: math.exp
// CHECK: math.exp
// CHECK: memref.store %{{.*}}, %[[SCRATCH]][%[[AT]], %[[H]], %[[CH]], %c4{{.*}}]
// CHECK: memref.store %{{.*}}, %[[SCRATCH]][%[[AT]], %[[H]], %[[CH]], %c5{{.*}}]
// (component, head, token): the chunks rescaled to their common maximum.
// CHECK: scf.parallel (%[[C2:.*]], %[[H2:.*]], %[[T2:.*]]) = (%c0{{.*}}, %c0{{.*}}, %c0{{.*}}) to (%c4{{.*}}, %c4{{.*}}, %[[T]])
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %[[CHUNKS]] {{.*}} -> (f32)
// CHECK: arith.maximumf
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %[[CHUNKS]] {{.*}} -> (f32, f32)
// CHECK: math.exp
// CHECK: %[[O:.*]] = arith.divf
// CHECK: memref.store %[[O]], %[[OUT0]][%[[T2]], %[[H2]], %[[C2]]]
// CHECK: memref.dealloc %[[SCRATCH]]
// The second layer: its counts checked, but no second loop over the
// entries; the same loops into layer 1.
// CHECK: llm.assert %{{.*}}, "paged attention: {0} tokens but {1} positions or sequence ids"
// CHECK: llm.assert %{{.*}}, "paged attention: {0} tokens but {1} positions or sequence ids"
// CHECK-NOT: scf.for
// CHECK: scf.parallel
// CHECK: memref.store %{{.*}}, %[[POOL]][%{{.*}}, %c1{{.*}}, %c0{{.*}},
// CHECK: scf.parallel
// CHECK-NOT: llm.assert
// CHECK-NOT: llm.paged_flash_attention
// CHECK: return
// LOWERED-LABEL: func @two_layers
// LOWERED-COUNT-7: call @llmc_ukernel_fail
// LOWERED-NOT: call @llmc_ukernel_fail
func.func @two_layers(%q: memref<?x4x4xf32>, %k: memref<?x2x4xf32>, %v: memref<?x2x4xf32>,
    %pos: memref<?xi64>, %seq: memref<?xi32>, %bt: memref<?x?xi32>,
    %pool: memref<?x2x2x16x2x4xf16>, %out0: memref<?x4x4xf32>, %out1: memref<?x4x4xf32>) {
  llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %out0)
      {layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64}
      : (memref<?x4x4xf32>, memref<?x2x4xf32>, memref<?x2x4xf32>, memref<?xi64>, memref<?xi32>,
         memref<?x?xi32>, memref<?x2x2x16x2x4xf16>, memref<?x4x4xf32>) -> ()
  llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %out1)
      {layer = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64}
      : (memref<?x4x4xf32>, memref<?x2x4xf32>, memref<?x2x4xf32>, memref<?xi64>, memref<?xi32>,
         memref<?x?xi32>, memref<?x2x2x16x2x4xf16>, memref<?x4x4xf32>) -> ()
  return
}

// -----

// A sliding window: attention starts at max(0, p + 1 - window), each
// chunk at the larger of that and its own start. An f32 pool stores
// without conversion.
// CHECK-LABEL: func @window
// LOWERED-LABEL: func @window
// LOWERED-COUNT-5: call @llmc_ukernel_fail
// CHECK: scf.parallel
// CHECK-NOT: arith.truncf
// CHECK: memref.store {{.*}} : memref<?x1x2x8x1x4xf32>
// CHECK: scf.parallel
// CHECK: %[[END:.*]] = arith.addi %[[P:.*]], %c1{{.*}} : index
// CHECK: %[[IN:.*]] = arith.cmpi uge, %[[END]], %c3{{.*}} : index
// CHECK: %[[FROM:.*]] = arith.subi %[[END]], %c3{{.*}} : index
// CHECK: %[[FIRST:.*]] = arith.select %[[IN]], %[[FROM]], %c0{{.*}} : index
// CHECK: %[[START:.*]] = arith.muli
// CHECK: %[[LO:.*]] = arith.maxui %[[FIRST]], %[[START]] : index
// CHECK: scf.for %{{.*}} = %[[LO]] to
func.func @window(%q: memref<?x2x4xf32>, %k: memref<?x1x4xf32>, %v: memref<?x1x4xf32>,
    %pos: memref<?xi64>, %seq: memref<?xi32>, %bt: memref<?x?xi32>,
    %pool: memref<?x1x2x8x1x4xf32>, %out: memref<?x2x4xf32>) {
  llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %out)
      {layer = 0 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, scale = 0.5 : f64, sliding_window = 3 : i64}
      : (memref<?x2x4xf32>, memref<?x1x4xf32>, memref<?x1x4xf32>, memref<?xi64>, memref<?xi32>,
         memref<?x?xi32>, memref<?x1x2x8x1x4xf32>, memref<?x2x4xf32>) -> ()
  return
}

