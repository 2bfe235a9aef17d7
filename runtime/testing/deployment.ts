/** A ResolvedDeployment for converter tests: every field present, overridable. */
import type { ResolvedDeployment } from "../providers/types.ts";

export function testDeployment(fields: Partial<ResolvedDeployment> & Pick<ResolvedDeployment, "provider" | "model" | "baseUrl">): ResolvedDeployment {
  return {
    id: `${fields.provider}/0`,
    apiKey: null,
    timeoutMs: 60_000,
    price: null,
    priceProvider: null,
    secrets: {},
    headers: {},
    options: {},
    ...fields,
  };
}
