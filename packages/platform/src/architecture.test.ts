import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Dependencies point one way (docs/architecture.md): core <- storage/aws <- areas <- server.ts.
 * An area reaches another area only through that area's index.ts.
 */
const ALLOWED: Record<string, string[]> = {
  core: [],
  storage: ["core"],
  aws: ["core"],
  sandbox: ["core"],
  observe: ["core", "storage", "aws"],
  functions: ["core", "storage", "aws"],
  invoke: ["core", "storage", "aws", "functions", "sandbox", "observe"],
  workflow: ["core", "storage", "aws", "invoke"],
  gateway: ["core", "storage", "aws", "functions", "invoke"],
  async: ["core", "storage", "aws", "functions", "invoke"],
  // Event source mappings filter records with the events area's pattern language (one implementation).
  sources: ["core", "storage", "aws", "functions", "invoke", "events"],
  messaging: ["core", "storage", "aws"],
  // Event buses and schedules reach queues, topics, functions and workflows only through core/targets.
  events: ["core", "storage", "aws"],
};
const LIBRARIES = new Set(["core", "storage", "aws"]);
const SRC = import.meta.dirname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".contract.ts") ? [full] : [];
  });
}

function areaOf(file: string): string {
  return relative(SRC, file).split("/")[0] ?? "";
}

describe("module boundaries", () => {
  const violations: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = areaOf(file);
    if (!(from in ALLOWED)) continue;
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)) {
      const target = resolve(dirname(file), match[1] ?? "");
      const to = areaOf(target);
      if (to === from) continue;
      const where = `${relative(SRC, file)} -> ${relative(SRC, target)}`;
      if (!(ALLOWED[from] ?? []).includes(to)) violations.push(`${where}: ${from} may not depend on ${to}`);
      else if (!LIBRARIES.has(to) && !target.endsWith(`${to}/index.js`))
        violations.push(`${where}: import ${to} through its index.ts`);
    }
  }

  it("keeps every import inside the allowed direction and through index.ts", () => {
    expect(violations).toEqual([]);
  });
});
