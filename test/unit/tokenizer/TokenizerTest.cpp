//===- TokenizerTest.cpp - The runtime tokenizer against HF's semantics ---===//
//
// Expected ids and decoded text were recorded once from Hugging Face's
// tokenizers (tokenizers.js) by make_expected.mjs; each recorded string is
// one test case, for the stories260K SentencePiece-style BPE tokenizer and
// a byte-level (GPT-2 style) BPE tokenizer built by
// make_bytelevel_tokenizer.py.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace llmc::rt;
using json = nlohmann::json;

namespace {

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Case {
  std::string tokenizer;
  size_t index;
  json data;
};

std::string tokenizerPath(const std::string &name) {
  if (name == "stories260K")
    return LLMC_EXAMPLES_DIR "/stories260K/tokenizer.json";
  return LLMC_TOKENIZER_TEST_DIR "/bytelevel_tokenizer.json";
}

std::string configPath(const std::string &name) {
  if (name == "stories260K")
    return LLMC_EXAMPLES_DIR "/stories260K/tokenizer_config.json";
  return LLMC_TOKENIZER_TEST_DIR "/bytelevel_tokenizer_config.json";
}

const Tokenizer &getTokenizer(const std::string &name) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  std::unique_ptr<Tokenizer> &t = cache[name];
  if (!t) {
    std::string error;
    std::string config = configPath(name);
    t = Tokenizer::create(readFile(tokenizerPath(name)),
                          config.empty() ? "" : readFile(config), error);
    if (!t)
      ADD_FAILURE() << error;
  }
  return *t;
}

std::vector<Case> loadCases(const std::string &name) {
  json cases = json::parse(
      readFile(LLMC_TOKENIZER_TEST_DIR "/" + name + "_expected.json"));
  std::vector<Case> out;
  for (size_t i = 0; i < cases.size(); ++i)
    out.push_back({name, i, cases[i]});
  return out;
}

class HuggingFaceOracle : public ::testing::TestWithParam<Case> {};

TEST_P(HuggingFaceOracle, EncodeAndDecode) {
  const Case &c = GetParam();
  const Tokenizer &tokenizer = getTokenizer(c.tokenizer);
  std::string text = c.data["text"];
  auto ids = c.data["ids"].get<std::vector<int32_t>>();
  EXPECT_EQ(tokenizer.encode(text, true), ids) << "text: " << text;
  EXPECT_EQ(tokenizer.encode(text, false),
            c.data["ids_without_special"].get<std::vector<int32_t>>())
      << "text: " << text;
  EXPECT_EQ(tokenizer.decode(ids, false), c.data["decoded"].get<std::string>());
  EXPECT_EQ(tokenizer.decode(ids, true),
            c.data["decoded_skip_special"].get<std::string>());
}

std::string caseName(const ::testing::TestParamInfo<Case> &info) {
  return info.param.tokenizer + "_" + std::to_string(info.param.index);
}

INSTANTIATE_TEST_SUITE_P(Stories260K, HuggingFaceOracle,
                         ::testing::ValuesIn(loadCases("stories260K")),
                         caseName);
INSTANTIATE_TEST_SUITE_P(ByteLevel, HuggingFaceOracle,
                         ::testing::ValuesIn(loadCases("bytelevel")), caseName);

TEST(Tokenizer, Stories260KFacts) {
  const Tokenizer &t = getTokenizer("stories260K");
  EXPECT_EQ(t.vocabSize(), 512);
  EXPECT_EQ(t.modelType(), "BPE");
  EXPECT_TRUE(t.isSpecial(1));
  EXPECT_FALSE(t.isSpecial(403));
}

// A character outside the vocabulary falls back to its UTF-8 bytes, each a
// <0xNN> token (ids 3..258 in stories260K), and decodes back whole.
TEST(Tokenizer, ByteFallbackRoundTrip) {
  const Tokenizer &t = getTokenizer("stories260K");
  std::string text = "\xF0\x9F\x98\x80"; // U+1F600
  std::vector<int32_t> ids = t.encode(text, false);
  ASSERT_EQ(ids.size(), 5u); // "▁" then four bytes
  EXPECT_EQ(ids[1], 3 + 0xF0);
  EXPECT_EQ(ids[4], 3 + 0x80);
  EXPECT_EQ(t.decode(ids, true), text);
}

// A prompt without spaces is one word to BPE, merged pair by pair. Merging
// must stay fast for a word of megabytes (rescanning the word for each merge
// took hours for this one), and the ids must still decode to the text.
TEST(Tokenizer, EncodesALongWordWithoutSpaces) {
  std::string pattern = "Onceuponatimetherewasalittlegirlnamedlily";
  std::string text;
  while (text.size() < (2u << 20))
    text += pattern;
  for (const char *name : {"stories260K", "bytelevel"}) {
    const Tokenizer &t = getTokenizer(name);
    std::vector<int32_t> ids = t.encode(text, false);
    EXPECT_LT(ids.size(), text.size() * 3 / 4) << name << ": few merges";
    EXPECT_EQ(t.decode(ids, true), text) << name;
  }
}

