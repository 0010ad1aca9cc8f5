import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { parseTemplate } from "@nimbus/platform";
import { usageError } from "./cli-error.js";

/** A template as JSON (intrinsics in their long `Fn::` / `Ref` forms). */
export type TemplateJson = Record<string, unknown> & { Resources?: Record<string, unknown> };

/**
 * Parses template text (YAML or JSON, short-form tags become their long forms) with the
 * platform's own parser, so the CLI and the CloudFormation API read templates alike. Throws a
 * usage error when it does not parse.
 */
export function parseTemplateText(
  text: string,
  source: string,
  warn: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
  baseDir?: string,
): TemplateJson {
  try {
    // A key written twice: `sam deploy` re-writes the template through PyYAML, where the last
    // value wins, so such templates deploy with SAM; the CLI does the same (it sends the
    // template as JSON) and says so. The CloudFormation API itself refuses duplicate keys.
    const onDuplicateKey = (key: string, line: number) =>
      warn(
        `${source}: line ${line}: key '${key}' appears twice in one map; the last value is used (as sam deploy does)`,
      );
    const include = baseDir === undefined ? undefined : localInclude(baseDir);
    return parseTemplate(text, {
      onDuplicateKey,
      ...(include ? { include } : {}),
    }) as unknown as TemplateJson;
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
  return parseTemplateText(text, path, undefined, dirname(resolve(path)));
}

/**
 * `Fn::Transform: { Name: AWS::Include, Parameters: { Location: ./api.yaml } }` with a local
 * file: its text, which the template parser inlines in place (what `sam package` uploads for
 * CloudFormation to include). S3 and HTTP(S) locations are left as they are.
 */
function localInclude(baseDir: string): (location: string) => string {
  return (location) => {
    if (/^(s3|https?):\/\//i.test(location)) {
      throw usageError(`AWS::Include of ${location}: only local files are included by nimbus deploy`);
    }
    const path = isAbsolute(location) ? location : resolve(baseDir, location);
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      throw usageError(
        `AWS::Include: cannot read ${location} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
  };
}
