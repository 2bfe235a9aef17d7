/**
 * Log probabilities, both ways (Gemini API and Vertex AI):
 * - request: `logprobs: true` -> `generationConfig.responseLogprobs: true`; `top_logprobs: n`
 *   (n >= 1) -> `generationConfig.logprobs: n`, the number of alternatives per position.
 * - response: `candidates[].logprobsResult` -> `choices[].logprobs.content[]`, one entry per
 *   decoding step: `chosenCandidates[i]` is the token and its `logProbability`, `topCandidates[i]
 *   .candidates` its alternatives (Google sorts them, most likely first). `bytes` is the token's
 *   UTF-8 encoding, as OpenAI gives it. In a stream, each event carries the steps of its piece.
 * @see https://ai.google.dev/api/generate-content#LogprobsResult
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
import type { ChatCompletionRequest, ChoiceLogprobs, TokenLogprob } from "../../http/openai-types.ts";
import { isRecord } from "./gemini-api.ts";
import type { GeminiGenerationConfig } from "./gemini-api.ts";

export function applyLogprobsRequest(request: ChatCompletionRequest, config: GeminiGenerationConfig): void {
  if (request.logprobs !== true) return;
  config.responseLogprobs = true;
  if (typeof request.top_logprobs === "number" && request.top_logprobs >= 1) config.logprobs = request.top_logprobs;
}

const encoder = new TextEncoder();

function toAlternative(candidate: unknown): { token: string; logprob: number; bytes: number[] | null } | null {
  if (!isRecord(candidate) || typeof candidate.token !== "string") return null;
  const logprob = typeof candidate.logProbability === "number" ? candidate.logProbability : 0;
  return { token: candidate.token, logprob, bytes: Array.from(encoder.encode(candidate.token)) };
}

/** `logprobsResult` as OpenAI's `logprobs`; null when Google sent none. */
export function convertLogprobs(result: unknown): ChoiceLogprobs | null {
  if (!isRecord(result) || !Array.isArray(result.chosenCandidates)) return null;
  const tops = Array.isArray(result.topCandidates) ? result.topCandidates : [];
  const content: TokenLogprob[] = [];
  for (let step = 0; step < result.chosenCandidates.length; step++) {
    const chosen = toAlternative(result.chosenCandidates[step]);
    if (chosen === null) continue;
    const top: unknown = tops[step];
    const alternatives = isRecord(top) && Array.isArray(top.candidates) ? top.candidates : [];
    const top_logprobs: TokenLogprob["top_logprobs"] = [];
    for (const alternative of alternatives) {
      const converted = toAlternative(alternative);
      if (converted !== null) top_logprobs.push(converted);
    }
    content.push({ ...chosen, top_logprobs });
  }
  return { content, refusal: null };
}
