/**
 * One decoded upstream stream event's payload as a JSON object. Anything else (not JSON, an
 * array, a bare string) is a 502 naming the provider, never a crash inside a converter.
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import { isRecord } from "../openai/openai-api.ts";
import type { JsonRecord } from "../openai/openai-api.ts";

/** `what` names the event in the message: "a stream event" (SSE, event-stream) or "a stream line" (NDJSON). */
export function parseStreamEvent(provider: string, data: string, what = "a stream event"): JsonRecord {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    throw badUpstreamResponse(provider, `${what} is not JSON`);
  }
  if (!isRecord(payload)) throw badUpstreamResponse(provider, `${what} is not a JSON object`);
  return payload;
}
