//===- Tokenizer.cpp - Hugging Face tokenizer.json, encode and decode -----===//

#include "tokenizer/Tokenizer.h"
#include "JsonDepth.h"
#include "tokenizer/Unicode.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <queue>

using json = nlohmann::json;

namespace llmc::rt {
namespace {

constexpr std::string_view kMetaspace = "\xE2\x96\x81"; // U+2581 "▁"

/// Ids index a dense table of token strings, so a larger id is refused
/// rather than allocated for (the largest real vocabularies hold 2^18).
constexpr int64_t kMaxTokenId = 1 << 24;

/// `text` fit for a one-line message: control characters are escaped and
/// anything past 64 bytes is cut (a hostile token can be megabytes).
std::string printable(std::string_view text) {
  size_t end =
      text.size() > 64 ? completeUtf8Prefix(text.substr(0, 64)) : text.size();
  std::string out;
  for (char c : text.substr(0, end)) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (byte < 0x20 || byte == 0x7F) {
      char escaped[8];
      snprintf(escaped, sizeof(escaped), "\\x%02X", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return end < text.size() ? out + "..." : out;
}

std::string quote(std::string_view token) {
  return "'" + printable(token) + "'";
}

/// The id `value` holds when it is an integer in [0, 2^31). Hugging Face
/// ids are u32 and llmc's int32_t: anything else (a negative id, 2^40, 1.5,
/// "7") would be cut to some other token's id.
std::optional<int32_t> readId(const json &value) {
  if (value.is_number_unsigned())
    return value.get<uint64_t>() <= INT32_MAX
               ? std::optional<int32_t>(value.get<uint64_t>())
               : std::nullopt;
  if (value.is_number_integer() && value.get<int64_t>() >= 0 &&
      value.get<int64_t>() <= INT32_MAX)
    return static_cast<int32_t>(value.get<int64_t>());
  return std::nullopt;
}

/// Reads the id of `token`, a `what` ("vocabulary entry", ...), or sets
/// `error` to what is wrong with it.
bool readTokenId(const json &value, std::string_view what,
                 std::string_view token, int32_t &id, std::string &error) {
  std::optional<int32_t> read = readId(value);
  std::string prefix = std::string(what) + " " + quote(token) + " has id ";
  if (!read) {
    error = prefix + printable(value.dump()) + ", not an integer in [0, 2^31)";
    return false;
  }
  if (*read > kMaxTokenId) {
    error = prefix + std::to_string(*read) +
            ", more than the largest id llmc supports (" +
            std::to_string(kMaxTokenId) + ")";
    return false;
  }
  id = *read;
  return true;
}

/// GPT-2's reversible map from bytes to printable code points.
struct ByteUnicodeMap {
  std::array<uint32_t, 256> toUnicode;
  std::unordered_map<uint32_t, uint8_t> toByte;
  ByteUnicodeMap() {
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) ||
                       (b >= 174 && b <= 255);
      toUnicode[b] = printable ? b : next++;
      toByte[toUnicode[b]] = static_cast<uint8_t>(b);
    }
  }
};
const ByteUnicodeMap &byteUnicodeMap() {
  static const ByteUnicodeMap map;
  return map;
}

/// Splits `text` like GPT-2's pattern
///   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
std::vector<std::string_view> splitGpt2(std::string_view text) {
  std::vector<std::string_view> pieces;
  auto at = [&](size_t pos, size_t *next = nullptr) -> uint32_t {
    size_t p = pos;
    uint32_t cp = 0xFFFD;
    decodeUtf8(text, p, cp);
    if (next)
      *next = p;
    return cp;
  };
  auto other = [](uint32_t cp) {
    return !isSpace(cp) && !isLetter(cp) && !isNumber(cp);
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    if (text[pos] == '\'') {
      std::string_view rest = text.substr(pos + 1);
      size_t length = 0;
      for (std::string_view c : {"s", "t", "re", "ve", "m", "ll", "d"})
        if (rest.substr(0, c.size()) == c) {
          length = c.size();
          break;
        }
      if (length) {
        pos += 1 + length;
        pieces.push_back(text.substr(start, pos - start));
        continue;
      }
    }
    size_t body = text[pos] == ' ' ? pos + 1 : pos;
    size_t next;
    if (body < text.size()) {
      uint32_t cp = at(body, &next);
      bool (*cls)(uint32_t) = isLetter(cp)   ? isLetter
                              : isNumber(cp) ? isNumber
                              : other(cp)    ? +[](uint32_t c) {
                                  return !isSpace(c) && !isLetter(c) &&
                                         !isNumber(c);
                                }
                                             : nullptr;
      if (cls) {
        pos = next;
        while (pos < text.size() && cls(at(pos, &next)))
          pos = next;
        pieces.push_back(text.substr(start, pos - start));
        continue;
      }
    }
    // A run of white space; when a non-space follows, its last character is
    // left to prefix the next piece (unless the run is that one character).
    size_t last = pos;
    while (pos < text.size() && isSpace(at(pos, &next))) {
      last = pos;
      pos = next;
    }
    if (pos == start) { // not reachable for valid input; keep progress
      pos = next;
    } else if (pos < text.size() && last > start) {
      pos = last;
    }
    pieces.push_back(text.substr(start, pos - start));
  }
  return pieces;
}

void replaceAll(std::string &text, std::string_view from, std::string_view to) {
  if (from.empty())
    return;
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t hit = text.find(from, pos);
    out.append(text, pos,
               hit == std::string::npos ? std::string::npos : hit - pos);
    if (hit == std::string::npos)
      break;
    out.append(to);
    pos = hit + from.size();
  }
  text = std::move(out);
}

/// A "Replace" step's pattern must be a plain string.
bool readReplace(const json &step, std::string &from, std::string &to,
                 std::string &error) {
  const json &pattern = step.value("pattern", json());
  if (!pattern.is_object() || !pattern.contains("String") ||
      !pattern["String"].is_string()) {
    error = "Replace patterns other than {\"String\": ...} are not supported";
    return false;
  }
  from = pattern["String"].get<std::string>();
  to = step.value("content", std::string());
  return true;
}

struct NormalizerStep {
  enum Kind { Prepend, Replace, Strip } kind;
  std::string a, b;
  bool left = false, right = false;
};

struct PreTokenizerStep {
  enum Kind { ByteLevel, Metaspace } kind;
  bool addPrefixSpace = false, useRegex = true;
  std::string replacement;
  std::string prependScheme = "always";
  bool split = true;
};

struct DecoderStep {
  enum Kind { Replace, ByteFallback, Fuse, Strip, ByteLevel, Metaspace } kind;
  std::string a, b;
  size_t start = 0, stop = 0;
  bool prepend = true;
};

struct AddedToken {
  std::string content;
  int32_t id;
  bool special, lstrip, rstrip;
};

} // namespace

