import { describe, expect, it } from "vitest";
import type { Clock } from "../stores/ports.ts";
import { answer, createFakeBundle, streamOf } from "../testing/fake-provider.ts";
import { createTestGateway, hello, readSse } from "../testing/test-gateway.ts";

const bundle = createFakeBundle({ models: [{ name: "chat", deployments: ["primary"] }], price: { input: 1, output: 2 } });

/** A clock that moves 10 ms forward every time it is read, so every step of a request takes time. */
function steppingClock(): Clock {
  let now = 1_700_000_000_000;
  return { now: () => (now += 10) };
}

describe("time to first token in the spend ledger", () => {
  it("records ms from request start to the first chunk sent, for a stream", async () => {
    const gateway = await createTestGateway(bundle, {
      clock: steppingClock(),
      handlers: { primary: streamOf(['{"text":"Hel"}', '{"text":"lo"}', '{"input":7,"output":2}', "[DONE]"]) },
    });
    const response = await gateway.chat({ ...hello, stream: true });
    expect(response.status).toBe(200);
    expect(await readSse(response)).toContain("[DONE]");
    const record = gateway.store.records[0];
    expect(record?.stream).toBe(true);
    const ttft = record?.timeToFirstTokenMs;
    expect(typeof ttft).toBe("number");
    expect(ttft).toBeGreaterThan(0);
    // The first chunk comes before the stream ends.
    expect(ttft).toBeLessThan(record?.latencyMs as number);
  });

  it("records null for a non-streaming request", async () => {
    const gateway = await createTestGateway(bundle, { clock: steppingClock(), handlers: { primary: answer("Hi") } });
    expect((await gateway.chat(hello)).status).toBe(200);
    expect(gateway.store.records[0]?.timeToFirstTokenMs).toBeNull();
  });

  it("records null when a stream fails before any chunk", async () => {
    const gateway = await createTestGateway(bundle, { clock: steppingClock(), handlers: { primary: streamOf([{ fail: true }]) } });
    const response = await gateway.chat({ ...hello, stream: true });
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(gateway.store.records[0]?.timeToFirstTokenMs).toBeNull();
  });
});
