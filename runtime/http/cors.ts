/**
 * CORS for browser apps, off unless origins are configured. Invariants: only an allowed Origin
 * gets Access-Control-* headers (a disallowed one gets none, so the browser blocks it); answers
 * always carry `Vary: Origin`; a preflight (OPTIONS with Access-Control-Request-Method) from an
 * allowed origin is answered 204 here and never reaches routing or authentication.
 */
import type { MiddlewareHandler } from "hono";

const allowedMethods = "GET, POST, DELETE, OPTIONS";
// What the official SDKs send besides the body headers: OpenAI's x-stainless-*, Anthropic's versions.
const allowedHeaders = [
  "authorization",
  "content-type",
  "x-api-key",
  "api-key",
  "anthropic-version",
  "anthropic-beta",
  "anthropic-dangerous-direct-browser-access",
  "openai-organization",
  "openai-project",
  "x-request-id",
  "x-stainless-arch",
  "x-stainless-lang",
  "x-stainless-os",
  "x-stainless-package-version",
  "x-stainless-retry-count",
  "x-stainless-runtime",
  "x-stainless-runtime-version",
  "x-stainless-timeout",
  "x-stainless-helper-method",
  "x-stainless-poll-helper",
].join(", ");
const exposedHeaders = "x-request-id, x-gw-model, x-gw-deployment, x-gw-provider, x-gw-attempts, x-gw-cost-usd, x-gw-warnings, retry-after, x-should-retry";

/** `origins`: exact origins ("https://app.example.com"), or "*" for any. */
export function createCors(origins: readonly string[]): MiddlewareHandler {
  const any = origins.includes("*");
  const allowed = new Set(origins);
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin === undefined || !(any || allowed.has(origin))) {
      await next();
      if (origin !== undefined) {
        c.res = new Response(c.res.body, c.res);
        c.res.headers.append("vary", "Origin");
      }
      return;
    }
    const allowOrigin = any ? "*" : origin;
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined) {
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": allowOrigin,
          "access-control-allow-methods": allowedMethods,
          "access-control-allow-headers": allowedHeaders,
          "access-control-max-age": "600",
          vary: "Origin",
        },
      });
    }
    await next();
    // A copy: a response passed through from fetch has immutable headers.
    c.res = new Response(c.res.body, c.res);
    const headers = c.res.headers;
    headers.set("access-control-allow-origin", allowOrigin);
    headers.set("access-control-expose-headers", exposedHeaders);
    headers.append("vary", "Origin");
  };
}
