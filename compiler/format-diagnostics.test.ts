import { describe, expect, it } from "vitest";
import type { Diagnostic } from "./diagnostic.ts";
import { formatDiagnostics } from "./format-diagnostics.ts";

const diagnostics: Diagnostic[] = [
  {
    code: "GW1203",
    severity: "error",
    message: "Fallback cycle: a -> b -> a. Remove one of the fallbacks in this cycle.",
    path: ["fallbacks", "a", 0],
    file: "/project/gateway.config.ts",
    line: 12,
    column: 9,
  },
  {
    code: "GW1401",
    severity: "warning",
    message: "No built-in price for openai model \"x\": 100% free, for now,\nso add a price.",
    path: ["models", 0, "deployments", 0, "model"],
    file: "/project/gateway.config.ts",
    line: 4,
    column: 7,
  },
];

describe("formatDiagnostics", () => {
  it("text: compiler style with relative paths and a summary", () => {
    expect(formatDiagnostics(diagnostics, "text", { cwd: "/project" })).toBe(
      "gateway.config.ts:12:9 error GW1203 Fallback cycle: a -> b -> a. Remove one of the fallbacks in this cycle.\n" +
        'gateway.config.ts:4:7 warning GW1401 No built-in price for openai model "x": 100% free, for now,\nso add a price.\n' +
        "\n1 error, 1 warning\n",
    );
    expect(formatDiagnostics([], "text")).toBe("");
  });

  it("text: colors only when asked", () => {
    expect(formatDiagnostics(diagnostics, "text", { cwd: "/project", color: true })).toContain("\u001b[31;1merror\u001b[0m");
    expect(formatDiagnostics(diagnostics, "text", { cwd: "/project" })).not.toContain("\u001b[");
  });

  it("text: omits the position when there is none", () => {
    const missing: Diagnostic = { ...diagnostics[0]!, code: "GW1001", line: 0, column: 0, file: "/project/gateway.config.ts" };
    expect(formatDiagnostics([missing], "text", { cwd: "/project" })).toMatch(/^gateway\.config\.ts error GW1001 /);
  });

  it("github: one escaped workflow command per diagnostic", () => {
    expect(formatDiagnostics(diagnostics, "github", { cwd: "/project" })).toBe(
      "::error file=gateway.config.ts,line=12,col=9,title=GW1203::Fallback cycle: a -> b -> a. Remove one of the fallbacks in this cycle.\n" +
        '::warning file=gateway.config.ts,line=4,col=7,title=GW1401::No built-in price for openai model "x": 100%25 free, for now,%0Aso add a price.\n',
    );
  });

  it("json: counts and diagnostics with relative files", () => {
    const parsed = JSON.parse(formatDiagnostics(diagnostics, "json", { cwd: "/project" }));
    expect(parsed.errors).toBe(1);
    expect(parsed.warnings).toBe(1);
    expect(parsed.diagnostics[0]).toEqual({ ...diagnostics[0], file: "gateway.config.ts" });
  });
});
