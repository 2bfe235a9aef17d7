/** A ReadableStream over bytes already in memory (the mock transport, fake upstreams in tests). */
const encoder = new TextEncoder();

export function byteStream(parts: ReadonlyArray<Uint8Array | string>): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts[next++];
      if (part === undefined) {
        controller.close();
        return;
      }
      controller.enqueue(typeof part === "string" ? encoder.encode(part) : part);
    },
  });
}

/** Split bytes at the given offsets (ascending), e.g. to exercise a decoder at every boundary. */
export function splitBytes(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const offset of offsets) {
    if (offset <= start || offset >= bytes.length) continue;
    parts.push(bytes.subarray(start, offset));
    start = offset;
  }
  parts.push(bytes.subarray(start));
  return parts;
}
