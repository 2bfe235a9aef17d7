import { defineConfig, env } from "gw-gateway/config";
export default defineConfig({ a: env("X") });
