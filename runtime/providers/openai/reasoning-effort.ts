/**
 * An Anthropic-style `thinking` object (a /v1/messages client's, or a chat client's that LiteLLM
 * accepts) sent to OpenAI or Azure OpenAI, which take `reasoning_effort` instead and refuse unknown
 * fields. The object becomes the effort its budget means, by the inverse of the budgets gw gives
 * Claude for an effort (anthropic/thinking.ts: low 1024, medium 2048, high 4096): under 2048 low,
 * under 4096 medium, else high, clamped to what the model family takes. `{type: "disabled"}` asks
 * for the family's lowest effort ("none" from gpt-5.1 on, "minimal" on gpt-5). A model that does
 * not reason (gpt-4o, gpt-4.1, an Azure deployment named otherwise) gets neither, with a warning:
 * it would refuse `reasoning_effort`. A `reasoning_effort` the client sent itself is left as sent.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort
 */
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import { effortOfBudget, nearestEffortAtMost, readReasoningRequest } from "../shared/reasoning-request.ts";

interface EffortFamily {
  /** The efforts the family takes, lowest first. */
  readonly efforts: readonly [string, ...string[]];
  /** Whether its lowest effort turns reasoning off ("none") rather than only down. */
  readonly canTurnOff: boolean;
}

const oSeries: EffortFamily = { efforts: ["low", "medium", "high"], canTurnOff: false };
const gpt5: EffortFamily = { efforts: ["minimal", "low", "medium", "high"], canTurnOff: false };
const gpt51: EffortFamily = { efforts: ["none", "low", "medium", "high"], canTurnOff: true };
const gpt52: EffortFamily = { efforts: ["none", "low", "medium", "high", "xhigh"], canTurnOff: true };
const highOnly: EffortFamily = { efforts: ["high"], canTurnOff: false };

/** The reasoning family of an OpenAI model id (a provider prefix such as "openai/" is ignored); null: not a reasoning model. */
export function effortFamilyOf(model: string): EffortFamily | null {
  const id = model.slice(model.lastIndexOf("/") + 1).toLowerCase();
  if (id.startsWith("o1-mini")) return null; // o1-mini reasons but takes no reasoning_effort
  if (/^o[1-9](-|$)/.test(id) || id.startsWith("codex-mini")) return oSeries;
  const gpt = /^gpt-5(?:\.(\d+))?(-pro)?/.exec(id);
  if (gpt === null) return null;
  if (gpt[2] !== undefined) return highOnly;
  const minor = gpt[1] === undefined ? 0 : Number(gpt[1]);
  if (minor === 0) return id.startsWith("gpt-5-chat") ? null : gpt5; // gpt-5-chat-latest does not reason
  return minor === 1 ? gpt51 : gpt52;
}

/**
 * The `reasoning_effort` to send for a request's `thinking` object: the client's own
 * reasoning_effort when there is no object (undefined when neither), warnings pushed for what the
 * model cannot honour.
 */
export function reasoningEffortFor(request: ChatCompletionRequest, model: string, provider: string, warnings: string[]): unknown {
  if (request.thinking === undefined) return request.reasoning_effort;
  const reasoning = readReasoningRequest(request);
  const family = effortFamilyOf(model);
  if (family === null) {
    if (reasoning?.kind !== "disabled") warnings.push(`thinking dropped: ${provider} model ${model} does not take reasoning_effort`);
    return undefined;
  }
  if (reasoning?.kind === "disabled") {
    if (!family.canTurnOff) warnings.push(`thinking.type disabled: ${model} cannot turn reasoning off; its lowest effort (${family.efforts[0]}) is used`);
    return family.efforts[0];
  }
  if (reasoning?.kind === "budget") return nearestEffortAtMost(effortOfBudget(reasoning.budgetTokens), family.efforts);
  return request.reasoning_effort;
}
