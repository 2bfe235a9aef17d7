import { describe, expect, it } from "vitest";
import { createLogger, formatRequestText, type RequestLogEntry } from "./logger.ts";
import { answer, createFakeBundle, failWith, streamOf } from "../testing/fake-provider.ts";
import { createTestGateway, fakeUpstreamKey, hello, keyHash } from "../testing/test-gateway.ts";

const teamKey = "sk-team-research-5f2a9c77d1";
const masterKey = "sk-master-0b4e1f8a3c";
const bundle = createFakeBundle({
  models: [
    { name: "chat", deployments: ["fake-1"] },
    { name: "broken", deployments: ["fake-broken"], retries: 0 },
  ],
  masterKey: keyHash(masterKey),
  teams: [{ name: "research", budget: { usd: 100, period: "week" }, models: ["chat", "broken"] }],
  keys: [{ name: "research-ci", team: "research", key: { env: "RESEARCH_KEY" } }],
});
const env = { FAKE_API_KEY: fakeUpstreamKey, RESEARCH_KEY: teamKey };

describe("request log", () => {
  it.each(["text", "json"] as const)("never contains a key (%s format)", async (logFormat) => {
    const gateway = await createTestGateway(bundle, {
      env,
      logFormat,
      handlers: { "fake-1": [answer("ok"), streamOf(['{"text":"a"}', "[DONE]"])], "fake-broken": failWith(500) },
    });
    await gateway.chat(hello, teamKey);
    await (await gateway.chat({ ...hello, stream: true }, teamKey)).text();
    await gateway.chat({ ...hello, model: "broken" }, teamKey);
    await gateway.chat(hello, masterKey);
    await gateway.chat(hello, "sk-wrong-but-secret-77");
    await gateway.post("/v1/chat/completions", hello, { "x-api-key": teamKey });
    await gateway.post("/v1/chat/completions", "{bad json", { authorization: `Bearer ${teamKey}` });
    await gateway.app.request("/v1/models", { headers: { authorization: `Bearer ${teamKey}` } });
    await gateway.app.request("/nowhere", { headers: { authorization: `Bearer ${teamKey}` } });
    const output = gateway.lines.join("");
    expect(gateway.lines.length).toBeGreaterThanOrEqual(9);
    expect(output).toContain("research-ci");
    for (const secret of [teamKey, masterKey, "sk-wrong-but-secret-77", fakeUpstreamKey]) expect(output).not.toContain(secret);
  });

  it("writes one JSON line per request with what happened", async () => {
    const gateway = await createTestGateway(bundle, { env, handlers: { "fake-1": answer("ok", 12, 34) } });
    const response = await gateway.chat(hello, teamKey);
    const entries = gateway.entries();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      requestId: response.headers.get("x-request-id"),
      method: "POST",
      path: "/v1/chat/completions",
      status: 200,
      model: "chat",
      deployment: "chat/0",
      provider: "fake",
      team: "research",
      keyName: "research-ci",
      usage: { inputTokens: 12, outputTokens: 34 },
      attempts: 1,
      stream: false,
      error: null,
    });
    expect(typeof (entries[0] as RequestLogEntry & { time: string }).time).toBe("string");
  });

  it("formats a readable text line", () => {
    const line = formatRequestText("2026-01-01T00:00:00.000Z", {
      requestId: "req_1",
      method: "POST",
      path: "/v1/chat/completions",
      status: 200,
      model: "chat",
      deployment: "chat/0",
      provider: "openai",
      team: "research",
      keyName: "ci key",
      usage: { inputTokens: 12, outputTokens: 34, cacheReadTokens: 5, cacheWriteTokens: 0, reasoningTokens: 0 },
      costUsd: 0.000123,
      latencyMs: 42,
      attempts: 2,
      stream: true,
      error: null,
    });
    expect(line).toBe(
      '2026-01-01T00:00:00.000Z req_1 POST /v1/chat/completions 200 42ms model=chat deployment=chat/0 provider=openai team=research key="ci key" input_tokens=12 output_tokens=34 cache_read_tokens=5 cost=$0.000123 attempts=2 stream=true\n',
    );
  });

  it("escapes control characters in text lines, so no value can forge a line or drive a terminal", () => {
    const line = formatRequestText("2026-01-01T00:00:00.000Z", {
      requestId: "req_1",
      method: "POST",
      path: "/v1/chat/completions",
      status: 400,
      model: "evil\u001b[31m\u0085x",
      deployment: null,
      provider: null,
      team: null,
      keyName: null,
      usage: null,
      costUsd: null,
      latencyMs: 1,
      attempts: 0,
      stream: false,
      error: "bad\nmodel=forged\u2028",
    });
    expect(line).toBe(
      '2026-01-01T00:00:00.000Z req_1 POST /v1/chat/completions 400 1ms model="evil\\u001b[31m\\u0085x" error="bad\\nmodel=forged\\u2028"\n',
    );
    const lines: string[] = [];
    createLogger({ format: "text", write: (text) => lines.push(text), now: () => 0 }).warn("a\u001bb\rc");
    expect(lines[0]).toBe("1970-01-01T00:00:00.000Z warn a\\u001bb\\u000dc\n");
  });

  it("says in the text line when gw estimated the usage", () => {
    const line = formatRequestText("2026-01-01T00:00:00.000Z", {
      requestId: "req_2",
      method: "POST",
      path: "/v1/chat/completions",
      status: 499,
      model: "chat",
      deployment: "chat/0",
      provider: "openai",
      team: null,
      keyName: null,
      usage: { inputTokens: 9, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      costUsd: null,
      latencyMs: 5,
      attempts: 1,
      stream: true,
      usageEstimated: true,
      error: "client_closed_request",
    });
    expect(line).toContain(" stream=true usage_estimated=true error=");
  });

  it("writes plain messages in both formats", () => {
    const lines: string[] = [];
    createLogger({ format: "json", write: (line) => lines.push(line), now: () => 0 }).warn("careful");
    createLogger({ format: "text", write: (line) => lines.push(line), now: () => 0 }).info("hello");
    expect(JSON.parse(lines[0] as string)).toEqual({ time: "1970-01-01T00:00:00.000Z", level: "warn", message: "careful" });
    expect(lines[1]).toBe("1970-01-01T00:00:00.000Z info hello\n");
  });
});

