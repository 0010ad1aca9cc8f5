import { usageError } from "./cli-error.js";
import type { TemplateJson } from "./template-file.js";

export const FUNCTION_TYPES = new Set(["AWS::Serverless::Function", "AWS::Lambda::Function"]);
/** Function properties that wire the function to other things, not needed to run it once. */
const TRIGGER_PROPERTIES = ["Events", "DeploymentPreference"];

/** The logical ids of the template's functions. */
export function templateFunctions(template: TemplateJson): string[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => FUNCTION_TYPES.has(String((r as { Type?: unknown }).Type)))
    .map(([id]) => id);
}

/**
 * A template holding one function and only what it needs to run: the resources its
 * properties (and Globals.Function) refer to through Ref, Fn::GetAtt, Fn::Sub and DependsOn,
 * transitively; its Events and DeploymentPreference are dropped (nothing triggers it but the
 * one invoke), and so are Outputs. Parameters, Mappings, Conditions and Globals are kept.
 */
export function functionClosure(template: TemplateJson, logicalId: string): TemplateJson {
  const resources = (template.Resources ?? {}) as Record<string, Record<string, unknown>>;
  const target = resources[logicalId];
  if (!target) {
    const fns = templateFunctions(template);
    throw usageError(`the template has no resource ${logicalId} (functions: ${fns.join(", ") || "none"})`);
  }
  if (!FUNCTION_TYPES.has(String(target.Type))) {
    throw usageError(`${logicalId} is a ${String(target.Type)}, not a function`);
  }
  const trimmed = structuredClone(target);
  const props = trimmed.Properties as Record<string, unknown> | undefined;
  for (const key of TRIGGER_PROPERTIES) if (props) delete props[key];

  const keep = new Map<string, Record<string, unknown>>([[logicalId, trimmed]]);
  const queue: unknown[] = [trimmed, (template.Globals as Record<string, unknown> | undefined)?.Function];
  while (queue.length > 0) {
    for (const ref of references(queue.shift())) {
      const resource = resources[ref];
      if (!resource || keep.has(ref)) continue;
      keep.set(ref, resource);
      queue.push(resource);
    }
  }
  const out: TemplateJson = { ...template, Resources: Object.fromEntries(keep) };
  delete out.Outputs;
  return out;
}

/** Names a value refers to (Ref, Fn::GetAtt, Fn::Sub variables, DependsOn); pseudo parameters included. */
export function references(value: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) visit(item);
      return;
    }
    if (typeof v !== "object" || v === null) return;
    for (const [key, inner] of Object.entries(v)) {
      if (key === "Ref" && typeof inner === "string") out.add(inner);
      else if (key === "Fn::GetAtt") {
        const name = Array.isArray(inner)
          ? inner[0]
          : typeof inner === "string"
            ? inner.split(".")[0]
            : undefined;
        if (typeof name === "string") out.add(name);
      } else if (key === "Fn::Sub") {
        const [text, vars] = Array.isArray(inner) ? inner : [inner, {}];
        const local = new Set(Object.keys((vars as Record<string, unknown>) ?? {}));
        if (typeof text === "string") {
          for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
            const name = (m[1] ?? "").split(".")[0]?.trim() ?? "";
            if (name && !local.has(name)) out.add(name);
          }
        }
      } else if (key === "DependsOn") {
        for (const d of Array.isArray(inner) ? inner : [inner]) if (typeof d === "string") out.add(d);
      }
      visit(inner);
    }
  };
  visit(value);
  return out;
}
