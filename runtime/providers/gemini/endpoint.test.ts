import { describe, expect, it } from "vitest";
import { testDeployment } from "../../testing/deployment.ts";
import { generateContentUrl, modelPath } from "./endpoint.ts";

describe("gemini endpoint", () => {
  it("puts a bare model under models/ and keeps resource names", () => {
    expect(modelPath("gemini-2.5-flash")).toBe("models/gemini-2.5-flash");
    expect(modelPath("tunedModels/my-model-123")).toBe("tunedModels/my-model-123");
  });

  it("percent-encodes each segment, so a client-chosen name cannot add a query or fragment", () => {
    const deployment = testDeployment({ provider: "gemini", model: "gemini?key=x#", baseUrl: "https://generativelanguage.googleapis.com/v1beta" });
    const url = new URL(generateContentUrl(deployment, false));
    expect(url.pathname).toBe("/v1beta/models/gemini%3Fkey%3Dx%23:generateContent");
    expect(url.search).toBe("");
  });

  it("refuses dot segments, which would leave the model's path", () => {
    for (const model of ["../../files", "models/..", "./x", "a//b"]) {
      expect(() => modelPath(model), model).toThrow(/not a valid Gemini model name/);
    }
  });
});
