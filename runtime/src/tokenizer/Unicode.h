//===- Unicode.h - UTF-8 and the character classes tokenizers need -*- C++
//-*-===//

#ifndef LLMC_RUNTIME_TOKENIZER_UNICODE_H
#define LLMC_RUNTIME_TOKENIZER_UNICODE_H

#include <cstdint>
#include <string>
#include <string_view>

namespace llmc::rt {

/// Decodes the code point at `text[pos]` and advances `pos`. An invalid or
/// truncated sequence yields false and advances by one byte.
bool decodeUtf8(std::string_view text, size_t &pos, uint32_t &codepoint);

/// Appends the UTF-8 encoding of `codepoint`.
void appendUtf8(std::string &out, uint32_t codepoint);

/// Whether `bytes` is valid UTF-8.
bool isValidUtf8(std::string_view bytes);

/// The length of the longest prefix of `text` that does not end inside an
/// incomplete (possibly still growing) UTF-8 sequence.
size_t completeUtf8Prefix(std::string_view text);

/// Lossy UTF-8: every maximal invalid subsequence becomes U+FFFD, as Rust's
/// String::from_utf8_lossy does.
std::string sanitizeUtf8(std::string_view bytes);

/// Unicode general categories L*, N*, and White_Space.
bool isLetter(uint32_t codepoint);
bool isNumber(uint32_t codepoint);
bool isSpace(uint32_t codepoint);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_TOKENIZER_UNICODE_H
