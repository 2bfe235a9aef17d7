/**
 * The client's `tool_choice`, read once into what providers map to their own vocabulary:
 * "auto", "required", "none", or one named function. Anything else is a 400 rather than a
 * choice silently ignored.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-tool_choice
 */
import { invalidRequest } from "../../http/errors.ts";
import { isRecord } from "../openai/openai-api.ts";

export type NormalizedToolChoice = "auto" | "required" | "none" | { name: string };

/** undefined when the client sent no tool_choice (null included). */
export function readToolChoice(choice: unknown): NormalizedToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto" || choice === "required" || choice === "none") return choice;
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === "string") return { name: choice.function.name };
  throw invalidRequest('tool_choice must be "auto", "required", "none" or {"type": "function", "function": {"name": ...}}.', "tool_choice");
}
