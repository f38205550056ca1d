//===- ElfCheck.h - Structural checks before dlopen -------------*- C++ -*-===//
//
// dlopen maps whatever a library's program headers claim; a truncated file
// then faults on first touch instead of failing to load. This check reads
// the headers and confirms that every loaded segment lies inside the file.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_ELFCHECK_H
#define LLMC_RUNTIME_ELFCHECK_H

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::rt {

/// Returns "" when `path` is a structurally sound x86-64 ELF shared object,
/// else what is wrong with it.
std::string checkSharedObject(const std::string &path);

/// Where section `name` of the ELF file at `path` lies: "" on success (and
/// the span, checked to be inside the file), "no <name> section" when there
/// is none, else what is wrong.
std::string findSection(const std::string &path, const std::string &name,
                        uint64_t &offset, uint64_t &length);

/// Reads section `name` of the ELF file at `path` into `bytes`: "" on
/// success, "no <name> section" when there is none, else what is wrong.
std::string readSection(const std::string &path, const std::string &name,
                        std::vector<uint8_t> &bytes);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_ELFCHECK_H
