/**
 * An embedding vector in the encoding the client asked for: floats, or with
 * `encoding_format: "base64"` the base64 of the little-endian float32 array, as OpenAI sends it
 * (the official SDKs decode it with Float32Array).
 * @see https://platform.openai.com/docs/api-reference/embeddings/create#embeddings-create-encoding_format
 */
export function encodeEmbedding(values: readonly number[], format: unknown): number[] | string {
  if (format !== "base64") return values as number[];
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < values.length; index++) view.setFloat32(index * 4, values[index]!, true);
  let binary = "";
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  }
  return btoa(binary);
}
