import { expect } from "vitest";
import { analyzeConfig } from "../../compiler/pipeline.ts";
import type { Bundle } from "../../contract/bundle.ts";

/** Compiles config data in-process (no file), asserting it has no error. For unit tests. */
export function compileObject(config: unknown, environment: Record<string, string> = {}): Bundle {
  const { diagnostics, bundle } = analyzeConfig(config, { format: "typescript", environment, source: "gateway.config.ts", compile: true });
  expect(diagnostics.filter((diagnostic) => diagnostic.severity === "error")).toEqual([]);
  return bundle!;
}