// Streaming never prints half a character: the bytes of an emoji arrive as
// four tokens and print once, whole.
TEST(StreamDecoder, HoldsBackIncompleteCharacters) {
  const Tokenizer &t = getTokenizer("stories260K");
  std::vector<int32_t> prompt{1, 403}; // <s> Once
  std::vector<int32_t> emoji{3 + 0xF0, 3 + 0x9F, 3 + 0x98, 3 + 0x80};
  StreamDecoder stream(t, prompt);
  EXPECT_EQ(stream.push(407), " upon");
  EXPECT_EQ(stream.push(emoji[0]), "");
  EXPECT_EQ(stream.push(emoji[1]), "");
  EXPECT_EQ(stream.push(emoji[2]), "");
  EXPECT_EQ(stream.push(emoji[3]), "\xF0\x9F\x98\x80");
  EXPECT_EQ(stream.push(261), " a");
  EXPECT_EQ(stream.flush(), "");
  EXPECT_EQ(stream.text(), " upon\xF0\x9F\x98\x80 a");
}

// A character cut off at the end of generation is flushed as U+FFFD.
TEST(StreamDecoder, FlushesAnUnfinishedCharacter) {
  const Tokenizer &t = getTokenizer("stories260K");
  StreamDecoder stream(t, {1});
  EXPECT_EQ(stream.push(403), "Once");
  EXPECT_EQ(stream.push(3 + 0xE2), "");
  EXPECT_EQ(stream.flush(), "\xEF\xBF\xBD");
}

// Byte-level BPE: a multi-byte character split over byte tokens.
TEST(StreamDecoder, ByteLevelMultiByte) {
  const Tokenizer &t = getTokenizer("bytelevel");
  std::vector<int32_t> ids = t.encode("h\xC3\xA9!", false); // "hé!"
  StreamDecoder stream(t, {});
  std::string out;
  for (int32_t id : ids) {
    std::string piece = stream.push(id);
    // Every piece printed is whole UTF-8.
    EXPECT_EQ(piece.find("\xEF\xBF\xBD"), std::string::npos);
    out += piece;
  }
  out += stream.flush();
  EXPECT_EQ(out, "h\xC3\xA9!");
}

TEST(Tokenizer, RejectsBadFiles) {
  std::string error;
  EXPECT_EQ(Tokenizer::create("{", "", error), nullptr);
  EXPECT_EQ(error, "tokenizer.json is not a valid JSON object");
  EXPECT_EQ(Tokenizer::create(R"({"model": {"type": "Unigram"}})", "", error),
            nullptr);
  EXPECT_EQ(error, "unsupported tokenizer model 'Unigram' (supported: BPE)");
  EXPECT_EQ(Tokenizer::create(R"({"model": {"type": "BPE"}})", "", error),
            nullptr);
  EXPECT_EQ(error, "missing object 'model.vocab'");
  EXPECT_EQ(
      Tokenizer::create(
          R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})",
          "", error),
      nullptr);
  EXPECT_EQ(error, "merge 'a b' uses a token not in the vocabulary");
  EXPECT_EQ(
      Tokenizer::create(
          R"({"model": {"type": "BPE", "vocab": {"a": 0}}, "normalizer": {"type": "NFKC"}})",
          "", error),
      nullptr);
  EXPECT_EQ(error, "unsupported normalizer 'NFKC'");
  EXPECT_EQ(
      Tokenizer::create(R"({"model": {"type": "BPE", "vocab": {"a": "x"}}})",
                        "", error),
      nullptr);
  EXPECT_EQ(error,
            "vocabulary entry 'a' has id \"x\", not an integer in [0, 2^31)");
  EXPECT_EQ(
      Tokenizer::create(
          R"({"model": {"type": "BPE", "vocab": {"a": 0}}, "added_tokens": 7})",
          "", error),
      nullptr);
  EXPECT_EQ(error.rfind("malformed tokenizer.json: ", 0), 0u) << error;
}

// Ids are int32_t: an id of 2^40 would become 0 and 2^31 a negative one, so
// ids outside [0, 2^31) are refused wherever the files give them, naming
// the token (escaped, to keep the message on one line).
TEST(Tokenizer, RejectsIdsOutsideInt32) {
  auto problem = [](const std::string &tokenizerJson) {
    std::string error;
    EXPECT_EQ(Tokenizer::create(tokenizerJson, "", error), nullptr);
    return error;
  };
  auto withVocab = [](const std::string &vocab) {
    return R"({"model": {"type": "BPE", "vocab": {)" + vocab + "}}}";
  };
  EXPECT_EQ(problem(withVocab(R"("a": -1)")),
            "vocabulary entry 'a' has id -1, not an integer in [0, 2^31)");
  EXPECT_EQ(problem(withVocab(R"("a": 1.5)")),
            "vocabulary entry 'a' has id 1.5, not an integer in [0, 2^31)");
  EXPECT_EQ(
      problem(withVocab(R"("a": 2147483648)")),
      "vocabulary entry 'a' has id 2147483648, not an integer in [0, 2^31)");
  EXPECT_EQ(problem(withVocab(R"("a\nb": 18446744073709551616)")),
            "vocabulary entry 'a\\nb' has id 1.8446744073709552e+19, not an "
            "integer in [0, 2^31)");
  EXPECT_EQ(problem(withVocab(R"("a": 20000000)")),
            "vocabulary entry 'a' has id 20000000, more than the largest id "
            "llmc supports (16777216)");

  std::string vocab = R"({"type": "BPE", "vocab": {"a": 0}})";
  EXPECT_EQ(
      problem(
          R"({"model": )" + vocab +
          R"(, "added_tokens": [{"content": "<s>", "id": 1099511627776}]})"),
      "added token '<s>' has id 1099511627776, not an integer in [0, 2^31)");
  EXPECT_EQ(problem(R"({"model": )" + vocab +
                    R"(, "added_tokens": [{"content": "<s>"}]})"),
            "added token '<s>' has no id");
  EXPECT_EQ(
      problem(R"({"model": )" + vocab + R"(, "post_processor": {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}],
        "special_tokens": {"<s>": {"ids": [4294967296]}}}})"),
      "post-processor special token '<s>' has id 4294967296, not an integer "
      "in [0, 2^31)");
}

