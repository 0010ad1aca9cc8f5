import { describe, expect, it } from "vitest";
import type { ResourceProvider } from "../model.js";
import { type PlanContext, type PlanRequest, planDeploy } from "./plan.js";
import type { ResourceState } from "./records.js";

/** Planning never calls a provider: these only describe properties. */
function provider(
  type: string,
  properties: string[],
  extra: Partial<ResourceProvider> = {},
): ResourceProvider {
  const fail = () => Promise.reject(new Error("not called by the planner"));
  return { type, properties, create: fail, update: fail, delete: fail, ...extra };
}

const registry = new Map(
  [
    provider("Test::Queue", ["Name", "Timeout", "Target"], { replaceOn: ["Name"] }),
    provider("Test::Role", ["Document", "RoleName"], { recordedOnly: true }),
    provider("Test::Needs", ["Value"], { required: ["Value"] }),
    provider("Test::Subscription", ["Protocol", "Target"], {
      notCreated: (p) => (p.Protocol === "email" ? "Protocol email: no email" : undefined),
    }),
  ].map((p) => [p.type, p]),
);

const pseudo = { region: "us-east-1", accountId: "000000000000", stackName: "s", stackId: "arn:s" };

function request(body: string, overrides: Partial<PlanRequest> = {}): PlanRequest {
  return {
    templateBody: body,
    parameters: {},
    usePrevious: [],
    capabilities: [],
    tags: [],
    notificationArns: [],
    direct: false,
    strict: false,
    ...overrides,
  };
}

function context(current: Record<string, ResourceState> = {}): PlanContext {
  return { registry, pseudo, current, importValue: () => undefined };
}

function state(
  logicalId: string,
  properties: Record<string, unknown>,
  attributes: Record<string, unknown> = {},
): ResourceState {
  return {
    logicalId,
    type: "Test::Queue",
    physicalId: `phys-${logicalId}`,
    attributes,
    properties,
    status: "CREATE_COMPLETE",
    updatedAt: 0,
    dependsOn: [],
  };
}

