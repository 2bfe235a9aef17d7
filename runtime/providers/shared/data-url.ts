/**
 * Base64 `data:` URLs, the way OpenAI clients send images (`image_url.url`) and files
 * (`file.file_data`) inline: `data:<media type>[;params];base64,<data>`.
 * @see https://www.rfc-editor.org/rfc/rfc2397
 */

/** The lower-cased media type (empty when the URL names none) and the base64 data; null when not a base64 data: URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | null {
  const comma = url.indexOf(",");
  if (!url.startsWith("data:") || comma < 0) return null;
  const header = url.slice(5, comma);
  if (!header.endsWith(";base64")) return null;
  return { mediaType: (header.split(";")[0] ?? "").toLowerCase(), data: url.slice(comma + 1) };
}
