/**
 * Token counts for usage gw must establish itself (a stream cut before the upstream reported its
 * usage): OpenAI's own tokenizers (gpt-tokenizer, a maintained pure-JS tiktoken port) for models
 * of the OpenAI family, the documented estimate of cost-estimate.ts for every other model.
 *
 * The encodings are big (o200k_base: ~0.4 s to load, ~60 MB), so they are loaded once at start-up,
 * and only those a deployment of the plan needs (`loadTokenizers`); counting never loads anything
 * and falls back to the estimate until an encoding is there.
 */
import type { RuntimePlan } from "../plan.ts";
import { estimateTextTokens } from "./cost-estimate.ts";

export type TextTokenCounter = (text: string) => number;
export type Encoding = "o200k_base" | "cl100k_base";

const loaded = new Map<Encoding, TextTokenCounter>();

/**
 * The encoding of an OpenAI-family model (a provider prefix such as "openai/" or "azure/" is
 * ignored), or null when gw has no tokenizer for it.
 * @see https://github.com/openai/tiktoken/blob/main/tiktoken/model.py
 */
export function encodingOf(model: string): Encoding | null {
  const name = model.slice(model.lastIndexOf("/") + 1).toLowerCase();
  if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|gpt-oss|codex)/.test(name)) return "o200k_base";
  if (/^(gpt-4|gpt-3\.5|gpt-35)/.test(name)) return "cl100k_base";
  return null;
}

/** Loads the encodings the given models need; resolves once they can count (a failed load keeps the estimate). */
export async function loadTokenizers(models: Iterable<string>, onError: (message: string) => void = () => {}): Promise<void> {
  const needed = new Set<Encoding>();
  for (const model of models) {
    const encoding = encodingOf(model);
    if (encoding !== null && !loaded.has(encoding)) needed.add(encoding);
  }
  await Promise.all(
    [...needed].map(async (encoding) => {
      try {
        const module =
          encoding === "o200k_base" ? await import("gpt-tokenizer/encoding/o200k_base") : await import("gpt-tokenizer/encoding/cl100k_base");
        loaded.set(encoding, (text) => module.countTokens(text));
      } catch (error) {
        onError(`tokenizer ${encoding} could not be loaded; estimated usage uses characters / 4 (${error instanceof Error ? error.message : String(error)})`);
      }
    }),
  );
}

/** How to count the tokens of a text of `model`: its tokenizer when loaded, else the estimate. */
export function textCounterFor(model: string): TextTokenCounter {
  const encoding = encodingOf(model);
  return (encoding === null ? undefined : loaded.get(encoding)) ?? estimateTextTokens;
}

/** Loads the encodings the plan's deployments need (a wildcard OpenAI deployment may serve any OpenAI model: o200k_base). */
export function loadTokenizersFor(plan: RuntimePlan, onError?: (message: string) => void): Promise<void> {
  const models: string[] = [];
  for (const route of [...plan.routes.values(), ...plan.wildcardRoutes]) {
    for (const target of route.deployments) {
      const { model, provider } = target.deployment;
      models.push(model.includes("*") && (provider === "openai" || provider === "azure") ? "gpt-4o" : model);
    }
  }
  return loadTokenizers(models, onError);
}
