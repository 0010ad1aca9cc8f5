import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { providerRegistry } from "../index.js";

const DOC = resolve(import.meta.dirname, "../../../../../docs/stacks.md");

/** Rows of the "Supported resource types" table: type -> the properties column. */
function documentedTypes(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const m of readFileSync(DOC, "utf8").matchAll(
    /^\| `(AWS::[A-Za-z0-9:]+)`( \(recorded\))? \| (.*) \|$/gm,
  ))
    if (m[1] && m[3] !== undefined) rows.set(m[1], `${m[2] ?? ""}|${m[3]}`);
  return rows;
}

describe("docs/stacks.md", () => {
  it("lists every registered resource type, and only those", () => {
    const documented = documentedTypes();
    const registered = [...providerRegistry().keys()];
    expect(registered.filter((t) => !documented.has(t)).sort()).toEqual([]);
    expect([...documented.keys()].filter((t) => !registered.includes(t)).sort()).toEqual([]);
  });

  it("names each type's applied properties and marks recorded-only types", () => {
    const documented = documentedTypes();
    const wrong: string[] = [];
    for (const [type, provider] of providerRegistry()) {
      const row = documented.get(type) ?? "";
      if (row.startsWith(" (recorded)|") !== (provider.recordedOnly === true))
        wrong.push(`${type}: recorded`);
      const listed = new Set(row.slice(row.indexOf("|") + 1).split(/[ ,()/]+/));
      for (const property of provider.properties)
        if (!listed.has(property)) wrong.push(`${type}: ${property}`);
    }
    expect(wrong).toEqual([]);
  });
});
