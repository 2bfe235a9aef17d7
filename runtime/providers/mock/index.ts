/**
 * The built-in `mock` provider: speaks OpenAI's wire format through the openai adapter's
 * converters, but answers in-process (see transport.ts), so the quickstart and the bench
 * run without network or keys.
 */
import { createOpenAICompatibleAdapter } from "../openai/index.ts";
import type { ProviderAdapter } from "../types.ts";
import { mockDescriptor } from "./descriptor.ts";
import { mockTransport } from "./transport.ts";

export const mock: ProviderAdapter = createOpenAICompatibleAdapter({
  name: "mock",
  defaultBaseUrl: mockDescriptor.defaultBaseUrl,
  transport: mockTransport,
});
