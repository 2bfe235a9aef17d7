/**
 * The abort signal of one upstream attempt: it fires when the deployment's timeout passes
 * or when the client goes away, whichever comes first, and its reason is the GatewayError
 * that explains why (a retryable 504, or the non-retryable client-closed marker).
 */
import { GatewayError } from "../http/errors.ts";
import type { ResolvedDeployment } from "../providers/types.ts";

/** The client disconnected; nothing is retried and nobody reads the answer (nginx's 499). */
export const clientClosedError = new GatewayError({
  status: 499,
  type: "invalid_request_error",
  code: "client_closed_request",
  retryable: false,
  message: "The client closed the connection before gw finished answering.",
});

export function timeoutError(deployment: ResolvedDeployment): GatewayError {
  return new GatewayError({
    status: 504,
    type: "timeout_error",
    code: "upstream_timeout",
    retryable: true,
    message: `Deployment "${deployment.id}" (${deployment.provider}) did not answer within ${deployment.timeoutMs} ms.`,
  });
}

export interface AttemptControl {
  readonly signal: AbortSignal;
  /** Start the timeout over (streams: the timeout bounds the wait for each event, not the whole stream). */
  restartTimer(): void;
  /** Abort the attempt with this reason (no effect when already aborted). */
  abort(reason: GatewayError): void;
  /** Stop the timer and stop listening to the client; the signal no longer fires. */
  dispose(): void;
}

export function createAttemptControl(clientSignal: AbortSignal | undefined, deployment: ResolvedDeployment): AttemptControl {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onTimeout = (): void => controller.abort(timeoutError(deployment));
  const onClientAbort = (): void => controller.abort(clientClosedError);
  if (clientSignal !== undefined) {
    if (clientSignal.aborted) controller.abort(clientClosedError);
    else clientSignal.addEventListener("abort", onClientAbort, { once: true });
  }
  if (!controller.signal.aborted) timer = setTimeout(onTimeout, deployment.timeoutMs);
  return {
    signal: controller.signal,
    restartTimer() {
      if (timer === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(onTimeout, deployment.timeoutMs);
    },
    abort(reason) {
      controller.abort(reason);
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      clientSignal?.removeEventListener("abort", onClientAbort);
    },
  };
}

/** The reason an aborted attempt signal carries, when it is one of ours. */
export function abortReason(signal: AbortSignal): GatewayError | null {
  return signal.aborted && signal.reason instanceof GatewayError ? signal.reason : null;
}
