import { readFile } from "node:fs/promises";
import { parseTemplate } from "@nimbus/platform";
import { usageError } from "./cli-error.js";

/** A template as JSON (intrinsics in their long `Fn::` / `Ref` forms). */
export type TemplateJson = Record<string, unknown> & { Resources?: Record<string, unknown> };

/**
 * Parses template text (YAML or JSON, short-form tags become their long forms) with the
 * platform's own parser, so the CLI and the CloudFormation API read templates alike. Throws a
 * usage error when it does not parse.
 */
export function parseTemplateText(text: string, source: string): TemplateJson {
  try {
    return parseTemplate(text) as unknown as TemplateJson;
  } catch (error) {
    throw usageError(`${source}: ${(error as Error).message}`);
  }
}

/** Reads and parses a template file. */
export async function readTemplateFile(path: string): Promise<TemplateJson> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw usageError(
      `cannot read template ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return parseTemplateText(text, path);
}
