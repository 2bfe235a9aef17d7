import { describe, expect, it } from "vitest";
import { loadBundle } from "../start/load-bundle.ts";
import type { RuntimeRoute } from "../start/plan.ts";
import { routeFor } from "./route-endpoints.ts";
import { createFakeBundle, getFakeProvider } from "../testing/fake-provider.ts";

const bundle = createFakeBundle({
  models: [
    { name: "both", deployments: [{ model: "gpt-x", weight: 3 }, { model: "text-embedding-3-small", weight: 1 }, { model: "embed-v4", weight: 1 }] },
    { name: "unnamed", deployments: ["BAAI/bge-m3", { model: "chat-1", provider: "fake-chat" }] },
    { name: "chat-only", deployments: [{ model: "chat-2", provider: "fake-chat" }] },
  ],
});
const plan = loadBundle(bundle, { env: { FAKE_API_KEY: "k" }, getProvider: getFakeProvider });
const route = (name: string): RuntimeRoute => plan.routes.get(name) as RuntimeRoute;
const models = (view: RuntimeRoute | null): string[] | null => view?.deployments.map((target) => target.deployment.model) ?? null;

describe("routeFor", () => {
  it("keeps a model's embeddings deployments for embeddings and the others for chat, weights renormalized", () => {
    const embeddings = routeFor(route("both"), "embeddings");
    expect(models(embeddings)).toEqual(["text-embedding-3-small", "embed-v4"]);
    expect(embeddings?.cumulativeWeights[0]).toBeCloseTo(0.5, 12);
    expect(embeddings?.cumulativeWeights[1]).toBe(1);
    const chat = routeFor(route("both"), "chat");
    expect(models(chat)).toEqual(["gpt-x"]);
    expect(chat?.cumulativeWeights).toEqual([1]);
    expect(chat?.fallbacks).toBe(route("both").fallbacks);
  });

  it("leaves a model whose names say nothing to the providers' capabilities", () => {
    expect(models(routeFor(route("unnamed"), "embeddings"))).toEqual(["BAAI/bge-m3"]);
    expect(routeFor(route("unnamed"), "chat")).toBe(route("unnamed"));
  });

  it("is null when no deployment serves the endpoint, and computed once per route", () => {
    expect(routeFor(route("chat-only"), "embeddings")).toBeNull();
    expect(routeFor(route("both"), "embeddings")).toBe(routeFor(route("both"), "embeddings"));
  });
});
