/**
 * An optional TCP front for Bun.serve (`gw serve --max-connections N`): Bun.serve offers no
 * per-connection hook, so it can neither cap its connections nor close a connection that never
 * sends a byte (its idle timer starts with the first request). The guard listens on the public
 * address, counts connections, answers one over the cap with an OpenAI-shaped 503 and closes it,
 * closes a connection that sends nothing within `firstByteMs`, and pipes every other one, bytes
 * unchanged, to the Bun server on a Unix socket. Costs one loopback hop per connection and a copy
 * of its bytes: off by default.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface ConnectionGuardOptions {
  hostname: string;
  port: number;
  /** The Unix socket Bun.serve listens on. */
  targetPath: string;
  maxConnections: number;
  /** A connection that sends no byte within this long is closed (ms). */
  firstByteMs: number;
}

export interface ConnectionGuard {
  readonly port: number;
  /** Connections open now. */
  open(): number;
  /** Stop accepting; open connections are left to the server's own shutdown. */
  close(): Promise<void>;
}

const busyBody = JSON.stringify({
  error: {
    message: "This gateway process has as many connections open as it is configured to (--max-connections). Retry shortly.",
    type: "api_error",
    param: null,
    code: "server_busy",
  },
});
const busyResponse =
  "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\n" +
  `content-length: ${Buffer.byteLength(busyBody)}\r\n\r\n${busyBody}`;

export function startConnectionGuard(options: ConnectionGuardOptions): Promise<ConnectionGuard> {
  let open = 0;
  const server: Server = createServer((client: Socket) => {
    if (open >= options.maxConnections) {
      client.on("error", () => {});
      client.end(busyResponse);
      setTimeout(() => client.destroy(), 1_000).unref?.();
      return;
    }
    open++;
    const upstream = createConnection(options.targetPath);
    let closed = false;
    const firstByte = setTimeout(() => client.destroy(), options.firstByteMs);
    const done = (): void => {
      if (closed) return;
      closed = true;
      open--;
      clearTimeout(firstByte);
      client.destroy();
      upstream.destroy();
    };
    client.once("data", () => clearTimeout(firstByte));
    client.on("error", done).on("close", done);
    upstream.on("error", done).on("close", done);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : options.port;
      resolve({
        port,
        open: () => open,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
