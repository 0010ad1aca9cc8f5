import { describe, expect, it } from "vitest";
import { eventLine, outputsText, planText } from "./render.js";

describe("deploy output", () => {
  it("shows the plan as a table and each note under its heading", () => {
    const text = planText({
      changeSetId: "cs",
      changeSetType: "UPDATE",
      changes: [
        { action: "Modify", logicalId: "Fn", resourceType: "AWS::Lambda::Function", replacement: "False" },
        { action: "Add", logicalId: "Queue", resourceType: "AWS::SQS::Queue" },
      ],
      notes: [
        "Not applied by Nimbus: Q (AWS::SQS::Queue) property X; Tags: kept with the stack",
        "Recorded, not enforced: R (AWS::IAM::Role)",
      ],
    });
    expect(text).toBe(
      [
        "Change set (UPDATE):",
        "  Action  LogicalId  Type                   Replacement",
        "  Modify  Fn         AWS::Lambda::Function  False",
        "  Add     Queue      AWS::SQS::Queue        -",
        "",
        "Notes:",
        "  Not applied by Nimbus:",
        "    - Q (AWS::SQS::Queue) property X",
        "    - Tags: kept with the stack",
        "  Recorded, not enforced:",
        "    - R (AWS::IAM::Role)",
      ].join("\n"),
    );
  });

  it("says when a change set changes no resource", () => {
    expect(planText({ changeSetId: "cs", changeSetType: "CREATE", changes: [], notes: [] })).toContain(
      "(no resource changes)",
    );
  });

  it("prints outputs and events", () => {
    expect(outputsText({ outputDetails: [] })).toBe("");
    expect(outputsText({ outputDetails: [{ key: "Url", value: "http://x", description: "the API" }] })).toBe(
      "Outputs:\n  Key  Value     Description\n  Url  http://x  the API",
    );
    const line = eventLine({
      timestamp: "2026-12-07T17:46:45.123Z",
      logicalId: "Q",
      resourceType: "AWS::SQS::Queue",
      status: "CREATE_FAILED",
      reason: "bad",
    });
    expect(line).toMatch(/^ {2}17:46:45 {2}CREATE_FAILED +AWS::SQS::Queue +Q {2}bad$/);
  });
});
