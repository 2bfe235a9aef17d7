/**
 * End to end: a wildcard route ("openai/*") lets clients of the real `gw serve`, using the
 * official `openai` SDK, name any model under the prefix; the fake OpenAI upstream receives the
 * part after the prefix as the model. Exact routes win, teams may be allowed the wildcard, and
 * each requested model is priced from the built-in price table.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { lookupPrice } from "../../contract/prices.ts";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { fixtureText, fixtureUsage } from "../fakes/fixture-text.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { collectStream, createClient, assembleContent, getRaw, postRaw } from "../support/gateway-client.ts";
import { validateChatCompletion } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";

const upstreamKey = "sk-upstream-wildcard-test";
const masterKey = "gw-master-wildcard-test";
const wildKey = "gw-team-wildcard";
const otherKey = "gw-team-no-wildcard";

let upstream: FakeUpstream;
let stop: () => Promise<void>;
let gateway: GatewayProcess;
let client: OpenAI;

const hello = [{ role: "user" as const, content: "Invent a new holiday and describe its traditions." }];

beforeAll(async () => {
  upstream = await startOpenAIUpstream({ apiKey: upstreamKey });
  ({ gateway, client, stop } = await serveTestConfig({
    name: "e2e-wildcard",
    upstreams: [upstream],
    env: { OPENAI_API_KEY: upstreamKey, GW_MASTER_KEY: masterKey, WILD_KEY: wildKey, OTHER_KEY: otherKey },
    masterKey,
    config: {
      models: [
        { name: "openai/*", deployments: [{ provider: "openai", model: "*", baseUrl: upstream.baseUrl, apiKey: { $env: "OPENAI_API_KEY" } }] },
        {
          name: "openai/pinned",
          deployments: [{ provider: "openai", model: "gpt-4.1-nano", baseUrl: upstream.baseUrl, apiKey: { $env: "OPENAI_API_KEY" }, price: { inputPerMTok: 1, outputPerMTok: 1 } }],
        },
        { name: "mock-chat", deployments: [{ provider: "mock", model: "mock-1" }] },
      ],
      masterKey: { $env: "GW_MASTER_KEY" },
      teams: [
        { name: "wild-team", models: ["openai/*"] },
        { name: "other-team", models: ["mock-chat"] },
      ],
      keys: [
        { name: "wild", team: "wild-team", key: { $env: "WILD_KEY" } },
        { name: "other", team: "other-team", key: { $env: "OTHER_KEY" } },
      ],
    },
  }));
});

afterAll(() => stop?.());

beforeEach(() => upstream.reset());

function upstreamModels(): unknown[] {
  return upstream.chatRequests().map((request) => (request.body as { model?: unknown }).model);
}

describe("a wildcard route", () => {
  test("sends the requested name after the prefix upstream, and answers under the requested name", async () => {
    const completion = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]!.message.content).toBe(fixtureText("openai-text"));
    expect(upstreamModels()).toEqual(["gpt-4o-mini"]);
    expect(upstream.chatRequests()[0]!.headers.authorization).toBe(`Bearer ${upstreamKey}`);

    const raw = await postRaw(gateway, { model: "openai/gpt-4.1-mini", messages: hello }, { apiKey: masterKey });
    expect(raw.status).toBe(200);
    expect(raw.headers.get("x-gw-model")).toBe("openai/gpt-4.1-mini");
    expect(upstreamModels()).toEqual(["gpt-4o-mini", "gpt-4.1-mini"]);
  });

  test("streams too", async () => {
    const chunks = await collectStream(await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello, stream: true }));
    expect(assembleContent(chunks).length).toBeGreaterThan(0);
    expect(upstreamModels()).toEqual(["gpt-4o-mini"]);
  });

  test("prices each requested model from the built-in table", async () => {
    const usage = fixtureUsage("openai-text");
    const raw = await postRaw(gateway, { model: "openai/gpt-4o-mini", messages: hello }, { apiKey: masterKey });
    const price = lookupPrice("openai", "gpt-4o-mini")!;
    expect(price).not.toBeNull();
    const expected = (usage.promptTokens * price.inputPerMTok + usage.completionTokens * price.outputPerMTok) / 1e6;
    expect(Number(raw.headers.get("x-gw-cost-usd"))).toBeCloseTo(expected, 8);

    const unknown = await postRaw(gateway, { model: "openai/no-such-model-in-any-table", messages: hello }, { apiKey: masterKey });
    expect(unknown.status).toBe(200);
    expect(unknown.headers.get("x-gw-cost-usd")).toBeNull();
  });

  test("loses to an exact route of the same name", async () => {
    await client.chat.completions.create({ model: "openai/pinned", messages: hello });
    expect(upstreamModels()).toEqual(["gpt-4.1-nano"]);
  });

  test("is listed as its pattern, and only to callers allowed to use it", async () => {
    const ids = async (key: string) => ((await getRaw(gateway, "/v1/models", key)).json as { data: Array<{ id: string }> }).data.map((model) => model.id);
    expect(await ids(masterKey)).toEqual(["openai/*", "openai/pinned", "mock-chat"]);
    expect(await ids(wildKey)).toEqual(["openai/*", "openai/pinned"]);
    expect(await ids(otherKey)).toEqual(["mock-chat"]);
  });

  test("can be allowed to a team, which may then call any model under it", async () => {
    const wild = createClient(gateway, wildKey);
    await wild.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello });
    expect(upstreamModels()).toEqual(["gpt-4o-mini"]);
    const error = await createClient(gateway, otherKey)
      .chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(upstreamModels()).toEqual(["gpt-4o-mini"]);
  });

  test("does not match the bare prefix or the pattern itself", async () => {
    for (const model of ["openai/", "openai/*"]) {
      const raw = await postRaw(gateway, { model, messages: hello }, { apiKey: masterKey });
      expect(raw.status, model).toBe(404);
    }
    expect(upstream.chatRequests()).toHaveLength(0);
  });

  test("serves embeddings for any model under it", async () => {
    const response = await client.embeddings.create({ model: "openai/text-embedding-3-small", input: "hello" });
    expect(response.data).toHaveLength(1);
    const sent = upstream.requests.filter((request) => request.path === "/v1/embeddings");
    expect((sent[0]!.body as { model: string }).model).toBe("text-embedding-3-small");
  });
});