// Two tokens with one id would both encode to it while it decodes to only
// one of them: refused, naming the id and both tokens. An added token that
// repeats its vocabulary entry (as <s> usually does) is fine.
TEST(Tokenizer, RejectsTwoTokensWithOneId) {
  auto problem = [](const std::string &vocab, const std::string &added) {
    std::string error;
    EXPECT_EQ(Tokenizer::create(R"({"model": {"type": "BPE", "vocab": )" +
                                    vocab + R"(}, "added_tokens": )" + added +
                                    "}",
                                "", error),
              nullptr);
    return error;
  };
  EXPECT_EQ(problem(R"({"a": 0, "b": 1, "c": 1})", "[]"),
            "vocabulary entries 'b' and 'c' both have id 1");
  EXPECT_EQ(problem(R"({"a": 0, "b": 1})", R"([{"content": "<s>", "id": 1}])"),
            "vocabulary entry 'b' and added token '<s>' both have id 1");
  EXPECT_EQ(problem(R"({"a": 0})", R"([{"content": "<s>", "id": 1},
                                       {"content": "</s>", "id": 1}])"),
            "added token '<s>' and added token '</s>' both have id 1");

  std::string error;
  auto t = Tokenizer::create(
      R"({"model": {"type": "BPE", "vocab": {"<s>": 0, "a": 1}},
          "added_tokens": [{"content": "<s>", "id": 0, "special": true}]})",
      "", error);
  ASSERT_NE(t, nullptr) << error;
  EXPECT_EQ(t->encode("<s>a", false), (std::vector<int32_t>{0, 1}));
}

// Text nested deeper than JsonDepth.h's bound is refused before parsing (a
// million levels crashed the loader, which copies parsed subtrees by
// recursion), in either file.
TEST(Tokenizer, RejectsDeeplyNestedJson) {
  std::string deep(50000, '[');
  std::string error;
  EXPECT_EQ(Tokenizer::create(deep, "", error), nullptr);
  EXPECT_EQ(error, "tokenizer.json: JSON nested deeper than 128 levels");
  std::string deepField = R"({"model": {"type": "BPE", "vocab": {"a": 0}},
                              "normalizer": )" +
                          deep + std::string(50000, ']') + "}";
  EXPECT_EQ(Tokenizer::create(deepField, "", error), nullptr);
  EXPECT_EQ(error, "tokenizer.json: JSON nested deeper than 128 levels");
  EXPECT_EQ(Tokenizer::create(readFile(tokenizerPath("stories260K")),
                              R"({"a": )" + deep, error),
            nullptr);
  EXPECT_EQ(error, "tokenizer_config.json: JSON nested deeper than 128 levels");
}

// A decoder that cannot decode is refused when the tokenizer loads, not met
// at the first generated token: a Strip decoder with empty content matched
// forever and hung decoding (start: -1).
TEST(Tokenizer, RejectsDecodersThatCannotDecode) {
  auto problem = [](const std::string &strip) {
    std::string error;
    EXPECT_EQ(Tokenizer::create(
                  R"({"model": {"type": "BPE", "vocab": {"a": 0}},
                      "decoder": {"type": "Sequence", "decoders": [
                        {"type": "Fuse"}, {"type": "Strip", )" +
                      strip + "}]}}",
                  "", error),
              nullptr);
    return error;
  };
  EXPECT_EQ(problem(R"("content": "", "start": -1, "stop": 0)"),
            "decoder 'Strip' has content '', not one character");
  EXPECT_EQ(problem(R"("content": "ab", "start": 1, "stop": 0)"),
            "decoder 'Strip' has content 'ab', not one character");
  EXPECT_EQ(problem(R"("content": " ", "start": -1, "stop": 0)"),
            "decoder 'Strip' has start -1, not a count");
  EXPECT_EQ(problem(R"("content": " ", "start": 1, "stop": 0.5)"),
            "decoder 'Strip' has stop 0.5, not a count");
}

} // namespace