describe("planDeploy", () => {
  it("adds every resource of a new stack, in dependency order", () => {
    const plan = planDeploy(
      request(`
Resources:
  B:
    Type: Test::Queue
    Properties: { Target: !GetAtt A.Arn }
  A:
    Type: Test::Queue
`),
      context(),
    );
    expect(plan.changes.map((c) => [c.action, c.logicalId])).toEqual([
      ["Add", "A"],
      ["Add", "B"],
    ]);
    expect(plan.failures).toEqual([]);
  });

  it("compares resolved properties: in-place change, replacement, removal, no change", () => {
    const body = `
Parameters:
  T: { Type: Number, Default: 30 }
Resources:
  Same:
    Type: Test::Queue
    Properties: { Name: same }
  Tuned:
    Type: Test::Queue
    Properties: { Name: tuned, Timeout: !Ref T }
  Renamed:
    Type: Test::Queue
    Properties: { Name: new-name }
`;
    const plan = planDeploy(
      request(body, { parameters: { T: "60" } }),
      context({
        Same: state("Same", { Name: "same" }),
        Tuned: state("Tuned", { Name: "tuned", Timeout: 30 }),
        Renamed: state("Renamed", { Name: "old-name" }),
        Dropped: state("Dropped", {}),
      }),
    );
    expect(plan.changes.map((c) => [c.action, c.logicalId, c.replacement ?? "-"])).toEqual([
      ["Modify", "Tuned", "False"],
      ["Modify", "Renamed", "True"],
      ["Remove", "Dropped", "-"],
    ]);
    expect(plan.changes[0]?.details).toEqual([
      {
        Target: { Attribute: "Properties", Name: "Timeout", RequiresRecreation: "Never" },
        Evaluation: "Static",
        ChangeSource: "DirectModification",
      },
    ]);
  });

  it("marks values that depend on a replaced resource as dynamic (Conditional replacement)", () => {
    const plan = planDeploy(
      request(`
Resources:
  Source:
    Type: Test::Queue
    Properties: { Name: renamed }
  User:
    Type: Test::Queue
    Properties: { Name: !GetAtt Source.Arn }
`),
      context({
        Source: state("Source", { Name: "first" }, { Arn: "arn:first" }),
        User: state("User", { Name: "arn:first" }),
      }),
    );
    const user = plan.changes.find((c) => c.logicalId === "User");
    expect(user?.replacement).toBe("Conditional");
    expect(user?.details[0]?.Evaluation).toBe("Dynamic");
  });

  it("lists unsupported types, properties and attributes, and recorded-only types", () => {
    const plan = planDeploy(
      request(`
Resources:
  Q:
    Type: Test::Queue
    CreationPolicy: { ResourceSignal: { Count: 1 } }
    DeletionPolicy: Snapshot
    Properties: { Name: q, Encryption: true }
  R:
    Type: Test::Role
    Properties: { Document: {} }
  T:
    Type: Other::Table
`),
      context(),
    );
    expect(plan.failures).toEqual([]);
    expect(plan.inputs.skipped).toEqual(["T"]);
    expect(plan.inputs.notes).toEqual([
      "Not applied by Nimbus: Q (Test::Queue) attribute CreationPolicy; Q (Test::Queue) Snapshot policy: Nimbus deletes the resource without a snapshot; Q (Test::Queue) property Encryption; T (Other::Table): resource type not supported, not created",
      "Recorded, not enforced: R (Test::Role)",
    ]);
    expect(plan.changes.map((c) => c.logicalId)).toEqual(["Q", "R"]);
  });

  it("fails in strict mode, on missing required properties and on references to unsupported types", () => {
    const strict = planDeploy(
      request("Resources:\n  Q:\n    Type: Test::Queue\n    Properties: { Encryption: true }\n", {
        strict: true,
      }),
      context(),
    );
    expect(strict.failures).toEqual(["Nimbus strict mode: not applied: Q (Test::Queue) property Encryption"]);
    const missing = planDeploy(request("Resources:\n  N:\n    Type: Test::Needs\n"), context());
    expect(missing.failures).toEqual([
      "Properties validation failed for resource N with message: #: required key [Value] not found",
    ]);
    const refs = planDeploy(
      request(
        "Resources:\n  T:\n    Type: Other::Table\n  Q:\n    Type: Test::Queue\n    Properties: { Name: !Ref T }\n",
      ),
      context(),
    );
    expect(refs.failures).toEqual([
      "Resource Q refers to T (Other::Table), a resource type Nimbus does not support",
    ]);
    const outputs = planDeploy(
      request("Resources:\n  T:\n    Type: Other::Table\nOutputs:\n  Arn:\n    Value: !GetAtt T.Arn\n"),
      context(),
    );
    expect(outputs.failures).toEqual([
      "Output Arn refers to T (Other::Table), a resource type Nimbus does not support",
    ]);
  });

  it("refuses other transforms and a changed resource type", () => {
    expect(() =>
      planDeploy(request("Transform: AWS::Include\nResources:\n  Q: { Type: Test::Queue }\n"), context()),
    ).toThrow(/AWS::Include/);
    expect(() =>
      planDeploy(
        request("Resources:\n  Q: { Type: Test::Role, Properties: { Document: {} } }\n"),
        context({ Q: state("Q", {}) }),
      ),
    ).toThrow("Update of resource type is not permitted");
  });

  it("skips a resource its provider does not create with those properties, and says so", () => {
    const body = `Resources:
  Mail: { Type: Test::Subscription, Properties: { Protocol: email } }
  Queue: { Type: Test::Subscription, Properties: { Protocol: sqs } }
`;
    const plan = planDeploy(request(body), context());
    expect(plan.inputs.skipped).toEqual(["Mail"]);
    expect(plan.changes.map((c) => c.logicalId)).toEqual(["Queue"]);
    expect(plan.inputs.notes.join("\n")).toContain(
      "Mail (Test::Subscription): Protocol email: no email, not created",
    );
    const strict = planDeploy(request(body, { strict: true }), context());
    expect(strict.failures.join("\n")).toContain(
      "Nimbus strict mode: not applied: Mail (Test::Subscription)",
    );
    const referenced = planDeploy(
      request(`${body}  Other: { Type: Test::Queue, Properties: { Target: !Ref Mail } }\n`),
      context(),
    );
    expect(referenced.failures.join("\n")).toContain("Resource Other refers to Mail (Test::Subscription)");
  });
});
