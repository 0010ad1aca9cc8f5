import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = import.meta.dirname;
const DOC = resolve(SRC, "../../../docs/errors.md");

function codesInSource(dir: string, found = new Set<string>()): Set<string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) codesInSource(full, found);
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) {
      for (const m of readFileSync(full, "utf8").matchAll(/"(ERR_[A-Z0-9_]+)"/g)) if (m[1]) found.add(m[1]);
    }
  }
  return found;
}

describe("docs/errors.md", () => {
  it("lists exactly the error codes the platform defines", () => {
    const documented = new Set(
      [...readFileSync(DOC, "utf8").matchAll(/^\| `(ERR_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]),
    );
    const defined = codesInSource(SRC);
    expect([...defined].filter((c) => !documented.has(c)).sort()).toEqual([]);
    expect([...documented].filter((c) => c !== undefined && !defined.has(c)).sort()).toEqual([]);
  });
});
