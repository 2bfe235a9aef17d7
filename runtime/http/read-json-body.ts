/**
 * The one reader of JSON request bodies (chat, embeddings, admin API). Invariants: at most
 * `maxBytes` bytes are ever buffered (a larger body is refused with an OpenAI-shaped 413 as soon
 * as its Content-Length or its running size shows it), and a body nested deeper than `maxDepth`
 * is refused with a 400 by one linear scan of its text before JSON.parse runs, so no request can
 * make gw parse or re-serialize a pathological document (which blocks the event loop for everyone).
 */
import { GatewayError } from "./errors.ts";

export interface BodyLimits {
  /** Largest body accepted, in bytes. Default 10 MiB: base64 images in data URLs are large. */
  readonly maxBytes: number;
  /** Deepest nesting of arrays and objects accepted. Default 64 (real requests stay under 10). */
  readonly maxDepth: number;
}

export const defaultBodyLimits: BodyLimits = { maxBytes: 10 * 1024 * 1024, maxDepth: 64 };

export function bodyTooLarge(maxBytes: number): GatewayError {
  return new GatewayError({
    status: 413,
    type: "invalid_request_error",
    code: "request_too_large",
    message: `The request body is larger than this gateway accepts (${maxBytes} bytes). Send a smaller request.`,
  });
}

function tooDeep(maxDepth: number): GatewayError {
  return new GatewayError({
    status: 400,
    type: "invalid_request_error",
    code: "invalid_json",
    message: `The JSON body is nested deeper than ${maxDepth} levels of arrays and objects. Send a flatter request.`,
  });
}

/** Whether `text` nests arrays/objects deeper than `maxDepth` (brackets inside strings do not count). */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x22) {
      // Jump to the string's closing quote: one not preceded by an odd run of backslashes.
      let end = text.indexOf('"', index + 1);
      while (end !== -1) {
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) return false; // unterminated: JSON.parse refuses it
      index = end;
    } else if (code === 0x7b || code === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (code === 0x7d || code === 0x5d) depth--;
  }
  return false;
}

const utf8 = new TextDecoder();

/** The body's text, or the 413 when it is over `maxBytes`; reads no more than that. */
export async function readBodyText(request: Request, maxBytes: number): Promise<string | GatewayError> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    const length = Number(declared);
    if (length > maxBytes) return bodyTooLarge(maxBytes);
    // A declared length within the cap: the host reads exactly that much (Bun and Node refuse a body
    // longer than its Content-Length), natively and without a JS read loop.
    if (Number.isInteger(length) && length >= 0) return request.text();
  }
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      void reader.cancel().catch(() => undefined);
      return bodyTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? utf8.decode(chunks[0]) : utf8.decode(Buffer.concat(chunks, size));
}

/** The parsed body; the 413/400 for too large or too deep; `undefined` when it is not JSON. */
export async function readJsonBody(request: Request, limits: BodyLimits = defaultBodyLimits): Promise<unknown> {
  const text = await readBodyText(request, limits.maxBytes);
  if (text instanceof GatewayError) return text;
  if (nestsDeeperThan(text, limits.maxDepth)) return tooDeep(limits.maxDepth);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
