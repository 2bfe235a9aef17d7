/**
 * What runtime/upstream/upstream.ts adds around an adapter's request, seen through the app: the
 * deployment's extra headers, the authorizer as the last step of every attempt, its failures
 * as clear errors, and stream decoding by the adapter's stream format.
 */
import { describe, expect, it } from "vitest";
import { GatewayError } from "../http/errors.ts";
import type { AdapterIO, ProviderAdapter, RequestAuthorizer, UpstreamRequest } from "../providers/types.ts";
import { answer, createFakeBundle, type FakeDeployment, fakeAdapter, failWith, getFakeProvider } from "../testing/fake-provider.ts";
import { createTestGateway, hello, readSse } from "../testing/test-gateway.ts";

interface ErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

/** A fake adapter whose authorizer is `authorize`, recording what each call saw. */
function signingAdapter(authorize: (request: UpstreamRequest, signal: AbortSignal, io: AdapterIO) => void | Promise<void>) {
  const seen: Array<{ url: string; headers: Record<string, string>; body: string; signal: AbortSignal }> = [];
  const adapter: ProviderAdapter = {
    ...fakeAdapter,
    createAuthorizer(_deployment, io): RequestAuthorizer {
      return {
        async authorize(request, signal) {
          seen.push({ url: request.url, headers: { ...request.headers }, body: request.body, signal });
          await authorize(request, signal, io);
        },
      };
    },
  };
  return { adapter, seen, getProvider: (name: string) => (name === "fake" ? adapter : getFakeProvider(name)) };
}

function bundleWith(deployment: Partial<FakeDeployment> = {}, retries = 2) {
  return createFakeBundle({ models: [{ name: "chat", deployments: [{ model: "fake-1", ...deployment }], retries }] });
}

describe("extra headers", () => {
  it("are added to every upstream request, replacing the adapter's header of the same name in any case", async () => {
    const bundle = bundleWith({ headers: { "X-Org": { value: "org-7" }, Authorization: { env: "PROXY_TOKEN" } } });
    const gateway = await createTestGateway(bundle, { handlers: { "fake-1": answer("hi") }, env: { FAKE_API_KEY: "sk-up", PROXY_TOKEN: "Bearer proxy-token" } });
    expect((await gateway.chat(hello)).status).toBe(200);
    const headers = gateway.calls[0]!.headers;
    expect(headers["x-org"]).toBe("org-7");
    expect(headers.authorization).toBe("Bearer proxy-token");
    expect(Object.keys(headers).filter((name) => name.toLowerCase() === "authorization")).toHaveLength(1);
    expect(headers["content-type"]).toBe("application/json");
  });
});

