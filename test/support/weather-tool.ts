/**
 * The function tool most end-to-end tests offer the model, in OpenAI's request shape: one
 * required string parameter, as in OpenAI's function-calling guide. Tests compare what the
 * upstream received against it, so it is shared read-only (never mutate it in a test).
 * @see https://platform.openai.com/docs/guides/function-calling
 */
export const weatherTool = {
  type: "function" as const,
  function: {
    name: "weather",
    description: "Get the weather in a location",
    parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
  },
};
