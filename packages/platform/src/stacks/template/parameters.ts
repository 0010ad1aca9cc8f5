import type { ParameterDefinition, Template, TemplateValue } from "../model.js";
import { templateError } from "./errors.js";
import { checkRules } from "./rules.js";

export type ParameterValue = string | string[];

/** How a parameter's value is held: one string, or a list (CommaDelimitedList, List<...>). */
export type ParameterKind = { list: boolean; number: boolean };

/**
 * The AWS-specific parameter types (`AWS::EC2::VPC::Id`, ...). CloudFormation checks that such a
 * value names an existing resource of the account; Nimbus has no EC2, so they are plain strings.
 */
const AWS_SPECIFIC = new Set([
  "AWS::EC2::AvailabilityZone::Name",
  "AWS::EC2::Image::Id",
  "AWS::EC2::Instance::Id",
  "AWS::EC2::KeyPair::KeyName",
  "AWS::EC2::SecurityGroup::GroupName",
  "AWS::EC2::SecurityGroup::Id",
  "AWS::EC2::Subnet::Id",
  "AWS::EC2::Volume::Id",
  "AWS::EC2::VPC::Id",
  "AWS::Route53::HostedZone::Id",
  // The name of an SSM parameter (not its value): a string.
  "AWS::SSM::Parameter::Name",
]);

/** The kind of a parameter type; throws for types CloudFormation does not know or Nimbus does not run. */
export function parameterKind(type: string): ParameterKind {
  if (type === "String" || AWS_SPECIFIC.has(type)) return { list: false, number: false };
  if (type === "Number") return { list: false, number: true };
  if (type === "CommaDelimitedList") return { list: true, number: false };
  if (type === "List<Number>") return { list: true, number: true };
  const inner = /^List<(.+)>$/.exec(type)?.[1];
  if (inner !== undefined && AWS_SPECIFIC.has(inner)) return { list: true, number: false };
  if (type.startsWith("AWS::SSM::Parameter::Value<")) {
    throw templateError.unsupported(`The parameter type ${type} (values read from SSM Parameter Store)`);
  }
  throw templateError.format(`Unrecognized parameter type: ${type}`);
}

/**
 * Parameter values after defaults and overrides, checked against each parameter's constraints.
 * `usePrevious` names parameters whose value is taken from `previous` (UsePreviousValue). The
 * template's Rules are evaluated against the values.
 */
export function resolveParameters(
  template: Template,
  overrides: Record<string, string>,
  options: { previous?: Record<string, string>; usePrevious?: string[] } = {},
): Record<string, ParameterValue> {
  const definitions = template.Parameters ?? {};
  const usePrevious = options.usePrevious ?? [];
  const unknown = [...new Set([...Object.keys(overrides), ...usePrevious])].filter(
    (key) => !Object.hasOwn(definitions, key),
  );
  if (unknown.length > 0)
    throw templateError.parameter(`Parameters: [${unknown.join(", ")}] do not exist in the template`);

  const raw: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, def] of Object.entries(definitions)) {
    let value: string | undefined;
    if (usePrevious.includes(name) && Object.hasOwn(overrides, name)) {
      throw templateError.parameter(
        `Invalid input for parameter key ${name}. Cannot specify usePreviousValue as true and non empty value for a parameter`,
      );
    }
    if (usePrevious.includes(name)) {
      value =
        options.previous !== undefined && Object.hasOwn(options.previous, name)
          ? options.previous[name]
          : undefined;
      if (value === undefined) {
        throw templateError.parameter(
          `Invalid input for parameter key ${name}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`,
        );
      }
    } else if (Object.hasOwn(overrides, name)) {
      value = overrides[name];
    } else if (def.Default !== undefined && def.Default !== null) {
      value = defaultText(def.Default);
    }
    if (value === undefined) missing.push(name);
    else raw[name] = value;
  }
  if (missing.length > 0)
    throw templateError.parameter(`Parameters: [${missing.join(", ")}] must have values`);

  const values: Record<string, ParameterValue> = {};
  for (const [name, def] of Object.entries(definitions)) {
    values[name] = checkValue(name, def, raw[name] ?? "");
  }
  checkRules(template, values);
  return values;
}

/** A Default as the string CloudFormation sees (a YAML number or list is written as text). */
function defaultText(value: TemplateValue): string {
  if (Array.isArray(value)) return value.map((v) => String(v)).join(",");
  return typeof value === "string" ? value : String(value);
}

function checkValue(name: string, def: ParameterDefinition, text: string): ParameterValue {
  const kind = parameterKind(def.Type);
  // CommaDelimitedList: "each member string is space trimmed" (CloudFormation Parameters reference).
  const members = kind.list ? text.split(",").map((m) => m.trim()) : [text];
  const fail = (reason: string) =>
    templateError.parameter(
      def.ConstraintDescription !== undefined
        ? `Parameter ${name} failed to satisfy constraint: ${def.ConstraintDescription}`
        : `Parameter '${name}' ${reason}`,
    );
  for (const member of members) {
    if (kind.number) {
      if (member === "" || !Number.isFinite(Number(member)))
        throw templateError.parameter(`Parameter '${name}' must be a number`);
      const n = Number(member);
      if (def.MinValue !== undefined && n < Number(def.MinValue)) {
        throw fail(`must be a number not less than ${def.MinValue}`);
      }
      if (def.MaxValue !== undefined && n > Number(def.MaxValue)) {
        throw fail(`must be a number not greater than ${def.MaxValue}`);
      }
    } else {
      const length = [...member].length;
      if (def.MinLength !== undefined && length < Number(def.MinLength)) {
        throw fail(`must contain at least ${def.MinLength} characters`);
      }
      if (def.MaxLength !== undefined && length > Number(def.MaxLength)) {
        throw fail(`must contain at most ${def.MaxLength} characters`);
      }
    }
    if (def.AllowedPattern !== undefined && !new RegExp(`^(?:${def.AllowedPattern})$`).test(member)) {
      throw fail(`must match pattern ${def.AllowedPattern}`);
    }
    if (
      def.AllowedValues !== undefined &&
      !def.AllowedValues.some((allowed) => sameValue(allowed, member, kind))
    ) {
      throw fail("must be one of AllowedValues");
    }
  }
  return kind.list ? members : text;
}

function sameValue(allowed: TemplateValue, value: string, kind: ParameterKind): boolean {
  const text = typeof allowed === "string" ? allowed : String(allowed);
  if (text === value) return true;
  return kind.number && text !== "" && value !== "" && Number(text) === Number(value);
}

/** Parameters as DescribeStacks shows them: NoEcho values as `****`, lists joined with commas. */
export function displayedParameters(
  template: Template,
  values: Record<string, ParameterValue>,
): { ParameterKey: string; ParameterValue: string }[] {
  const definitions = template.Parameters ?? {};
  const out: { ParameterKey: string; ParameterValue: string }[] = [];
  for (const [key, value] of Object.entries(values)) {
    const noEcho = Object.hasOwn(definitions, key) ? definitions[key]?.NoEcho : undefined;
    const hidden = noEcho === true || (typeof noEcho === "string" && noEcho.toLowerCase() === "true");
    out.push({
      ParameterKey: key,
      ParameterValue: hidden ? "****" : Array.isArray(value) ? value.join(",") : value,
    });
  }
  return out;
}
