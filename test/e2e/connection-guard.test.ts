/**
 * End to end: `gw serve --max-connections` (issue 7, hole 7). Bun.serve alone neither caps its
 * connections nor closes one that never sends a byte; the connection guard in front does both.
 * gw runs with a cap of 20 connections and a 1 s idle timeout so the test stays short.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { fixtureText } from "../fakes/fixture-text.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { assembleContent, collectStream } from "../support/gateway-client.ts";
import { validateErrorResponse } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";
import type OpenAI from "openai";

const upstreamKey = "sk-upstream-connection-guard-test";
const masterKey = "gw-master-connection-guard-test";
const cap = 20;

let upstream: FakeUpstream;
let gateway: GatewayProcess;
let client: OpenAI;
let stop: () => Promise<void>;

beforeAll(async () => {
  upstream = await startOpenAIUpstream({ apiKey: upstreamKey });
  ({ gateway, client, stop } = await serveTestConfig({
    name: "e2e-connection-guard",
    upstreams: [upstream],
    env: { OPENAI_API_KEY: upstreamKey, GW_MASTER_KEY: masterKey },
    masterKey,
    extraArgs: ["--idle-timeout", "1", "--max-connections", String(cap)],
    config: {
      models: [{ name: "chat", deployments: [{ provider: "openai", model: "gpt-4.1-nano", baseUrl: upstream.baseUrl, apiKey: { $env: "OPENAI_API_KEY" } }] }],
      masterKey: { $env: "GW_MASTER_KEY" },
    },
  }));
});

afterAll(() => stop?.());

/** A connection that never sends a byte; resolves once it is connected. */
function silentConnection(): Promise<{ socket: Socket; closed: Promise<void>; received: () => string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(gateway.port, "127.0.0.1");
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
    });
    const closed = new Promise<void>((done) => socket.on("close", () => done()));
    socket.on("error", () => undefined);
    socket.once("connect", () => resolve({ socket, closed, received: () => text }));
    setTimeout(() => reject(new Error("could not connect")), 5_000).unref();
  });
}

const within = (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]);

describe("gw serve --max-connections", () => {
  test("connections over the cap get an OpenAI-shaped 503 and are closed; silent ones are closed; then a real request is answered", async () => {
    const held = await Promise.all(Array.from({ length: cap }, () => silentConnection()));
    // Let the guard count them before the flood.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const flood = await Promise.all(Array.from({ length: 30 }, () => silentConnection()));
    expect(await within(Promise.all(flood.map((connection) => connection.closed)), 5_000)).toBe(true);
    for (const connection of flood) {
      const text = connection.received();
      expect(text.startsWith("HTTP/1.1 503 ")).toBe(true);
      const body = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as { error: { code: string } };
      expect(validateErrorResponse(body)).toEqual([]);
      expect(body.error.code).toBe("server_busy");
    }
    // The connections that never sent a byte are closed after the idle timeout (1 s here).
    expect(await within(Promise.all(held.map((connection) => connection.closed)), 5_000)).toBe(true);
    // (A few of the cap may be taken by the test client's own keep-alive connections.)
    expect(held.filter((connection) => connection.received() === "").length).toBeGreaterThanOrEqual(cap - 3);
    const completion = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]?.message.content).toBe(fixtureText("openai-text"));
  }, 30_000);

  test("streams pass through the guard unchanged", async () => {
    const stream = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hi" }], stream: true });
    const chunks = await collectStream(stream);
    expect(chunks.length).toBeGreaterThan(1);
    expect(assembleContent(chunks).length).toBeGreaterThan(0);
  });
});
