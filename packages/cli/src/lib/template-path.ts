import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { usageError } from "./cli-error.js";

const DEFAULT_NAMES = ["template.yaml", "template.yml", "template.json"];

/** The template to use: `-t` as given, else template.yaml / .yml / .json in the current folder. */
export function resolveTemplatePath(given: string | undefined): string {
  if (given) {
    const path = resolve(given);
    if (!existsSync(path)) throw usageError(`template not found: ${given}`);
    return path;
  }
  for (const name of DEFAULT_NAMES) {
    const path = resolve(name);
    if (existsSync(path)) return path;
  }
  throw usageError(`no template.yaml (or template.yml, template.json) in ${process.cwd()}; pass -t <file>`);
}
