/**
 * Claude on Bedrock, spoken natively: a client's `/v1/messages` body goes to InvokeModel
 * (`/invoke`, `/invoke-with-response-stream`) as it came, without `model` and `stream` (the URL
 * names both), with Bedrock's `anthropic_version` and the client's beta flags as `anthropic_beta`
 * (types.ts NativeAdapter). Streamed, each event-stream `chunk` carries one Messages
 * event, base64-encoded: it is relayed decoded. Other Bedrock models go through Converse.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import { convertResponse } from "../anthropic/convert-response.ts";
import { createStreamConverter } from "../anthropic/convert-stream.ts";
import { isRecord } from "../anthropic/anthropic-api.ts";
import type { NativeAdapter, UpstreamEvent } from "../types.ts";
import { createHeaders, invokeUrl } from "./endpoint.ts";
import { mapStreamError } from "./map-error.ts";

export const bedrockAnthropicVersion = "bedrock-2023-05-31";

/** Claude model ids, cross-region inference profiles ("us.anthropic.…") and ARNs naming one. */
export function isBedrockClaude(model: string): boolean {
  return /(?:^|[./:])anthropic\.claude/.test(model);
}

function clientEvent(event: UpstreamEvent): UpstreamEvent | null {
  const type = event.event;
  if (type !== undefined && type.startsWith("exception:")) throw mapStreamError(type.slice("exception:".length), event.data);
  if (type !== "chunk") return null;
  let payload: unknown;
  try {
    payload = JSON.parse(event.data);
  } catch {
    throw badUpstreamResponse("bedrock", "a stream chunk is not JSON");
  }
  if (!isRecord(payload) || typeof payload.bytes !== "string") throw badUpstreamResponse("bedrock", "a stream chunk has no bytes");
  const data = Buffer.from(payload.bytes, "base64").toString("utf8");
  let inner: unknown;
  try {
    inner = JSON.parse(data);
  } catch {
    throw badUpstreamResponse("bedrock", "a stream chunk's bytes are not a JSON event");
  }
  return { event: isRecord(inner) && typeof inner.type === "string" ? inner.type : undefined, data };
}

export const nativeMessages: NativeAdapter = {
  serves: (deployment) => isBedrockClaude(deployment.model),
  buildRequest(body, deployment, stream, beta) {
    const { model: _model, stream: _stream, ...rest } = body;
    const sent: Record<string, unknown> = { anthropic_version: bedrockAnthropicVersion, ...rest };
    if (beta !== null) sent.anthropic_beta = beta.split(",").map((flag) => flag.trim()).filter((flag) => flag !== "");
    const url = stream ? `${invokeUrl(deployment)}-with-response-stream` : invokeUrl(deployment);
    return { url, method: "POST", headers: createHeaders(stream), body: JSON.stringify(sent) };
  },
  streamFormat: "aws-eventstream",
  toClientEvent: clientEvent,
  usageOf: (body, context) => convertResponse(body, context).usage,
  createStreamConverter,
};
