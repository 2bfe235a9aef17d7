/**
 * A client dialect (Messages, Responses) on chat's one path, with its native pass-through: the
 * one mechanism both dialect endpoints use. Per attempt:
 * - a deployment that speaks the dialect itself (its adapter's NativeAdapter for it, and that
 *   adapter `serves` the deployment) gets the client's body as kept at parse (model replaced by
 *   the adapter), and the answer or each stream event is relayed as it came
 *   (upstream.ts completeNative / startNativeStream), gw's usage read from it;
 * - any other deployment gets the chat request the body means, through chat's call, and the
 *   answer is converted back by the endpoint's chat answer converter. A feature only the
 *   dialect has (`untranslatable`) is then that attempt's 400.
 * Admission, routing, retries before the first output, fallbacks, budgets, spend and logs are
 * chat's in both cases (priced-request.ts).
 */
import type { GatewayError } from "../http/errors.ts";
import type { ChatCompletionRequest } from "../http/openai-types.ts";
import { collectRelayed, type StreamEncoder } from "../http/respond.ts";
import type { NativeAdapter, ProviderAdapter, UpstreamEvent } from "../providers/types.ts";
import type { RuntimeDeployment } from "../start/plan.ts";
import { completeNative, type CompletedCall, type CompletedNative, type NativeFrame, type NativeStream, startNativeStream, type UpstreamStream } from "../upstream/upstream.ts";
import { respondWithStream } from "./chat.ts";
import type { PricedEndpoint } from "./priced-request.ts";
import { type RequestDeps, respondWithFailure, respondWithOutcome } from "./request-flow.ts";

export type DialectValue = CompletedCall | UpstreamStream | CompletedNative | NativeStream;

/** What parse keeps of the client's body for a native attempt. */
export interface NativeBody {
  /** The body to send (the client's, or as the endpoint resolved it). */
  body: Readonly<Record<string, unknown>>;
  /** The 400 a translated deployment answers it with (the first dialect-only feature met); null: it translates fully. */
  untranslatable: GatewayError | null;
  /** The client's dialect header passed on (Messages: `anthropic-beta`); null: none. */
  beta: string | null;
}

export interface NativeDialect<Body extends ChatCompletionRequest> {
  /** The adapter's native adapter for this dialect (ProviderAdapter.messages, .responses). */
  adapterOf(adapter: ProviderAdapter): NativeAdapter | undefined;
  /** What parse kept of the body; undefined: never native. */
  kept(body: Body): NativeBody | undefined;
  /** The dialect's error event inside a native stream (it ends the stream); `relayed`: how many events went out before it. */
  errorEvent(error: GatewayError, relayed: number): Uint8Array;
  /** A native answer, before it is sent (e.g. kept by gw's store). */
  answered?(payload: unknown, body: Body): void;
  /** An observer of one native stream's events (e.g. its final response, for gw's store); null: none. */
  observer?(body: Body): ((event: UpstreamEvent) => void) | null;
}

function isNative(value: DialectValue): value is CompletedNative | NativeStream {
  return (value as { native?: unknown }).native === true;
}

function collectFrame(frame: NativeFrame, parts: string[]): void {
  for (const chunk of frame.chunks) collectRelayed(chunk, parts);
}

/** The endpoint `chat` (its parse, estimates and translated answers) with `dialect`'s native pass-through. */
export function withNativeDialect<Body extends ChatCompletionRequest>(
  deps: RequestDeps,
  chat: PricedEndpoint<Body, CompletedCall | UpstreamStream>,
  dialect: NativeDialect<Body>,
): PricedEndpoint<Body, DialectValue> {
  const nativeOf = (target: RuntimeDeployment): NativeAdapter | null => {
    const native = dialect.adapterOf(target.adapter);
    return native !== undefined && native.serves(target.deployment) ? native : null;
  };
  const streamEncoder = (body: Body): StreamEncoder<NativeFrame> => {
    const observe = dialect.observer?.(body) ?? null;
    let relayed = 0;
    return {
      chunk(frame) {
        if (frame.bytes.length === 0) return null;
        observe?.(frame.event);
        relayed++;
        return frame.bytes;
      },
      // The upstream's own last event ended it.
      end: () => null,
      error: (error) => dialect.errorEvent(error, relayed),
    };
  };
  return {
    ...chat,
    call(attempt) {
      const kept = dialect.kept(attempt.body);
      const native = nativeOf(attempt.target);
      if (native !== null && kept !== undefined) {
        const call = { ...attempt, fetch: deps.fetch, native, body: kept.body, beta: kept.beta, request: attempt.body };
        return attempt.body.stream === true ? startNativeStream(call) : completeNative(call);
      }
      if (kept?.untranslatable) return Promise.reject(kept.untranslatable);
      return chat.call(attempt);
    },
    outputTokens: (value) => (isNative(value) ? ("next" in value ? null : value.usage.outputTokens) : (chat.outputTokens?.(value) ?? null)),
    respond(admitted, outcome) {
      if (!outcome.ok) return respondWithFailure(deps, admitted.state, outcome);
      const value = outcome.value;
      if (!isNative(value)) return chat.respond(admitted, { ...outcome, value });
      if (!("next" in value)) {
        return respondWithOutcome(deps, admitted.state, { ...outcome, value }, (done) => {
          dialect.answered?.(done.payload, admitted.body);
          return { payload: done.payload, usage: done.usage, warnings: done.warnings };
        });
      }
      return respondWithStream(deps, admitted.state, admitted.body, { ...outcome, value }, streamEncoder(admitted.body), collectFrame);
    },
  };
}
