import type { Template, TemplateValue } from "../model.js";
import { templateError } from "./errors.js";
import { isPseudoParameter } from "./pseudo.js";
import { isObject } from "./structure.js";
import { subVariables } from "./sub.js";
import { intrinsicName, own } from "./values.js";

/** A name one value references: through Ref / Sub (`ref`) or Fn::GetAtt / `${A.B}` (`getAtt`). */
type Reference = { name: string; kind: "ref" | "getAtt" };

/**
 * Walks `value` for references. Fn::If follows only the branch its condition picks
 * (`conditions`); with `conditions` undefined both branches are walked.
 */
function references(
  value: TemplateValue | undefined,
  conditions: Record<string, boolean> | undefined,
  found: Reference[] = [],
): Reference[] {
  if (Array.isArray(value)) {
    for (const item of value) references(item, conditions, found);
    return found;
  }
  if (!isObject(value)) return found;
  const fn = intrinsicName(value);
  const arg = fn === undefined ? undefined : value[fn];
  if (fn === "Ref" && typeof arg === "string") {
    found.push({ name: arg, kind: "ref" });
  } else if (fn === "Fn::GetAtt" && (typeof arg === "string" || Array.isArray(arg))) {
    const id = typeof arg === "string" ? arg.split(".")[0] : arg[0];
    if (typeof id === "string") found.push({ name: id, kind: "getAtt" });
    if (Array.isArray(arg)) references(arg.slice(1), conditions, found);
  } else if (fn === "Fn::Sub" && arg !== undefined) {
    const [source, map] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
    const local = isObject(map) ? map : {};
    if (typeof source === "string") {
      for (const variable of subVariables(source)) {
        if (Object.hasOwn(local, variable)) continue;
        const dot = variable.indexOf(".");
        // `${Resource.Attribute}`: an unknown name is an unresolved dependency (not a GetAtt error).
        found.push({
          name: dot > 0 && !variable.startsWith("AWS::") ? variable.slice(0, dot) : variable,
          kind: "ref",
        });
      }
    } else references(source, conditions, found);
    references(map, conditions, found);
  } else if (
    fn === "Fn::If" &&
    Array.isArray(arg) &&
    typeof arg[0] === "string" &&
    conditions !== undefined
  ) {
    const holds = own(conditions, arg[0]);
    if (holds === undefined)
      throw templateError.evaluation(`unresolved condition dependency ${arg[0]} in Fn::If`);
    references(holds ? arg[1] : arg[2], conditions, found);
  } else {
    for (const member of Object.values(value)) references(member, conditions, found);
  }
  return found;
}

/**
 * Resource logical ids each resource depends on (Ref, Fn::GetAtt, Fn::Sub references, DependsOn),
 * for the resources whose Condition holds, in template order. Every reference of the template
 * (Outputs included) is checked: names must exist, and a resource or output whose Condition holds
 * may not reference a resource whose Condition does not.
 */
export function resourceDependencies(
  template: Template,
  conditions: Record<string, boolean>,
): Map<string, Set<string>> {
  const resources = template.Resources;
  const parameters = template.Parameters ?? {};
  const holds = (condition: string | undefined, block: string): boolean => {
    if (condition === undefined) return true;
    const value = own(conditions, condition);
    if (value === undefined) {
      throw templateError.format(
        `Unresolved condition dependencies [${condition}] in the ${block} block of the template`,
      );
    }
    return value;
  };
  const active = (id: string) => holds(resources[id]?.Condition, "Resources");

  /** Checks the references of one block member; returns the resources referenced. */
  const check = (values: (TemplateValue | undefined)[], block: string, live: boolean): Set<string> => {
    const unresolved = new Set<string>();
    const used = new Set<string>();
    for (const value of values) {
      // Every name must exist whichever branch is taken; conditions only decide what is live.
      for (const { name, kind } of references(value, undefined)) {
        if (Object.hasOwn(resources, name)) continue;
        if (kind === "getAtt")
          throw templateError.evaluation(`instance of Fn::GetAtt references undefined resource ${name}`);
        if (!Object.hasOwn(parameters, name) && !isPseudoParameter(name)) unresolved.add(name);
      }
      if (unresolved.size > 0) throw templateError.unresolved(unresolved, block);
      if (!live) continue;
      for (const { name } of references(value, conditions)) {
        if (!Object.hasOwn(resources, name)) continue;
        if (!active(name)) unresolved.add(name);
        used.add(name);
      }
      if (unresolved.size > 0) throw templateError.unresolved(unresolved, block);
    }
    return used;
  };

  const dependencies = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(resources)) {
    const live = active(id);
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    const missing = dependsOn.filter((d) => !Object.hasOwn(resources, d) || (live && !active(d)));
    if (missing.length > 0) throw templateError.unresolved(missing, "Resources");
    const { Properties, Metadata, UpdatePolicy, CreationPolicy, DeletionPolicy, UpdateReplacePolicy } =
      resource;
    const used = check(
      [Properties, Metadata, UpdatePolicy, CreationPolicy, DeletionPolicy, UpdateReplacePolicy],
      "Resources",
      live,
    );
    if (!live) continue;
    for (const d of dependsOn) used.add(d);
    dependencies.set(id, used);
  }
  for (const output of Object.values(template.Outputs ?? {})) {
    check([output.Value, output.Export?.Name], "Outputs", holds(output.Condition, "Outputs"));
  }
  return dependencies;
}

/**
 * Topological order (dependencies first; ties in template order, i.e. the map's order).
 * Dependencies on ids that are not keys of the map are ignored.
 */
export function dependencyOrder(dependencies: Map<string, Set<string>>): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  const pending = [...dependencies.keys()];
  while (pending.length > 0) {
    const next = pending.findIndex((id) =>
      [...(dependencies.get(id) ?? [])].every((d) => done.has(d) || !dependencies.has(d)),
    );
    if (next < 0)
      throw templateError.format(
        `Circular dependency between resources: [${cycleMembers(dependencies, pending).join(", ")}]`,
      );
    const [id] = pending.splice(next, 1) as [string];
    order.push(id);
    done.add(id);
  }
  return order;
}

/** The pending resources that lie on a cycle (not those merely waiting for one), in template order. */
function cycleMembers(dependencies: Map<string, Set<string>>, pending: string[]): string[] {
  const reaches = (from: string, target: string): boolean => {
    const seen = new Set<string>();
    const stack = [...(dependencies.get(from) ?? [])];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (id === target) return true;
      if (seen.has(id) || !dependencies.has(id)) continue;
      seen.add(id);
      stack.push(...(dependencies.get(id) ?? []));
    }
    return false;
  };
  const members = pending.filter((id) => reaches(id, id));
  return members.length > 0 ? members : pending;
}
