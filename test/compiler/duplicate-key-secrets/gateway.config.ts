import { defineConfig, env } from "gw-gateway/config";

// KEY_ALICE and KEY_BOB hold the same value at build time (see env.json), and two keys read KEY_CAROL.
export default defineConfig({
  models: [{ name: "chat", deployments: [{ provider: "mock", model: "a" }] }],
  teams: [{ name: "t" }],
  keys: [
    { name: "alice", team: "t", key: env("KEY_ALICE") },
    { name: "bob", team: "t", key: env("KEY_BOB") },
    { name: "carol", team: "t", key: env("KEY_CAROL") },
    { name: "carol-again", team: "t", key: env("KEY_CAROL") },
    { name: "by-hash", team: "t", keyHash: "4c2a4b3e1f9d5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c" },
    { name: "by-hash-too", team: "t", keyHash: "4C2A4B3E1F9D5E6A7B8C9D0E1F2A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C" },
  ],
  masterKey: env("KEY_CAROL"),
});
