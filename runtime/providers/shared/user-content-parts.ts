/**
 * A user message's `content` -> a provider's content blocks, one per part, in order. A string is
 * one text block; text parts must carry a string, and empty text yields no block (providers
 * reject blank text blocks); every other part goes to the converter registered for its `type`.
 * A part of a type the provider has no converter for is a 400 naming the part and the provider,
 * never silently dropped (the answer would be to a question the user did not ask).
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages-user-message-content
 */
import { invalidRequest } from "../../http/errors.ts";
import { isRecord } from "../openai/openai-api.ts";
import type { JsonRecord } from "../openai/openai-api.ts";

/** Converts one part of a given type; `param` names the part (e.g. "messages[0].content[1]"). */
export type PartConverter<Block> = (part: JsonRecord, param: string) => Block;

export function convertUserContent<Block>(
  content: unknown,
  param: string,
  provider: string,
  text: (text: string) => Block,
  converters: Readonly<Record<string, PartConverter<Block>>>,
): Block[] {
  if (typeof content === "string") return content.length > 0 ? [text(content)] : [];
  if (!Array.isArray(content)) throw invalidRequest(`${param} must be a string or an array of content parts.`, param);
  const blocks: Block[] = [];
  for (let index = 0; index < content.length; index++) {
    const part: unknown = content[index];
    const partParam = `${param}[${index}]`;
    if (!isRecord(part)) throw invalidRequest(`${partParam} must be an object.`, partParam);
    if (part.type === "text") {
      if (typeof part.text !== "string") throw invalidRequest(`${partParam}.text must be a string.`, `${partParam}.text`);
      if (part.text.length > 0) blocks.push(text(part.text));
    } else if (typeof part.type === "string" && Object.hasOwn(converters, part.type)) {
      blocks.push(converters[part.type]!(part, partParam));
    } else {
      throw invalidRequest(`${partParam} has type "${String(part.type)}", which the ${provider} provider does not support.`, `${partParam}.type`);
    }
  }
  return blocks;
}