struct Tokenizer::Impl {
  std::string type = "BPE";
  std::unordered_map<std::string, int32_t> vocab;
  std::vector<std::string> pieces;
  std::vector<bool> special;
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges;
  std::array<int32_t, 256> byteIds;
  bool byteFallback = false, fuseUnk = false, ignoreMerges = false;
  std::optional<int32_t> unkId;
  std::vector<AddedToken> added;
  std::vector<NormalizerStep> normalizers;
  std::vector<PreTokenizerStep> preTokenizers;
  std::vector<DecoderStep> decoders;
  /// The post-processor template: -1 stands for the sequence itself.
  std::vector<int32_t> single{-1};
  /// tokenizer_config.json's clean_up_tokenization_spaces.
  bool cleanUpSpaces = false;

  bool load(const json &root, const json &config, std::string &error);
  bool loadNormalizer(const json &node, std::string &error);
  bool loadPreTokenizer(const json &node, std::string &error);
  bool loadDecoder(const json &node, std::string &error);
  bool loadPostProcessor(const json &node, std::string &error);

  void encodeWord(std::string_view word, std::vector<int32_t> &out) const;
  void encodeSegment(std::string_view text, bool first,
                     std::vector<int32_t> &out) const;
};

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

bool Tokenizer::Impl::loadNormalizer(const json &node, std::string &error) {
  if (node.is_null())
    return true;
  std::string type = node.value("type", "");
  if (type == "Sequence") {
    for (const json &step : node.value("normalizers", json::array()))
      if (!loadNormalizer(step, error))
        return false;
    return true;
  }
  NormalizerStep step;
  if (type == "Prepend") {
    step.kind = NormalizerStep::Prepend;
    step.a = node.value("prepend", "");
  } else if (type == "Replace") {
    step.kind = NormalizerStep::Replace;
    if (!readReplace(node, step.a, step.b, error))
      return false;
  } else if (type == "Strip") {
    step.kind = NormalizerStep::Strip;
    step.left = node.value("strip_left", true);
    step.right = node.value("strip_right", true);
  } else {
    error = "unsupported normalizer " + quote(type);
    return false;
  }
  normalizers.push_back(step);
  return true;
}

