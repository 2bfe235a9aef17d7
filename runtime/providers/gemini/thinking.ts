/**
 * Gemini's thinking, wherever Gemini is served (the Gemini API and Vertex AI share these rules).
 *
 * Request: `reasoning_effort` or an Anthropic-style `thinking` object (shared/reasoning-request.ts)
 * becomes `generationConfig.thinkingConfig`, with `includeThoughts: true` so the thought summaries
 * come back as reasoning:
 * - Gemini 2.5 takes a token budget (`thinkingBudget`): efforts by LiteLLM's budgets (minimal 512,
 *   low 1024, medium 2048, high 4096), a `thinking` budget as sent, each clamped to the model's range
 *   (Pro 128-32768 and cannot stop thinking; Flash 0-24576; Flash-Lite 512-24576). "none" or
 *   `{type: "disabled"}` is a budget of 0 where the model can stop, else its minimum, with a warning.
 * - Gemini 3 and later take a level (`thinkingLevel`): Pro low or high, Flash minimal, low, medium or
 *   high; an effort is the nearest level at most as high, a budget the effort its Claude budget means
 *   (under 2048 low, under 4096 medium, else high). None of them stops thinking: "none" is the
 *   lowest level, with a warning.
 * - Models that do not think (1.x, 2.0, Gemma): nothing is sent, with a warning.
 *
 * Answer: thought signatures (opaque tokens Google returns on parts, which Gemini 3 requires back
 * with the function call they came with) travel to the client in `thinking_blocks`, as Anthropic's
 * signatures do, marked `gemini:` so that no other provider is sent one and Gemini is sent only its
 * own. Sent back, the first one goes on the turn's first function call (else its last text part).
 * @see https://ai.google.dev/gemini-api/docs/thinking
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures
 */
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import { effortOfBudget, nearestEffortAtMost, readReasoningRequest } from "../shared/reasoning-request.ts";
import { isRecord } from "./gemini-api.ts";

export interface GeminiThinkingConfig {
  thinkingBudget?: number;
  thinkingLevel?: string;
  includeThoughts?: boolean;
}

type Family =
  | { kind: "budget"; min: number; max: number; canStop: boolean }
  | { kind: "level"; levels: readonly [string, ...string[]] };

const effortBudgets: Readonly<Record<string, number>> = { minimal: 512, low: 1024, medium: 2048, high: 4096 };
/** The efforts gw maps onto Gemini's budgets and levels. */
const knownEfforts = ["none", "minimal", "low", "medium", "high"];

/** The thinking family of a Gemini model id ("gemini-2.5-flash", "models/gemini-3-pro-preview", "google/..."); null: it does not think. */
export function thinkingFamilyOf(model: string): Family | null {
  const id = model.slice(model.lastIndexOf("/") + 1).toLowerCase();
  const version = /^gemini-(\d+)(?:\.(\d+))?/.exec(id);
  if (version === null) return null;
  const major = Number(version[1]);
  const minor = version[2] === undefined ? 0 : Number(version[2]);
  if (major < 2 || (major === 2 && minor < 5)) return null;
  if (major === 2) {
    if (id.includes("flash-lite")) return { kind: "budget", min: 512, max: 24576, canStop: true };
    if (id.includes("flash")) return { kind: "budget", min: 1, max: 24576, canStop: true };
    return { kind: "budget", min: 128, max: 32768, canStop: false };
  }
  return id.includes("flash") ? { kind: "level", levels: ["minimal", "low", "medium", "high"] } : { kind: "level", levels: ["low", "high"] };
}

/** The thinkingConfig a request asks for (undefined: it asks nothing of reasoning, or the model cannot think); warnings pushed. */
export function geminiThinkingConfig(request: ChatCompletionRequest, model: string, provider: string, warnings: string[]): GeminiThinkingConfig | undefined {
  const reasoning = readReasoningRequest(request);
  if (reasoning === null) return undefined;
  const family = thinkingFamilyOf(model);
  const asked = reasoning.kind === "effort" ? `reasoning_effort "${reasoning.effort}"` : "thinking";
  if (family === null) {
    if (reasoning.kind !== "disabled" && !(reasoning.kind === "effort" && reasoning.effort === "none")) warnings.push(`${asked} dropped: ${provider} model ${model} does not think`);
    return undefined;
  }
  const off = reasoning.kind === "disabled" || (reasoning.kind === "effort" && reasoning.effort === "none");
  if (family.kind === "budget") {
    if (off) {
      if (family.canStop) return { thinkingBudget: 0 };
      warnings.push(`${asked}: ${model} cannot stop thinking; its smallest budget (${family.min}) is used`);
      return { thinkingBudget: family.min };
    }
    let budget: number;
    if (reasoning.kind === "budget") budget = reasoning.budgetTokens;
    else if (reasoning.kind === "effort" && Object.hasOwn(effortBudgets, reasoning.effort)) budget = effortBudgets[reasoning.effort]!;
    else {
      warnings.push(`${asked} is not an effort gw knows (minimal, low, medium, high); ${model} thinks as it decides`);
      return { thinkingBudget: -1, includeThoughts: true };
    }
    return { thinkingBudget: Math.min(family.max, Math.max(family.min, budget)), includeThoughts: true };
  }
  if (off) {
    warnings.push(`${asked}: ${model} cannot stop thinking; its lowest level (${family.levels[0]}) is used`);
    return { thinkingLevel: family.levels[0] };
  }
  const effort = reasoning.kind === "budget" ? effortOfBudget(reasoning.budgetTokens) : reasoning.kind === "effort" ? reasoning.effort : "high";
  if (!knownEfforts.includes(effort)) {
    warnings.push(`${asked} is not an effort gw knows (minimal, low, medium, high); ${model} thinks as it decides`);
    return { includeThoughts: true };
  }
  return { thinkingLevel: nearestEffortAtMost(effort, family.levels), includeThoughts: true };
}

/** Marks a Gemini thought signature as Gemini's in what the client keeps. */
export const geminiSignaturePrefix = "gemini:";

/** A thought signature as the client keeps it (in a thinking block). */
export function toClientSignature(signature: string): string {
  return geminiSignaturePrefix + signature;
}

/** The first Gemini thought signature among an assistant message's thinking blocks; null when none is Gemini's. */
export function geminiSignatureOf(message: Readonly<Record<string, unknown>>): string | null {
  const blocks = message.thinking_blocks;
  if (!Array.isArray(blocks)) return null;
  for (const block of blocks) {
    if (isRecord(block) && typeof block.signature === "string" && block.signature.startsWith(geminiSignaturePrefix) && block.signature.length > geminiSignaturePrefix.length) {
      return block.signature.slice(geminiSignaturePrefix.length);
    }
  }
  return null;
}

/** Whether a thinking block's signature is Gemini's (other providers leave such blocks out). */
export function isGeminiSignature(signature: unknown): boolean {
  return typeof signature === "string" && signature.startsWith(geminiSignaturePrefix);
}