describe("authorizers", () => {
  it("run on every attempt, after the extra headers, on the final request, and may change it", async () => {
    const { seen, getProvider } = signingAdapter((request) => {
      request.headers["x-signature"] = `signed:${request.headers["x-org"]}:${request.body.length}`;
    });
    const gateway = await createTestGateway(bundleWith({ headers: { "x-org": { value: "org-7" } } }), {
      getProvider,
      handlers: { "fake-1": [failWith(503), answer("hi")] },
    });
    const response = await gateway.chat(hello);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-attempts")).toBe("2");
    expect(seen).toHaveLength(2);
    for (const [index, call] of seen.entries()) {
      expect(call.url).toBe("http://fake.invalid/chat");
      expect(call.headers["x-org"]).toBe("org-7");
      expect(call.headers.authorization).toBe("Bearer sk-fake-upstream-secret");
      expect(JSON.parse(call.body)).toMatchObject({ model: "fake-1" });
      expect(gateway.calls[index]!.headers["x-signature"]).toBe(`signed:org-7:${call.body.length}`);
      expect(gateway.calls[index]!.signal).toBe(call.signal);
    }
  });

  it("also run for streams and embeddings", async () => {
    const { seen, getProvider } = signingAdapter(() => {});
    const gateway = await createTestGateway(bundleWith(), {
      getProvider,
      handlers: {
        "fake-1": [
          () => new Response('data: {"text":"a"}\n\ndata: [DONE]\n\n', { headers: { "content-type": "text/event-stream" } }),
          () => Response.json({ vectors: [[1, 2]], tokens: 3 }),
        ],
      },
    });
    expect((await gateway.chat({ ...hello, stream: true })).status).toBe(200);
    expect((await gateway.embed({ model: "chat", input: "x" })).status).toBe(200);
    expect(seen.map((call) => call.url)).toEqual(["http://fake.invalid/chat", "http://fake.invalid/embed"]);
  });

  it("get the app's fetch and clock for their own I/O", async () => {
    let tokenRequests = 0;
    const { getProvider } = signingAdapter(async (request, signal, io) => {
      const token = await io.fetch("https://oauth.invalid/token", { method: "POST", body: `{"model":"token-endpoint"}`, signal });
      request.headers.authorization = `Bearer ${((await token.json()) as { access_token: string }).access_token}@${io.now()}`;
    });
    const gateway = await createTestGateway(bundleWith(), {
      getProvider,
      clock: { now: () => 1_000 },
      handlers: {
        "token-endpoint": () => (tokenRequests++, Response.json({ access_token: "ya29.token" })),
        "fake-1": answer("hi"),
      },
    });
    expect((await gateway.chat(hello)).status).toBe(200);
    expect(tokenRequests).toBe(1);
    expect(gateway.calls.find((call) => call.model === "fake-1")!.headers.authorization).toBe("Bearer ya29.token@1000");
  });

  it("pass their own GatewayError on as it is", async () => {
    const refused = new GatewayError({ status: 401, type: "authentication_error", code: "upstream_authentication_failed", message: "the token endpoint said invalid_grant" });
    const { getProvider } = signingAdapter(() => {
      throw refused;
    });
    const gateway = await createTestGateway(bundleWith(), { getProvider, handlers: { "fake-1": answer("hi") } });
    const response = await gateway.chat(hello);
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorBody).error.code).toBe("upstream_authentication_failed");
    expect(response.headers.get("x-gw-attempts")).toBe("1");
    expect(gateway.calls).toHaveLength(0);
  });

  it("turn a refused credential (an error with a 4xx status) into a non-retryable 401 that quotes nothing", async () => {
    const { getProvider } = signingAdapter(() => {
      throw Object.assign(new Error("invalid_grant for key -----BEGIN PRIVATE KEY----- abc"), { status: 400 });
    });
    const gateway = await createTestGateway(bundleWith(), { getProvider, handlers: { "fake-1": answer("hi") } });
    const response = await gateway.chat(hello);
    expect(response.status).toBe(401);
    const text = await response.text();
    const body = JSON.parse(text) as ErrorBody;
    expect(body.error).toMatchObject({ type: "authentication_error", code: "upstream_authentication_failed" });
    expect(body.error.message).toContain('"chat/0"');
    expect(text).not.toContain("PRIVATE KEY");
    expect(response.headers.get("x-should-retry")).toBe("false");
    expect(gateway.lines.join("")).not.toContain("PRIVATE KEY");
  });

  it("turn an unreachable token endpoint into a retryable 502, and retry", async () => {
    let failures = 1;
    const { seen, getProvider } = signingAdapter(() => {
      if (failures-- > 0) throw Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    });
    const gateway = await createTestGateway(bundleWith(), { getProvider, handlers: { "fake-1": answer("hi") } });
    const response = await gateway.chat(hello);
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(2);

    failures = 10;
    const failed = await (await createTestGateway(bundleWith({}, 0), { getProvider, handlers: { "fake-1": answer("hi") } })).chat(hello);
    expect(failed.status).toBe(502);
    const error = ((await failed.json()) as ErrorBody).error;
    expect(error.code).toBe("upstream_credentials_unavailable");
    expect(error.message).toContain("ECONNREFUSED");
  });
});

describe("stream formats", () => {
  it("decode the stream with the adapter's format (NDJSON here), not always SSE", async () => {
    const ndjsonAdapter: ProviderAdapter = { ...fakeAdapter, streamFormat: "ndjson" };
    const gateway = await createTestGateway(bundleWith(), {
      getProvider: () => ndjsonAdapter,
      handlers: {
        "fake-1": () => new Response('{"text":"Hel"}\n{"text":"lo"}\n{"input":3,"output":2}\n[DONE]\n', { headers: { "content-type": "application/x-ndjson" } }),
      },
    });
    const response = await gateway.chat({ ...hello, stream: true });
    expect(response.status).toBe(200);
    const payloads = await readSse(response);
    expect(payloads.at(-1)).toBe("[DONE]");
    const text = payloads
      .slice(0, -1)
      .map((payload) => (JSON.parse(payload) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? "")
      .join("");
    expect(text).toBe("Hello");
    expect(gateway.store.records[0]).toMatchObject({ inputTokens: 3, outputTokens: 2, stream: true });
  });
});
