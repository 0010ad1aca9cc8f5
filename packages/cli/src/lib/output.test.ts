import { describe, expect, it } from "vitest";
import { CliError } from "./cli-error.js";
import { sanitizeStackName } from "./deploy-stack.js";
import { parsePairs, parseSince, table } from "./output.js";

describe("CLI parsing helpers", () => {
  it("parses Key=Value pairs, repeated or space-separated, values may hold =", () => {
    expect(parsePairs(["A=1 B=x=y", "C="], "--p")).toEqual({ A: "1", B: "x=y", C: "" });
    expect(parsePairs(["ParameterKey=Stage,ParameterValue=a=b"], "--p")).toEqual({ Stage: "a=b" });
    expect(() => parsePairs(["nope"], "--p")).toThrow(CliError);
    try {
      parsePairs(["=v"], "--p");
    } catch (error) {
      expect((error as CliError).exitCode).toBe(2);
    }
  });

  it("parses --since ages and ISO times", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(parseSince("10m", now)).toBe(now - 600_000);
    expect(parseSince("2h", now)).toBe(now - 7_200_000);
    expect(parseSince("30s", now)).toBe(now - 30_000);
    expect(parseSince("2026-01-01T11:00:00Z", now)).toBe(now - 3_600_000);
    expect(() => parseSince("soon", now)).toThrow(/--since/);
  });

  it("sanitizes folder names into stack names", () => {
    expect(sanitizeStackName("my_app")).toBe("my-app");
    expect(sanitizeStackName("2048 game!")).toBe("stack-2048-game");
    expect(sanitizeStackName("hello-app")).toBe("hello-app");
    expect(sanitizeStackName("x".repeat(200))).toHaveLength(128);
  });

  it("aligns table columns", () => {
    expect(
      table(
        ["A", "Bee"],
        [
          ["long", "x"],
          ["s", "y"],
        ],
      ),
    ).toBe("A     Bee\nlong  x\ns     y");
  });
});