bool Tokenizer::Impl::loadPreTokenizer(const json &node, std::string &error) {
  if (node.is_null())
    return true;
  std::string type = node.value("type", "");
  if (type == "Sequence") {
    for (const json &step : node.value("pretokenizers", json::array()))
      if (!loadPreTokenizer(step, error))
        return false;
    return true;
  }
  PreTokenizerStep step;
  if (type == "ByteLevel") {
    step.kind = PreTokenizerStep::ByteLevel;
    step.addPrefixSpace = node.value("add_prefix_space", false);
    step.useRegex = node.value("use_regex", true);
  } else if (type == "Metaspace") {
    step.kind = PreTokenizerStep::Metaspace;
    step.replacement = node.value("replacement", std::string(kMetaspace));
    if (node.contains("prepend_scheme"))
      step.prependScheme = node.value("prepend_scheme", "always");
    else
      step.prependScheme =
          node.value("add_prefix_space", true) ? "always" : "never";
    step.split = node.value("split", true);
  } else {
    error = "unsupported pre-tokenizer " + quote(type);
    return false;
  }
  preTokenizers.push_back(step);
  return true;
}

bool Tokenizer::Impl::loadDecoder(const json &node, std::string &error) {
  if (node.is_null())
    return true;
  std::string type = node.value("type", "");
  if (type == "Sequence") {
    for (const json &step : node.value("decoders", json::array()))
      if (!loadDecoder(step, error))
        return false;
    return true;
  }
  DecoderStep step;
  if (type == "Replace") {
    step.kind = DecoderStep::Replace;
    if (!readReplace(node, step.a, step.b, error))
      return false;
  } else if (type == "ByteFallback") {
    step.kind = DecoderStep::ByteFallback;
  } else if (type == "Fuse") {
    step.kind = DecoderStep::Fuse;
  } else if (type == "Strip") {
    step.kind = DecoderStep::Strip;
    // Hugging Face's Strip removes up to `start` and `stop` copies of one
    // character. An empty content would match forever: decoding would spin
    // `start` times per token (a hang at the first generated token for
    // start: -1), so it is refused here rather than met at run time.
    step.a = node.value("content", " ");
    size_t end = 0;
    uint32_t cp;
    if (step.a.empty() || !decodeUtf8(step.a, end, cp) ||
        end != step.a.size()) {
      error = "decoder 'Strip' has content " + quote(step.a) +
              ", not one character";
      return false;
    }
    for (auto [key, count] :
         {std::pair{"start", &step.start}, std::pair{"stop", &step.stop}}) {
      json value = node.value(key, json(0));
      if (!value.is_number_unsigned() &&
          !(value.is_number_integer() && value.get<int64_t>() >= 0)) {
        error = std::string("decoder 'Strip' has ") + key + " " +
                printable(value.dump()) + ", not a count";
        return false;
      }
      *count = value.get<uint64_t>();
    }
  } else if (type == "ByteLevel") {
    step.kind = DecoderStep::ByteLevel;
  } else if (type == "Metaspace") {
    step.kind = DecoderStep::Metaspace;
    step.a = node.value("replacement", std::string(kMetaspace));
    std::string scheme =
        node.contains("prepend_scheme")
            ? node.value("prepend_scheme", "always")
            : (node.value("add_prefix_space", true) ? "always" : "never");
    step.prepend = scheme != "never";
  } else {
    error = "unsupported decoder " + quote(type);
    return false;
  }
  decoders.push_back(step);
  return true;
}

