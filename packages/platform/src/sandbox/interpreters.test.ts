import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findNode, NODE_RUNTIME_FLAGS } from "./interpreters.js";

describe("findNode", () => {
  it("finds the host's Node and keeps the runtime's V8 options when it accepts them", async () => {
    const found = await findNode(process.execPath);
    if (!found.ok) throw new Error(found.reason);
    expect(found.interpreter.path).toBe(process.execPath);
    expect(found.interpreter.version).toBe(process.versions.node);
    expect(found.interpreter.flags).toEqual(NODE_RUNTIME_FLAGS);
  });

  it("starts runtimes without the options when the host's Node refuses them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nimbus-node-"));
    try {
      // A Node that knows no V8 options (as `node` answers an unknown one: "bad option", exit 9).
      const fake = join(dir, "node");
      await writeFile(
        fake,
        `#!/bin/sh\ncase "$1" in --*) echo "bad option: $1" >&2; exit 9;; esac\nexec "${process.execPath}" "$@"\n`,
      );
      await chmod(fake, 0o755);
      const found = await findNode(fake);
      if (!found.ok) throw new Error(found.reason);
      expect(found.interpreter.flags).toEqual([]);
      expect(found.interpreter.version).toBe(process.versions.node);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says why when the command cannot run", async () => {
    const found = await findNode("/nonexistent/node");
    expect(found.ok).toBe(false);
  });
});
