/**
 * End to end: who may call what. Keys and the master key come from the environment; the
 * bundle only holds hashes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { createClient, getRaw, postRaw } from "../support/gateway-client.ts";
import { validateErrorResponse } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";

const upstreamKey = "sk-upstream-auth-test";
const masterKey = "gw-master-auth-test";
const teamKey = "gw-team-alpha-auth-test";

let upstream: FakeUpstream;
let gateway: GatewayProcess;
let stop: () => Promise<void>;

const hello = [{ role: "user" as const, content: "hi" }];

beforeAll(async () => {
  upstream = await startOpenAIUpstream({ apiKey: upstreamKey });
  const deployment = {
    provider: "openai" as const,
    model: "gpt-4.1-nano",
    baseUrl: upstream.baseUrl,
    apiKey: { $env: "OPENAI_API_KEY" },
    price: { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  };
  ({ gateway, stop } = await serveTestConfig({
    name: "e2e-auth",
    upstreams: [upstream],
    env: { OPENAI_API_KEY: upstreamKey, GW_MASTER_KEY: masterKey, ALPHA_KEY: teamKey },
    masterKey,
    format: "ts",
    config: {
      models: [
        { name: "open-model", deployments: [deployment] },
        { name: "restricted-model", deployments: [deployment] },
      ],
      teams: [{ name: "alpha", models: ["open-model"] }],
      keys: [{ name: "alpha-key", team: "alpha", key: { $env: "ALPHA_KEY" } }],
      masterKey: { $env: "GW_MASTER_KEY" },
    },
  }));
});

afterAll(() => stop?.());

beforeEach(() => upstream.reset());

describe("authentication", () => {
  test("no key is a 401 in OpenAI's error shape, and nothing reaches the upstream", async () => {
    const response = await postRaw(gateway, { model: "open-model", messages: hello });
    expect(response.status).toBe(401);
    expect(validateErrorResponse(response.json)).toEqual([]);
    expect(upstream.chatRequests()).toHaveLength(0);
  });

  test("a wrong key is a 401 and the SDK raises AuthenticationError", async () => {
    const response = await postRaw(gateway, { model: "open-model", messages: hello }, { apiKey: "gw-not-a-real-key" });
    expect(response.status).toBe(401);
    expect(validateErrorResponse(response.json)).toEqual([]);
    await expect(createClient(gateway, "gw-not-a-real-key").chat.completions.create({ model: "open-model", messages: hello })).rejects.toMatchObject({
      status: 401,
    });
    expect(upstream.chatRequests()).toHaveLength(0);
  });

  test("a malformed Authorization header is a 401, not a crash", async () => {
    const response = await postRaw(gateway, { model: "open-model", messages: hello }, { headers: { authorization: "Basic Zm9vOmJhcg==" } });
    expect(response.status).toBe(401);
    expect(validateErrorResponse(response.json)).toEqual([]);
  });

  test("/v1/models also requires a key", async () => {
    const response = await getRaw(gateway, "/v1/models");
    expect(response.status).toBe(401);
    expect(validateErrorResponse(response.json)).toEqual([]);
  });
});

describe("authorization", () => {
  test("a team key may call the team's models", async () => {
    const completion = await createClient(gateway, teamKey).chat.completions.create({ model: "open-model", messages: hello });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    expect(upstream.chatRequests()).toHaveLength(1);
    // The caller's key is gw's, never forwarded upstream.
    expect(upstream.chatRequests()[0]?.headers.authorization).toBe(`Bearer ${upstreamKey}`);
  });

  test("a team key for a model outside the team's list is a 403", async () => {
    const response = await postRaw(gateway, { model: "restricted-model", messages: hello }, { apiKey: teamKey });
    expect(response.status).toBe(403);
    expect(validateErrorResponse(response.json)).toEqual([]);
    expect(upstream.chatRequests()).toHaveLength(0);
    await expect(createClient(gateway, teamKey).chat.completions.create({ model: "restricted-model", messages: hello })).rejects.toMatchObject({
      status: 403,
    });
  });

  test("a team key lists only its team's models", async () => {
    const models = [];
    for await (const model of createClient(gateway, teamKey).models.list()) models.push(model.id);
    expect(models).toEqual(["open-model"]);
  });

  test("the master key may call every model", async () => {
    const client = createClient(gateway, masterKey);
    for (const model of ["open-model", "restricted-model"]) {
      const completion = await client.chat.completions.create({ model, messages: hello });
      expect(completion.choices[0]?.message.content).toBeTruthy();
    }
    expect(upstream.chatRequests()).toHaveLength(2);
  });

  test("the x-api-key header is accepted like a bearer key", async () => {
    const response = await postRaw(gateway, { model: "open-model", messages: hello }, { headers: { "x-api-key": teamKey } });
    expect(response.status).toBe(200);
  });
});
