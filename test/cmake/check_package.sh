#!/usr/bin/env bash
# llmc as a CMake package, as a user meets it: installed into a prefix, from
# the build tree, and from the two Debian packages (cpack -G DEB, unpacked
# with dpkg-deb -x). Each time examples/cmake-app compiles stories260K into a
# library with llmc_add_model() and links it into a C and a C++ program that
# must generate the story. Also: rebuilds happen when a model file or an
# option changes and only then, and bad uses fail with a clear message.
#   check_package.sh BUILD_DIR SOURCE_DIR
set -Eeuo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A failing step shows the end of its log.
trap 'status=$?; for log in "$work"/*.log; do echo "== $log"; tail -n 15 "$log"; done; exit $status' ERR
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
# In a sanitizer build the runtime is instrumented: a program linking it must
# link the ASan runtime first.
app_link=""
if grep -q '^LLMC_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  asan_dir=$(dirname "$("$cc" -print-file-name=libclang_rt.asan-x86_64.so)")
  app_link="-fsanitize=address -shared-libasan -Wl,-rpath,$asan_dir"
fi
configure() { # configure DIR LLMC_DIR [more -D...]
  local dir=$1 pkg=$2
  shift 2
  cmake -G Ninja -S "$src/examples/cmake-app" -B "$dir" -Dllmc_DIR="$pkg" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_EXE_LINKER_FLAGS="$app_link" "$@" > "$dir.log"
}
story() { # the programs must print the story
  "$1/story" | grep -q "Once upon a time, there was a little" ||
    { echo "FAIL: $1/story"; exit 1; }
  "$1/story_cpp" | grep -q "Once upon a time, there was a little" ||
    { echo "FAIL: $1/story_cpp"; exit 1; }
}

# 1. An installed prefix, with the model copied so that the test can touch it.
cmake --install "$build" --prefix "$work/prefix" > /dev/null
cp -r "$src/examples/stories260K" "$work/model"
configure "$work/app" "$work/prefix/lib/cmake/llmc" -DLLMC_MODEL="$work/model"
cmake --build "$work/app" > "$work/build1.log"
grep -q "llmc: compiling model stories" "$work/build1.log"
story "$work/app"
echo "PASS: the example builds and runs against an installed prefix"

# pkg-config, for programs built without CMake: load the model by path.
cat > "$work/bypath.c" <<'C'
#include "llmc/llmc.h"
#include <stdio.h>
int main(int argc, char **argv) {
  llmc_model_t *model;
  llmc_status_t status = llmc_model_load(argv[1], &model);
  if (status) { puts(llmc_status_message(status)); return 1; }
  printf("vocabulary %lld\n", (long long)llmc_model_vocab_size(model));
  llmc_model_free(model);
  return 0;
}
C
flags=$(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs llmc-runtime)
# shellcheck disable=SC2086
"$cc" "$work/bypath.c" -o "$work/bypath" $flags -Wl,-rpath,"$work/prefix/lib" $app_link
"$work/bypath" "$work/app/llmc_models/libstories.so" | grep -q "vocabulary 512"
echo "PASS: a program built with pkg-config's flags loads a model by path"

cmake --build "$work/app" > "$work/build2.log"
if grep -q "compiling model" "$work/build2.log"; then
  echo "FAIL: a build with nothing changed recompiled the model"; exit 1
fi
touch "$work/model/model.safetensors"
cmake --build "$work/app" > "$work/build3.log"
grep -q "llmc: compiling model stories" "$work/build3.log"
echo "PASS: touching a model file recompiles the model, nothing else does"
configure "$work/app" "$work/prefix/lib/cmake/llmc" -DLLMC_QUANTIZE=int4
cmake --build "$work/app" > "$work/build4.log"
grep -q "llmc: compiling model stories" "$work/build4.log"
story "$work/app"
echo "PASS: changing QUANTIZE recompiles the model"
configure "$work/app" "$work/prefix/lib/cmake/llmc" -DLLMC_WEIGHTS=external
cmake --build "$work/app" > "$work/build5.log"
test -f "$work/app/llmc_models/libstories.so.weights"
story "$work/app"
echo "PASS: a linked model finds its side weights file beside its library"

# 2. The build tree, without installing.
configure "$work/tree" "$build/cmake"
cmake --build "$work/tree" > /dev/null
story "$work/tree"
echo "PASS: the example builds and runs against the build tree"

# 3. Bad uses: an unknown option, a missing model, a model llmc refuses.
bad() { # bad NAME CMAKE-LINE: a project calling llmc_add_model so
  mkdir -p "$work/$1"
  printf 'cmake_minimum_required(VERSION 3.20)\nproject(bad C)\nfind_package(llmc REQUIRED CONFIG)\nadd_executable(app main.c)\ntarget_link_libraries(app PRIVATE llmc::runtime)\n%s\n' "$2" > "$work/$1/CMakeLists.txt"
  echo 'int main(void) { return 0; }' > "$work/$1/main.c"
  cmake -G Ninja -S "$work/$1" -B "$work/$1/build" -Dllmc_DIR="$work/prefix/lib/cmake/llmc" \
    -DCMAKE_C_COMPILER="$cc" > "$work/$1.log" 2>&1
}
if bad unknown "llmc_add_model(m MODEL $work/model QUANTISE int8)"; then
  echo "FAIL: an unknown option was accepted"; exit 1
fi
grep -q "llmc_add_model(m): unknown argument 'QUANTISE'" "$work/unknown.log"
echo "PASS: an unknown option is a CMake error naming it"
if bad missing "llmc_add_model(m MODEL $work/nowhere)"; then
  echo "FAIL: a missing model folder was accepted"; exit 1
fi
grep -q "llmc_add_model(m): MODEL $work/nowhere does not exist" "$work/missing.log"
echo "PASS: a missing model folder fails at configure time, naming it"
cp -r "$work/model" "$work/falcon"
sed -i 's/LlamaForCausalLM/FalconForCausalLM/' "$work/falcon/config.json"
bad refused "llmc_add_model(m MODEL $work/falcon)
target_link_libraries(app PRIVATE m)"
if cmake --build "$work/refused/build" > "$work/refused-build.log" 2>&1; then
  echo "FAIL: a model the compiler refuses built"; exit 1
fi
grep -q "^llmc: error: .*falcon/config.json: unsupported architecture 'FalconForCausalLM'" \
  "$work/refused-build.log"
echo "PASS: a model llmc refuses fails the build with llmc's one-line error"

# 4. The Debian packages, unpacked into a root of their own.
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" > "$work/cpack.log")
for deb in "$work"/llmc-runtime_*.deb "$work"/llmc_*.deb; do
  dpkg-deb -x "$deb" "$work/root"
done
if dpkg-deb -f "$work"/llmc-runtime_*.deb Depends | grep -qiE "llvm|mlir"; then
  echo "FAIL: llmc-runtime depends on LLVM or MLIR"; exit 1
fi
configure "$work/deb" "$work/root/usr/lib/cmake/llmc"
cmake --build "$work/deb" > /dev/null
story "$work/deb"
echo "PASS: the example builds and runs from the unpacked llmc and llmc-runtime packages"
