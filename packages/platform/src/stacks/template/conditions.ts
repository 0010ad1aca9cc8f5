import type { Template } from "../model.js";
import { templateError } from "./errors.js";
import type { ParameterValue } from "./parameters.js";
import type { PseudoParameters } from "./pseudo.js";
import { Resolver } from "./resolver.js";
import { own } from "./values.js";

/**
 * Every condition of the template, evaluated against the parameter values. Conditions may name
 * other conditions (`Condition: Name`), in any order; a cycle or a missing name is an error.
 */
export function evaluateConditions(
  template: Template,
  parameters: Record<string, ParameterValue>,
  pseudo: PseudoParameters,
): Record<string, boolean> {
  const definitions = template.Conditions ?? {};
  const results: Record<string, boolean> = {};
  const visiting: string[] = [];
  const resolver = new Resolver({
    template,
    parameters,
    conditions: results,
    pseudo,
    resource: () => undefined,
    importValue: () => undefined,
    block: "Conditions",
  });
  const lookup = (name: string): boolean => {
    const known = own(results, name);
    if (known !== undefined) return known;
    if (!Object.hasOwn(definitions, name)) {
      throw templateError.format(
        `Unresolved condition dependencies [${name}] in the Conditions block of the template`,
      );
    }
    if (visiting.includes(name)) {
      throw templateError.format(
        `Circular dependency between conditions: [${[...visiting.slice(visiting.indexOf(name))].join(", ")}]`,
      );
    }
    visiting.push(name);
    const value = resolver.condition(definitions[name], lookup);
    visiting.pop();
    results[name] = value;
    return value;
  };
  for (const name of Object.keys(definitions)) lookup(name);
  return results;
}
