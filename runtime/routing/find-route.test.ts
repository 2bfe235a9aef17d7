import { describe, expect, it } from "vitest";
import type { CompiledPrice } from "../../contract/bundle.ts";
import { createRouteFinder } from "./find-route.ts";
import { loadBundle } from "../start/load-bundle.ts";
import type { RuntimeRoute } from "../start/plan.ts";
import { answer, createFakeBundle, type FakeHandler, getFakeProvider } from "../testing/fake-provider.ts";
import { createTestGateway, keyHash } from "../testing/test-gateway.ts";

interface ErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

/** Answers with the upstream model it was asked for, so tests see what went upstream. */
const echoModel: FakeHandler = (call) => Response.json({ text: `upstream model ${call.model}`, input: 1_000_000, output: 0 });

const bundle = createFakeBundle({
  models: [
    { name: "fake/*", deployments: [{ model: "*", priced: false, priceProvider: "fake-prices" }], fallbacks: ["chat"] },
    { name: "fake/pro-*", deployments: [{ model: "pro/*", priced: false, priceProvider: "fake-prices" }] },
    { name: "fake/exact", deployments: ["exact-upstream"] },
    { name: "chat", deployments: ["fake-1"] },
    { name: "configured/*", deployments: [{ model: "*" }] },
  ],
  teams: [
    { name: "wild", budget: null, models: ["fake/*"] },
    { name: "narrow", budget: null, models: ["chat", "fake/one"] },
  ],
  keys: [
    { name: "wild-key", team: "wild", key: keyHash("wild-secret") },
    { name: "narrow-key", team: "narrow", key: keyHash("narrow-secret") },
  ],
  masterKey: keyHash("master"),
  price: { input: 1, output: 2 },
});

function pricedLookup() {
  const asked: string[] = [];
  const lookupPrice = (priceProvider: string, model: string): CompiledPrice | null => {
    asked.push(`${priceProvider}:${model}`);
    if (model === "unknown-model") return null;
    return { inputPerMTok: model.length, outputPerMTok: 0, cacheReadPerMTok: 0, cacheWritePerMTok: 0, source: "genai-prices" };
  };
  return { asked, lookupPrice };
}

async function contentOf(response: Response): Promise<string> {
  return ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
}

describe("wildcard routes", () => {
  const handlers = new Proxy({} as Record<string, FakeHandler>, { get: () => echoModel });

  it("send the part after the prefix upstream in place of *, under the requested name", async () => {
    const gateway = await createTestGateway(bundle, { handlers, lookupPrice: pricedLookup().lookupPrice });
    const response = await gateway.chat({ model: "fake/some-model-v2", messages: [{ role: "user", content: "x" }] }, "master");
    expect(response.status).toBe(200);
    expect(await contentOf(response)).toBe("upstream model some-model-v2");
    expect(response.headers.get("x-gw-model")).toBe("fake/some-model-v2");
    expect(response.headers.get("x-gw-deployment")).toBe("fake/*/0");
    expect(gateway.store.records[0]).toMatchObject({ model: "fake/some-model-v2", deployment: "fake/*/0" });
  });

  it("take the longest matching prefix, and an exact route before any wildcard", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const longest = await gateway.chat({ model: "fake/pro-max", messages: [{ role: "user", content: "x" }] }, "master");
    expect(await contentOf(longest)).toBe("upstream model pro/max");
    const exact = await gateway.chat({ model: "fake/exact", messages: [{ role: "user", content: "x" }] }, "master");
    expect(await contentOf(exact)).toBe("upstream model exact-upstream");
  });

  it("answer 404 for the bare prefix and for names outside every prefix", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    for (const model of ["fake/", "other/x", "fake/*"]) {
      const response = await gateway.chat({ model, messages: [{ role: "user", content: "x" }] }, "master");
      expect(response.status, model).toBe(404);
      expect(((await response.json()) as ErrorBody).error.code).toBe("model_not_found");
    }
    expect(gateway.calls).toHaveLength(0);
  });

  it("refuse a suffix that could leave the model's place in an upstream URL", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    for (const model of ["fake/../admin", "fake/a?b=1", "fake/a b", "fake/%2e%2e", "fake/a#b"]) {
      const response = await gateway.chat({ model, messages: [{ role: "user", content: "x" }] }, "master");
      expect(response.status, model).toBe(400);
      expect(((await response.json()) as ErrorBody).error).toMatchObject({ code: "invalid_model_name", param: "model" });
    }
    expect(gateway.calls).toHaveLength(0);
  });

  it("price each requested model with the looked-up price, looking each model up once", async () => {
    const { asked, lookupPrice } = pricedLookup();
    const gateway = await createTestGateway(bundle, { handlers, lookupPrice });
    const messages = [{ role: "user", content: "x" }];
    const first = await gateway.chat({ model: "fake/abc", messages }, "master");
    // 1M input tokens at $3/M ("abc".length)
    expect(Number(first.headers.get("x-gw-cost-usd"))).toBeCloseTo(3, 9);
    await gateway.chat({ model: "fake/abc", messages }, "master");
    const other = await gateway.chat({ model: "fake/abcdefg", messages }, "master");
    expect(Number(other.headers.get("x-gw-cost-usd"))).toBeCloseTo(7, 9);
    const unknown = await gateway.chat({ model: "fake/unknown-model", messages }, "master");
    expect(unknown.headers.get("x-gw-cost-usd")).toBeNull();
    await gateway.chat({ model: "fake/unknown-model", messages }, "master");
    expect(asked).toEqual(["fake-prices:abc", "fake-prices:abcdefg", "fake-prices:unknown-model"]);
    expect(gateway.store.records.map((record) => record.costUsd)).toEqual([3, 3, 7, 0, 0]);
  });

  it("keep a configured price rather than looking one up", async () => {
    const { asked, lookupPrice } = pricedLookup();
    const gateway = await createTestGateway(bundle, { handlers, lookupPrice });
    const response = await gateway.chat({ model: "configured/x", messages: [{ role: "user", content: "x" }] }, "master");
    expect(Number(response.headers.get("x-gw-cost-usd"))).toBeCloseTo(1, 9);
    expect(asked).toEqual([]);
  });

  it("are allowed to a team whose list has the wildcard, for every model under it, and to nobody else", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const messages = [{ role: "user", content: "x" }];
    expect((await gateway.chat({ model: "fake/anything", messages }, "wild-secret")).status).toBe(200);
    expect((await gateway.chat({ model: "fake/pro-1", messages }, "wild-secret")).status).toBe(200);
    expect((await gateway.chat({ model: "chat", messages }, "wild-secret")).status).toBe(403);
    expect((await gateway.chat({ model: "fake/one", messages }, "narrow-secret")).status).toBe(200);
    const other = await gateway.chat({ model: "fake/two", messages }, "narrow-secret");
    expect(other.status).toBe(403);
    expect(((await other.json()) as ErrorBody).error.code).toBe("model_not_allowed");
  });

  it("fall back to the wildcard route's fallbacks", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: new Proxy({} as Record<string, FakeHandler>, {
        get: (_target, model) => (model === "fake-1" ? answer("from the fallback") : () => new Response("down", { status: 503 })),
      }),
    });
    const response = await gateway.chat({ model: "fake/flaky", messages: [{ role: "user", content: "x" }] }, "master");
    expect(response.status).toBe(200);
    expect(await contentOf(response)).toBe("from the fallback");
    expect(response.headers.get("x-gw-model")).toBe("chat");
  });

  it("are listed as their pattern by GET /v1/models, to the callers allowed to use them", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const list = async (key: string) =>
      ((await (await gateway.app.request("/v1/models", { headers: { authorization: `Bearer ${key}` } })).json()) as { data: Array<{ id: string }> }).data.map(
        (model) => model.id,
      );
    expect(await list("master")).toEqual(["fake/*", "fake/pro-*", "fake/exact", "chat", "configured/*"]);
    expect(await list("wild-secret")).toEqual(["fake/*", "fake/pro-*", "fake/exact"]);
    expect(await list("narrow-secret")).toEqual(["chat"]);
  });
});

