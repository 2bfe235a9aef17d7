import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

/** The file names `gw` looks for, in order, when no config path is given. */
export const CONFIG_FILE_NAMES = ["gateway.config.ts", "gateway.config.yaml", "gateway.config.yml"] as const;

/** The absolute path of the first config file present in `cwd`, or null. */
export function findConfigFile(cwd: string): string | null {
  for (const name of CONFIG_FILE_NAMES) {
    const path = join(cwd, name);
    if (existsSync(path) && statSync(path).isFile()) return path;
  }
  return null;
}
