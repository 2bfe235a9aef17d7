import { describe, expect, it } from "vitest";
import type { RuntimeDeployment, RuntimeRoute } from "../start/plan.ts";
import { requestRoutingTags, routeForTags } from "./tag-routing.ts";

function route(tags: Array<string[] | null>): RuntimeRoute {
  return {
    name: "chat",
    wildcardPrefix: null,
    deployments: tags.map((each, index) => ({ deployment: { id: `d${index}` }, ...(each === null ? {} : { tags: new Set(each) }) }) as unknown as RuntimeDeployment),
    cumulativeWeights: tags.map((_, index) => (index + 1) / tags.length),
    fallbacks: [],
    retry: { attempts: 0, initialBackoffMs: 0, maxBackoffMs: 0 },
  };
}

const ids = (view: RuntimeRoute | null) => view?.deployments.map((target) => target.deployment.id) ?? null;

describe("tag routing", () => {
  it("leaves routes without tagged deployments alone", () => {
    const plain = route([null, null]);
    expect(routeForTags(plain, ["eu"])).toBe(plain);
  });

  it("sends a tagged request to the deployments carrying one of its tags, else to the default ones, else nowhere", () => {
    const tagged = route([["eu"], ["us", "default"], ["eu", "fast"], null]);
    expect(ids(routeForTags(tagged, ["eu"]))).toEqual(["d0", "d2"]);
    expect(ids(routeForTags(tagged, ["fast", "us"]))).toEqual(["d1", "d2"]);
    expect(ids(routeForTags(tagged, ["asia"]))).toEqual(["d1"]);
    expect(routeForTags(route([["eu"], ["us"]]), ["asia"])).toBeNull();
    // Weights are renormalized over the kept deployments.
    expect(routeForTags(tagged, ["eu"])?.cumulativeWeights).toEqual([0.5, 1]);
  });

  it("sends an untagged request to the default deployments when there are any, else to all", () => {
    expect(ids(routeForTags(route([["eu"], ["default"]]), []))).toEqual(["d1"]);
    expect(ids(routeForTags(route([["eu"], null]), []))).toEqual(["d0", "d1"]);
  });

  it("reads metadata.tags and the x-gw-tags header", () => {
    expect(requestRoutingTags({ metadata: { tags: ["a", 3, "", "b"] } }, new Headers({ "x-gw-tags": " b, c ,," }))).toEqual(["a", "b", "c"]);
    expect(requestRoutingTags({}, new Headers())).toEqual([]);
  });
});
