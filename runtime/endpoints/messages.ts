/**
 * POST /v1/messages, Anthropic's Messages dialect, on chat's one path (admission, routing,
 * retries, fallbacks, budgets, spend, logs): the body is read into the chat request it means
 * (messages-request.ts), which every decision before the call reads. Per attempt:
 * - a deployment that speaks Messages itself (Anthropic, Claude on Vertex AI: the adapter's
 *   `messages`) gets the client's body as sent, and the answer or stream passes through as it
 *   came: nothing is lost (cache_control, thinking signatures, citations, server tools);
 * - any other deployment gets the chat request through its adapter, and the answer is written
 *   back as Messages (messages-answer.ts). A feature only Messages has is then a 400.
 * Errors are Anthropic's shape, with the status Anthropic would use.
 */
import type { ChatCompletionRequest } from "../http/openai-types.ts";
import { collectRelayed } from "../http/respond.ts";
import type { RuntimeDeployment } from "../start/plan.ts";
import type { NativeMessagesAdapter } from "../providers/types.ts";
import { completeNative, type CompletedCall, type CompletedNative, type NativeFrame, type NativeStream, startNativeStream, type UpstreamStream } from "../upstream/upstream.ts";
import { encodeSseEvent } from "../upstream/stream/encode-sse.ts";
import { chatEndpoint, respondWithStream } from "./chat.ts";
import { anthropicErrorBody, messagesAnswer } from "./messages-answer.ts";
import { messagesExpectedFields, type MessagesChatRequest, nativeMessagesBody, parseMessagesRequest } from "./messages-request.ts";
import type { PricedEndpoint } from "./priced-request.ts";
import { type RequestDeps, respondWithFailure, respondWithOutcome } from "./request-flow.ts";

type MessagesValue = CompletedCall | UpstreamStream | CompletedNative | NativeStream;

/** The deployment's native Messages adapter, when its model speaks Messages. */
function nativeOf(target: RuntimeDeployment): NativeMessagesAdapter | null {
  const native = target.adapter.messages;
  return native !== undefined && native.serves(target.deployment) ? native : null;
}

/** A native stream relays the upstream's events; gw's counts read the chat chunks they mean. */
const nativeStreamEncoder = {
  chunk: (frame: NativeFrame) => (frame.bytes.length === 0 ? null : frame.bytes),
  // The upstream's own message_stop ended it.
  end: () => null,
  error: (error: Parameters<typeof anthropicErrorBody>[0]) => encodeSseEvent("error", anthropicErrorBody(error)),
};

function collectFrame(frame: NativeFrame, parts: string[]): void {
  for (const chunk of frame.chunks) collectRelayed(chunk, parts);
}

function isNative(value: MessagesValue): value is CompletedNative | NativeStream {
  return (value as { native?: unknown }).native === true;
}

export function messagesEndpoint(deps: RequestDeps): PricedEndpoint<MessagesChatRequest, MessagesValue> {
  const chat = chatEndpoint(deps, messagesAnswer);
  return {
    ...chat,
    parse: parseMessagesRequest,
    expected: messagesExpectedFields,
    errorBody: anthropicErrorBody,
    call(attempt) {
      const kept = attempt.body[nativeMessagesBody];
      const native = nativeOf(attempt.target);
      if (native !== null && kept !== undefined) {
        const call = { ...attempt, fetch: deps.fetch, native, body: kept.body, beta: kept.beta, request: attempt.body as ChatCompletionRequest };
        return attempt.body.stream === true ? startNativeStream(call) : completeNative(call);
      }
      if (kept?.untranslatable) return Promise.reject(kept.untranslatable);
      return chat.call(attempt);
    },
    outputTokens: (value) => (isNative(value) ? ("next" in value ? null : value.usage.outputTokens) : chat.outputTokens?.(value) ?? null),
    respond(admitted, outcome) {
      if (!outcome.ok) return respondWithFailure(deps, admitted.state, outcome);
      const value = outcome.value;
      if (!isNative(value)) return chat.respond(admitted, { ...outcome, value });
      if (!("next" in value)) {
        return respondWithOutcome(deps, admitted.state, { ...outcome, value }, (done) => ({ payload: done.payload, usage: done.usage, warnings: done.warnings }));
      }
      return respondWithStream(deps, admitted.state, admitted.body, { ...outcome, value }, nativeStreamEncoder, collectFrame);
    },
  };
}
