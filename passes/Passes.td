//===- Passes.td - llmc's transforms and lowerings ---------*- tablegen -*-===//

#ifndef LLMC_PASSES_PASSES_TD
#define LLMC_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

def FuseProjections : Pass<"llm-fuse-projections", "::mlir::func::FuncOp"> {
  let summary = "Fuses linear layers that read one input into one";
  let description = [{
    `llm.linear` ops with the same input whose weights are plain
    `llm.weight`s of one element type and width (q/k/v; gate/up) become one
    `llm.linear` over a weight that stacks their rows (`llm.weight` with
    `parts`; the artifact writer concatenates them), with biases stacked
    the same way when all or none have one, followed by one
    `tensor.extract_slice` of columns per original result. One kernel call
    instead of two or three, each output column computed as before (per-row
    quantization and per-column sums are unchanged, so the results are the
    same bits). Weights read otherwise too, or already packed
    (pre-quantized), are left alone.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def QuantizeWeights : Pass<"llm-quantize-weights", "::mlir::ModuleOp"> {
  let summary = "Packs (and quantizes) the weights of linear layers";
  let description = [{
    Inserts `llm.pack_weight` between each weight and the `llm.linear`,
    `llm.lm_head` and `llm.embedding` ops that read it, choosing the layout
    the CPU kernels read:

    - `mode=none`: linear layers and the LM head as f32 panels; embeddings
      stay as stored;
    - `mode=int8`: all of them int8 per output channel;
    - `mode=int4`: linear layers int4 in groups of `group-size`; the LM head
      and the embedding table int8.

    `keep-precision` names classes (`embeddings`, `lm_head`) left
    unquantized. A weight that plays several roles (a tied embedding is the
    LM head too) is stored once, at the widest format any role asks for.
    With `pack-f32=false` (the GPU, whose generated code reads rows as
    stored), f32 weights are not packed.
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"none\"",
           "none, int8 or int4">,
    Option<"groupSize", "group-size", "int64_t", /*default=*/"32",
           "int4 group size: 32, 64 or 128">,
    Option<"scaleType", "scale-type", "std::string", /*default=*/"\"f16\"",
           "f16 or f32 scales">,
    Option<"zeroPoints", "zero-points", "bool", /*default=*/"false",
           "Asymmetric int4 groups with stored zero points">,
    ListOption<"keepPrecision", "keep-precision", "std::string",
               "Classes left unquantized: embeddings, lm_head">,
    Option<"packF32", "pack-f32", "bool", /*default=*/"true",
           "f32 weights as the CPU kernels' panels (else as stored)">,
  ];
}

def PageKVCache : Pass<"llm-page-kv-cache", "::mlir::ModuleOp"> {
  let summary = "Rewrites entry points over a contiguous KV cache to a paged pool";
  let description = [{
    Each entry point that takes and returns an `!llm.kv_cache` whose every
    use is cached, causal, f32 `llm.attention` becomes one over
    `!llm.paged_kv_cache` (blocks of `block-size` positions, keys and values
    stored as `kv-type`) for a ragged batch: it gains the inputs
    `sequences` (the sequence of each token), `block_tables` (one row of
    block ids per sequence) and `logit_rows` (the tokens whose logits it
    returns), before the pool, which takes the cache's place. Attention
    becomes `llm.paged_attention`; `llm.select_rows` picks the rows of the
    final hidden states that the LM head (or the result, for a model
    without one) computes. An entry point it cannot page is left as it is,
    with a warning that says why.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"16",
           "Positions per block">,
    Option<"kvType", "kv-type", "std::string", /*default=*/"\"f32\"",
           "How keys and values are stored: f32, f16 or int8">,
  ];
}

def BindWeights : Pass<"llm-bind-weights", "::mlir::ModuleOp"> {
  let summary = "Lays weights out in one blob and reads them through views";
  let description = [{
    Gives every distinct `llm.weight` an aligned offset in a single weights
    blob, adds the blob as the first argument (`memref<?xi8>`) of every entry
    point, and replaces each `llm.weight` by a `memref.view` of that argument
    at its offset, wrapped in a read-only `bufferization.to_tensor`.

    The layout is recorded on the module as `llm.weights`, an array of
    `{name, offset, bytes, type}` dictionaries, plus `llm.weights_size`: the
    artifact writer streams each tensor to exactly that offset.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"64",
           "Byte alignment of every tensor in the blob">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def ConvertLLMToLinalg : Pass<"convert-llm-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lowers llm ops to linalg, tensor, arith and math";
  let description = [{
    Rewrites every llm op into destination-style linalg on tensors. The
    `!llm.kv_cache` type becomes a contiguous
    `tensor<layers x 2 x capacity x kv_heads x head_dim>` (keys at index 0,
    values at 1); attention writes the new keys and values with
    `tensor.insert_slice` and reads the cache prefix it attends over with
    `tensor.extract_slice`.

    At an entry point (`llm.entry_point`), a cache argument becomes a
    `memref` the caller owns: the function reads it through
    `bufferization.to_tensor restrict writable` and writes the updated cache
    back with `bufferization.materialize_in_destination`, so that
    bufferization updates it in place and the cache is not a result.

    With `attention-kernel`, cached causal f32 attention becomes
    `llm.flash_attention` over the cache layer, for the runtime's kernel
    (see `llmc-lower-to-ukernels`), instead of the five reference linalg ops.
  }];
  let options = [
    Option<"attentionKernel", "attention-kernel", "bool", /*default=*/"false",
           "Lower cached attention to llm.flash_attention">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def Bufferize : Pass<"llmc-bufferize", "::mlir::ModuleOp"> {
  let summary = "One-shot bufferization with llmc's calling convention";
  let description = [{
    Runs one-shot module bufferization across function boundaries with
    identity-layout memrefs at function boundaries, and materializes copies
    as `linalg.copy` so that they lower to plain loops (the generated library
    has no runtime support library to call for strided copies).
  }];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def SplitDeallocs : Pass<"llmc-split-deallocs", "::mlir::ModuleOp"> {
  let summary = "Splits bufferization.dealloc into one op per allocation";
  let description = [{
    Ownership-based deallocation frees every buffer of a block in one
    `bufferization.dealloc` at its end, and buffer-deallocation-simplification
    splits off each memref that aliases no other one by comparing it with
    all the others: O(N^2) in the buffers of a block, which is the whole
    graph function of an ONNX model (hours for a 100,000-node chain of
    matmuls). Here, memrefs that are (views of) the results of allocating
    ops are grouped by that op in linear time, and each group gets its own
    dealloc with the same retained list; the updated conditions are or-ed,
    as the upstream pattern does. Two different allocations never alias, so
    the simplification that follows has nothing left to compare. A dealloc
    with a memref whose allocation is not visible (an argument, a call's
    result) is left whole.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
  ];
}

def HoistDeallocs : Pass<"llmc-hoist-deallocs", "::mlir::ModuleOp"> {
  let summary = "Moves each memref.dealloc to just after its buffer's last use";
  let description = [{
    Ownership-based deallocation frees buffers at the end of their block,
    which for a model's graph function means every temporary lives until
    the function returns: peak memory is the sum of all of them, and in
    LLVM each buffer's pointer is live across every later kernel call, so
    register allocation grows quadratically with the number of ops (a
    chain of 20,000 MatMul/Relu nodes spent most of 200 s there).

    A `memref.dealloc` of a buffer allocated in the same block moves to
    just after the last op of that block that uses the buffer or a view of
    it, provided every use only reads or writes it (linalg ops, loads,
    stores, views, `memref.dim`). A buffer that a call, a return or a
    loop's iter_args might keep is left to be freed where it was.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def ApproximateMath : Pass<"llmc-approximate-math", "::mlir::ModuleOp"> {
  let summary = "Replaces exp, tanh, erf and log by polynomial approximations";
  let description = [{
    Expands transcendental functions that sit in hot, vectorizable loops
    (softmax, SiLU, GELU) into polynomials of arith ops, so that LLVM can
    vectorize them instead of calling libm one element at a time. sin and cos
    (rotary embeddings, with large arguments) are left to libm.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def FuseElementwise : Pass<"llmc-fuse-elementwise", "::mlir::ModuleOp"> {
  let summary = "Fuses elementwise producers into elementwise consumers";
  let description = [{
    Upstream elementwise fusion, restricted to consumers whose loops are all
    parallel and producers with one use: fusing into a reduction (a matmul)
    would recompute the producer once per reduction step.

    A fusion whose body would exceed `max-body-ops` operations is skipped.
    Each fusion clones both bodies (and the rewrite driver folds every op of
    the result again), so fusing a chain of N ops into one body costs O(N^2):
    a 100,000-node ONNX chain would not compile. Past a few dozen operations
    per element, the tensor a split writes and reads back costs little next
    to the arithmetic, so the bound loses nothing that matters.
  }];
  let options = [
    Option<"maxBodyOps", "max-body-ops", "unsigned", /*default=*/"64",
           "the most operations (terminator excluded) a fused body may have">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CopiesToLinalg : Pass<"llmc-copies-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Rewrites memref.copy as linalg.copy";
  let description = [{
    Copies that bufferization clean-up introduces (clones of returned
    buffers) become linalg.copy, so they lower to loops: a strided
    memref.copy would otherwise lower to a call into MLIR's runner support
    library, which a compiled model does not link.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def LowerToUkernels : Pass<"llmc-lower-to-ukernels", "::mlir::ModuleOp"> {
  let summary = "Replaces tagged linalg ops by calls to the runtime's kernels";
  let description = [{
    A `linalg.generic` on buffers that carries `llmc.ukernel` (a projection
    over a packed weight, see `convert-llm-to-linalg`) becomes a call to
    `llmc_ukernel_<kernel>` with raw pointers, row strides and sizes as i64.
    The model library defines those functions as jumps through a table the
    runtime fills at load, where hand-written AVX-512/AVX2 code runs on the
    runtime's thread pool. The int8/int4 kernels quantize activations to
    int8 per 32 inputs, an approximation of the generic's exact semantics
    (docs/kernels.md). A tag naming a kernel the runtime lacks, or without
    the sizes its call passes, is an error; a generic whose operands the
    kernel cannot take (rows that are not unit-stride) stays loops, with a
    warning saying so.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def LowerPagedAttention : Pass<"llmc-lower-paged-attention", "::mlir::ModuleOp"> {
  let summary = "Lowers paged attention on buffers to loops when there is no runtime kernel";
  let description = [{
    For builds without the runtime's kernels (`--ukernels=false`, and every
    GPU build), each `llm.paged_flash_attention` on buffers becomes, with
    the kernel's semantics (abi.h, `llmc_paged_attention_fn`): the kernel's
    checks of every sequence index, position and block id, as `llm.assert`s
    in a loop on the host (once per distinct set of index buffers); an
    `scf.parallel` storing each new key and value into its slot of the pool
    (keys transposed per KV head within a block, values as rows; f16 pools
    rounded to nearest); an `scf.parallel` over (head, token, chunk of
    positions) running an online softmax over the chunk through the block
    table into a scratch row, and one over (component, head, token)
    combining the chunks: no score matrix, and a decode step of one
    sequence still has ~4096 independent pieces of work (the chunk count
    comes from the token count on the host). An int8 pool (its
    per-position scales) is refused: it needs the runtime's kernel.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def OutlineKernels : Pass<"llmc-outline-kernels", "::mlir::ModuleOp"> {
  let summary = "Moves each linalg op of an entry point into its own function";
  let description = [{
    After bufferization, wraps every linalg op of an entry point in a private
    function `llmc_kernel_<n>` that takes its buffers and captured scalars,
    and calls it. A model's forward pass is otherwise one function with a
    loop nest per op (hundreds for a real model), on which LLVM's
    optimizations spend time superlinear in the function size; kernels also
    give profiles and tuned replacements a name to attach to. Codegen marks
    the kernels noinline. Ops that would outline to the same function (as
    every layer's do) call one kernel.

    An op whose first loop is parallel and indexes every output directly
    (rows: tokens, in a decoder) becomes `llmc_pkernel_<n>`, restricted to
    rows [lo, hi) of that loop (its tiled implementation) and taking lo,
    hi and the work of the whole call (the product of its loop sizes) as
    its last three arguments; the call passes 0, the row count and the
    work. Codegen turns such calls into calls of the runtime's
    `llmc_ukernel_parallel_rows`, which runs row ranges on its threads.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect"];
}

def CheckAllocations : Pass<"llmc-check-allocations", "::mlir::ModuleOp"> {
  let summary = "Checks run-time buffer sizes before they are allocated";
  let description = [{
    Before each `memref.alloc` with dynamic sizes, adds `llm.assert`s that
    every run-time size is non-negative and that the buffer's byte count
    stays below 2^48 (checked without overflow, size by size). The lowering
    of `memref.alloc` multiplies the sizes in 64-bit arithmetic, which would
    otherwise wrap on a hostile shape and under-allocate. A message names the
    ONNX node when the allocation's location does.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::llmc::llm::LLMDialect",
  ];
}

def LowerAsserts : Pass<"llmc-lower-asserts", "::mlir::ModuleOp"> {
  let summary = "Turns llm.assert into a call into the runtime";
  let description = [{
    `llm.assert %ok, "msg {0}" (%v)` becomes `scf.if` on the negated
    condition around a call to `llmc_ukernel_fail(msg, v0, v1)`: a pointer
    to the NUL-terminated message (a private constant `memref.global`) and
    the values as i64. The runtime's function does not return: it unwinds to
    the entry point's caller and turns the message into an error status.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

#endif // LLMC_PASSES_PASSES_TD

def GPULoopOrder : Pass<"llmc-gpu-loop-order", "::mlir::ModuleOp"> {
  let summary = "Orders the loops of each linalg op of an entry point for a GPU";
  let description = [{
    Generalizes every linalg op at the top level of an entry point (fills,
    copies) and interchanges each `linalg.generic` so
    that its last parallel dimension comes first, then its other parallel
    dimensions in order, then its reductions. The GPU mapping that follows
    tiles the first parallel loop into threads and gives the others to
    blocks: neighbouring threads then touch neighbouring elements (rows are
    contiguous), and no parallel loop is left inside a reduction loop, where
    it could not be mapped.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def GPUBuffers : Pass<"llmc-gpu-buffers", "::mlir::ModuleOp"> {
  let summary = "Places an entry point's buffers in GPU memory";
  let description = [{
    After the GPU mapping, an entry point's host code only launches kernels
    and manages buffers. Each `memref.alloc` becomes `gpu.alloc` (device
    memory; a returned buffer too: the runtime copies results out) and each
    `memref.dealloc` `gpu.dealloc`. Buffers the runtime passes in are its
    own. Host code that still loads or stores the elements of a buffer it
    allocated is an error: those elements live on the device. Loads from
    arguments (positions) remain: the runtime passes those in memory the
    host can read (CUDA managed memory).
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def MergeGPUModules : Pass<"llmc-merge-gpu-modules", "::mlir::ModuleOp"> {
  let summary = "Gathers every outlined GPU kernel into one deduplicated module";
  let description = [{
    `gpu-kernel-outlining` makes one `gpu.module` per launch. This pass moves
    every kernel into one module, `@llmc_kernels`, keeping one kernel for
    launches whose bodies are identical (every layer launches the same ones),
    and points each `gpu.launch_func` at it: one binary to compile and load,
    and a few dozen kernels instead of one per op and layer.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def HoistHostCode : Pass<"llmc-hoist-host-code", "::mlir::ModuleOp"> {
  let summary = "Moves an entry point's run-time checks and argument reads as early as they can go";
  let description = [{
    Moves every `llm.assert` at the top level of an entry point, and every
    `memref.load` from an argument the function only reads (positions), with
    the ops without memory effects that compute their operands, to just
    after the last op they depend on that stays: in practice, to the top.
    Moved ops keep their order, so the first failing check is still the one
    reported first. On the GPU, host code with side effects between two
    launches is where `gpu-async-region` must synchronize the stream: moved
    before the first launch, the checks and reads cost none.
  }];
}
