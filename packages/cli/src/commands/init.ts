import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { usageError } from "../lib/cli-error.js";
import { sanitizeStackName } from "../lib/deploy-stack.js";
import { isJson, outputOption, printJson, println } from "../lib/output.js";

interface InitFlags {
  name?: string;
  output?: string;
}

/** packages/cli/templates/starter (from dist/commands/init.js). */
const STARTER = fileURLToPath(new URL("../../templates/starter/", import.meta.url));
/** Files stored under another name in the package (npm drops `.gitignore` from packages). */
const RENAMED: Record<string, string> = { gitignore: ".gitignore" };

/** `nimbus init [dir]`: a starter app that deploys and runs as is. */
export function registerInitCommand(program: Command): void {
  program
    .command("init [dir]")
    .description(
      "Create a starter app: a SAM template (Node function behind an HTTP API, Python worker on an SQS queue), events, a test, a README",
    )
    .option("--name <name>", "the app's name, also its default stack name (default: the folder's name)")
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
The folder (default: the current one) must be empty or not exist yet.

Examples:
  nimbus init hello-app && cd hello-app && nimbus deploy
  nimbus init . --name shop`,
    )
    .action(async (dir: string | undefined, flags: InitFlags) => {
      const target = resolve(dir ?? ".");
      const info = await stat(target).catch(() => undefined);
      if (info && !info.isDirectory()) throw usageError(`${dir ?? target} exists and is not a folder`);
      if (info && (await readdir(target)).length > 0) {
        throw usageError(
          `${dir ?? target} is not empty; nimbus init only writes into an empty or new folder`,
        );
      }
      const name = flags.name ?? basename(target);
      const stackName = sanitizeStackName(name);
      if (!stackName) throw usageError("--name: give the app a name with at least one letter or digit");
      await mkdir(target, { recursive: true });
      const written = await copyTree(STARTER, target, {
        __APP_NAME__: name,
        __STACK_NAME__: stackName,
        // npm package names: lower case, URL-safe.
        __PACKAGE_NAME__: stackName.toLowerCase(),
      });
      if (isJson(flags)) return printJson({ dir: target, name, stackName, files: written });
      println(`Created ${name} in ${target}:`);
      for (const file of written) println(`  ${file}`);
      const cd = relative(process.cwd(), target);
      println("\nNext:");
      if (cd) println(`  cd ${cd}`);
      println("  nimbus deploy                  # needs a running `nimbus server`");
      println("  npm test");
      println("  nimbus local invoke HelloFunction -e events/event.json   # no server needed");
    });
}

async function copyTree(from: string, to: string, vars: Record<string, string>): Promise<string[]> {
  const written: string[] = [];
  const walk = async (rel: string) => {
    for (const entry of (await readdir(join(from, rel), { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const src = join(from, rel, entry.name);
      const outName = RENAMED[entry.name] ?? entry.name;
      const outRel = rel ? `${rel}/${outName}` : outName;
      if (entry.isDirectory()) {
        await mkdir(join(to, outRel), { recursive: true });
        await walk(rel ? `${rel}/${entry.name}` : entry.name);
        continue;
      }
      let text = await readFile(src, "utf8");
      for (const [key, value] of Object.entries(vars)) text = text.replaceAll(key, value);
      await writeFile(join(to, outRel), text, { mode: (await stat(src)).mode });
      written.push(outRel);
    }
  };
  await walk("");
  return written;
}
