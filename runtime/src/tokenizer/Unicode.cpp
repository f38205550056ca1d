//===- Unicode.cpp - UTF-8 and the character classes tokenizers need ------===//

#include "tokenizer/Unicode.h"

#include <algorithm>
#include <iterator>

namespace llmc::rt {
namespace {
struct CodepointRange {
  uint32_t lo, hi;
};
#include "tokenizer/UnicodeTables.inc"

template <size_t N>
bool inRanges(const CodepointRange (&table)[N], uint32_t cp) {
  auto it = std::upper_bound(
      std::begin(table), std::end(table), cp,
      [](uint32_t v, const CodepointRange &r) { return v < r.lo; });
  return it != std::begin(table) && cp <= std::prev(it)->hi;
}

/// Bytes in the sequence a lead byte starts (0 for a continuation or an
/// invalid lead).
unsigned sequenceLength(uint8_t lead) {
  if (lead < 0x80)
    return 1;
  if (lead >= 0xC2 && lead <= 0xDF)
    return 2;
  if (lead >= 0xE0 && lead <= 0xEF)
    return 3;
  if (lead >= 0xF0 && lead <= 0xF4)
    return 4;
  return 0;
}
} // namespace

bool decodeUtf8(std::string_view text, size_t &pos, uint32_t &codepoint) {
  uint8_t lead = static_cast<uint8_t>(text[pos]);
  unsigned length = sequenceLength(lead);
  if (length == 0 || pos + length > text.size()) {
    ++pos;
    return false;
  }
  if (length == 1) {
    codepoint = lead;
    ++pos;
    return true;
  }
  uint32_t cp = lead & (0x7F >> length);
  for (unsigned i = 1; i < length; ++i) {
    uint8_t byte = static_cast<uint8_t>(text[pos + i]);
    if ((byte & 0xC0) != 0x80) {
      ++pos;
      return false;
    }
    cp = (cp << 6) | (byte & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  static const uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < minimum[length] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    ++pos;
    return false;
  }
  codepoint = cp;
  pos += length;
  return true;
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool isValidUtf8(std::string_view bytes) {
  size_t pos = 0;
  uint32_t cp;
  while (pos < bytes.size())
    if (!decodeUtf8(bytes, pos, cp))
      return false;
  return true;
}

size_t completeUtf8Prefix(std::string_view text) {
  // Look back at most three bytes for a lead byte whose sequence is cut off.
  size_t n = text.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    uint8_t byte = static_cast<uint8_t>(text[n - back]);
    if ((byte & 0xC0) == 0x80)
      continue;
    unsigned length = sequenceLength(byte);
    return length > back ? n - back : n;
  }
  return n;
}

std::string sanitizeUtf8(std::string_view bytes) {
  std::string out;
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t start = pos;
    uint32_t cp;
    if (decodeUtf8(bytes, pos, cp)) {
      out.append(bytes.substr(start, pos - start));
      continue;
    }
    // Rust replaces a maximal prefix of a valid sequence by one U+FFFD.
    uint8_t lead = static_cast<uint8_t>(bytes[start]);
    unsigned length = sequenceLength(lead);
    size_t end = start + 1;
    if (length > 1) {
      uint8_t lo = 0x80, hi = 0xBF;
      if (lead == 0xE0)
        lo = 0xA0;
      else if (lead == 0xED)
        hi = 0x9F;
      else if (lead == 0xF0)
        lo = 0x90;
      else if (lead == 0xF4)
        hi = 0x8F;
      for (unsigned i = 1; i < length && end < bytes.size(); ++i) {
        uint8_t byte = static_cast<uint8_t>(bytes[end]);
        if (byte < (i == 1 ? lo : 0x80) || byte > (i == 1 ? hi : 0xBF))
          break;
        ++end;
      }
    }
    appendUtf8(out, 0xFFFD);
    pos = end;
  }
  return out;
}

bool isLetter(uint32_t cp) { return inRanges(kLetters, cp); }
bool isNumber(uint32_t cp) { return inRanges(kNumbers, cp); }
bool isSpace(uint32_t cp) { return inRanges(kSpaces, cp); }

} // namespace llmc::rt