bool Tokenizer::Impl::loadPostProcessor(const json &node, std::string &error) {
  single = {-1};
  if (node.is_null())
    return true;
  std::string type = node.value("type", "");
  if (type == "ByteLevel")
    return true; // Offsets only; ids are unchanged.
  if (type == "Sequence") {
    for (const json &step : node.value("processors", json::array()))
      if (step.value("type", "") != "ByteLevel" &&
          !loadPostProcessor(step, error))
        return false;
    return true;
  }
  if (type != "TemplateProcessing") {
    error = "unsupported post-processor " + quote(type);
    return false;
  }
  const json &specials = node.value("special_tokens", json::object());
  single.clear();
  for (const json &piece : node.value("single", json::array())) {
    if (piece.contains("Sequence")) {
      single.push_back(-1);
      continue;
    }
    std::string name =
        piece.value("SpecialToken", json::object()).value("id", std::string());
    if (!specials.contains(name)) {
      error =
          "post-processor template names unknown special token " + quote(name);
      return false;
    }
    for (const json &value : specials[name].value("ids", json::array())) {
      int32_t id;
      if (!readTokenId(value, "post-processor special token", name, id, error))
        return false;
      single.push_back(id);
    }
  }
  return true;
}

bool Tokenizer::Impl::load(const json &root, const json &config,
                           std::string &error) {
  const json &model = root.value("model", json());
  if (!model.is_object()) {
    error = "missing object 'model'";
    return false;
  }
  type = model.value("type", "");
  if (type != "BPE") {
    error = "unsupported tokenizer model " + quote(type) + " (supported: BPE)";
    return false;
  }
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (model.contains(key) && !model[key].is_null()) {
      error = std::string("BPE '") + key + "' is not supported";
      return false;
    }
  byteFallback = model.value("byte_fallback", false);
  fuseUnk = model.value("fuse_unk", false);
  ignoreMerges = model.value("ignore_merges", false);

  const json &vocabJson = model.value("vocab", json());
  if (!vocabJson.is_object()) {
    error = "missing object 'model.vocab'";
    return false;
  }
  int64_t size = 0;
  for (const auto &[piece, value] : vocabJson.items()) {
    int32_t id;
    if (!readTokenId(value, "vocabulary entry", piece, id, error))
      return false;
    vocab[piece] = id;
    size = std::max<int64_t>(size, int64_t(id) + 1);
  }
  for (const json &token : root.value("added_tokens", json::array())) {
    AddedToken a{token.value("content", ""), -1, token.value("special", false),
                 token.value("lstrip", false), token.value("rstrip", false)};
    if (a.content.empty()) {
      error = "an added token has no content";
      return false;
    }
    if (!token.contains("id")) {
      error = "added token " + quote(a.content) + " has no id";
      return false;
    }
    if (!readTokenId(token["id"], "added token", a.content, a.id, error))
      return false;
    size = std::max<int64_t>(size, int64_t(a.id) + 1);
    added.push_back(a);
  }
  // One id, one token: two tokens with one id would both encode to it while
  // it decodes to only one of them. An added token may repeat the
  // vocabulary's entry for its id (special tokens usually do).
  pieces.assign(size, "");
  special.assign(size, false);
  enum Holder : uint8_t { Nobody, Vocabulary, AddedTokens };
  std::vector<uint8_t> holder(size, Nobody);
  for (const auto &[piece, value] : vocabJson.items()) {
    int32_t id = vocab.at(piece);
    if (holder[id] != Nobody) {
      error = "vocabulary entries " + quote(pieces[id]) + " and " +
              quote(piece) + " both have id " + std::to_string(id);
      return false;
    }
    pieces[id] = piece;
    holder[id] = Vocabulary;
  }
  for (const AddedToken &a : added) {
    if (holder[a.id] != Nobody && pieces[a.id] != a.content) {
      error = std::string(holder[a.id] == Vocabulary ? "vocabulary entry "
                                                     : "added token ") +
              quote(pieces[a.id]) + " and added token " + quote(a.content) +
              " both have id " + std::to_string(a.id);
      return false;
    }
    pieces[a.id] = a.content;
    holder[a.id] = AddedTokens;
    special[a.id] = a.special;
  }
  // Longest added tokens first, so matching takes the longest.
  std::sort(added.begin(), added.end(),
            [](const AddedToken &x, const AddedToken &y) {
              return x.content.size() != y.content.size()
                         ? x.content.size() > y.content.size()
                         : x.id < y.id;
            });

  byteIds.fill(-1);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    snprintf(name, sizeof(name), "<0x%02X>", b);
    auto it = vocab.find(name);
    if (it != vocab.end())
      byteIds[b] = it->second;
  }
  if (model.contains("unk_token") && model["unk_token"].is_string()) {
    auto it = vocab.find(model["unk_token"].get<std::string>());
    if (it != vocab.end())
      unkId = it->second;
  }

  int32_t rank = 0;
  for (const json &merge : model.value("merges", json::array())) {
    std::string a, b;
    if (merge.is_string()) {
      std::string text = merge.get<std::string>();
      size_t space = text.find(' ');
      if (space == std::string::npos) {
        error = "merge " + quote(text) + " is not two tokens";
        return false;
      }
      a = text.substr(0, space);
      b = text.substr(space + 1);
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      a = merge[0].get<std::string>();
      b = merge[1].get<std::string>();
    } else {
      error = "a merge is neither \"a b\" nor [\"a\", \"b\"]";
      return false;
    }
    auto ia = vocab.find(a), ib = vocab.find(b), ic = vocab.find(a + b);
    if (ia == vocab.end() || ib == vocab.end() || ic == vocab.end()) {
      error =
          "merge " + quote(a + " " + b) + " uses a token not in the vocabulary";
      return false;
    }
    uint64_t key =
        (uint64_t(uint32_t(ia->second)) << 32) | uint32_t(ib->second);
    merges.emplace(key, std::make_pair(rank++, ic->second));
  }

  if (!loadNormalizer(root.value("normalizer", json()), error) ||
      !loadPreTokenizer(root.value("pre_tokenizer", json()), error) ||
      !loadDecoder(root.value("decoder", json()), error) ||
      !loadPostProcessor(root.value("post_processor", json()), error))
    return false;
  // transformers' tokenizer_config may turn off the BOS the template adds.
  if (config.is_object() && config.contains("add_bos_token") &&
      config["add_bos_token"].is_boolean() &&
      !config["add_bos_token"].get<bool>())
    while (!single.empty() && single.front() != -1)
      single.erase(single.begin());
  if (config.is_object() && config.contains("clean_up_tokenization_spaces") &&
      config["clean_up_tokenization_spaces"].is_boolean())
    cleanUpSpaces = config["clean_up_tokenization_spaces"].get<bool>();
  for (int32_t id : single)
    if (id >= size) {
      error = "post-processor adds token id " + std::to_string(id) +
              " outside the vocabulary";
      return false;
    }
  return true;
}

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

