/**
 * defineConfig as an editor sees it: `npm run typecheck` compiles this file, so each
 * `@ts-expect-error` below fails the typecheck if the typo it marks stops being an error.
 */
import { describe, expect, it } from "vitest";
import { defineConfig, env } from "./define-config.ts";

describe("defineConfig", () => {
  it("returns the config as given", () => {
    const config = defineConfig({ models: [{ name: "a", deployments: [{ provider: "mock", model: "x" }] }] });
    expect(config.models[0]?.name).toBe("a");
  });

  it("makes typos in optional properties type errors (checked by the typecheck)", () => {
    const typos = [
      defineConfig({
        models: [
          {
            name: "a",
            deployments: [
              {
                provider: "openai",
                model: "gpt-4o",
                apiKey: env("OPENAI_API_KEY"),
                // @ts-expect-error -- baseURL is spelled baseUrl
                baseURL: "https://example.test/v1",
              },
            ],
          },
        ],
      }),
      // @ts-expect-error -- weigth is spelled weight
      defineConfig({ models: [{ name: "a", deployments: [{ provider: "mock", model: "x", weigth: 2 }] }] }),
      defineConfig({
        models: [{ name: "a", deployments: [{ provider: "mock", model: "x" }] }],
        // @ts-expect-error -- the top-level property is fallbacks
        fallback: { a: [] },
      }),
    ];
    expect(typos).toHaveLength(3);
  });
});
