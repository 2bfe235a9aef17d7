/**
 * The client's `tools`, for providers that take function tools only: every tool must be
 * `{"type": "function", "function": {"name": ...}}`; anything else (a built-in tool type, a
 * nameless function) is a 400 naming the tool and the provider. Tools are checked and converted
 * one at a time, in order, so the first problem is the one reported.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools
 */
import { invalidRequest } from "../../http/errors.ts";
import { isRecord } from "../openai/openai-api.ts";
import type { JsonRecord } from "../openai/openai-api.ts";

/** A tool's `function` object: the name checked, the rest (description, parameters, strict) as sent. */
export type FunctionDefinition = JsonRecord & { name: string };

/** `convert` gets each function and its parameter path ("tools[2]"). */
export function convertFunctionTools<Tool>(
  tools: readonly unknown[],
  provider: string,
  convert: (fn: FunctionDefinition, param: string) => Tool,
): Tool[] {
  return tools.map((tool, index): Tool => {
    const param = `tools[${index}]`;
    if (!isRecord(tool) || tool.type !== "function" || !isRecord(tool.function) || typeof tool.function.name !== "string") {
      throw invalidRequest(`${param} must be a function tool with a name; the ${provider} provider supports only function tools.`, param);
    }
    return convert(tool.function as FunctionDefinition, param);
  });
}