void Tokenizer::Impl::encodeWord(std::string_view word,
                                 std::vector<int32_t> &out) const {
  if (ignoreMerges) {
    auto it = vocab.find(std::string(word));
    if (it != vocab.end()) {
      out.push_back(it->second);
      return;
    }
  }
  // Start from characters; unknown ones fall back to bytes or <unk>.
  std::vector<int32_t> symbols;
  bool lastUnk = false;
  size_t pos = 0;
  while (pos < word.size()) {
    size_t start = pos;
    uint32_t cp;
    decodeUtf8(word, pos, cp);
    std::string ch(word.substr(start, pos - start));
    auto it = vocab.find(ch);
    if (it != vocab.end()) {
      symbols.push_back(it->second);
      lastUnk = false;
      continue;
    }
    bool bytesKnown = byteFallback;
    for (char c : ch)
      bytesKnown = bytesKnown && byteIds[uint8_t(c)] >= 0;
    if (bytesKnown) {
      for (char c : ch)
        symbols.push_back(byteIds[uint8_t(c)]);
      lastUnk = false;
    } else if (unkId) {
      if (!(fuseUnk && lastUnk))
        symbols.push_back(*unkId);
      lastUnk = true;
    }
  }
  // Merge the adjacent pair of lowest rank (leftmost on ties) until none is
  // left. A prompt without spaces is one word, so rescanning the word for
  // each merge would be quadratic in the prompt: instead the candidate pairs
  // wait in a heap ordered by (rank, position) over a linked list of
  // symbols, and an entry whose pair has changed since it was pushed is
  // skipped. That picks the same pair as the rescan at every step.
  constexpr size_t kNone = SIZE_MAX;
  struct Symbol {
    int32_t id; // -1 once merged into its left neighbour
    size_t prev, next;
  };
  std::vector<Symbol> list(symbols.size());
  for (size_t i = 0; i < symbols.size(); ++i)
    list[i] = {symbols[i], i ? i - 1 : kNone,
               i + 1 < symbols.size() ? i + 1 : kNone};
  struct Candidate {
    int32_t rank;
    size_t left, right;
    int32_t leftId, rightId, merged;
  };
  auto after = [](const Candidate &x, const Candidate &y) {
    return x.rank != y.rank ? x.rank > y.rank : x.left > y.left;
  };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(after)> queue(
      after);
  auto consider = [&](size_t left) {
    if (left == kNone || list[left].next == kNone)
      return;
    size_t right = list[left].next;
    uint64_t key =
        (uint64_t(uint32_t(list[left].id)) << 32) | uint32_t(list[right].id);
    auto it = merges.find(key);
    if (it != merges.end())
      queue.push({it->second.first, left, right, list[left].id, list[right].id,
                  it->second.second});
  };
  for (size_t i = 0; i + 1 < list.size(); ++i)
    consider(i);
  while (!queue.empty()) {
    Candidate c = queue.top();
    queue.pop();
    Symbol &left = list[c.left];
    if (left.id != c.leftId || left.next != c.right ||
        list[c.right].id != c.rightId)
      continue; // stale: one side has merged since
    Symbol &right = list[c.right];
    left.id = c.merged;
    left.next = right.next;
    if (right.next != kNone)
      list[right.next].prev = c.left;
    right.id = -1;
    consider(left.prev);
    consider(c.left);
  }
  // The first symbol is never merged away: merges keep the left one.
  for (size_t i = list.empty() ? kNone : 0; i != kNone; i = list[i].next)
    out.push_back(list[i].id);
}

