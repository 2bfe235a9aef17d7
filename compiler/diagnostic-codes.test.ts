import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DIAGNOSTIC_CODES, listDiagnosticCodes } from "./diagnostic-codes.ts";

describe("diagnostic codes", () => {
  it("are unique and well-formed", () => {
    const codes = Object.values(DIAGNOSTIC_CODES).map((info) => info.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^GW1\d{3}$/);
  });

  it("are documented in DIAGNOSTICS.md with the same severity and title", () => {
    const document = readFileSync(fileURLToPath(new URL("./DIAGNOSTICS.md", import.meta.url)), "utf8");
    const rows = new Map(
      [...document.matchAll(/^\| (GW\d{4}) \| (error|warning) \| ([^|]+) \|/gm)].map((match) => [match[1], `${match[2]} ${match[3]!.trim()}`]),
    );
    for (const info of listDiagnosticCodes()) expect(rows.get(info.code), info.code).toBe(`${info.severity} ${info.title}`);
    expect(rows.size).toBe(listDiagnosticCodes().length);
  });
});
