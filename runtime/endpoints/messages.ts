/**
 * POST /v1/messages, Anthropic's Messages dialect, on chat's one path (admission, routing,
 * retries, fallbacks, budgets, spend, logs): the body is read into the chat request it means
 * (messages-request.ts), which every decision before the call reads. Per attempt (the one
 * native mechanism every dialect shares, native-dialect.ts):
 * - a deployment that speaks Messages itself (Anthropic, Claude on Vertex AI and Bedrock: the adapter's
 *   `messages`) gets the client's body as sent, and the answer or stream passes through as it
 *   came: nothing is lost (cache_control, thinking signatures, citations, server tools);
 * - any other deployment gets the chat request through its adapter, and the answer is written
 *   back as Messages (messages-answer.ts). A feature only Messages has is then a 400.
 * Errors are Anthropic's shape, with the status Anthropic would use.
 */
import { encodeSseEvent } from "../upstream/stream/encode-sse.ts";
import { chatEndpoint } from "./chat.ts";
import { anthropicErrorBody, messagesAnswer } from "./messages-answer.ts";
import { messagesExpectedFields, type MessagesChatRequest, nativeMessagesBody, parseMessagesRequest } from "./messages-request.ts";
import { type DialectValue, withNativeDialect } from "./native-dialect.ts";
import type { PricedEndpoint } from "./priced-request.ts";
import type { RequestDeps } from "./request-flow.ts";

export function messagesEndpoint(deps: RequestDeps): PricedEndpoint<MessagesChatRequest, DialectValue> {
  const chat = chatEndpoint(deps, messagesAnswer);
  return withNativeDialect<MessagesChatRequest>(
    deps,
    { ...chat, parse: parseMessagesRequest, expected: messagesExpectedFields, errorBody: anthropicErrorBody },
    {
      adapterOf: (adapter) => adapter.messages,
      kept: (body) => body[nativeMessagesBody],
      errorEvent: (error) => encodeSseEvent("error", anthropicErrorBody(error)),
    },
  );
}