void Tokenizer::Impl::encodeSegment(std::string_view segment, bool first,
                                    std::vector<int32_t> &out) const {
  std::string text(segment);
  for (const NormalizerStep &step : normalizers) {
    switch (step.kind) {
    case NormalizerStep::Prepend:
      if (!text.empty())
        text = step.a + text;
      break;
    case NormalizerStep::Replace:
      replaceAll(text, step.a, step.b);
      break;
    case NormalizerStep::Strip: {
      size_t b = 0, e = text.size();
      if (step.left)
        while (b < e && isspace(static_cast<unsigned char>(text[b])))
          ++b;
      if (step.right)
        while (e > b && isspace(static_cast<unsigned char>(text[e - 1])))
          --e;
      text = text.substr(b, e - b);
      break;
    }
    }
  }

  // Pre-tokenization splits the normalized text into words.
  std::vector<std::string> words{text};
  for (const PreTokenizerStep &step : preTokenizers) {
    std::vector<std::string> next;
    for (std::string &word : words) {
      if (step.kind == PreTokenizerStep::Metaspace) {
        replaceAll(word, " ", step.replacement);
        bool prepend = step.prependScheme == "always" ||
                       (step.prependScheme == "first" && first);
        if (prepend &&
            word.compare(0, step.replacement.size(), step.replacement) != 0)
          word = step.replacement + word;
        if (!step.split) {
          next.push_back(word);
          continue;
        }
        // Each word starts at a replacement character.
        size_t start = 0;
        while (start < word.size()) {
          size_t hit = word.find(step.replacement, start + 1);
          if (start == 0 &&
              word.compare(0, step.replacement.size(), step.replacement) != 0)
            hit = word.find(step.replacement, 0);
          if (hit == std::string::npos || hit == 0)
            hit = word.size();
          next.push_back(word.substr(start, hit - start));
          start = hit;
        }
        continue;
      }
      // ByteLevel: optional prefix space, GPT-2 split, bytes to unicode.
      if (step.addPrefixSpace && !word.empty() && word[0] != ' ')
        word = " " + word;
      std::vector<std::string_view> parts;
      if (step.useRegex)
        parts = splitGpt2(word);
      else
        parts.push_back(word);
      for (std::string_view part : parts) {
        std::string mapped;
        for (char c : part)
          appendUtf8(mapped, byteUnicodeMap().toUnicode[uint8_t(c)]);
        next.push_back(std::move(mapped));
      }
    }
    words = std::move(next);
  }
  for (const std::string &word : words)
    if (!word.empty())
      encodeWord(word, out);
}

