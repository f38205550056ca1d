//===- LLVMEmitter.cpp - LLVM IR, the model descriptor, objects -----------===//

#include "compiler/codegen/LLVMEmitter.h"
#include "compiler/support/FileError.h"
#include "runtime/include/llmc/abi.h"

#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <map>

using namespace llvm;

namespace llmc {

uint64_t fnv1a64(ArrayRef<uint8_t> bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (uint8_t byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

Expected<std::unique_ptr<Module>> translateToLLVMIR(mlir::ModuleOp module,
                                                    LLVMContext &context,
                                                    TargetMachine &machine) {
  std::unique_ptr<Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, context, "llmc_model");
  if (!llvmModule)
    return createStringError(inconvertibleErrorCode(),
                             "translation to LLVM IR failed");
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());
  return std::move(llvmModule);
}

/// `void llmc_packed_<name>(void **args)`: calls the C interface wrapper
/// with args[i] as its i-th pointer argument (or *args[i] for a scalar), so
/// the runtime calls every entry point the same way.
static Function *createPackedWrapper(Function &wrapped, StringRef name) {
  Module &module = *wrapped.getParent();
  LLVMContext &ctx = module.getContext();
  PointerType *ptr = PointerType::getUnqual(ctx);
  auto *packed = Function::Create(
      FunctionType::get(Type::getVoidTy(ctx), {ptr}, false),
      GlobalValue::InternalLinkage, "llmc_packed_" + name, module);
  IRBuilder<> builder(BasicBlock::Create(ctx, "entry", packed));
  std::vector<Value *> args;
  for (auto [i, param] : llvm::enumerate(wrapped.args())) {
    Value *slot = builder.CreateConstGEP1_64(ptr, packed->getArg(0), i);
    Value *pointer = builder.CreateLoad(ptr, slot);
    args.push_back(param.getType()->isPointerTy()
                       ? pointer
                       : builder.CreateLoad(param.getType(), pointer));
  }
  builder.CreateCall(&wrapped, args);
  builder.CreateRetVoid();
  return packed;
}

/// The table slot of the runtime function `name`: a kernel
/// (llmc_ukernel_<kernel>), the run-time check's failure, MLIR's generic
/// heap functions or its GPU runtime functions, which the runtime provides
/// too.
static std::optional<unsigned> ukernelSlot(StringRef name) {
  return StringSwitch<std::optional<unsigned>>(name)
      .Case("llmc_ukernel_linear_f32", LLMC_UKERNEL_LINEAR_F32)
      .Case("llmc_ukernel_linear_int8", LLMC_UKERNEL_LINEAR_INT8)
      .Case("llmc_ukernel_linear_int4", LLMC_UKERNEL_LINEAR_INT4)
      .Case("llmc_ukernel_attention_f32", LLMC_UKERNEL_ATTENTION_F32)
      .Case("llmc_ukernel_paged_attention", LLMC_UKERNEL_PAGED_ATTENTION)
      .Case("llmc_ukernel_fail", LLMC_UKERNEL_FAIL)
      .Case("llmc_ukernel_parallel_rows", LLMC_UKERNEL_PARALLEL_ROWS)
      .Case("_mlir_memref_to_llvm_alloc", LLMC_UKERNEL_ALLOC)
      .Case("_mlir_memref_to_llvm_free", LLMC_UKERNEL_FREE)
      .Case("mgpuModuleLoad", LLMC_UKERNEL_GPU_MODULE_LOAD)
      .Case("mgpuModuleUnload", LLMC_UKERNEL_GPU_MODULE_UNLOAD)
      .Case("mgpuModuleGetFunction", LLMC_UKERNEL_GPU_MODULE_GET_FUNCTION)
      .Case("mgpuLaunchKernel", LLMC_UKERNEL_GPU_LAUNCH_KERNEL)
      .Case("mgpuStreamCreate", LLMC_UKERNEL_GPU_STREAM_CREATE)
      .Case("mgpuStreamDestroy", LLMC_UKERNEL_GPU_STREAM_DESTROY)
      .Case("mgpuStreamSynchronize", LLMC_UKERNEL_GPU_STREAM_SYNCHRONIZE)
      .Case("mgpuStreamWaitEvent", LLMC_UKERNEL_GPU_STREAM_WAIT_EVENT)
      .Case("mgpuEventCreate", LLMC_UKERNEL_GPU_EVENT_CREATE)
      .Case("mgpuEventDestroy", LLMC_UKERNEL_GPU_EVENT_DESTROY)
      .Case("mgpuEventSynchronize", LLMC_UKERNEL_GPU_EVENT_SYNCHRONIZE)
      .Case("mgpuEventRecord", LLMC_UKERNEL_GPU_EVENT_RECORD)
      .Case("mgpuMemAlloc", LLMC_UKERNEL_GPU_MEM_ALLOC)
      .Case("mgpuMemFree", LLMC_UKERNEL_GPU_MEM_FREE)
      .Default(std::nullopt);
}

/// Gives each declared runtime function a body that calls through `table`,
/// which the runtime fills when it loads the model.
static Error defineUkernelThunks(Module &module, GlobalVariable *table) {
  LLVMContext &ctx = module.getContext();
  PointerType *ptr = PointerType::getUnqual(ctx);
  for (Function &f : module.functions()) {
    if (!f.isDeclaration() || f.isIntrinsic() ||
        !(f.getName().starts_with("llmc_ukernel_") ||
          f.getName().starts_with("_mlir_memref_to_llvm_") ||
          f.getName().starts_with("mgpu")))
      continue;
    std::optional<unsigned> slot = ukernelSlot(f.getName());
    if (!slot)
      return createStringError(inconvertibleErrorCode(),
                               "unknown runtime kernel '" + f.getName() + "'");
    f.setLinkage(GlobalValue::InternalLinkage);
    f.addFnAttr(Attribute::AlwaysInline);
    IRBuilder<> builder(BasicBlock::Create(ctx, "entry", &f));
    Value *entry =
        builder.CreateConstGEP2_32(table->getValueType(), table, 0, *slot);
    Value *kernel = builder.CreateLoad(ptr, entry);
    std::vector<Value *> args;
    for (Argument &arg : f.args())
      args.push_back(&arg);
    CallInst *call = builder.CreateCall(f.getFunctionType(), kernel, args);
    if (f.getReturnType()->isVoidTy())
      builder.CreateRetVoid();
    else
      builder.CreateRet(call);
  }
  return Error::success();
}

/// Turns each call of a row-split kernel (`llmc_pkernel_<n>(args..., lo, hi,
/// work)`, llmc-outline-kernels) into a call of the runtime's
/// llmc_ukernel_parallel_rows(task, frame, lo, hi, work), which runs
/// task(frame, begin, end) over row ranges on its threads: the arguments go
/// in a frame on the caller's stack, and `llmc_ptask_<n>` unpacks them.
static void parallelizeKernelCalls(Module &module) {
  LLVMContext &ctx = module.getContext();
  PointerType *ptr = PointerType::getUnqual(ctx);
  Type *i64 = Type::getInt64Ty(ctx);
  Type *voidType = Type::getVoidTy(ctx);
  std::vector<CallInst *> calls;
  for (Function &f : module)
    if (f.getName().starts_with("llmc_pkernel_"))
      for (User *user : f.users())
        if (auto *call = dyn_cast<CallInst>(user))
          calls.push_back(call);
  if (calls.empty())
    return;
  FunctionCallee runner = module.getOrInsertFunction(
      "llmc_ukernel_parallel_rows",
      FunctionType::get(voidType, {ptr, ptr, i64, i64, i64}, false));
  std::map<Function *, Function *> tasks;
  for (CallInst *call : calls) {
    Function *kernel = call->getCalledFunction();
    unsigned fieldCount = call->arg_size() - 3;
    std::vector<Type *> fields;
    for (unsigned i = 0; i < fieldCount; ++i)
      fields.push_back(call->getArgOperand(i)->getType());
    StructType *frame = StructType::get(ctx, fields);
    Function *&task = tasks[kernel];
    if (!task) {
      task = Function::Create(
          FunctionType::get(voidType, {ptr, i64, i64}, false),
          GlobalValue::InternalLinkage,
          "llmc_ptask_" + kernel->getName().drop_front(strlen("llmc_pkernel_")),
          module);
      IRBuilder<> builder(BasicBlock::Create(ctx, "entry", task));
      std::vector<Value *> args;
      for (unsigned i = 0; i < fieldCount; ++i)
        args.push_back(builder.CreateLoad(
            fields[i], builder.CreateStructGEP(frame, task->getArg(0), i)));
      args.push_back(task->getArg(1));
      args.push_back(task->getArg(2));
      args.push_back(ConstantInt::get(i64, 0)); // the work: the caller's
      builder.CreateCall(kernel, args);
      builder.CreateRetVoid();
    }
    Function *caller = call->getFunction();
    IRBuilder<> entry(&caller->getEntryBlock(),
                      caller->getEntryBlock().getFirstInsertionPt());
    AllocaInst *slot = entry.CreateAlloca(frame);
    IRBuilder<> builder(call);
    builder.CreateLifetimeStart(slot);
    for (unsigned i = 0; i < fieldCount; ++i)
      builder.CreateStore(call->getArgOperand(i),
                          builder.CreateStructGEP(frame, slot, i));
    builder.CreateCall(runner, {task, slot, call->getArgOperand(fieldCount),
                                call->getArgOperand(fieldCount + 1),
                                call->getArgOperand(fieldCount + 2)});
    builder.CreateLifetimeEnd(slot);
    call->eraseFromParent();
  }
}

/// Moves the functions of the global constructor (or destructor) list
/// `listName` into one function `name`, called in priority order, and drops
/// the list; null when there is none. The GPU lowering loads its kernels in
/// constructors, which would run at dlopen, before the runtime has filled
/// the table they call through.
static Function *takeInitializers(Module &module, StringRef listName,
                                  StringRef name) {
  GlobalVariable *list = module.getGlobalVariable(listName);
  if (!list)
    return nullptr;
  std::vector<std::pair<uint64_t, Function *>> functions;
  if (auto *array = dyn_cast<ConstantArray>(list->getInitializer()))
    for (Value *operand : array->operands()) {
      auto *entry = cast<ConstantStruct>(operand);
      auto *priority = cast<ConstantInt>(entry->getOperand(0));
      if (auto *f = dyn_cast<Function>(entry->getOperand(1)))
        functions.emplace_back(priority->getZExtValue(), f);
    }
  llvm::stable_sort(functions, [](const auto &a, const auto &b) {
    return a.first < b.first;
  });
  // Destructors run in reverse order of their priorities.
  if (listName == "llvm.global_dtors")
    std::reverse(functions.begin(), functions.end());
  list->eraseFromParent();
  LLVMContext &ctx = module.getContext();
  auto *all = Function::Create(FunctionType::get(Type::getVoidTy(ctx), false),
                               GlobalValue::InternalLinkage, name, module);
  IRBuilder<> builder(BasicBlock::Create(ctx, "entry", all));
  for (auto &[priority, f] : functions)
    builder.CreateCall(f);
  builder.CreateRetVoid();
  return all;
}

Error addModelDescriptor(Module &module, ArrayRef<uint8_t> manifest,
                         ArrayRef<std::string> entryPoints, bool embedded,
                         uint64_t weightsSize, StringRef symbol, bool gpu) {
  LLVMContext &ctx = module.getContext();
  Type *i32 = Type::getInt32Ty(ctx);
  Type *i64 = Type::getInt64Ty(ctx);
  PointerType *ptr = PointerType::getUnqual(ctx);

  auto *tableType = ArrayType::get(ptr, LLMC_NUM_UKERNELS);
  auto *ukernelTable = new GlobalVariable(
      module, tableType, /*isConstant=*/false, GlobalValue::InternalLinkage,
      ConstantAggregateZero::get(tableType), "llmc_ukernel_table");
  parallelizeKernelCalls(module);
  if (Error err = defineUkernelThunks(module, ukernelTable))
    return err;
  Constant *gpuLoad = ConstantPointerNull::get(ptr);
  Constant *gpuUnload = ConstantPointerNull::get(ptr);
  if (gpu) {
    if (Function *load =
            takeInitializers(module, "llvm.global_ctors", "llmc_gpu_load"))
      gpuLoad = load;
    if (Function *unload =
            takeInitializers(module, "llvm.global_dtors", "llmc_gpu_unload"))
      gpuUnload = unload;
  }

  // Only the getter is exported: code reaches everything else through the
  // descriptor's pointers.
  for (Function &f : module.functions()) {
    if (f.isDeclaration())
      continue;
    f.setVisibility(GlobalValue::HiddenVisibility);
    // Kernels stay functions: inlining them all back would recreate the one
    // huge function that LLVM optimizes slowly.
    if (f.getName().starts_with("llmc_kernel_") ||
        f.getName().starts_with("llmc_pkernel_"))
      f.addFnAttr(Attribute::NoInline);
  }

  // The manifest section: its header, then the FlatBuffers bytes.
  llmc_manifest_header header{};
  std::memcpy(header.magic, LLMC_MANIFEST_MAGIC, sizeof(header.magic));
  header.abi_version = LLMC_ABI_VERSION;
  header.size = manifest.size();
  header.checksum = fnv1a64(manifest);
  std::vector<uint8_t> section(sizeof(header) + manifest.size());
  std::memcpy(section.data(), &header, sizeof(header));
  std::memcpy(section.data() + sizeof(header), manifest.data(),
              manifest.size());
  auto *manifestData = ConstantDataArray::get(ctx, section);
  auto *manifestGlobal = new GlobalVariable(
      module, manifestData->getType(), /*isConstant=*/true,
      GlobalValue::InternalLinkage, manifestData, "llmc_manifest");
  manifestGlobal->setAlignment(Align(16));
  manifestGlobal->setSection(LLMC_MANIFEST_SECTION);
  Constant *manifestBytes = ConstantExpr::getInBoundsGetElementPtr(
      Type::getInt8Ty(ctx), manifestGlobal,
      ConstantInt::get(i64, sizeof(header)));

  StructType *entryType = StructType::get(ctx, {ptr, ptr});
  std::vector<Constant *> entries;
  for (const std::string &name : entryPoints) {
    Function *wrapped = module.getFunction("_mlir_ciface_" + name);
    if (!wrapped)
      return createStringError(inconvertibleErrorCode(),
                               "entry point '" + name +
                                   "' has no C interface wrapper");
    Function *function = createPackedWrapper(*wrapped, name);
    Constant *nameConstant = ConstantDataArray::getString(ctx, name);
    auto *nameGlobal = new GlobalVariable(
        module, nameConstant->getType(), true, GlobalValue::PrivateLinkage,
        nameConstant, "llmc_entry_name." + name);
    entries.push_back(ConstantStruct::get(entryType, {nameGlobal, function}));
  }
  auto *entryArrayType = ArrayType::get(entryType, entries.size());
  auto *entryTable = new GlobalVariable(
      module, entryArrayType, true, GlobalValue::InternalLinkage,
      ConstantArray::get(entryArrayType, entries), "llmc_entry_points");

  Constant *weights = ConstantPointerNull::get(ptr);
  if (embedded) {
    auto *external = new GlobalVariable(
        module, ArrayType::get(Type::getInt8Ty(ctx), 0), true,
        GlobalValue::ExternalLinkage, nullptr, "llmc_weights");
    external->setVisibility(GlobalValue::HiddenVisibility);
    weights = external;
  }

  // Field for field the layout of llmc_model_descriptor.
  StructType *descriptorType = StructType::get(
      ctx, {i32, i32, ptr, i64, i64, ptr, i64, ptr, ptr, i32, ptr, ptr});
  Constant *descriptor = ConstantStruct::get(
      descriptorType,
      {ConstantInt::get(i32, LLMC_ABI_VERSION),
       ConstantInt::get(i32, entries.size()), manifestBytes,
       ConstantInt::get(i64, manifest.size()),
       ConstantInt::get(i64, fnv1a64(manifest)), weights,
       ConstantInt::get(i64, embedded ? weightsSize : 0), entryTable,
       ukernelTable, ConstantInt::get(i32, LLMC_NUM_UKERNELS), gpuLoad,
       gpuUnload});
  auto *descriptorGlobal = new GlobalVariable(module, descriptorType, true,
                                              GlobalValue::InternalLinkage,
                                              descriptor, "llmc_descriptor");

  auto *getter = Function::Create(
      FunctionType::get(ptr, false), GlobalValue::ExternalLinkage,
      symbol.empty() ? Twine("llmc_model_get") : "llmc_model_" + symbol,
      module);
  IRBuilder<> builder(BasicBlock::Create(ctx, "entry", getter));
  builder.CreateRet(descriptorGlobal);
  return Error::success();
}

Error optimizeModule(Module &module, TargetMachine &machine,
                     unsigned optLevel) {
  if (optLevel == 0)
    return Error::success();
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  PassBuilder pb(&machine, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  OptimizationLevel level = optLevel == 1   ? OptimizationLevel::O1
                            : optLevel == 2 ? OptimizationLevel::O2
                                            : OptimizationLevel::O3;
  ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
  return Error::success();
}

Error emitObjectFile(Module &module, TargetMachine &machine, StringRef path) {
  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec)
    return fileError(path, "cannot write: " + ec.message());
  legacy::PassManager pm;
  if (machine.addPassesToEmitFile(pm, os, nullptr, CodeGenFileType::ObjectFile))
    return fileError(path, "the target cannot emit object files");
  pm.run(module);
  os.close();
  if (os.has_error())
    return fileError(path, "write failed: " + os.error().message());
  return Error::success();
}

} // namespace llmc
