import { describe, expect, it } from "vitest";
import { assertName, parseArn } from "./names.js";

describe("state machine and execution names and ARNs", () => {
  it("accepts AWS-valid names and refuses forbidden characters", () => {
    expect(() => assertName("my-machine_1")).not.toThrow();
    for (const bad of ["", "a b", "a:b", "a/b", "a*", "x".repeat(81), "tab\there"])
      expect(() => assertName(bad)).toThrowError(expect.objectContaining({ awsName: "InvalidName" }));
  });

  it("parses state machine, execution and express ARNs", () => {
    expect(parseArn("arn:aws:states:us-east-1:000000000000:stateMachine:sm", ["stateMachine"])).toEqual({
      region: "us-east-1",
      accountId: "000000000000",
      kind: "stateMachine",
      machine: "sm",
    });
    expect(parseArn("arn:aws:states:us-east-1:000000000000:execution:sm:run", ["execution"])).toMatchObject({
      machine: "sm",
      name: "run",
    });
    expect(
      parseArn("arn:aws:states:us-east-1:000000000000:express:sm:run:0a1b", ["execution", "express"]),
    ).toMatchObject({ kind: "express", machine: "sm", name: "run" });
  });

  it("answers InvalidArn for malformed or wrong-kind ARNs", () => {
    for (const bad of [
      "nope",
      "arn:aws:states:us-east-1:000000000000:execution:sm:run",
      "arn:aws:states:us-east-1:000000000000:stateMachine:",
      "arn:aws:states:us-east-1:000000000000:stateMachine:a:b",
    ])
      expect(() => parseArn(bad, ["stateMachine"])).toThrowError(
        expect.objectContaining({ awsName: "InvalidArn" }),
      );
  });
});
