/**
 * The text of a message whose role takes text only (system, developer, assistant, tool): a
 * string, or an array of text parts joined without a separator. Refusal parts (an assistant's
 * earlier refusal, sent back in the history) carry no text for the provider and are skipped;
 * any other part is a 400 naming it. Missing content is "".
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages
 */
import { invalidRequest } from "../../http/errors.ts";
import { isRecord } from "../openai/openai-api.ts";

export function readMessageText(content: unknown, param: string): string {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  return readSystemTexts(content, param).join("");
}

/**
 * A system or developer message's texts, one per part (a string is one): providers that take
 * instructions as blocks get each part as its own block, rather than parts run together without a
 * separator ("Be brief.Answer in French"). Empty texts are left out; parts other than text are a
 * 400 naming them, as in readMessageText.
 */
export function readSystemTexts(content: unknown, param: string): string[] {
  if (typeof content === "string") return content === "" ? [] : [content];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw invalidRequest(`${param} must be a string or an array of content parts.`, param);
  const texts: string[] = [];
  for (let index = 0; index < content.length; index++) {
    const part: unknown = content[index];
    if (isRecord(part) && part.type === "refusal") continue;
    if (!isRecord(part) || part.type !== "text" || typeof part.text !== "string") {
      throw invalidRequest(`${param}[${index}] must be a text part for this message role.`, `${param}[${index}]`);
    }
    if (part.text !== "") texts.push(part.text);
  }
  return texts;
}

/**
 * Where a system or developer message goes for providers with one top-level system prompt
 * (Anthropic, Bedrock, Gemini). Those before the first user or assistant turn are the system prompt.
 * One sent later keeps its place in the conversation: its text becomes user text, "System: <text>",
 * put before the next user or assistant message (or at the end), never between an assistant's tool
 * calls and their results (which must come first in the next user turn).
 */
export interface SystemPlacement {
  /** true: `texts` are the system prompt (no turn yet); false: they are held for the conversation. */
  isPrompt(texts: readonly string[], conversationStarted: boolean): boolean;
  /** The held texts, as they go into a user turn; empty when none. */
  release(): string[];
}

export function createSystemPlacement(): SystemPlacement {
  let held: string[] | null = null;
  return {
    isPrompt(texts, conversationStarted) {
      if (!conversationStarted) return true;
      for (const text of texts) (held ??= []).push(`System: ${text}`);
      return false;
    },
    release() {
      if (held === null) return [];
      const out = held;
      held = null;
      return out;
    },
  };
}
