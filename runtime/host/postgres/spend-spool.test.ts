import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSpendSpool } from "./spend-spool.ts";
import { testLedgerRows } from "../../stores/contracts/ledger-test-rows.ts";

const directories: string[] = [];
function freshDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "gw-spool-"));
  directories.push(directory);
  return directory;
}
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe("spend spool", () => {
  it("keeps appended rows in order across files and gives back sealed files only", async () => {
    const directory = freshDirectory();
    const spool = openSpendSpool({ directory, maxFileBytes: 2_000 });
    const rows = testLedgerRows(30);
    for (let start = 0; start < rows.length; start += 5) await spool.append(rows.slice(start, start + 5));
    expect(spool.rowCount()).toBe(30);
    const sealedBefore = spool.sealedFiles();
    expect(sealedBefore.length).toBeGreaterThan(1); // rotated by size
    await spool.seal();
    const files = spool.sealedFiles();
    const replayed = [];
    for (const name of files) replayed.push(...(await spool.readFile(name)));
    expect(replayed).toEqual(rows);
    for (const name of files) await spool.removeFile(name);
    expect(spool.rowCount()).toBe(0);
    expect(readdirSync(directory).filter((name) => name.endsWith(".ndjson"))).toEqual([]);
    await spool.close();
  });

  it("seals a file left open by a dead process and skips a torn last line", async () => {
    const directory = freshDirectory();
    const rows = testLedgerRows(3);
    writeFileSync(
      join(directory, "spool-00001700000000000-000000-abcdef.ndjson.open"),
      rows.map((row) => JSON.stringify(row)).join("\n") + '\n{"requestId":"torn',
    );
    writeFileSync(join(directory, "spool.lock"), "999999999");
    const messages: string[] = [];
    const spool = openSpendSpool({ directory, onError: (message) => messages.push(message) });
    const [name, ...others] = spool.sealedFiles();
    expect(others).toEqual([]);
    expect(await spool.readFile(name as string)).toEqual(rows);
    expect(messages.join("\n")).toContain("incomplete line");
    await spool.close();
  });

  it("refuses a directory another live spool holds, and frees it on close", async () => {
    const directory = freshDirectory();
    const first = openSpendSpool({ directory });
    expect(() => openSpendSpool({ directory })).toThrow(/already open/);
    await first.close();
    const second = openSpendSpool({ directory });
    await second.close();
  });

  it("keeps rejected rows apart from the replayable files", async () => {
    const directory = freshDirectory();
    const spool = openSpendSpool({ directory });
    const [row] = testLedgerRows(1);
    await spool.reject([row!], "22P05 unsupported Unicode escape sequence");
    expect(spool.sealedFiles()).toEqual([]);
    const line = JSON.parse(readFileSync(join(directory, "rejected.ndjson"), "utf8")) as { reason: string; row: unknown };
    expect(line).toMatchObject({ reason: "22P05 unsupported Unicode escape sequence", row });
    await spool.close();
  });
});
