/**
 * The shared core of the fake upstreams: a plain `node:http` server (so it runs under vitest
 * on Node and under Bun) on 127.0.0.1 with an ephemeral port, that records every request and
 * answers from recorded provider fixtures, with a control API to script failures per call.
 *
 * Each provider fake (openai-upstream.ts, anthropic-upstream.ts) supplies a `FakeDialect`:
 * how it authenticates, validates, frames streams and shapes errors, exactly as that provider does.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { listenOnLoopback } from "./listen-on-loopback.ts";

export interface RecordedRequest {
  method: string;
  /** Path with query string, e.g. "/v1/chat/completions". */
  path: string;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The parsed JSON body, or undefined when the body was empty or not JSON. */
  body: unknown;
  rawBody: string;
  /**
   * "pending" while the answer is being written (or withheld); "completed" once it was fully
   * sent; "aborted" when the connection closed first (the client gave up, or a scripted cut).
   */
  outcome: "pending" | "completed" | "aborted";
}

/**
 * What to do with one upcoming request (consumed in arrival order by `failNext`).
 * With none of `status`, `hang`, `dropConnection`, `streamCutAfter` or `streamErrorAfter`,
 * the request is answered normally (optionally from `fixture`, after `delayMs`).
 */
export interface ScriptedReply {
  /** Answer with this status and the provider's error body (or `body`). */
  status?: number;
  headers?: Record<string, string>;
  /** Replaces the provider-shaped error body (serialized as JSON unless a string). */
  body?: unknown;
  /** Never answer; the socket stays open until the client gives up or the fake closes. */
  hang?: boolean;
  /** Destroy the socket without answering. */
  dropConnection?: boolean;
  /** Send this many stream events (or, for a non-stream request, half the body), then destroy the socket. */
  streamCutAfter?: number;
  /** Send this many stream events, then the provider's in-stream error event, then end cleanly. */
  streamErrorAfter?: number;
  /** Answer normally, but from this fixture (file name without extension). */
  fixture?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface FakeUpstream {
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  /** The base URL to put in a deployment config (the provider's API root, e.g. url + "/v1"). */
  readonly baseUrl: string;
  readonly port: number;
  /** Every request received, in arrival order (including rejected ones). */
  readonly requests: RecordedRequest[];
  /** Requests to the provider's chat endpoint only. */
  chatRequests(): RecordedRequest[];
  /** Script the next requests, one entry per request, in order. Appends to what is already queued. */
  failNext(replies: ScriptedReply[]): void;
  /** Delay between stream events, in milliseconds (0 = write them back to back). */
  setChunkDelay(milliseconds: number): void;
  /** Forget recorded requests and queued scripts; restore the default chunk delay. */
  reset(): void;
  /** Stop listening and destroy every open socket (including hung ones). */
  close(): Promise<void>;
}

export interface DialectReply {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** How one provider speaks HTTP. Pure functions; the core does all I/O. */
export interface FakeDialect {
  /** Whether `path` (without query) is this provider's chat endpoint. */
  isChatPath(path: string): boolean;
  /**
   * Other POST paths the provider serves (e.g. OpenAI's `/v1/embeddings`), answered by `respond`;
   * scripted replies (failNext) apply to them too. Default: none.
   */
  isOtherPath?(path: string): boolean;
  /** Headers every answer carries (e.g. a request id). */
  responseHeaders(): Record<string, string>;
  /** An error answer for a request the real provider would reject before reading the body, else null. */
  checkHeaders(headers: Record<string, string>): DialectReply | null;
  /** An error answer for a body the real provider would reject, else null. `body` is undefined for invalid JSON. */
  checkBody(body: unknown, rawBody: string): DialectReply | null;
  /** The provider's error body for `status` (JSON text). */
  errorBody(status: number): string;
  /** The 404 answer for a path the provider does not serve. */
  notFound(path: string): DialectReply;
  /** `path` is the request path without query (Bedrock streams by path, not by a body field). */
  isStream(body: unknown, path: string): boolean;
  /** Which fixture answers this request (file name without extension). */
  pickFixture(body: unknown, path: string): string;
  /** The wire frames of a stream reply, terminator included: text (SSE, NDJSON) or binary (AWS event stream). */
  streamFrames(fixtureLines: string[], body: unknown): Array<string | Uint8Array>;
  /** The provider's in-stream error frame (for the request `body`). */
  streamErrorFrame(body: unknown): string | Uint8Array;
  /** A non-streaming fixture's text as sent for `body` (e.g. with fresh ids); absent: as recorded. */
  fixtureBody?(text: string, body: unknown): string;
  /** Content type of a stream reply. Default "text/event-stream; charset=utf-8". */
  streamContentType?: string;
  /** Headers of a scripted error reply for `status` (e.g. Bedrock's x-amzn-errortype). */
  errorHeaders?(status: number): Record<string, string>;
  /**
   * A check of the whole request before the provider reads it (e.g. Bedrock's SigV4 signature,
   * computed over method, path, headers and body): an error answer, or null to go on.
   */
  checkRequest?(request: RecordedRequest): DialectReply | null;
  /**
   * An answer computed from the request instead of a fixture (e.g. embeddings), or null for the
   * usual fixture reply. Runs after checkRequest, before checkHeaders and checkBody.
   */
  respond?(request: RecordedRequest): DialectReply | null;
}

const fixturesDirectory = fileURLToPath(new URL("./fixtures/", import.meta.url));
const fixtureCache = new Map<string, string>();

/** The text of `test/fakes/fixtures/<name>`, cached. */
export function readFixture(name: string): string {
  let text = fixtureCache.get(name);
  if (text === undefined) {
    text = readFileSync(fixturesDirectory + name, "utf8");
    fixtureCache.set(name, text);
  }
  return text;
}

/** The event payloads of a `.chunks.txt` fixture, one per non-empty line. */
export function readFixtureLines(name: string): string[] {
  return readFixture(`${name}.chunks.txt`)
    .split("\n")
    .filter((line) => line.trim() !== "");
}

function collectHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    request.on("error", reject);
  });
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

