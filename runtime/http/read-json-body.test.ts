import { describe, expect, it } from "vitest";
import { GatewayError } from "./errors.ts";
import { nestsDeeperThan, readJsonBody } from "./read-json-body.ts";
import { answer, createFakeBundle } from "../testing/fake-provider.ts";
import { createTestGateway, hello } from "../testing/test-gateway.ts";

const deep = (depth: number): string => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const post = (body: string, headers: Record<string, string> = {}): Request =>
  new Request("http://gw.test/v1/chat/completions", { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

describe("nestsDeeperThan", () => {
  it("counts arrays and objects, not brackets inside strings", () => {
    expect(nestsDeeperThan(deep(64), 64)).toBe(false);
    expect(nestsDeeperThan(deep(65), 64)).toBe(true);
    expect(nestsDeeperThan(`{"a":"${"[".repeat(500)}\\"{{{"}`, 2)).toBe(false);
    expect(nestsDeeperThan(`{"a":{"b":[1]}}`, 2)).toBe(true);
    // An escaped backslash before the closing quote ends the string: the brackets after it count.
    expect(nestsDeeperThan(`{"a":"x\\\\","b":[[1]]}`, 2)).toBe(true);
  });
});

describe("readJsonBody", () => {
  it("refuses a body over the cap with an OpenAI-shaped 413, declared or streamed", async () => {
    const declared = await readJsonBody(post(JSON.stringify({ text: "x".repeat(200) })), { maxBytes: 100, maxDepth: 64 });
    expect(declared).toBeInstanceOf(GatewayError);
    expect((declared as GatewayError).status).toBe(413);
    expect((declared as GatewayError).code).toBe("request_too_large");
    const chunk = new TextEncoder().encode("x".repeat(60));
    const streamed = new Request("http://gw.test/", {
      method: "POST",
      body: new ReadableStream({
        pull(controller) {
          controller.enqueue(chunk);
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(((await readJsonBody(streamed, { maxBytes: 100, maxDepth: 64 })) as GatewayError).status).toBe(413);
  });

  it("parses ordinary JSON and answers undefined for non-JSON", async () => {
    expect(await readJsonBody(post('{"model":"m"}'))).toEqual({ model: "m" });
    expect(await readJsonBody(post("not json"))).toBeUndefined();
  });
});

describe("the request path", () => {
  const bundle = createFakeBundle({ models: [{ name: "chat", deployments: ["fake-1"] }] });
  const handlers = { "fake-1": answer("hi") };

  it("answers a 100,000-deep body with 400 invalid_request_error, never calling upstream", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.post("/v1/chat/completions", `{"model":"chat","messages":[{"role":"user","content":${deep(100_000)}}]}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { type: string; code: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(gateway.calls).toHaveLength(0);
    const embed = await gateway.post("/v1/embeddings", `{"model":"chat","input":${deep(100_000)}}`);
    expect(embed.status).toBe(400);
  });

  it("answers a body over the configured cap with 413 request_too_large", async () => {
    const gateway = await createTestGateway(bundle, { handlers, bodyLimits: { maxBytes: 1000, maxDepth: 64 } });
    const response = await gateway.post("/v1/chat/completions", { ...hello, padding: "x".repeat(2000) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("request_too_large");
    expect((await gateway.post("/v1/chat/completions", hello)).status).toBe(200);
  });
});
