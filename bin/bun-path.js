// Locates the Bun binary shipped inside the `bun` npm package (or its platform package).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

export function bunBinary() {
  if (process.env.GW_BUN && existsSync(process.env.GW_BUN)) return process.env.GW_BUN;
  const candidates = [];
  try {
    const root = dirname(require.resolve("bun/package.json"));
    candidates.push(join(root, "bin", "bun.exe"), join(root, "bin", "bun"));
  } catch {}
  const platformPackages = [`@oven/bun-${process.platform}-${process.arch}`, `@oven/bun-${process.platform}-${process.arch}-baseline`];
  for (const name of platformPackages) {
    try {
      const root = dirname(require.resolve(`${name}/package.json`));
      candidates.push(join(root, "bin", "bun"));
    } catch {}
  }
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error("gw: the Bun binary was not found. Run `npm install` in the gw package (Bun ships inside the `bun` npm package).");
  }
  return found;
}
