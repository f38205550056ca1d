// Records what Hugging Face's tokenizers (the pure-JavaScript port,
// @huggingface/tokenizers) make of strings.json with each tokenizer below:
// the ids with and without special tokens, and the decoded text. llmc's
// GoogleTest tokenizer tests compare against the recorded files, so the
// oracle runs once, here, not in CI.
//
//   cd test/unit/tokenizer && npm install && node make_expected.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";

const strings = JSON.parse(readFileSync("strings.json", "utf8"));
const tokenizers = {
  stories260K: ["../../../examples/stories260K/tokenizer.json",
                "../../../examples/stories260K/tokenizer_config.json"],
  bytelevel: ["bytelevel_tokenizer.json", "bytelevel_tokenizer_config.json"],
};

for (const [name, [jsonPath, configPath]] of Object.entries(tokenizers)) {
  const json = JSON.parse(readFileSync(jsonPath, "utf8"));
  const config = configPath ? JSON.parse(readFileSync(configPath, "utf8")) : {};
  const tokenizer = new Tokenizer(json, config);
  const cases = strings.map((text) => {
    const ids = tokenizer.encode(text).ids;
    const plain = tokenizer.encode(text, { add_special_tokens: false }).ids;
    const decode = (skip) =>
      ids.length ? tokenizer.decode(ids, { skip_special_tokens: skip }) : "";
    return {
      text,
      ids,
      ids_without_special: plain,
      decoded: decode(false),
      decoded_skip_special: decode(true),
    };
  });
  writeFileSync(`${name}_expected.json`, JSON.stringify(cases, null, 1) + "\n");
  console.log(`${name}: ${cases.length} strings`);
}
