import type { Template, TemplateValue } from "../model.js";
import { templateError } from "./errors.js";
import type { ParameterValue } from "./parameters.js";
import { isObject } from "./structure.js";

/** Rule functions Nimbus cannot answer: they read the account's EC2 / SSM inventory. */
const INVENTORY_FUNCTIONS = new Set(["Fn::RefAll", "Fn::ValueOf", "Fn::ValueOfAll"]);

/** Checks the shape of the Rules section (each rule: optional RuleCondition, a list of Assertions). */
export function checkRulesStructure(rules: TemplateValue | undefined): void {
  if (rules === undefined || rules === null) return;
  if (!isObject(rules)) throw templateError.format("The Rules section must be an object");
  for (const [name, rule] of Object.entries(rules)) {
    const assertions = isObject(rule) ? rule.Assertions : undefined;
    if (!isObject(rule) || !Array.isArray(assertions)) {
      throw templateError.format(`Rule ${name} must contain an Assertions list`);
    }
    for (const key of Object.keys(rule)) {
      if (key !== "RuleCondition" && key !== "Assertions")
        throw templateError.format(`Invalid rule property '${key}' in rule ${name}`);
    }
    for (const assertion of assertions) {
      if (!isObject(assertion) || assertion.Assert === undefined) {
        throw templateError.format(`Every Assertions member of rule ${name} must contain an Assert object`);
      }
    }
  }
}

/**
 * Evaluates the template's Rules against the parameter values: for each rule whose RuleCondition
 * holds (or that has none), every Assert must hold, else the deploy stops with the assertion's
 * AssertDescription. CloudFormation's exact message for a failed assertion is not documented;
 * Nimbus answers the AssertDescription (or names the rule when there is none).
 */
export function checkRules(
  template: Template & { Rules?: TemplateValue },
  parameters: Record<string, ParameterValue>,
): void {
  const rules = template.Rules;
  if (!isObject(rules)) return;
  for (const [name, rule] of Object.entries(rules)) {
    if (!isObject(rule)) continue;
    if (rule.RuleCondition !== undefined && !truth(rule.RuleCondition, parameters)) continue;
    for (const assertion of Array.isArray(rule.Assertions) ? rule.Assertions : []) {
      if (!isObject(assertion) || truth(assertion.Assert, parameters)) continue;
      const description = assertion.AssertDescription;
      throw templateError.parameter(
        typeof description === "string" && description !== ""
          ? description
          : `Assertion failed for rule ${name}`,
      );
    }
  }
}

function truth(value: TemplateValue | undefined, parameters: Record<string, ParameterValue>): boolean {
  const result = evaluate(value, parameters);
  if (typeof result === "boolean") return result;
  if (result === "true" || result === "false") return result === "true";
  throw templateError.evaluation("a rule condition or assertion must evaluate to true or false");
}

type RuleValue = boolean | string | string[];

function evaluate(value: TemplateValue | undefined, parameters: Record<string, ParameterValue>): RuleValue {
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return value.map((v) => text(evaluate(v, parameters)));
  if (!isObject(value) || Object.keys(value).length !== 1) {
    throw templateError.evaluation("rules can only use rule functions on parameter values");
  }
  const [fn, arg] = Object.entries(value)[0] as [string, TemplateValue];
  const args = (count: number | [number, number]): TemplateValue[] => {
    const [min, max] = typeof count === "number" ? [count, count] : count;
    if (!Array.isArray(arg) || arg.length < min || arg.length > max) {
      throw templateError.evaluation(
        `every ${fn} object in Rules requires ${min === max ? min : `${min} to ${max}`} parameters`,
      );
    }
    return arg;
  };
  const list = (v: TemplateValue | undefined): string[] => {
    const r = evaluate(v, parameters);
    return Array.isArray(r) ? r : [text(r)];
  };
  switch (fn) {
    case "Ref": {
      const parameter =
        typeof arg === "string" && Object.hasOwn(parameters, arg) ? parameters[arg] : undefined;
      if (parameter === undefined)
        throw templateError.format(
          `Unresolved dependencies [${String(arg)}] in the Rules block of the template`,
        );
      return parameter;
    }
    case "Fn::Equals": {
      const [a, b] = args(2).map((v) => evaluate(v, parameters));
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case "Fn::And":
      return args([2, 10]).every((v) => truth(v, parameters));
    case "Fn::Or":
      return args([2, 10]).some((v) => truth(v, parameters));
    case "Fn::Not":
      return !truth(args(1)[0], parameters);
    case "Fn::Contains": {
      const [haystack, needle] = args(2);
      return list(haystack).includes(text(evaluate(needle, parameters)));
    }
    case "Fn::EachMemberEquals": {
      const [members, expected] = args(2);
      const want = text(evaluate(expected, parameters));
      return list(members).every((m) => m === want);
    }
    case "Fn::EachMemberIn": {
      const [members, allowed] = args(2);
      const set = new Set(list(allowed));
      return list(members).every((m) => set.has(m));
    }
    default:
      if (INVENTORY_FUNCTIONS.has(fn))
        throw templateError.unsupported(`${fn} in Rules (it reads the account's EC2 and SSM inventory)`);
      throw templateError.format(`Unrecognized rule function ${fn}`);
  }
}

function text(value: RuleValue): string {
  if (Array.isArray(value))
    throw templateError.evaluation("a list was found where a rule function expects a string");
  return String(value);
}