describe("createRouteFinder", () => {
  it("returns the plan's own route object for an exact name, and the same resolved route for repeated wildcard names", () => {
    const plan = loadBundle(bundle, { env: { FAKE_API_KEY: "k" }, getProvider: getFakeProvider });
    const find = createRouteFinder(plan, null);
    expect(find("chat")).toBe(plan.routes.get("chat"));
    const first = find("fake/x") as RuntimeRoute;
    expect(find("fake/x")).toBe(first);
    expect(first.deployments[0]!.deployment.model).toBe("x");
    expect(first.deployments[0]!.price).toBeNull();
    // The plan's wildcard route is untouched.
    expect(plan.wildcardRoutes.find((route) => route.name === "fake/*")!.deployments[0]!.deployment.model).toBe("*");
  });
});

describe("aliases", () => {
  it("serve a model under another name: its route, allowed to whoever may use the model, listed in /v1/models", async () => {
    const bundle = createFakeBundle({
      models: [
        { name: "gpt-4o", deployments: ["upstream-4o"] },
        { name: "other", deployments: ["upstream-other"] },
      ],
      masterKey: keyHash("master"),
      teams: [
        { name: "allowed", budget: null, models: ["gpt-4o"] },
        { name: "elsewhere", budget: null, models: ["other"] },
      ],
      keys: [
        { name: "allowed-key", team: "allowed", key: keyHash("allowed-secret") },
        { name: "elsewhere-key", team: "elsewhere", key: keyHash("elsewhere-secret") },
      ],
    });
    bundle.aliases = { "gpt-4": "gpt-4o" };
    const gateway = await createTestGateway(bundle, { handlers: { "upstream-4o": answer("from 4o") } });
    const response = await gateway.chat({ model: "gpt-4", messages: [{ role: "user", content: "hi" }] }, "allowed-secret");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-model")).toBe("gpt-4o");
    expect(gateway.calls.map((call) => call.model)).toEqual(["upstream-4o"]);
    expect(gateway.store.records[0]).toMatchObject({ model: "gpt-4o" });
    expect((await gateway.chat({ model: "gpt-4", messages: [{ role: "user", content: "hi" }] }, "elsewhere-secret")).status).toBe(403);
    const listed = (await (await gateway.app.request("/v1/models", { headers: { authorization: "Bearer master" } })).json()) as { data: Array<{ id: string }> };
    expect(listed.data.map((model) => model.id)).toContain("gpt-4");
  });
});
