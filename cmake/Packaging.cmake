# Installation, the CMake package (find_package(llmc)), pkg-config, and the
# Debian packages (cpack -G DEB):
#   llmc-runtime: libllmc_runtime.so, the C and C++ headers, the CMake and
#                 pkg-config files: what a program shipping models needs,
#                 with no LLVM/MLIR dependency;
#   llmc:         the llmc and llmc-opt tools.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LLMC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/llmc)

# The runtime: a versioned shared library exporting exactly the C API.
set_target_properties(llmc_runtime PROPERTIES
  EXPORT_NAME runtime
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR})
target_include_directories(llmc_runtime INTERFACE
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
install(TARGETS llmc_runtime EXPORT llmcRuntimeTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime)
install(FILES
  ${PROJECT_SOURCE_DIR}/runtime/include/llmc/llmc.h
  ${PROJECT_SOURCE_DIR}/runtime/include/llmc/llmc.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/llmc/abi.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/llmc COMPONENT runtime)

# The tools find the runtime beside them, and Debian's LLVM/MLIR 22 libraries
# where llvm-22 keeps them.
set_target_properties(llmc llmc-opt PROPERTIES
  INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR};${LLVM_LIBRARY_DIR}")
install(TARGETS llmc llmc-opt EXPORT llmcToolTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)

# The package, installed and in the build tree (llmc_DIR=build/cmake).
foreach(set Runtime Tool)
  set(component runtime)
  if(set STREQUAL "Tool")
    set(component tools)
  endif()
  install(EXPORT llmc${set}Targets NAMESPACE llmc::
    DESTINATION ${LLMC_CMAKE_DIR} COMPONENT ${component})
  export(EXPORT llmc${set}Targets NAMESPACE llmc::
    FILE ${PROJECT_BINARY_DIR}/cmake/llmc${set}Targets.cmake)
endforeach()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/llmcConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/llmcConfig.cmake
  INSTALL_DESTINATION ${LLMC_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/llmcConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
configure_file(${PROJECT_SOURCE_DIR}/cmake/llmcModels.cmake
  ${PROJECT_BINARY_DIR}/cmake/llmcModels.cmake COPYONLY)
install(FILES
  ${PROJECT_BINARY_DIR}/cmake/llmcConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/llmcConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/llmcModels.cmake
  DESTINATION ${LLMC_CMAKE_DIR} COMPONENT runtime)

configure_file(${PROJECT_SOURCE_DIR}/cmake/llmc-runtime.pc.in
  ${PROJECT_BINARY_DIR}/llmc-runtime.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/llmc-runtime.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT runtime)

# Debian packages.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME llmc)
set(CPACK_PACKAGE_VENDOR "llmc")
set(CPACK_PACKAGE_CONTACT "llmc developers <llmc@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Ahead-of-time compiler for large language models")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime tools)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME llmc-runtime)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
  "llmc runtime: loads models compiled by llmc and generates text")
set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME llmc)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION devel)
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
  "llmc compiler: llmc compile, run, bench, eval, inspect and llmc-opt")
# The compiler links compiler-rt's builtins into every artifact.
set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS
  "llmc-runtime (= ${PROJECT_VERSION}), libclang-rt-22-dev")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
  ${PROJECT_BINARY_DIR}/lib)
include(CPack)
