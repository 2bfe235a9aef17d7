import { LineCounter, parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { locateInYaml } from "./locate.ts";
import { locateInTypescript } from "./locate-typescript.ts";

describe("locateInYaml", () => {
  const source = ["models:", "  - name: a", "    deployments:", "      - provider: openai", "        weight: -1", "fallbacks:", "  a: [b, c]", ""].join("\n");
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter });
  const at = (path: (string | number)[]) => locateInYaml(document, lineCounter, path);

  it("points at the key of the offending property", () => {
    expect(at(["models", 0, "deployments", 0, "weight"])).toEqual({ line: 5, column: 9 });
    expect(at(["fallbacks", "a"])).toEqual({ line: 7, column: 3 });
  });

  it("points at array items, flow sequences included", () => {
    expect(at(["models", 0])).toEqual({ line: 2, column: 5 });
    expect(at(["fallbacks", "a", 1])).toEqual({ line: 7, column: 10 });
  });

  it("falls back to the nearest ancestor that exists", () => {
    expect(at(["models", 0, "deployments", 0, "model"])).toEqual({ line: 4, column: 9 });
    expect(at([])).toEqual({ line: 1, column: 1 });
  });
});

describe("locateInTypescript", () => {
  const source = [
    'import { defineConfig, env } from "gw-gateway/config";', // 1
    "const base = { provider: \"openai\", weight: 2 } as const;", // 2
    "const claude = { name: \"claude\", deployments: [{ provider: \"anthropic\", model: \"c\" }] };", // 3
    "const extra = [] as never[];", // 4
    "export default defineConfig({", // 5
    "  models: [", // 6
    "    { name: \"a\", deployments: [{ ...base, model: \"gpt-4o\" }] },", // 7
    "    claude,", // 8
    "    ...extra,", // 9
    "    { name: \"z\", deployments: [] },", // 10
    "  ],", // 11
    "  \"masterKey\": env(\"GW_MASTER_KEY\"),", // 12
    "});", // 13
  ].join("\n");
  const at = (...paths: (string | number)[][]) => locateInTypescript("/virtual/gateway.config.ts", source, paths);

  it("walks property assignments and array elements", () => {
    expect(at(["models", 0, "deployments", 0, "model"])).toEqual([{ line: 7, column: 43 }]);
    expect(at(["models", 0, "name"], ["masterKey"])).toEqual([{ line: 7, column: 7 }, { line: 12, column: 3 }]);
  });

  it("follows spreads and variables to where the value is written", () => {
    expect(at(["models", 0, "deployments", 0, "weight"])).toEqual([{ line: 2, column: 36 }]);
    expect(at(["models", 1, "deployments", 0, "provider"])).toEqual([{ line: 3, column: 50 }]);
  });

  it("stops at the nearest ancestor when the source cannot be followed", () => {
    // After `...extra`, runtime indexes no longer match the source: point at the models array.
    expect(at(["models", 3, "name"])).toEqual([{ line: 6, column: 3 }]);
    expect(at(["masterKey", "$env"])).toEqual([{ line: 12, column: 3 }]);
    expect(at([])).toEqual([{ line: 5, column: 29 }]);
  });
});
