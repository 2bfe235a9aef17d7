import { describe, expect, it } from "vitest";
import { parseChatRequest } from "./chat.ts";
import { GatewayError } from "../http/errors.ts";

const withRole = (role: unknown): unknown => ({ model: "chat", messages: [{ role: "user", content: "hi" }, { role, content: "x" }] });

describe("parseChatRequest roles", () => {
  it("accepts every OpenAI role", () => {
    for (const role of ["system", "developer", "user", "assistant", "tool", "function"]) {
      expect(parseChatRequest(withRole(role))).not.toBeInstanceOf(GatewayError);
    }
  });

  it("refuses any other role with a 400 naming messages[i].role", () => {
    for (const role of ["admin", "", "human"]) {
      const refused = parseChatRequest(withRole(role));
      expect(refused).toBeInstanceOf(GatewayError);
      expect((refused as GatewayError).status).toBe(400);
      expect((refused as GatewayError).param).toBe("messages[1].role");
    }
  });
});
