import type { Template, TemplateValue } from "../model.js";
import { templateError } from "./errors.js";
import { checkStructure } from "./structure.js";
import { parseYaml, type YamlOptions } from "./yaml.js";

/**
 * A template from its text: JSON when the first non-space character is `{`, YAML otherwise
 * (short-form tags become their `Fn::` long forms). The structure is checked as CloudFormation
 * does (`Template format error: ...`).
 */
export function parseTemplate(body: string, options: YamlOptions = {}): Template {
  const text = body.replace(/^\uFEFF/, "");
  const value = text.trimStart().startsWith("{") ? parseJson(text) : parseYaml(text, options);
  return checkStructure(value);
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