//===----------------------------------------------------------------------===//
// Tokenizer
//===----------------------------------------------------------------------===//

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::create(std::string_view tokenizerJson,
                                             std::string_view configJson,
                                             std::string &error) {
  // nlohmann parses deep text without recursing, but copying or comparing
  // the result recurses once per level (the loaders copy subtrees).
  auto tooDeep = [&](std::string_view file) {
    error = std::string(file) + ": JSON nested deeper than " +
            std::to_string(kMaxJsonDepth) + " levels";
    return nullptr;
  };
  if (jsonTooDeep(tokenizerJson))
    return tooDeep("tokenizer.json");
  if (jsonTooDeep(configJson))
    return tooDeep("tokenizer_config.json");
  json root = json::parse(tokenizerJson, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    error = "tokenizer.json is not a valid JSON object";
    return nullptr;
  }
  json config;
  if (!configJson.empty()) {
    config = json::parse(configJson, nullptr, false);
    if (config.is_discarded()) {
      error = "tokenizer_config.json is not valid JSON";
      return nullptr;
    }
  }
  auto impl = std::make_unique<Impl>();
  // nlohmann's accessors throw on a mistyped field; report it as an error.
  try {
    if (!impl->load(root, config, error))
      return nullptr;
  } catch (const json::exception &e) {
    error = std::string("malformed tokenizer.json: ") + e.what();
    return nullptr;
  }
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text,
                                       bool addSpecial) const {
  // Split out added tokens (longest match at the leftmost position).
  std::vector<int32_t> ids;
  size_t segmentStart = 0, pos = 0;
  bool first = true;
  auto flush = [&](size_t end) {
    if (end > segmentStart) {
      impl->encodeSegment(text.substr(segmentStart, end - segmentStart), first,
                          ids);
    }
    first = false;
  };
  while (pos < text.size()) {
    const AddedToken *match = nullptr;
    for (const AddedToken &a : impl->added)
      if (text.compare(pos, a.content.size(), a.content) == 0) {
        match = &a;
        break;
      }
    if (!match) {
      ++pos;
      continue;
    }
    size_t begin = pos, end = pos + match->content.size();
    if (match->lstrip)
      while (begin > segmentStart && text[begin - 1] == ' ')
        --begin;
    if (match->rstrip)
      while (end < text.size() && text[end] == ' ')
        ++end;
    flush(begin);
    ids.push_back(match->id);
    segmentStart = pos = end;
  }
  flush(text.size());

  if (!addSpecial)
    return ids;
  std::vector<int32_t> out;
  for (int32_t piece : impl->single) {
    if (piece == -1)
      out.insert(out.end(), ids.begin(), ids.end());
    else
      out.push_back(piece);
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t> &ids, bool skipSpecial,
                              bool cleanUp) const {
  std::vector<std::string> tokens;
  for (int32_t id : ids) {
    if (id < 0 || id >= vocabSize() || (skipSpecial && impl->special[id]))
      continue;
    tokens.push_back(impl->pieces[id]);
  }
  for (const DecoderStep &step : impl->decoders) {
    switch (step.kind) {
    case DecoderStep::Replace:
      for (std::string &t : tokens)
        replaceAll(t, step.a, step.b);
      break;
    case DecoderStep::ByteFallback: {
      std::vector<std::string> out;
      std::string bytes;
      auto flushBytes = [&] {
        if (bytes.empty())
          return;
        if (isValidUtf8(bytes)) {
          out.push_back(bytes);
        } else {
          std::string replacement;
          for (size_t i = 0; i < bytes.size(); ++i)
            appendUtf8(replacement, 0xFFFD);
          out.push_back(replacement);
        }
        bytes.clear();
      };
      for (const std::string &t : tokens) {
        unsigned value;
        if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' &&
            sscanf(t.c_str() + 3, "%2X", &value) == 1) {
          bytes += static_cast<char>(value);
          continue;
        }
        flushBytes();
        out.push_back(t);
      }
      flushBytes();
      tokens = std::move(out);
      break;
    }
    case DecoderStep::Fuse: {
      std::string fused;
      for (const std::string &t : tokens)
        fused += t;
      tokens = {fused};
      break;
    }
    case DecoderStep::Strip:
      for (std::string &t : tokens) {
        size_t b = 0, e = t.size();
        for (size_t i = 0;
             i < step.start && t.compare(b, step.a.size(), step.a) == 0; ++i)
          b += step.a.size();
        for (size_t i = 0;
             i < step.stop && e >= b + step.a.size() &&
             t.compare(e - step.a.size(), step.a.size(), step.a) == 0;
             ++i)
          e -= step.a.size();
        t = t.substr(b, e - b);
      }
      break;
    case DecoderStep::ByteLevel: {
      std::string bytes;
      for (const std::string &t : tokens) {
        size_t pos = 0;
        while (pos < t.size()) {
          uint32_t cp;
          size_t start = pos;
          auto it = decodeUtf8(t, pos, cp) ? byteUnicodeMap().toByte.find(cp)
                                           : byteUnicodeMap().toByte.end();
          if (it != byteUnicodeMap().toByte.end())
            bytes += static_cast<char>(it->second);
          else
            bytes.append(t, start, pos - start);
        }
      }
      tokens = {sanitizeUtf8(bytes)};
      break;
    }
    case DecoderStep::Metaspace:
      for (size_t i = 0; i < tokens.size(); ++i) {
        replaceAll(tokens[i], step.a, " ");
        if (i == 0 && step.prepend && !tokens[i].empty() && tokens[i][0] == ' ')
          tokens[i].erase(0, 1);
      }
      break;
    }
  }
  std::string text;
  for (const std::string &t : tokens)
    text += t;
  if (cleanUp && impl->cleanUpSpaces)
    for (std::string_view from :
         {" .", " ?", " !", " ,", " ' ", " n't", " 'm", " 's", " 've", " 're"})
      replaceAll(text, from, from.substr(1) == "' " ? "'" : from.substr(1));
  return text;
}

