import { describe, expect, it } from "vitest";
import { isPlatformError } from "../core/errors.js";
import { WORKFLOW_ERRORS, workflowError } from "./errors.js";

describe("workflow errors", () => {
  it("use stable ERR_WORKFLOW_ codes", () => {
    for (const code of Object.values(WORKFLOW_ERRORS)) expect(code).toMatch(/^ERR_WORKFLOW_[A-Z_]+$/);
  });

  it("surface as the AWS exceptions the SFN API names", () => {
    const invalid = workflowError.invalidDefinition("bad");
    expect(isPlatformError(invalid)).toBe(true);
    expect(invalid).toMatchObject({
      code: WORKFLOW_ERRORS.invalidDefinition,
      status: 400,
      awsName: "InvalidDefinition",
      kind: "user",
    });
    expect(workflowError.invalidExecutionInput("x").awsName).toBe("InvalidExecutionInput");
    expect(workflowError.corruptExecutionState("x")).toMatchObject({ kind: "system", status: 500 });
  });
});
