/** The one place that picks a stream decoder by the adapter's `streamFormat`. */
import type { StreamFormat, UpstreamEvent } from "../../providers/types.ts";
import { decodeAwsEventStream } from "./decode-aws-eventstream.ts";
import { decodeNdjson } from "./decode-ndjson.ts";
import { decodeSse } from "./decode-sse.ts";

export function decodeStream(
  format: StreamFormat,
  body: ReadableStream<Uint8Array>,
  options: { provider?: string } = {},
): AsyncGenerator<UpstreamEvent, void, undefined> {
  switch (format) {
    case "sse":
      return decodeSse(body, options);
    case "aws-eventstream":
      return decodeAwsEventStream(body, options);
    case "ndjson":
      return decodeNdjson(body, options);
  }
}
