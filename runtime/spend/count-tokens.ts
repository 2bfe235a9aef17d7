/**
 * Token counts for usage gw must establish itself (a stream cut before the upstream reported its
 * usage): OpenAI's own tokenizers (gpt-tokenizer, a maintained pure-JS tiktoken port) for models
 * of the OpenAI family, the documented estimate of cost-estimate.ts for every other model.
 *
 * The encodings are big (o200k_base: ~0.4 s to load, ~60 MB), and a heap that size makes every
 * garbage collection on the request path dearer, so they live in a worker thread
 * (count-tokens-worker.js), started and warmed at start-up only when a deployment of the plan needs
 * one (`loadTokenizersFor`). Counting is asynchronous and bounded: an answer later than
 * `countTimeoutMs` (or a failed worker) leaves the caller with the estimate.
 */
import { Worker } from "node:worker_threads";
import type { RuntimePlan } from "../start/plan.ts";

export type Encoding = "o200k_base" | "cl100k_base";

/** How long a count may take before the caller settles with the estimate. */
export const countTimeoutMs = 250;

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

interface Pending {
  resolve(counts: number[]): void;
  reject(error: Error): void;
}

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();
const warmed = new Set<Encoding>();

function tokenizerThread(): Worker {
  if (worker !== null) return worker;
  const started = new Worker(new URL("./count-tokens-worker.js", import.meta.url));
  started.unref();
  started.on("message", (message: { id: number; counts?: number[]; error?: string }) => {
    const waiting = pending.get(message.id);
    if (waiting === undefined) return;
    pending.delete(message.id);
    if (message.counts !== undefined) waiting.resolve(message.counts);
    else waiting.reject(new Error(message.error ?? "tokenizer failed"));
  });
  const fail = (error: unknown): void => {
    for (const waiting of pending.values()) waiting.reject(error instanceof Error ? error : new Error(String(error)));
    pending.clear();
    warmed.clear();
    worker = null;
  };
  started.on("error", fail);
  started.on("exit", () => fail(new Error("the tokenizer thread exited")));
  worker = started;
  return started;
}

function request(encoding: Encoding, texts: readonly string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, { resolve, reject });
    try {
      tokenizerThread().postMessage({ id, encoding, texts });
    } catch (error) {
      pending.delete(id);
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/**
 * The token counts of `texts` with `model`'s tokenizer; null when gw has none for the model or it
 * was not loaded at start-up (the caller keeps its estimate). Rejects after `countTimeoutMs`.
 */
export function countTokens(model: string, texts: readonly string[]): Promise<number[]> | null {
  const encoding = encodingOf(model);
  if (encoding === null || !warmed.has(encoding)) return null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("tokenizer timed out")), countTimeoutMs);
  });
  return Promise.race([request(encoding, texts), timeout]).finally(() => clearTimeout(timer));
}

/** Ends the tokenizer thread (a library user's close(); the process exits without it otherwise too). */
export async function stopTokenizers(): Promise<void> {
  const running = worker;
  worker = null;
  warmed.clear();
  if (running !== null) await running.terminate();
}

/** Loads the encodings the given models need in the tokenizer thread; resolves once they count (a failure keeps the estimate). */
export async function loadTokenizers(models: Iterable<string>, onError: (message: string) => void = () => {}): Promise<void> {
  const needed = new Set<Encoding>();
  for (const model of models) {
    const encoding = encodingOf(model);
    if (encoding !== null && !warmed.has(encoding)) needed.add(encoding);
  }
  await Promise.all(
    [...needed].map(async (encoding) => {
      try {
        await request(encoding, [""]);
        warmed.add(encoding);
      } catch (error) {
        onError(`tokenizer ${encoding} could not be loaded; estimated usage uses characters / 4 (${error instanceof Error ? error.message : String(error)})`);
      }
    }),
  );
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
