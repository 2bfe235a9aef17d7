/**
 * An assistant tool call's `function.arguments` (OpenAI sends a JSON string) as the object that
 * providers taking structured tool input expect. Missing or blank arguments are `{}`; anything
 * that is not a JSON object is a 400 naming the parameter, never a request the provider rejects.
 */
import { invalidRequest } from "../../http/errors.ts";
import type { JsonObject } from "../../http/openai-types.ts";
import { isRecord } from "../openai/openai-api.ts";

/** `provider`, when given, is named in the message for arguments that are not JSON. */
export function parseToolCallArguments(value: unknown, param: string, provider?: string): JsonObject {
  if (typeof value !== "string" || value.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    const need = provider === undefined ? "tool call arguments must be a JSON object" : `${provider} needs tool call arguments as a JSON object`;
    throw invalidRequest(`${param} is not valid JSON; ${need}.`, param);
  }
  if (!isRecord(parsed)) throw invalidRequest(`${param} must be a JSON object.`, param);
  return parsed;
}
