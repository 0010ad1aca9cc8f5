import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The AWS SDK for JavaScript v3 that Nimbus's Node runtime provides to functions, as AWS's
 * nodejs runtimes do: the clients listed as dependencies of packages/runtimes, plus everything
 * they need, found in the hoisted `node_modules`. Returns the top-level entries to expose
 * (whole scopes for `@aws-sdk`, `@smithy` and `@aws-crypto`, single packages otherwise), so a
 * sandbox mounts a few folders instead of the project's every dependency.
 */
export async function runtimeSdkEntries(runtimesDir: string, nodeModules: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(runtimesDir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  const seen = new Set<string>();
  const queue = Object.keys(manifest.dependencies ?? {});
  while (queue.length > 0) {
    const name = queue.pop();
    if (name === undefined || seen.has(name)) continue;
    let pkg: { dependencies?: Record<string, string> };
    try {
      pkg = JSON.parse(await readFile(join(nodeModules, name, "package.json"), "utf8")) as typeof pkg;
    } catch {
      continue; // Nested under another package (its folder comes along) or optional and absent.
    }
    seen.add(name);
    queue.push(...Object.keys(pkg.dependencies ?? {}));
  }
  const entries = new Set<string>();
  for (const name of seen) {
    const scope = name.startsWith("@") ? (name.split("/")[0] ?? name) : undefined;
    entries.add(scope === "@aws-sdk" || scope === "@smithy" || scope === "@aws-crypto" ? scope : name);
  }
  return [...entries].sort();
}