describe("batched request lines", () => {
  it("holds request lines back, writes them in one call, and keeps order with other lines", async () => {
    const writes: string[] = [];
    const logger = createLogger({ write: (text) => writes.push(text), now: () => 0, batchMs: 5 });
    logger.request(entry({ requestId: "a" }));
    logger.request(entry({ requestId: "b" }));
    expect(writes).toEqual([]);
    logger.warn("careful");
    expect(writes).toHaveLength(2);
    expect(writes[0]).toMatch(/ a POST .*\n.* b POST /s);
    expect(writes[1]).toContain("warn careful");
    logger.request(entry({ requestId: "c" }));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(writes).toHaveLength(3);
    expect(writes[2]).toContain(" c POST ");
  });

  it("flush() writes what is held back", () => {
    const writes: string[] = [];
    const logger = createLogger({ write: (text) => writes.push(text), batchMs: 1_000 });
    logger.request(entry({ requestId: "x" }));
    logger.flush?.();
    expect(writes.join("")).toContain(" x POST ");
  });
});

function entry(fields: Partial<RequestLogEntry>): RequestLogEntry {
  return {
    requestId: "req",
    method: "POST",
    path: "/v1/chat/completions",
    status: 200,
    model: "chat",
    deployment: "chat/0",
    provider: "mock",
    team: null,
    keyName: null,
    usage: null,
    costUsd: null,
    latencyMs: 1,
    attempts: 1,
    stream: false,
    error: null,
    ...fields,
  };
}
