/** Streaming through the app: commit on the first chunk, transparent failover before it, error event after it. */
import { describe, expect, it } from "vitest";
import { createFakeBundle, failWith, streamOf } from "../testing/fake-provider.ts";
import { createTestGateway, hello, readSse } from "../testing/test-gateway.ts";

const bundle = createFakeBundle({
  models: [
    { name: "chat", deployments: ["primary"], retries: 0, fallbacks: ["backup"] },
    { name: "backup", deployments: ["backup-1"], retries: 0 },
  ],
});
const streaming = { ...hello, stream: true };

function contentOf(events: string[]): string {
  return events
    .filter((data) => data !== "[DONE]")
    .map((data) => (JSON.parse(data) as { choices?: Array<{ delta: { content?: string } }> }).choices?.[0]?.delta.content ?? "")
    .join("");
}

describe("streams", () => {
  it("relays chunks as text/event-stream and ends with [DONE]", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: { primary: streamOf(['{"text":"Hel"}', '{"text":"lo"}', '{"input":7,"output":2}', "[DONE]"]) },
    });
    const response = await gateway.chat(streaming);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.headers.get("x-gw-deployment")).toBe("chat/0");
    expect(response.headers.get("x-gw-cost-usd")).toBeNull();
    const events = await readSse(response);
    expect(events.at(-1)).toBe("[DONE]");
    expect(contentOf(events)).toBe("Hello");
    expect(gateway.store.records[0]).toMatchObject({ stream: true, status: 200, inputTokens: 7, outputTokens: 2 });
    expect(gateway.calls[0]?.stream).toBe(true);
  });

  it("a stream counts as in flight on its deployment until it ends, not only until its first token", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: { primary: streamOf(['{"text":"Hel"}', '{"text":"lo"}', '{"input":7,"output":2}', "[DONE]"]) },
    });
    const inFlight = async (): Promise<number> => {
      const readiness = (await (await gateway.app.request("/health/readiness")).json()) as { deployments: Record<string, { in_flight: number }> };
      return readiness.deployments["chat/0"]!.in_flight;
    };
    const response = await gateway.chat(streaming);
    expect(response.status).toBe(200);
    expect(await inFlight()).toBe(1);
    expect(contentOf(await readSse(response))).toBe("Hello");
    await gateway.store.flush?.();
    expect(await inFlight()).toBe(0);
  });

  it("falls back transparently when the stream fails before its first chunk", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: {
        primary: streamOf([{ fail: true }]),
        "backup-1": streamOf(['{"text":"from backup"}', "[DONE]"]),
      },
    });
    const response = await gateway.chat(streaming);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-model")).toBe("backup");
    expect(response.headers.get("x-gw-attempts")).toBe("2");
    const events = await readSse(response);
    expect(contentOf(events)).toBe("from backup");
    expect(events.at(-1)).toBe("[DONE]");
  });

  it("falls back transparently when the stream fails after only empty chunks (nothing the client would see)", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: {
        primary: streamOf(['{"text":""}', '{"text":""}', { fail: true }]),
        "backup-1": streamOf(['{"text":"from backup"}', "[DONE]"]),
      },
    });
    const response = await gateway.chat(streaming);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-model")).toBe("backup");
    const events = await readSse(response);
    expect(contentOf(events)).toBe("from backup");
    expect(events.at(-1)).toBe("[DONE]");
  });

  it("falls back when the upstream sends an error event before any chunk", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: {
        primary: streamOf(['{"error":{"status":529,"message":"overloaded"}}']),
        "backup-1": streamOf(['{"text":"ok"}', "[DONE]"]),
      },
    });
    const response = await gateway.chat(streaming);
    expect(response.status).toBe(200);
    expect(contentOf(await readSse(response))).toBe("ok");
  });

  it("answers an OpenAI-shaped error (not a stream) when every attempt failed before the first chunk", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { primary: failWith(503), "backup-1": streamOf([{ fail: true }]) } });
    const response = await gateway.chat(streaming);
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("upstream_unreachable");
  });

  it("ends with an error event and closes (no [DONE]) when the stream fails mid-way", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: { primary: streamOf(['{"text":"partial"}', '{"input":3,"output":1}', { fail: true }]), "backup-1": streamOf(["[DONE]"]) },
    });
    const response = await gateway.chat(streaming);
    expect(response.status).toBe(200);
    const events = await readSse(response);
    expect(contentOf(events.slice(0, 1))).toBe("partial");
    const last = JSON.parse(events.at(-1) as string) as { error: { type: string; code: string; message: string } };
    expect(last.error.code).toBe("upstream_unreachable");
    expect(events).not.toContain("[DONE]");
    // No silent switch to another model once the client has seen output.
    expect(gateway.calls.map((call) => call.model)).toEqual(["primary"]);
    // Partial usage is recorded, its output topped up to what was relayed ("partial": 7 characters, 2 tokens).
    expect(gateway.store.records[0]).toMatchObject({ status: 502, inputTokens: 3, outputTokens: 2, stream: true, usageEstimated: true });
  });

  it("ends with an error event when the upstream stream stops without completing", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { primary: streamOf(['{"text":"cut"}']) } });
    const events = await readSse(await gateway.chat(streaming));
    expect((JSON.parse(events.at(-1) as string) as { error: { code: string } }).error.code).toBe("stream_truncated");
  });

  it("ends with a timeout error event when the upstream stalls mid-stream", async () => {
    const stalling = createFakeBundle({ models: [{ name: "chat", deployments: [{ model: "primary", timeoutMs: 30 }], retries: 0 }] });
    const gateway = await createTestGateway(stalling, { handlers: { primary: streamOf(['{"text":"a"}', { waitForAbort: true }]) } });
    const events = await readSse(await gateway.chat(streaming));
    expect((JSON.parse(events.at(-1) as string) as { error: { type: string } }).error.type).toBe("timeout_error");
  });

  it("cancels the upstream request and records what is known when the client stops reading", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: { primary: streamOf(['{"text":"a"}', '{"input":5,"output":1}', { waitForAbort: true }]) },
    });
    const response = await gateway.chat(streaming);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    expect(gateway.calls[0]?.signal?.aborted).toBe(true);
    expect(gateway.store.records).toHaveLength(1);
    expect(gateway.store.records[0]).toMatchObject({ status: 499, stream: true });
  });

  it("counts the relayed text itself (and says so) when the client leaves before the upstream reported usage", async () => {
    const text = "x".repeat(400);
    const gateway = await createTestGateway(bundle, {
      handlers: { primary: streamOf([JSON.stringify({ text }), { waitForAbort: true }]) },
    });
    const response = await gateway.chat(streaming);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    const record = gateway.store.records[0];
    expect(record).toMatchObject({ status: 499, stream: true, outputTokens: 100, usageEstimated: true });
    expect(record?.inputTokens).toBeGreaterThan(0);
    expect(record?.costUsd).toBeGreaterThan(0);
  });

  it("estimates the output when the upstream cuts the stream after reporting only its prompt", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: { primary: streamOf(['{"input":5,"output":1}', JSON.stringify({ text: "y".repeat(80) }), { fail: true }]) },
    });
    const events = await readSse(await gateway.chat(streaming));
    expect(contentOf(events.slice(0, -1))).toBe("y".repeat(80));
    expect(gateway.store.records[0]).toMatchObject({ stream: true, inputTokens: 5, outputTokens: 20, usageEstimated: true });
  });

  it("keeps the upstream's usage (not estimated) when the stream completes", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: { primary: streamOf(['{"text":"Hello there, friend"}', '{"input":7,"output":2}', "[DONE]"]) },
    });
    await readSse(await gateway.chat(streaming));
    expect(gateway.store.records[0]).toMatchObject({ status: 200, inputTokens: 7, outputTokens: 2 });
    expect(gateway.store.records[0]?.usageEstimated).toBeUndefined();
  });

  it("cancels the upstream request when the client's connection aborts mid-stream", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: { primary: streamOf(['{"text":"a"}', '{"input":5,"output":1}', { waitForAbort: true }]) },
    });
    const client = new AbortController();
    const response = await gateway.chat(streaming, null, client.signal);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const pending = reader.read().catch((error: unknown) => error);
    client.abort();
    await pending;
    expect(gateway.calls[0]?.signal?.aborted).toBe(true);
    expect(gateway.store.records[0]).toMatchObject({ status: 499, stream: true, inputTokens: 5, outputTokens: 1 });
  });

  it("stops retrying when the client aborts before the first chunk", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { primary: streamOf([{ waitForAbort: true }]), "backup-1": streamOf(["[DONE]"]) } });
    const client = new AbortController();
    const responding = gateway.chat(streaming, null, client.signal);
    await new Promise((resolve) => setTimeout(resolve, 5));
    client.abort();
    const response = await responding.catch(() => null);
    if (response !== null) expect(response.status).toBe(499);
    expect(gateway.calls.map((call) => call.model)).toEqual(["primary"]);
  });

  it("surfaces dropped parameters in x-gw-warnings", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { primary: streamOf(['{"text":"a"}', "[DONE]"]) } });
    const response = await gateway.chat({ ...streaming, logit_bias: { "1": 2 } });
    expect(response.headers.get("x-gw-warnings")).toContain("logit_bias");
    await response.text();
  });
});
