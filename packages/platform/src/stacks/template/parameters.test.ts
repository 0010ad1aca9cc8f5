import { describe, expect, it } from "vitest";
import { displayedParameters, parseTemplate, resolveParameters } from "./index.js";

const template = parseTemplate(`
Parameters:
  Stage: { Type: String, Default: dev, AllowedValues: [dev, prod] }
  Name: { Type: String, MinLength: 3, MaxLength: 5, AllowedPattern: "[a-z]+" }
  Count: { Type: Number, Default: 2, MinValue: 1, MaxValue: 10 }
  Ports: { Type: List<Number>, Default: "80, 443" }
  Tags: { Type: CommaDelimitedList, Default: "a, b ,c" }
  Subnets: { Type: "List<AWS::EC2::Subnet::Id>", Default: "subnet-1,subnet-2" }
  Vpc: { Type: "AWS::EC2::VPC::Id", Default: vpc-1 }
  Secret: { Type: String, NoEcho: true, Default: hunter2 }
  Pretty: { Type: String, Default: ok, AllowedPattern: "[a-z]+", ConstraintDescription: must be lower case letters }
Resources:
  A: { Type: T }
`);

const resolve = (overrides: Record<string, string>) =>
  resolveParameters(template, { Name: "abcd", ...overrides });

describe("resolveParameters", () => {
  it("applies defaults and overrides; lists split and trimmed", () => {
    expect(resolve({ Stage: "prod" })).toEqual({
      Stage: "prod",
      Name: "abcd",
      Count: "2",
      Ports: ["80", "443"],
      Tags: ["a", "b", "c"],
      Subnets: ["subnet-1", "subnet-2"],
      Vpc: "vpc-1",
      Secret: "hunter2",
      Pretty: "ok",
    });
  });

  it("takes previous values for UsePreviousValue", () => {
    const values = resolveParameters(
      template,
      {},
      { previous: { Name: "xyz", Count: "7" }, usePrevious: ["Name", "Count"] },
    );
    expect(values.Name).toBe("xyz");
    expect(values.Count).toBe("7");
    expect(() =>
      resolveParameters(template, { Name: "abc" }, { previous: {}, usePrevious: ["Stage"] }),
    ).toThrow(/Cannot specify usePreviousValue as true for a parameter key not in the previous template/);
  });

  it.each([
    [{ Name: undefined }, "Parameters: [Name] must have values"],
    [{ Nope: "x", Other: "y" }, "Parameters: [Nope, Other] do not exist in the template"],
    [{ Stage: "test" }, "Parameter 'Stage' must be one of AllowedValues"],
    [{ Name: "ab" }, "Parameter 'Name' must contain at least 3 characters"],
    [{ Name: "abcdef" }, "Parameter 'Name' must contain at most 5 characters"],
    [{ Name: "ABC" }, "Parameter 'Name' must match pattern [a-z]+"],
    [{ Count: "x" }, "Parameter 'Count' must be a number"],
    [{ Count: "0" }, "Parameter 'Count' must be a number not less than 1"],
    [{ Count: "11" }, "Parameter 'Count' must be a number not greater than 10"],
    [{ Ports: "80,http" }, "Parameter 'Ports' must be a number"],
    [{ Pretty: "NO" }, "Parameter Pretty failed to satisfy constraint: must be lower case letters"],
  ])("rejects %j", (overrides, message) => {
    const input = Object.fromEntries(
      Object.entries({ Name: "abcd", ...overrides }).filter((e): e is [string, string] => e[1] !== undefined),
    );
    try {
      resolveParameters(template, input);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        message,
        code: "ERR_STACK_PARAMETER_INVALID",
        awsName: "ValidationError",
      });
    }
  });

  it("matches AllowedPattern against the whole value", () => {
    expect(() => resolve({ Name: "abc1" })).toThrow("must match pattern");
  });

  it("treats an empty override as a value", () => {
    const t = parseTemplate("Parameters:\n  P: { Type: String }\nResources:\n  A: { Type: T }\n");
    expect(resolveParameters(t, { P: "" })).toEqual({ P: "" });
  });
});

describe("displayedParameters", () => {
  it("hides NoEcho values and joins lists", () => {
    const shown = displayedParameters(template, resolve({}));
    expect(shown).toContainEqual({ ParameterKey: "Secret", ParameterValue: "****" });
    expect(shown).toContainEqual({ ParameterKey: "Tags", ParameterValue: "a,b,c" });
    expect(shown).toContainEqual({ ParameterKey: "Name", ParameterValue: "abcd" });
  });
});

describe("Rules", () => {
  const ruled = parseTemplate(`
Parameters:
  Env: { Type: String, Default: test }
  Size: { Type: String, Default: small }
  Zones: { Type: CommaDelimitedList, Default: "a,b" }
Rules:
  ProdIsBig:
    RuleCondition: !Equals [!Ref Env, prod]
    Assertions:
      - Assert: { "Fn::Contains": [[large, xlarge], !Ref Size] }
        AssertDescription: For prod, Size must be large or xlarge
  KnownZones:
    Assertions:
      - Assert: { "Fn::EachMemberIn": [!Ref Zones, [a, b, c]] }
      - Assert: !Not [{ "Fn::EachMemberEquals": [!Ref Zones, z] }]
Resources:
  A: { Type: T }
`);

  it("applies assertions whose rule condition holds", () => {
    expect(resolveParameters(ruled, {}).Env).toBe("test");
    expect(resolveParameters(ruled, { Env: "prod", Size: "large" }).Size).toBe("large");
    expect(() => resolveParameters(ruled, { Env: "prod" })).toThrow("For prod, Size must be large or xlarge");
    expect(() => resolveParameters(ruled, { Zones: "a,d" })).toThrow("Assertion failed for rule KnownZones");
    expect(() => resolveParameters(ruled, { Zones: "z" })).toThrow("Assertion failed for rule KnownZones");
  });

  it("refuses the inventory functions", () => {
    const t = parseTemplate(
      "Rules:\n  R:\n    Assertions:\n      - Assert: { 'Fn::RefAll': 'AWS::EC2::VPC::Id' }\nResources:\n  A: { Type: T }\n",
    );
    expect(() => resolveParameters(t, {})).toThrow(/Fn::RefAll in Rules .* is not supported by Nimbus/);
  });
});

describe("UsePreviousValue", () => {
  it("cannot be combined with a value", () => {
    const t = parseTemplate("Parameters:\n  P: { Type: String }\nResources:\n  A: { Type: T }\n");
    expect(() => resolveParameters(t, { P: "x" }, { previous: { P: "y" }, usePrevious: ["P"] })).toThrow(
      "Cannot specify usePreviousValue as true and non empty value for a parameter",
    );
  });
});
