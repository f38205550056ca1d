//===- Tokenizer.h - Hugging Face tokenizer.json, encode and decode -*- C++
//-*-===//
//
// A tokenizer built from the `tokenizer.json` of a Hugging Face model (and its
// `tokenizer_config.json`), following the `tokenizers` library's pipeline:
// added tokens are split out of the text, each remaining piece is normalized
// and pre-tokenized, the BPE model maps words to ids, and the post-processor
// adds special tokens. Decoding runs the decoder chain over token strings.
//
// Supported: BPE models with SentencePiece conventions (Prepend/Replace
// normalizers or a Metaspace pre-tokenizer, byte fallback <0xNN>, fused
// unknowns) and GPT-2 byte-level BPE (ByteLevel pre-tokenizer with the GPT-2
// split pattern, byte-to-unicode map). Anything else is refused by name when
// the tokenizer is created.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_TOKENIZER_TOKENIZER_H
#define LLMC_RUNTIME_TOKENIZER_TOKENIZER_H

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmc::rt {

class Tokenizer {
public:
  /// Builds a tokenizer, or returns null with `error` set to what is wrong.
  static std::unique_ptr<Tokenizer> create(std::string_view tokenizerJson,
                                           std::string_view configJson,
                                           std::string &error);
  ~Tokenizer();

  /// Token ids of `text`; `addSpecial` applies the post-processor (BOS).
  std::vector<int32_t> encode(std::string_view text, bool addSpecial) const;

  /// Text of `ids` (each below vocabSize()); `skipSpecial` drops special
  /// tokens. Invalid byte sequences become U+FFFD. `cleanUp` applies
  /// transformers' clean_up_tokenization_spaces (" ." -> ".", " n't" ->
  /// "n't", ...) when tokenizer_config.json asks for it.
  std::string decode(const std::vector<int32_t> &ids, bool skipSpecial,
                     bool cleanUp = true) const;

  /// One past the largest id of the vocabulary and added tokens.
  int64_t vocabSize() const;
  /// "BPE".
  const std::string &modelType() const;
  bool isSpecial(int32_t id) const;

  struct Impl;

private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

/// Incremental detokenization for streaming: the text a generated token adds
/// to the decoded prompt, never splitting a UTF-8 character (an incomplete
/// byte-fallback character is held back until it completes).
class StreamDecoder {
public:
  StreamDecoder(const Tokenizer &tokenizer, std::vector<int32_t> prompt);

  /// Appends `token`; returns the text that became printable.
  std::string push(int32_t token);
  /// Returns whatever is held back (at the end of generation).
  std::string flush();
  /// Everything returned so far.
  const std::string &text() const { return printed; }
  const Tokenizer &tokenizerRef() const { return tokenizer; }

private:
  std::string pending() const;

  const Tokenizer &tokenizer;
  std::vector<int32_t> ids;
  size_t promptLength;
  std::string printed;
};

} // namespace llmc::rt

#endif // LLMC_RUNTIME_TOKENIZER_TOKENIZER_H
