/**
 * An upstream error body as JSON, for the error mappers: undefined when it is not JSON (a
 * proxy's HTML page, a plain-text 502), which every mapper reads as "no detail", never a crash.
 */
export function parseErrorBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
