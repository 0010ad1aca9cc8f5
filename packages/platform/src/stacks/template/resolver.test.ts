// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings are CloudFormation syntax
import { describe, expect, it } from "vitest";
import type { Template, TemplateValue } from "../model.js";
import {
  containsUnresolved,
  evaluateConditions,
  evaluateOutputs,
  type PseudoParameters,
  parseTemplate,
  Resolver,
  resolveParameters,
  UNRESOLVED,
} from "./index.js";

const pseudo: PseudoParameters = {
  region: "us-east-1",
  accountId: "000000000000",
  stackName: "app",
  stackId: "arn:aws:cloudformation:us-east-1:000000000000:stack/app/1",
};

const template = parseTemplate(`
Parameters:
  Stage: { Type: String, Default: prod }
  Names: { Type: CommaDelimitedList, Default: "x,y,z" }
  Index: { Type: Number, Default: 1 }
Mappings:
  Sizes:
    prod: { Memory: 1024, Zones: [a, b] }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  ProdAndEast: !And [!Condition IsProd, !Equals [!Ref "AWS::Region", us-east-1]]
  AnyOf: !Or [!Condition IsDev, !Equals ["1", !Ref Index]]
Resources:
  Queue: { Type: AWS::SQS::Queue }
  Later: { Type: AWS::SQS::Queue }
  DevOnly: { Type: AWS::SQS::Queue, Condition: IsDev }
Outputs:
  Url: { Value: !Ref Queue, Description: the url, Export: { Name: !Sub "\${AWS::StackName}-url" } }
  Zones: { Value: !FindInMap [Sizes, prod, Zones] }
  Dev: { Value: x, Condition: IsDev }
  Pending: { Value: !GetAtt Later.Arn }
`);

function setup(
  overrides: Record<string, string> = {},
  existing: Record<string, { ref: string; attributes: Record<string, unknown> }> = {},
) {
  const parameters = resolveParameters(template, overrides);
  const conditions = evaluateConditions(template, parameters, pseudo);
  const resolver = new Resolver({
    template,
    parameters,
    conditions,
    pseudo,
    resource: (id) => existing[id],
    importValue: (name) => (name === "shared" ? "imported!" : undefined),
  });
  return { parameters, conditions, resolver };
}

const queue = {
  Queue: {
    ref: "https://q/app-Queue",
    attributes: { Arn: "arn:aws:sqs:us-east-1:000000000000:app-Queue", Endpoint: { Address: "h", Port: 5 } },
  },
};
const r = (value: TemplateValue, overrides: Record<string, string> = {}) =>
  setup(overrides, queue).resolver.resolve(value);

describe("evaluateConditions", () => {
  it("evaluates Equals/And/Or/Not and condition references in any order", () => {
    expect(setup().conditions).toEqual({ IsProd: true, IsDev: false, ProdAndEast: true, AnyOf: true });
    expect(setup({ Stage: "dev", Index: "2" }).conditions).toEqual({
      IsProd: false,
      IsDev: true,
      ProdAndEast: false,
      AnyOf: true,
    });
  });

  it("rejects resource references, cycles and unknown conditions", () => {
    const make = (conditions: string) =>
      parseTemplate(`Conditions:\n${conditions}\nResources:\n  R: { Type: T }\n`) as Template;
    expect(() => evaluateConditions(make("  C: !Equals [!Ref R, x]"), {}, pseudo)).toThrow(
      "Template format error: Unresolved dependencies [R]. Cannot reference resources in the Conditions block of the template",
    );
    expect(() =>
      evaluateConditions(make("  A: !Not [!Condition B]\n  B: !Not [!Condition A]"), {}, pseudo),
    ).toThrow("Circular dependency between conditions: [A, B]");
    expect(() => evaluateConditions(make("  A: !Not [!Condition Nope]"), {}, pseudo)).toThrow(
      "Unresolved condition dependencies [Nope]",
    );
    expect(() => evaluateConditions(make("  A: !And [!Condition A]"), {}, pseudo)).toThrow(
      "every Fn::And object requires between 2 and 10 parameters",
    );
  });
});

