//===- ElfCheck.cpp - Structural checks before dlopen ---------------------===//

#include "ElfCheck.h"
#include "RegularFile.h"

#include <cerrno>
#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmc::rt {

namespace {
struct FileCloser {
  int fd;
  ~FileCloser() {
    if (fd >= 0)
      close(fd);
  }
};

bool readAt(int fd, void *out, size_t size, uint64_t offset) {
  return pread(fd, out, size, static_cast<off_t>(offset)) ==
         static_cast<ssize_t>(size);
}
} // namespace

std::string checkSharedObject(const std::string &path) {
  int fd;
  uint64_t size;
  std::string problem = openRegularFile(path, fd, size);
  if (!problem.empty())
    return problem;
  FileCloser closer{fd};

  Elf64_Ehdr header;
  if (size < sizeof(header) || !readAt(fd, &header, sizeof(header), 0))
    return "truncated: " + std::to_string(size) +
           " bytes is too short for an ELF header";
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
    return "not an ELF file";
  if (header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_ident[EI_DATA] != ELFDATA2LSB || header.e_machine != EM_X86_64)
    return "not a little-endian x86-64 ELF file";
  if (header.e_type != ET_DYN)
    return "not a shared library";
  if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0)
    return "corrupt program header table";
  uint64_t phEnd =
      header.e_phoff + uint64_t(header.e_phnum) * sizeof(Elf64_Phdr);
  if (header.e_phoff > size || phEnd > size)
    return "truncated: program headers end at byte " + std::to_string(phEnd) +
           ", the file has " + std::to_string(size);
  if (header.e_shoff != 0) {
    uint64_t shEnd = header.e_shoff +
                     uint64_t(header.e_shnum) * uint64_t(header.e_shentsize);
    if (header.e_shoff > size || shEnd > size)
      return "truncated: section headers end at byte " + std::to_string(shEnd) +
             ", the file has " + std::to_string(size);
  }
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    if (!readAt(fd, &segment, sizeof(segment),
                header.e_phoff + uint64_t(i) * sizeof(Elf64_Phdr)))
      return "cannot read program header " + std::to_string(i);
    if (segment.p_type != PT_LOAD && segment.p_type != PT_DYNAMIC)
      continue;
    uint64_t end = segment.p_offset + segment.p_filesz;
    if (end < segment.p_offset || end > size)
      return "truncated: segment " + std::to_string(i) + " ends at byte " +
             std::to_string(end) + ", the file has " + std::to_string(size);
  }
  return "";
}

std::string findSection(const std::string &path, const std::string &name,
                        uint64_t &offset, uint64_t &length) {
  int fd;
  uint64_t size;
  std::string problem = openRegularFile(path, fd, size);
  if (!problem.empty())
    return problem;
  FileCloser closer{fd};
  Elf64_Ehdr header;
  if (!readAt(fd, &header, sizeof(header), 0))
    return "cannot read the ELF header";
  std::string missing = "no " + name + " section";
  if (header.e_shoff == 0 || header.e_shnum == 0)
    return missing;
  if (header.e_shentsize != sizeof(Elf64_Shdr) ||
      header.e_shstrndx >= header.e_shnum || header.e_shoff > size ||
      uint64_t(header.e_shnum) * sizeof(Elf64_Shdr) > size - header.e_shoff)
    return "corrupt section header table";
  auto section = [&](unsigned i, Elf64_Shdr &out) {
    return readAt(fd, &out, sizeof(out),
                  header.e_shoff + uint64_t(i) * sizeof(Elf64_Shdr));
  };
  Elf64_Shdr names;
  if (!section(header.e_shstrndx, names) || names.sh_type != SHT_STRTAB ||
      names.sh_offset > size || names.sh_size > size - names.sh_offset)
    return "corrupt section name table";
  std::vector<char> table(names.sh_size + 1, '\0');
  if (!readAt(fd, table.data(), names.sh_size, names.sh_offset))
    return "cannot read the section name table";
  for (unsigned i = 0; i < header.e_shnum; ++i) {
    Elf64_Shdr candidate;
    if (!section(i, candidate))
      return "cannot read section header " + std::to_string(i);
    if (candidate.sh_name >= names.sh_size || name != &table[candidate.sh_name])
      continue;
    if (candidate.sh_type == SHT_NOBITS || candidate.sh_offset > size ||
        candidate.sh_size > size - candidate.sh_offset)
      return "truncated: section " + name + " lies outside the file";
    offset = candidate.sh_offset;
    length = candidate.sh_size;
    return "";
  }
  return missing;
}

std::string readSection(const std::string &path, const std::string &name,
                        std::vector<uint8_t> &bytes) {
  uint64_t offset, length;
  std::string problem = findSection(path, name, offset, length);
  if (!problem.empty())
    return problem;
  int fd;
  uint64_t size;
  problem = openRegularFile(path, fd, size);
  if (!problem.empty())
    return problem;
  FileCloser closer{fd};
  if (offset > size || length > size - offset)
    return "truncated: section " + name + " lies outside the file";
  bytes.resize(length);
  if (!readAt(fd, bytes.data(), length, offset))
    return "cannot read section " + name;
  return "";
}

} // namespace llmc::rt
