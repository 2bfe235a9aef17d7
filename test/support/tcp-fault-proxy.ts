/**
 * A TCP proxy for outage tests: clients connect to 127.0.0.1:<port>, bytes are piped to the
 * target (a real Postgres or Redis), and the test can cut the link and restore it.
 *
 * - `cut("reset")` (the default) destroys every open connection at once and resets new ones as
 *   soon as they arrive: what a client sees when the server process is stopped.
 * - `cut("blackhole")` keeps connections open but forwards nothing in either direction, and new
 *   connections are accepted but never reach the target: what a client sees when the network
 *   drops packets. Clients notice only through their own timeouts.
 * - `restore()` forwards again. Connections held during a blackhole are destroyed on restore
 *   (bytes they sent were dropped, so the stream they carry is no longer consistent).
 *
 * Runs on Node and on Bun (node:net only).
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export type CutMode = "reset" | "blackhole";

export interface TcpFaultProxy {
  /** Port the proxy listens on, on 127.0.0.1. */
  readonly port: number;
  /** "reset" or "blackhole" while cut, null while forwarding. */
  readonly cutMode: CutMode | null;
  /** Connections accepted since start (including ones reset while cut). */
  readonly connectionsAccepted: number;
  cut(mode?: CutMode): void;
  restore(): void;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

export interface ProxyTarget {
  host: string;
  port: number;
}

interface Link {
  client: Socket;
  /** null while the connection is held in a blackhole. */
  upstream: Socket | null;
}

export async function startTcpFaultProxy(target: ProxyTarget): Promise<TcpFaultProxy> {
  const links = new Set<Link>();
  let mode: CutMode | null = null;
  let accepted = 0;

  const destroyLink = (link: Link): void => {
    links.delete(link);
    link.client.destroy();
    link.upstream?.destroy();
  };

  const connectUpstream = (link: Link): void => {
    const upstream = createConnection({ host: target.host, port: target.port });
    link.upstream = upstream;
    upstream.setNoDelay(true);
    link.client.pipe(upstream);
    upstream.pipe(link.client);
    upstream.on("error", () => destroyLink(link));
    upstream.on("close", () => destroyLink(link));
  };

  const server: Server = createServer((client) => {
    accepted++;
    client.setNoDelay(true);
    const link: Link = { client, upstream: null };
    links.add(link);
    client.on("error", () => destroyLink(link));
    client.on("close", () => destroyLink(link));
    if (mode === "reset") {
      client.resetAndDestroy();
      links.delete(link);
      return;
    }
    if (mode === "blackhole") {
      // Read and drop whatever the client sends, so it never sees back-pressure either.
      client.on("data", () => {});
      return;
    }
    connectUpstream(link);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("tcp fault proxy: no port");

  return {
    port: address.port,
    get cutMode() {
      return mode;
    },
    get connectionsAccepted() {
      return accepted;
    },
    cut(cutMode = "reset") {
      mode = cutMode;
      for (const link of [...links]) {
        if (cutMode === "reset") {
          links.delete(link);
          link.upstream?.destroy();
          if (!link.client.destroyed) link.client.resetAndDestroy();
          continue;
        }
        link.client.unpipe();
        link.upstream?.unpipe();
        link.client.pause();
        link.upstream?.pause();
        link.client.removeAllListeners("data");
        link.client.on("data", () => {});
        link.client.resume();
      }
    },
    restore() {
      const wasBlackhole = mode === "blackhole";
      mode = null;
      if (wasBlackhole) for (const link of [...links]) destroyLink(link);
    },
    close() {
      mode = "reset";
      for (const link of [...links]) destroyLink(link);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
