import type { Template } from "../model.js";
import { templateError } from "./errors.js";
import type { Resolver } from "./resolver.js";
import { own } from "./values.js";

export interface EvaluatedOutput {
  OutputKey: string;
  OutputValue: string;
  Description?: string;
  ExportName?: string;
}

/** Outputs whose Condition holds, resolved: values that are lists are joined with ",". */
export function evaluateOutputs(
  template: Template,
  resolver: Resolver,
  conditions: Record<string, boolean>,
): EvaluatedOutput[] {
  const out: EvaluatedOutput[] = [];
  const outputs = resolver.forBlock("Outputs");
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined) {
      const holds = own(conditions, output.Condition);
      if (holds === undefined) {
        throw templateError.format(
          `Unresolved condition dependencies [${output.Condition}] in the Outputs block of the template`,
        );
      }
      if (!holds) continue;
    }
    const value = outputText(outputs.resolve(output.Value));
    // A Value that resolves to AWS::NoValue leaves the output out (CloudFormation's behaviour here is not documented).
    if (value === undefined) continue;
    const evaluated: EvaluatedOutput = { OutputKey: key, OutputValue: value };
    if (output.Description !== undefined) evaluated.Description = String(output.Description);
    if (output.Export !== undefined) {
      const name = outputText(outputs.resolve(output.Export.Name));
      if (name === undefined || name === "") {
        throw templateError.format(
          `Output ${key} is malformed. The Name field of every Export member must be specified`,
        );
      }
      if (out.some((o) => o.ExportName === name))
        throw templateError.evaluation(`duplicate Export names ${name}`);
      evaluated.ExportName = name;
    }
    out.push(evaluated);
  }
  return out;
}

function outputText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.every((v) => ["string", "number", "boolean"].includes(typeof v))) {
    return value.map((v) => String(v)).join(",");
  }
  throw templateError.evaluation("every Outputs member Value must resolve to a String or a list of Strings");
}
