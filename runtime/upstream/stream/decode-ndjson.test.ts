import { describe, expect, it } from "vitest";
import { byteStream, splitBytes } from "./byte-stream.ts";
import { decodeNdjson } from "./decode-ndjson.ts";

async function lines(parts: ReadonlyArray<Uint8Array | string>): Promise<string[]> {
  const out: string[] = [];
  for await (const event of decodeNdjson(byteStream(parts))) {
    expect(event.event).toBeUndefined();
    out.push(event.data);
  }
  return out;
}

const documents = ['{"message":{"content":"Hé"},"done":false}', '{"message":{"content":"llo ✓"},"done":false}', '{"done":true,"eval_count":2}'];

describe("decodeNdjson", () => {
  it("yields one event per line, skipping blank lines and accepting CRLF", async () => {
    expect(await lines([`${documents[0]}\r\n\n${documents[1]}\n${documents[2]}\n`])).toEqual(documents);
  });

  it("reassembles lines and UTF-8 characters split at any byte", async () => {
    const bytes = new TextEncoder().encode(`${documents.join("\n")}\n`);
    for (let cut = 1; cut < bytes.length; cut += 3) {
      expect(await lines(splitBytes(bytes, [cut]))).toEqual(documents);
    }
  });

  it("delivers a last line that has no trailing newline", async () => {
    expect(await lines([`${documents[0]}\n${documents[2]}`])).toEqual([documents[0], documents[2]]);
  });
});