int64_t Tokenizer::vocabSize() const {
  return static_cast<int64_t>(impl->pieces.size());
}
const std::string &Tokenizer::modelType() const { return impl->type; }
bool Tokenizer::isSpecial(int32_t id) const {
  return id >= 0 && id < vocabSize() && impl->special[id];
}

//===----------------------------------------------------------------------===//
// StreamDecoder
//===----------------------------------------------------------------------===//

StreamDecoder::StreamDecoder(const Tokenizer &tokenizer,
                             std::vector<int32_t> prompt)
    : tokenizer(tokenizer), ids(std::move(prompt)), promptLength(ids.size()) {}

std::string StreamDecoder::pending() const {
  // No clean-up while streaming: it rewrites text already printed.
  std::string prefix = tokenizer.decode(
      std::vector<int32_t>(ids.begin(), ids.begin() + promptLength), true,
      /*cleanUp=*/false);
  std::string full = tokenizer.decode(ids, true, /*cleanUp=*/false);
  if (full.compare(0, prefix.size(), prefix) != 0)
    return full; // the prompt's text changed (a split character): keep all
  return full.substr(prefix.size());
}

std::string StreamDecoder::push(int32_t token) {
  ids.push_back(token);
  std::string text = pending();
  // Hold back a trailing replacement character: a byte-level or byte-
  // fallback character may still be completed by the next token.
  size_t end = text.size();
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  while (end >= kReplacement.size() &&
         text.compare(end - kReplacement.size(), kReplacement.size(),
                      kReplacement) == 0)
    end -= kReplacement.size();
  end = completeUtf8Prefix(std::string_view(text).substr(0, end));
  if (end <= printed.size() || text.compare(0, printed.size(), printed) != 0)
    return "";
  std::string added = text.substr(printed.size(), end - printed.size());
  printed += added;
  return added;
}

std::string StreamDecoder::flush() {
  std::string text = pending();
  if (text.size() <= printed.size() ||
      text.compare(0, printed.size(), printed) != 0)
    return "";
  std::string added = text.substr(printed.size());
  printed += added;
  return added;
}

} // namespace llmc::rt
