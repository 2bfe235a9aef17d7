/**
 * The Bun host: serve the app with Bun.serve and shut down gracefully on SIGINT/SIGTERM
 * (stop accepting, let in-flight requests finish for a grace period, flush the spend store,
 * exit 0). The app core never imports this file.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GatewayError } from "../../http/errors.ts";
import { type ConnectionGuard, startConnectionGuard } from "./connection-guard.ts";
import type { Logger } from "../../http/logger.ts";
import { defaultBodyLimits } from "../../http/read-json-body.ts";
import { errorResponse } from "../../http/respond.ts";
import type { SpendStore } from "../../stores/ports.ts";

export interface BunServeOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  store: SpendStore;
  logger: Logger;
  port: number;
  hostname: string;
  /** How long in-flight requests (long streams) may run on after a shutdown signal. Default 10 s. */
  shutdownGraceMs?: number;
  /** Called when the grace period ends: streams still running send their error event, close and settle. */
  endStreams?: () => void;
  /**
   * Seconds a connection may stay silent before it is closed (1-255). Default 60. While a request
   * is being answered the timeout is off (a non-streaming LLM call may take minutes); it is back on
   * once the response starts.
   */
  idleTimeoutSeconds?: number;
  /** gw's body cap (runtime/http/read-json-body.ts): Bun is given room above it so gw answers the 413. */
  maxBodyBytes?: number;
  /** Requests answered at once by this process; more get an OpenAI-shaped 503. Default: no cap. */
  maxInFlight?: number;
  /**
   * Connections open at once; more get an OpenAI-shaped 503 and are closed, and a connection that
   * sends nothing for `idleTimeoutSeconds` is closed (connection-guard.ts, in front of Bun.serve on
   * a Unix socket). Default: no guard.
   */
  maxConnections?: number;
  /** Called once shutdown is complete, with the exit code; process.exit by default. */
  exit?: (code: number) => void;
}

export interface RunningServer {
  /** e.g. "http://0.0.0.0:4000" */
  readonly url: string;
  readonly port: number;
  /** Stop accepting, wait for in-flight requests (up to the grace period), flush and close the store. */
  shutdown(reason: string): Promise<void>;
}

const busy = new GatewayError({
  status: 503,
  type: "api_error",
  code: "server_busy",
  message: "This gateway process is answering as many requests as it is configured to (--max-in-flight). Retry shortly.",
  retryable: true,
});

const internal = new GatewayError({ status: 500, type: "api_error", code: "internal_error", message: "gw failed unexpectedly; the error is logged." });

export async function startBunServer(options: BunServeOptions): Promise<RunningServer> {
  const idleSeconds = options.idleTimeoutSeconds ?? 60;
  const maxInFlight = options.maxInFlight ?? Number.POSITIVE_INFINITY;
  const maxBodyBytes = options.maxBodyBytes ?? defaultBodyLimits.maxBytes;
  const guarded = options.maxConnections !== undefined;
  // Behind the guard, Bun listens on a Unix socket of its own (removed again at shutdown).
  const socketPath = guarded ? join(tmpdir(), `gw-${process.pid}-${randomBytes(4).toString("hex")}.sock`) : null;
  const listen = (socketPath === null ? { port: options.port, hostname: options.hostname } : { unix: socketPath }) as { port: number; hostname: string };
  const server: ReturnType<typeof Bun.serve> = Bun.serve({
    ...listen,
    idleTimeout: idleSeconds,
    // Bun refuses larger declared bodies itself, with a bare 413: leave gw room to answer OpenAI-shaped.
    maxRequestBodySize: maxBodyBytes * 2 + 1024 * 1024,
    async fetch(request, bun) {
      if (bun.pendingRequests > maxInFlight) return errorResponse(busy, {});
      // Pending answers send nothing for a while; the idle timeout is for silent connections only.
      bun.timeout(request, 0);
      const response = await options.fetch(request);
      bun.timeout(request, idleSeconds);
      return response;
    },
    error(error) {
      options.logger.error(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
      return errorResponse(internal, {});
    },
  });
  let guard: ConnectionGuard | null = null;
  if (socketPath !== null) {
    try {
      guard = await startConnectionGuard({
        hostname: options.hostname,
        port: options.port,
        targetPath: socketPath,
        maxConnections: options.maxConnections ?? Number.POSITIVE_INFINITY,
        firstByteMs: idleSeconds * 1000,
      });
    } catch (error) {
      await server.stop(true);
      rmSync(socketPath, { force: true });
      throw error;
    }
  }
  const port = guard?.port ?? server.port ?? options.port;
  const url = `http://${options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname}:${port}`;
  const graceMs = options.shutdownGraceMs ?? 10_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      options.logger.info(`${reason}: stopping (in-flight requests get up to ${graceMs} ms), then flushing the spend store`);
      let graceTimer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, graceMs);
      });
      await guard?.close().catch(() => {});
      const drained = await Promise.race([server.stop(false).then(() => true), grace.then(() => false)]);
      clearTimeout(graceTimer);
      if (!drained && options.endStreams !== undefined) {
        options.endStreams();
        // Let the error events reach the clients before their connections are closed.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await server.stop(true);
      if (socketPath !== null) rmSync(socketPath, { force: true });
      // Streams closed by force record their spend from their cancel callbacks: let those run first.
      // (Their usage may be counted by the tokenizer thread first: at most countTimeoutMs, 250 ms.)
      await new Promise((resolve) => setTimeout(resolve, 300));
      try {
        await options.store.flush();
      } finally {
        await options.store.close();
      }
      options.logger.info("stopped");
    })();
    return stopping;
  };

  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstSignalAt !== undefined) {
      // Ctrl-C reaches both the `gw` shim and Bun, and the shim forwards it: ignore that echo.
      if (Date.now() - firstSignalAt < 1_000) return;
      // A second signal: do not wait for in-flight requests, but still try to keep the spend.
      options.logger.warn(`${signal} again: stopping now`);
      void options.store.flush().finally(() => {
        options.logger.flush?.();
        exit(1);
      });
      return;
    }
    firstSignalAt = Date.now();
    shutdown(signal).then(
      () => exit(0),
      (error: unknown) => {
        options.logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  return { url, port, shutdown };
}

/**
 * GET /metrics without a key, on a port of its own (`gw serve --metrics-port`): for a Prometheus
 * scraper inside the cluster, where the main port's admin key would have to be handed out.
 * Everything else is a 404. Stopped with the process.
 */
export function startMetricsServer(options: { port: number; hostname: string; contentType: string; scrape: () => Promise<string> }): { url: string; stop(): void } {
  const server = Bun.serve({
    port: options.port,
    hostname: options.hostname,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (path !== "/metrics") return new Response("not found: this port serves GET /metrics only\n", { status: 404 });
      if (request.method !== "GET" && request.method !== "HEAD") return new Response("method not allowed\n", { status: 405, headers: { allow: "GET" } });
      return new Response(await options.scrape(), { status: 200, headers: { "content-type": options.contentType } });
    },
  });
  return { url: `http://${options.hostname === "0.0.0.0" ? "127.0.0.1" : options.hostname}:${server.port}`, stop: () => server.stop(true) };
}
