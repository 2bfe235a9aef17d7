/** gw's version, from package.json (read once, at start-up), for gw_build_info and the banner. */
import { readFileSync } from "node:fs";

export const gatewayVersion: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
