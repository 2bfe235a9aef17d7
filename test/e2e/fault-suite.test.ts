/**
 * End to end, the fault suite of issue 8: one deployment failing 30% of its attempts (5xx, 429
 * with Retry-After, connection resets, streams cut before their first token), a healthy one
 * beside it, streaming and non-streaming requests mixed, 1,000 requests at concurrency 8 through
 * the real `gw serve` and the official SDK: no client-visible failure.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type OpenAI from "openai";
import type { FakeUpstream, ScriptedReply } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import { openAIDeployment as deployment } from "../support/openai-deployment.ts";

const upstreamKey = "sk-upstream-fault-suite";
const masterKey = "gw-master-fault-suite";

let flaky: FakeUpstream;
let healthy: FakeUpstream;
let client: OpenAI;
let stop: () => Promise<void>;

/** Deterministic pseudo-random numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

beforeAll(async () => {
  [flaky, healthy] = (await Promise.all([1, 2].map(() => startOpenAIUpstream({ apiKey: upstreamKey })))) as [FakeUpstream, FakeUpstream];
  ({ client, stop } = await serveTestConfig({
    name: "e2e-fault-suite",
    upstreams: [flaky, healthy],
    env: { OPENAI_API_KEY: upstreamKey, GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      masterKey: { $env: "GW_MASTER_KEY" },
      retries: { attempts: 2, initialBackoffMs: 5, maxBackoffMs: 20 },
      models: [{ name: "chat", routing: { allowedFails: 3, cooldownSeconds: 1 }, deployments: [deployment("flaky", flaky), deployment("healthy", healthy)] }],
    },
  }));
}, 60_000);

afterAll(() => stop?.());

describe("fault suite", () => {
  test("1,000 requests at concurrency 8, one deployment failing 30% of attempts: zero client-visible failures", async () => {
    const random = seeded(42);
    const faults: ScriptedReply[] = [
      { status: 500 },
      { status: 503 },
      { status: 429, headers: { "retry-after": "1" } },
      { dropConnection: true },
      { streamCutAfter: 0 },
    ];
    // The flaky upstream's next 2,000 answers: 30% faults, the rest normal.
    flaky.failNext(Array.from({ length: 2_000 }, () => (random() < 0.3 ? faults[Math.floor(random() * faults.length)]! : {})));
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 1_000) {
        const index = next++;
        const messages = [{ role: "user" as const, content: `request ${index}` }];
        try {
          if (index % 2 === 0) {
            const completion = await client.chat.completions.create({ model: "chat", messages });
            if (!completion.choices[0]?.message.content) failures.push(`${index}: empty completion`);
          } else {
            const stream = await client.chat.completions.create({ model: "chat", messages, stream: true });
            let text = "";
            for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
            if (text === "") failures.push(`${index}: empty stream`);
          }
        } catch (error) {
          failures.push(`${index}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => worker()));
    expect(failures).toEqual([]);
    // Both deployments served traffic: the flaky one was not simply dropped.
    expect(flaky.chatRequests().length).toBeGreaterThan(50);
    expect(healthy.chatRequests().length).toBeGreaterThan(50);
  }, 120_000);
});
