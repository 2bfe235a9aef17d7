/**
 * Read a compiled bundle from a JSON file and check it once against the bundle schema
 * (contract/validate-bundle.ts). Start-up only; the request path never reads files.
 */
import { readFile } from "node:fs/promises";
import type { Bundle } from "../../contract/bundle.ts";
import { validateBundle } from "../../contract/validate-bundle.ts";
import { BundleLoadError } from "./load-bundle.ts";

export async function readBundleFile(path: string): Promise<Bundle> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new BundleLoadError(`Cannot read the bundle ${path}${code ? ` (${code})` : ""}. Build one with \`gw build\`.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BundleLoadError(`The bundle ${path} is not valid JSON. Rebuild it with \`gw build\`.`);
  }
  return checkBundle(value, path);
}

/** Validate a bundle value once (schema and format version); throws BundleLoadError listing every problem. */
export async function checkBundle(value: unknown, origin: string): Promise<Bundle> {
  const problems = validateBundle(value);
  if (problems.length > 0) {
    throw new BundleLoadError(
      `The bundle ${origin} is not a valid gw bundle:\n${problems.map((problem) => `  - ${problem}`).join("\n")}\n` +
        `Rebuild it with \`gw build\` using this version of gw.`,
    );
  }
  return value as Bundle;
}
