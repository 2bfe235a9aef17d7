/**
 * The 502 for an upstream stream that ended before the provider said the answer was complete
 * (the connection closed cleanly, but the final event never came). Retryable: the client got a
 * cut-short answer, never a silently truncated one. `detail` completes "The <provider> upstream
 * stream ended ...", e.g. "before message_stop: the answer is incomplete".
 */
import { GatewayError } from "../../http/errors.ts";

export function streamEndedEarly(provider: string, detail: string): GatewayError {
  return new GatewayError({
    status: 502,
    type: "upstream_error",
    code: "stream_ended_early",
    message: `The ${provider} upstream stream ended ${detail}.`,
  });
}