describe("Resolver", () => {
  it("Ref: parameters, pseudo parameters, resources", () => {
    expect(r({ Ref: "Stage" })).toBe("prod");
    expect(r({ Ref: "Names" })).toEqual(["x", "y", "z"]);
    expect(r({ Ref: "Queue" })).toBe("https://q/app-Queue");
    expect(r({ Ref: "Later" })).toBe(UNRESOLVED);
    expect(
      r(
        [
          "AWS::Region",
          "AWS::AccountId",
          "AWS::StackName",
          "AWS::StackId",
          "AWS::Partition",
          "AWS::URLSuffix",
        ].map((Ref) => ({ Ref })),
      ),
    ).toEqual(["us-east-1", "000000000000", "app", pseudo.stackId, "aws", "amazonaws.com"]);
    expect(r({ Ref: "AWS::NotificationARNs" })).toEqual([]);
    expect(() => r({ Ref: "Nope" })).toThrow(
      "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template",
    );
    expect(() => r({ Ref: "DevOnly" })).toThrow("Unresolved resource dependencies [DevOnly]");
  });

  it("Fn::GetAtt: list, dotted string, nested attributes, errors", () => {
    expect(r({ "Fn::GetAtt": ["Queue", "Arn"] })).toBe(queue.Queue.attributes.Arn);
    expect(r({ "Fn::GetAtt": "Queue.Arn" })).toBe(queue.Queue.attributes.Arn);
    expect(r({ "Fn::GetAtt": ["Queue", "Endpoint.Port"] })).toBe(5);
    expect(r({ "Fn::GetAtt": ["Later", "Arn"] })).toBe(UNRESOLVED);
    expect(() => r({ "Fn::GetAtt": ["Queue", "Nope"] })).toThrow(
      "Template error: resource Queue does not support attribute type Nope in Fn::GetAtt",
    );
    expect(() => r({ "Fn::GetAtt": ["Stage", "Arn"] })).toThrow(
      "instance of Fn::GetAtt references undefined resource Stage",
    );
    expect(() => r({ "Fn::GetAtt": ["DevOnly", "Arn"] })).toThrow(
      "Unresolved resource dependencies [DevOnly]",
    );
  });

  it("Fn::Sub: parameters, pseudo, resources, attributes, escapes, variable maps", () => {
    expect(r({ "Fn::Sub": "${AWS::StackName}-${Stage}-${Queue}-${Queue.Arn}" })).toBe(
      `app-prod-https://q/app-Queue-${queue.Queue.attributes.Arn}`,
    );
    expect(r({ "Fn::Sub": "${!Literal}-${ Stage }-$x-{y}" })).toBe("${Literal}-prod-$x-{y}");
    expect(r({ "Fn::Sub": ["${A}/${B}/${Stage}", { A: { Ref: "Queue" }, B: "b" }] })).toBe(
      "https://q/app-Queue/b/prod",
    );
    expect(r({ "Fn::Sub": "arn:${Later.Arn}:x" })).toBe(`arn:${UNRESOLVED}:x`);
    expect(() => r({ "Fn::Sub": "${Nope}" })).toThrow("Unresolved resource dependencies [Nope]");
    expect(() => r({ "Fn::Sub": "${Nope.Arn}" })).toThrow("Unresolved resource dependencies [Nope]");
    expect(() => r({ "Fn::Sub": "${Names}" })).toThrow(
      "variable Names in Fn::Sub expression does not resolve to a string",
    );
  });

  it("Fn::Join / Fn::Select / Fn::Split", () => {
    expect(r({ "Fn::Join": ["-", ["a", { Ref: "Stage" }, 3]] })).toBe("a-prod-3");
    expect(r({ "Fn::Join": [",", { Ref: "Names" }] })).toBe("x,y,z");
    expect(r({ "Fn::Join": ["", ["arn:", { "Fn::GetAtt": ["Later", "Arn"] }]] })).toBe(`arn:${UNRESOLVED}`);
    expect(r({ "Fn::Select": [{ Ref: "Index" }, { Ref: "Names" }] })).toBe("y");
    expect(r({ "Fn::Select": ["2", { "Fn::Split": ["|", "a|b|c"] }] })).toBe("c");
    expect(r({ "Fn::Select": [0, { "Fn::Split": [",", { Ref: "Later" }] }] })).toBe(UNRESOLVED);
    expect(() => r({ "Fn::Select": [3, ["a"]] })).toThrow(
      "Template error: Fn::Select cannot select nonexistent value at index 3",
    );
    expect(() => r({ "Fn::Join": ["-"] })).toThrow("every Fn::Join object requires two parameters");
    expect(() => r({ "Fn::Join": ["-", [{ a: 1 }]] })).toThrow(
      "every Fn::Join object requires two parameters",
    );
  });

  it("Fn::If and AWS::NoValue remove members and elements", () => {
    const value = {
      Keep: { "Fn::If": ["IsProd", "yes", "no"] },
      Drop: { "Fn::If": ["IsDev", "yes", { Ref: "AWS::NoValue" }] },
      Also: { Ref: "AWS::NoValue" },
      List: ["a", { "Fn::If": ["IsDev", "b", { Ref: "AWS::NoValue" }] }, "c"],
    };
    expect(r(value)).toEqual({ Keep: "yes", List: ["a", "c"] });
    expect(r(value, { Stage: "dev" })).toEqual({ Keep: "no", Drop: "yes", List: ["a", "b", "c"] });
    expect(r({ Ref: "AWS::NoValue" })).toBeUndefined();
    expect(() => r({ "Fn::If": ["Nope", 1, 2] })).toThrow(
      "Template error: unresolved condition dependency Nope in Fn::If",
    );
  });

  it("Fn::FindInMap, Fn::ImportValue, Fn::Base64, Fn::GetAZs", () => {
    expect(r({ "Fn::FindInMap": ["Sizes", { Ref: "Stage" }, "Memory"] })).toBe(1024);
    expect(r({ "Fn::FindInMap": ["Sizes", "prod", "Zones"] })).toEqual(["a", "b"]);
    expect(() => r({ "Fn::FindInMap": ["Sizes", "dev", "Memory"] })).toThrow(
      "Template error: Unable to get mapping for Sizes::dev::Memory",
    );
    expect(() => r({ "Fn::FindInMap": ["Sizes", "prod", "Memory", { DefaultValue: 1 }] })).toThrow(
      /DefaultValue.*not supported/,
    );
    expect(r({ "Fn::ImportValue": { "Fn::Sub": ["sha${S}", { S: "red" }] } })).toBe("imported!");
    expect(r({ "Fn::ImportValue": "shared" })).toBe("imported!");
    try {
      r({ "Fn::ImportValue": "missing" });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        message: "No export named missing found.",
        code: "ERR_STACK_EXPORT_NOT_FOUND",
      });
    }
    expect(r({ "Fn::Base64": { "Fn::Sub": "#!/bin/sh ${Stage}" } })).toBe(
      Buffer.from("#!/bin/sh prod").toString("base64"),
    );
    expect(r({ "Fn::GetAZs": "" })).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
    expect(r({ "Fn::GetAZs": { Ref: "AWS::Region" } })).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
    expect(r({ "Fn::GetAZs": "eu-west-1" })).toEqual(["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
  });

  it("Fn::Cidr", () => {
    expect(r({ "Fn::Cidr": ["192.168.0.0/24", "6", "5"] })).toEqual([
      "192.168.0.0/27",
      "192.168.0.32/27",
      "192.168.0.64/27",
      "192.168.0.96/27",
      "192.168.0.128/27",
      "192.168.0.160/27",
    ]);
    expect(r({ "Fn::Select": [0, { "Fn::Cidr": [{ "Fn::GetAtt": ["Later", "CidrBlock"] }, 1, 8] }] })).toBe(
      UNRESOLVED,
    );
  });

  it("leaves plain objects alone and marks unresolved values", () => {
    const resolved = r({ A: { B: [{ Ref: "Later" }] }, Condition: "x" });
    expect(resolved).toEqual({ A: { B: [UNRESOLVED] }, Condition: "x" });
    expect(containsUnresolved(resolved)).toBe(true);
    expect(containsUnresolved({ a: ["x", 1, null] })).toBe(false);
  });
});

