// The tokenizer thread of count-tokens.ts: OpenAI's encodings are large (o200k_base ~60 MB), so they
// live here, off the main thread's heap, which the request path's garbage collection would otherwise
// walk. Plain JavaScript so that Node and Bun both run it as it is.
import { parentPort } from "node:worker_threads";

const loading = new Map();

function counterOf(encoding) {
  let counter = loading.get(encoding);
  if (counter === undefined) {
    const module = encoding === "o200k_base" ? import("gpt-tokenizer/encoding/o200k_base") : import("gpt-tokenizer/encoding/cl100k_base");
    counter = module.then((loaded) => loaded.countTokens);
    loading.set(encoding, counter);
  }
  return counter;
}

parentPort?.on("message", async (message) => {
  try {
    const count = await counterOf(message.encoding);
    parentPort?.postMessage({ id: message.id, counts: message.texts.map((text) => count(text)) });
  } catch (error) {
    parentPort?.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
