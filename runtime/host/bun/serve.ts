/**
 * The Bun host: serve the app with Bun.serve and shut down gracefully on SIGINT/SIGTERM
 * (stop accepting, let in-flight requests finish for a grace period, flush the spend store,
 * exit 0). The app core never imports this file.
 */
import type { Logger } from "../../logger.ts";
import type { SpendStore } from "../../ports.ts";

export interface BunServeOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  store: SpendStore;
  logger: Logger;
  port: number;
  hostname: string;
  /** How long in-flight requests (long streams) may run on after a shutdown signal. Default 10 s. */
  shutdownGraceMs?: number;
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

export function startBunServer(options: BunServeOptions): RunningServer {
  const server = Bun.serve({
    port: options.port,
    hostname: options.hostname,
    fetch: (request) => options.fetch(request),
    // Non-streaming LLM answers can take minutes; each upstream attempt has its own timeout instead.
    idleTimeout: 0,
  });
  const port = server.port ?? options.port;
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
      await Promise.race([server.stop(false), grace]);
      clearTimeout(graceTimer);
      await server.stop(true);
      // Streams closed by force record their spend from their cancel callbacks: let those run first.
      await new Promise((resolve) => setTimeout(resolve, 50));
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
