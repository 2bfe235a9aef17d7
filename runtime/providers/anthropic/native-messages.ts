/**
 * Anthropic's own Messages API, spoken natively: a client's `/v1/messages` body goes to
 * `/v1/messages` as it came, with the deployment's model and gw's credentials (types.ts
 * NativeAdapter). The client's beta flags are passed on; its own key never is.
 */
import type { NativeAdapter } from "../types.ts";
import { convertResponse } from "./convert-response.ts";
import { createStreamConverter } from "./convert-stream.ts";
import { createHeaders, messagesUrl } from "./endpoint.ts";

export const nativeMessages: NativeAdapter = {
  serves: () => true,
  buildRequest(body, deployment, stream, beta) {
    const headers = createHeaders(deployment, stream);
    if (beta !== null) headers["anthropic-beta"] = beta;
    return { url: messagesUrl(deployment), method: "POST", headers, body: JSON.stringify({ ...body, model: deployment.model, stream: stream ? true : undefined }) };
  },
  streamFormat: "sse",
  usageOf: (body, context) => convertResponse(body, context).usage,
  createStreamConverter,
};
