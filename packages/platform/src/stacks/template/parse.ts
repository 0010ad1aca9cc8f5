import type { Template, TemplateValue } from "../model.js";
import { templateError } from "./errors.js";
import { checkStructure } from "./structure.js";
import { parseYaml, type YamlOptions } from "./yaml.js";

/**
 * A template from its text: JSON when the first non-space character is `{`, YAML otherwise
 * (short-form tags become their `Fn::` long forms). The structure is checked as CloudFormation
 * does (`Template format error: ...`).
 */
export function parseTemplate(body: string, options: ParseOptions = {}): Template {
  const value = parseText(body, options);
  const include = options.include;
  return checkStructure(include === undefined ? value : inlineIncludes(value, include, options, 0));
}

export interface ParseOptions extends YamlOptions {
  /**
   * The text of the snippet an `Fn::Transform` of `AWS::Include` names with `Location`, or
   * undefined to leave that Fn::Transform in place (then refused as a macro). `nimbus deploy`
   * reads local files this way: `sam package` uploads them to S3 for CloudFormation to
   * include; inlining the same snippet at the same place gives the same template.
   */
  include?: (location: string) => string | undefined;
}

function parseText(body: string, options: YamlOptions): TemplateValue {
  const text = body.replace(/^\uFEFF/, "");
  return text.trimStart().startsWith("{") ? parseJson(text) : parseYaml(text, options);
}

/**
 * Replaces every `{ "Fn::Transform": { Name: AWS::Include, Parameters: { Location } } }` with
 * the snippet; beside other keys, a map snippet is merged into the object (how AWS::Include
 * adds resources to a Resources block). A key in both is an error.
 */
function inlineIncludes(
  value: TemplateValue,
  include: (location: string) => string | undefined,
  options: YamlOptions,
  depth: number,
): TemplateValue {
  if (Array.isArray(value)) return value.map((v) => inlineIncludes(v, include, options, depth));
  if (value === null || typeof value !== "object") return value;
  const transform = value["Fn::Transform"];
  const location = includeLocation(transform);
  const text = location === undefined ? undefined : include(location);
  if (text === undefined) {
    const out: Record<string, TemplateValue> = {};
    for (const [key, v] of Object.entries(value)) out[key] = inlineIncludes(v, include, options, depth);
    return out;
  }
  // A snippet that includes itself would never end.
  if (depth >= 10) throw templateError.format(`AWS::Include nested more than 10 deep at ${location}`);
  const snippet = inlineIncludes(parseText(text, options), include, options, depth + 1);
  const rest = Object.entries(value).filter(([key]) => key !== "Fn::Transform");
  if (rest.length === 0) return snippet;
  if (snippet === null || typeof snippet !== "object" || Array.isArray(snippet))
    throw templateError.format(`AWS::Include of ${location}: a snippet beside other keys must be a map`);
  const out: Record<string, TemplateValue> = {};
  for (const [key, v] of rest) out[key] = inlineIncludes(v, include, options, depth);
  for (const [key, v] of Object.entries(snippet)) {
    if (Object.hasOwn(out, key))
      throw templateError.format(`AWS::Include of ${location}: ${key} is already defined beside it`);
    out[key] = v;
  }
  return out;
}

function includeLocation(transform: TemplateValue | undefined): string | undefined {
  if (transform === null || typeof transform !== "object" || Array.isArray(transform)) return undefined;
  if (transform.Name !== "AWS::Include") return undefined;
  const parameters = transform.Parameters;
  if (parameters === null || typeof parameters !== "object" || Array.isArray(parameters)) return undefined;
  return typeof parameters.Location === "string" ? parameters.Location : undefined;
}

function parseJson(text: string): TemplateValue {
  try {
    return JSON.parse(text) as TemplateValue;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    if (at?.[1] === undefined) throw templateError.format("JSON not well-formed.");
    const before = text.slice(0, Number(at[1])).split("\n");
    const line = before.length;
    const column = (before[before.length - 1]?.length ?? 0) + 1;
    throw templateError.format(`JSON not well-formed. (line ${line}, column ${column})`);
  }
}

/** A processed template as the JSON text GetTemplate returns (`TemplateStage=Processed`). */
export function templateToJson(template: Template): string {
  return JSON.stringify(template, null, 2);
}