export interface FakeServerOptions {
  dialect: FakeDialect;
  /** Path prefix of the API root, e.g. "/v1". */
  basePath: string;
  chunkDelayMs?: number;
}

export async function startFakeServer(options: FakeServerOptions): Promise<FakeUpstream> {
  const { dialect } = options;
  const defaultChunkDelay = options.chunkDelayMs ?? 0;
  let chunkDelay = defaultChunkDelay;
  const requests: RecordedRequest[] = [];
  const script: ScriptedReply[] = [];
  let closing = false;

  function send(response: ServerResponse, reply: DialectReply): void {
    response.writeHead(reply.status, {
      "content-type": "application/json",
      ...dialect.responseHeaders(),
      ...reply.headers,
    });
    response.end(reply.body);
  }

  /** How long a cut stream waits, after its last frame, before resetting the connection. */
  const cutSettleMs = 100;

  async function writeStream(response: ServerResponse, frames: Array<string | Uint8Array>, headers: Record<string, string> = {}): Promise<boolean> {
    response.writeHead(200, {
      "content-type": dialect.streamContentType ?? "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      ...dialect.responseHeaders(),
      ...headers,
    });
    for (const frame of frames) {
      if (response.destroyed || closing) return false;
      // Wait until the frame is handed to the socket, so that a cut after it really sends it.
      await new Promise<void>((resolve) => response.write(frame, () => resolve()));
      if (chunkDelay > 0) await sleep(chunkDelay);
    }
    return true;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = await readBody(request);
    let body: unknown;
    try {
      body = rawBody === "" ? undefined : JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const headers = collectHeaders(request);
    const path = request.url ?? "/";
    const record: RecordedRequest = { method: request.method ?? "GET", path, headers, body, rawBody, outcome: "pending" };
    requests.push(record);
    response.on("close", () => {
      record.outcome = response.writableFinished ? "completed" : "aborted";
    });

    const pathname = path.split("?")[0] ?? path;
    if (request.method !== "POST" || !(dialect.isChatPath(pathname) || dialect.isOtherPath?.(pathname) === true)) {
      send(response, dialect.notFound(pathname));
      return;
    }

    const scripted = script.shift() ?? {};
    if (scripted.delayMs !== undefined) await sleep(scripted.delayMs);
    if (scripted.hang) return; // the socket is destroyed by the client's timeout or by close()
    if (scripted.dropConnection) {
      request.socket.destroy();
      return;
    }
    if (scripted.status !== undefined) {
      const errorBody =
        scripted.body === undefined ? dialect.errorBody(scripted.status) : typeof scripted.body === "string" ? scripted.body : JSON.stringify(scripted.body);
      send(response, { status: scripted.status, headers: { ...dialect.errorHeaders?.(scripted.status), ...scripted.headers }, body: errorBody });
      return;
    }

    const requestProblem = dialect.checkRequest?.(record) ?? null;
    if (requestProblem) return send(response, requestProblem);
    const computed = dialect.respond?.(record) ?? null;
    if (computed) return send(response, computed);
    const headerProblem = dialect.checkHeaders(headers);
    if (headerProblem) return send(response, headerProblem);
    const bodyProblem = dialect.checkBody(body, rawBody);
    if (bodyProblem) return send(response, bodyProblem);

    const fixture = scripted.fixture ?? dialect.pickFixture(body, pathname);
    if (!dialect.isStream(body, pathname)) {
      const recorded = readFixture(`${fixture}.json`);
      const text = dialect.fixtureBody === undefined ? recorded : dialect.fixtureBody(recorded, body);
      if (scripted.streamCutAfter !== undefined) {
        response.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...dialect.responseHeaders() });
        await new Promise<void>((resolve) => response.write(text.slice(0, Math.floor(text.length / 2)), () => resolve()));
        response.socket?.destroy();
        return;
      }
      send(response, { status: 200, headers: scripted.headers ?? {}, body: text });
      return;
    }

    const frames = dialect.streamFrames(readFixtureLines(fixture), body);
    if (scripted.streamCutAfter !== undefined) {
      await writeStream(response, frames.slice(0, scripted.streamCutAfter), scripted.headers);
      // A cut *after* tokens were delivered: let the client read what was sent before the reset
      // (Bun's fetch discards bytes still unread when a connection is reset).
      await sleep(cutSettleMs);
      response.socket?.destroy();
      return;
    }
    if (scripted.streamErrorAfter !== undefined) {
      const sent = await writeStream(response, [...frames.slice(0, scripted.streamErrorAfter), dialect.streamErrorFrame(body)], scripted.headers);
      if (sent) response.end();
      return;
    }
    if (await writeStream(response, frames, scripted.headers)) response.end();
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      send(response, { status: 500, body: JSON.stringify({ error: { message: `fake upstream crashed: ${String(error)}` } }) });
    });
  });
  server.keepAliveTimeout = 5_000;
  const listening = await listenOnLoopback(server);
  const port = listening.port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseUrl: url + options.basePath,
    port,
    requests,
    chatRequests: () => requests.filter((entry) => dialect.isChatPath(entry.path.split("?")[0] ?? entry.path)),
    failNext(replies) {
      script.push(...replies);
    },
    setChunkDelay(milliseconds) {
      chunkDelay = milliseconds;
    },
    reset() {
      requests.length = 0;
      script.length = 0;
      chunkDelay = defaultChunkDelay;
    },
    close() {
      closing = true;
      return listening.close();
    },
  };
}
