import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import { isObject } from "./util.js";

/**
 * Rewrites references to renamed logical ids (SAM's hashed layer ids): `Ref`, `Fn::GetAtt`
 * (list and dotted forms), `${Id}` / `${Id.Attr}` inside `Fn::Sub` (unless the Sub defines
 * that variable itself) and DependsOn; and SAM's property references (`!Ref MyFunction.Alias`,
 * `${MyApi.Stage}`) to the generated resource's id.
 */
export function rewriteReferences(value: TemplateValue, renames: ReadonlyMap<string, string>): TemplateValue {
  if (Array.isArray(value)) return value.map((v) => rewriteReferences(v, renames));
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const r = value.Ref;
    if (typeof r === "string" && renames.has(r)) return { Ref: renames.get(r) as string };
    const getAtt = value["Fn::GetAtt"];
    if (Array.isArray(getAtt) && typeof getAtt[0] === "string" && renames.has(getAtt[0])) {
      return { "Fn::GetAtt": [renames.get(getAtt[0]) as string, ...getAtt.slice(1)] };
    }
    if (typeof getAtt === "string") {
      const [id, ...rest] = getAtt.split(".");
      if (id !== undefined && renames.has(id))
        return { "Fn::GetAtt": [renames.get(id) as string, rest.join(".")] };
    }
    const subValue = value["Fn::Sub"];
    if (typeof subValue === "string") return { "Fn::Sub": rewriteSub(subValue, renames, {}) };
    if (Array.isArray(subValue) && typeof subValue[0] === "string") {
      const vars = isObject(subValue[1]) ? subValue[1] : {};
      return {
        "Fn::Sub": [rewriteSub(subValue[0], renames, vars), rewriteReferences(subValue[1] ?? {}, renames)],
      };
    }
  }
  const out: TemplateObject = {};
  for (const [k, v] of Object.entries(value)) out[k] = rewriteReferences(v, renames);
  return out;
}

function rewriteSub(text: string, renames: ReadonlyMap<string, string>, vars: TemplateObject): string {
  return text.replace(/\$\{([^!}][^}.]*)(\.[^}]*)?\}/g, (whole, id: string, attr: string | undefined) => {
    if (Object.hasOwn(vars, id)) return whole;
    const property = renames.get(`${id}${attr ?? ""}`);
    if (attr !== undefined && property !== undefined) return `\${${property}}`;
    if (!renames.has(id)) return whole;
    return `\${${renames.get(id)}${attr ?? ""}}`;
  });
}

/** Rewrites one resource's properties and DependsOn in place. */
export function rewriteResource(resource: ResourceDefinition, renames: ReadonlyMap<string, string>): void {
  if (resource.Properties !== undefined) {
    resource.Properties = rewriteReferences(resource.Properties, renames) as TemplateObject;
  }
  const dependsOn = resource.DependsOn;
  if (typeof dependsOn === "string") resource.DependsOn = renames.get(dependsOn) ?? dependsOn;
  else if (Array.isArray(dependsOn)) resource.DependsOn = dependsOn.map((d) => renames.get(d) ?? d);
}
