import { describe, expect, it } from "vitest";
import { toGeminiParameters, toGeminiSchema } from "./json-schema-to-gemini.ts";

describe("toGeminiSchema", () => {
  it("keeps what Google accepts, upper-cases types and drops the rest", () => {
    const converted = toGeminiSchema({
      $schema: "http://json-schema.org/draft-07/schema#",
      title: "Weather",
      type: "object",
      additionalProperties: false,
      properties: {
        location: { type: "string", description: "City", minLength: 1, maxLength: 80, pattern: "^[A-Z]", format: "email" },
        days: { type: "integer", minimum: 1, maximum: 7, exclusiveMaximum: 8, multipleOf: 1, default: 3, format: "int32" },
        when: { type: "string", format: "date-time" },
        tags: { type: "array", items: { type: "string" }, minItems: 0, maxItems: 3, uniqueItems: true },
      },
      required: ["location", "nonexistent"],
    });
    expect(converted).toEqual({
      type: "OBJECT",
      properties: {
        location: { type: "STRING", description: "City", minLength: 1, maxLength: 80, pattern: "^[A-Z]" },
        days: { type: "INTEGER", format: "int32", minimum: 1, maximum: 7 },
        when: { type: "STRING", format: "date-time" },
        tags: { type: "ARRAY", items: { type: "STRING" }, minItems: 0, maxItems: 3 },
      },
      required: ["location"],
    });
  });

  it("turns nullable type arrays and null branches of anyOf/oneOf into nullable", () => {
    expect(toGeminiSchema({ type: ["string", "null"], description: "Maybe" })).toEqual({ type: "STRING", nullable: true, description: "Maybe" });
    expect(toGeminiSchema({ anyOf: [{ type: "integer" }, { type: "null" }], description: "Count" })).toEqual({
      type: "INTEGER",
      nullable: true,
      description: "Count",
    });
    expect(toGeminiSchema({ oneOf: [{ type: "string" }, { type: "number" }] })).toEqual({ anyOf: [{ type: "STRING" }, { type: "NUMBER" }] });
    expect(toGeminiSchema({ type: ["string", "integer"] })).toEqual({ anyOf: [{ type: "STRING" }, { type: "INTEGER" }] });
  });

  it("converts string enums and const, and describes enums Google cannot express", () => {
    expect(toGeminiSchema({ type: "string", enum: ["celsius", "fahrenheit"] })).toEqual({ type: "STRING", enum: ["celsius", "fahrenheit"] });
    expect(toGeminiSchema({ enum: ["a", null] })).toEqual({ type: "STRING", enum: ["a"], nullable: true });
    expect(toGeminiSchema({ const: "fixed" })).toEqual({ type: "STRING", enum: ["fixed"] });
    expect(toGeminiSchema({ type: "integer", enum: [1, 2, 3], description: "Level" })).toEqual({
      type: "INTEGER",
      description: "Level (one of: 1, 2, 3)",
    });
  });

  it("inlines $ref to $defs and definitions, and stops at recursion", () => {
    const converted = toGeminiSchema({
      type: "object",
      $defs: { Address: { type: "object", properties: { street: { type: "string" } }, required: ["street"] } },
      definitions: { Node: { type: "object", properties: { child: { $ref: "#/definitions/Node" }, name: { type: "string" } } } },
      properties: {
        home: { $ref: "#/$defs/Address", description: "Home address" },
        tree: { $ref: "#/definitions/Node" },
        broken: { $ref: "#/$defs/Missing" },
      },
    });
    expect(converted.properties?.home).toEqual({
      type: "OBJECT",
      description: "Home address",
      properties: { street: { type: "STRING" } },
      required: ["street"],
    });
    expect(converted.properties?.tree).toEqual({ type: "OBJECT", properties: { child: { type: "OBJECT" }, name: { type: "STRING" } } });
    expect(converted.properties?.broken).toEqual({});
  });

  it("merges allOf and infers missing types", () => {
    expect(
      toGeminiSchema({
        allOf: [
          { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
          { properties: { b: { type: "boolean" } }, required: ["b"] },
        ],
      }),
    ).toEqual({ type: "OBJECT", properties: { a: { type: "STRING" }, b: { type: "BOOLEAN" } }, required: ["a", "b"] });
    expect(toGeminiSchema({ properties: { x: { type: "number" } } })).toEqual({ type: "OBJECT", properties: { x: { type: "NUMBER" } } });
    expect(toGeminiSchema({ items: { type: "string" } })).toEqual({ type: "ARRAY", items: { type: "STRING" } });
  });

  it("leaves out an empty properties map (Google rejects it)", () => {
    expect(toGeminiSchema({ type: "object", properties: {}, additionalProperties: { type: "string" } })).toEqual({ type: "OBJECT" });
  });
});

describe("toGeminiParameters", () => {
  it("gives no parameters for a function without arguments", () => {
    expect(toGeminiParameters(undefined)).toBeUndefined();
    expect(toGeminiParameters({ type: "object", properties: {} })).toBeUndefined();
    expect(toGeminiParameters({})).toBeUndefined();
  });

  it("converts an object schema", () => {
    expect(toGeminiParameters({ type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false })).toEqual({
      type: "OBJECT",
      properties: { city: { type: "STRING" } },
      required: ["city"],
    });
  });
});