describe("evaluateOutputs", () => {
  it("resolves outputs whose condition holds, joining lists", () => {
    const { resolver, conditions } = setup(
      {},
      { ...queue, Later: { ref: "l", attributes: { Arn: "arn:l" } } },
    );
    expect(evaluateOutputs(template, resolver, conditions)).toEqual([
      { OutputKey: "Url", OutputValue: "https://q/app-Queue", Description: "the url", ExportName: "app-url" },
      { OutputKey: "Zones", OutputValue: "a,b" },
      { OutputKey: "Pending", OutputValue: "arn:l" },
    ]);
  });
});

describe("names that are also prototype members", () => {
  it("are looked up as the template's own names only", () => {
    expect(() => r({ Ref: "constructor" })).toThrow("Unresolved resource dependencies [constructor]");
    expect(() => r({ "Fn::If": ["toString", 1, 2] })).toThrow(
      "unresolved condition dependency toString in Fn::If",
    );
    const t = parseTemplate(
      "Parameters:\n  constructor: { Type: String, Default: c }\nResources:\n  toString: { Type: T }\n",
    );
    const resolver = new Resolver({
      template: t,
      parameters: resolveParameters(t, {}),
      conditions: evaluateConditions(t, {}, pseudo),
      pseudo,
      resource: () => undefined,
      importValue: () => undefined,
    });
    expect(resolver.resolve({ "Fn::Join": ["-", [{ Ref: "constructor" }, { Ref: "toString" }]] })).toBe(
      `c-${UNRESOLVED}`,
    );
  });
});
