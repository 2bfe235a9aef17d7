/**
 * The GatewayError a piece of code throws, for tests that assert on its fields (status, code,
 * param, message). Anything else thrown is re-thrown, and throwing nothing is itself an error,
 * so a test that expects a GatewayError cannot pass by accident.
 */
import { GatewayError } from "../http/errors.ts";

export function thrownGatewayError(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

/** The same for asynchronous code: the GatewayError `run` throws or its promise rejects with. */
export async function rejectedGatewayError(run: () => Promise<unknown>): Promise<GatewayError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}
