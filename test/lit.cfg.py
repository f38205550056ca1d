# lit configuration of llmc's regression tests (lit + FileCheck).
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "llmc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "lib", "models", "CMakeLists.txt", "lit.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.llmc_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# Test-data generators and references run under Debian's python (numpy, onnx,
# torch), not whichever python3 is first on PATH.
# In a sanitizer build (-DLLMC_SANITIZE=ON), Python loads the instrumented
# runtime through ctypes: the ASan runtime must be preloaded, and Python's
# own leaks are not ours. Allocations too large to make are refused (a
# test asks for 4 TiB) rather than reported.
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons fresh slabs from
# its inline code when that is compiled with ASan (ours) and unpoisons what
# it hands out only there, so Debian's uninstrumented libMLIR allocating from
# a slab our code started wrote into "poisoned" memory (a false
# use-after-poison, seen parsing tensor<20x40xi4>).
python = config.python_executable
if config.llmc_asan_runtime:
    config.environment["ASAN_OPTIONS"] = (
        "allocator_may_return_null=1:allow_user_poisoning=0")
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1"
    python = (f"env LD_PRELOAD={config.llmc_asan_runtime} "
              f"ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=0:"
              f"allow_user_poisoning=0 {python}")
# LeakSanitizer checks at exit from a thread of its own: a test that leaves
# a process no threads to spare turns it off.
config.substitutions.append(
    ("%env_no_leak_check",
     "env ASAN_OPTIONS=allocator_may_return_null=1:allow_user_poisoning=0:"
     "detect_leaks=0" if config.llmc_asan_runtime else "env"))
# A program the test links against the instrumented runtime must itself link
# the ASan runtime, first in its library list.
app_link = ""
if config.llmc_asan_runtime:
    app_link = ("-fsanitize=address -shared-libasan -Wl,-rpath," +
                os.path.dirname(config.llmc_asan_runtime))
config.substitutions.append(("%{app_link}", app_link))
# (Replacing lit's own %python, which would match first.)
config.substitutions = [s for s in config.substitutions if s[0] != "%python"]
config.substitutions.append(("%python", python))
config.substitutions.append(("%srcroot", config.llmc_src_root))
config.substitutions.append(("%testlib", os.path.join(config.test_source_root, "lib")))
config.substitutions.append(("%examples", os.path.join(config.llmc_src_root, "examples")))
config.substitutions.append(("%models", os.path.join(config.test_source_root, "models")))
config.substitutions.append(("%runtime_lib", config.llmc_runtime_lib))
config.substitutions.append(("%{runner}", os.path.join(config.llmc_tools_dir, "llmc-runner")))
config.substitutions.append(("%{packer}", os.path.join(config.llmc_tools_dir, "llmc-pack-weights")))
config.substitutions.append(("%{runtime_dir}", os.path.dirname(config.llmc_runtime_lib)))

# `lit --param target=x86-64-v3` compiles every artifact of the suite for
# that --target instead of the host (an explicit --target in a test still
# wins: llvm::cl keeps the last occurrence).
target = lit_config.params.get("target")
if target:
    config.substitutions.append(("llmc compile ", f"llmc compile --target={target} "))
    # Its own scratch files, so that both runs may go at once.
    config.test_exec_root = os.path.join(config.llmc_obj_root, "test", "target-" + target)

tools = [
    ToolSubst("llmc", unresolved="fatal"),
    ToolSubst("llmc-opt", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, [config.llmc_tools_dir, config.llvm_tools_dir])

# The CUDA toolkit (ptxas, fatbinary) that --target=cuda needs, and whether
# this machine has a CUDA driver (a CUDA artifact then runs, or is refused
# for another reason than a missing driver).
import ctypes
cuda_home = os.environ.get("CUDA_HOME") or "/usr/local/cuda"
if all(os.access(os.path.join(cuda_home, "bin", t), os.X_OK) for t in ("ptxas", "fatbinary")):
    config.available_features.add("cuda-toolkit")
    config.substitutions.append(("%ptxas", os.path.join(cuda_home, "bin", "ptxas")))
try:
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass

# Root can run a command as another user (setpriv), for whom RLIMIT_NPROC
# binds: how thread_limit.test runs llmc out of threads.
import shutil
if os.geteuid() == 0 and shutil.which("setpriv") and shutil.which("prlimit"):
    config.available_features.add("setpriv-as-root")
