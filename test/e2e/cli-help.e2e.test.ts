import type { Command, Option } from "commander";
import { describe, expect, it } from "vitest";

// Import the real command tree without running it.
process.env.NIMBUS_CLI_NO_RUN = "1";
const { program } = (await import("../../packages/cli/src/main.js")) as { program: Command };

interface Node {
  path: string;
  command: Command;
}

function walk(command: Command, prefix: string[] = []): Node[] {
  const out: Node[] = [];
  for (const sub of command.commands) {
    const path = [...prefix, sub.name()];
    out.push({ path: path.join(" "), command: sub }, ...walk(sub, path));
  }
  return out;
}

/** The full help text, with what addHelpText("after") adds. */
function helpOf(command: Command): string {
  let text = "";
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  command.outputHelp();
  return text;
}

const nodes = walk(program);
const isLeaf = (c: Command) => c.commands.length === 0;
const takesValue = (o: Option) => o.required || o.optional;

describe("nimbus --help", () => {
  it("has the commands of issue 8", () => {
    const paths = nodes.map((n) => n.path);
    for (const expected of [
      "server",
      "deploy",
      "delete",
      "stacks",
      "stacks show",
      "invoke",
      "logs",
      "functions list",
      "queues list",
      "apis list",
      "state-machines list",
      "generate-event",
      "init",
      "local invoke",
    ]) {
      expect(paths).toContain(expected);
    }
  });

  it.each(nodes.map((n) => [n.path, n] as const))("%s: describes itself and every option", (_path, node) => {
    const { command } = node;
    expect(command.description().length).toBeGreaterThan(10);
    const help = helpOf(command);
    for (const option of command.options) {
      expect(help, `${node.path} --help names ${option.flags}`).toContain(option.long ?? option.flags);
      expect(option.description.length, `${node.path} ${option.flags} has a description`).toBeGreaterThan(5);
      if (takesValue(option)) {
        const statesDefault =
          option.defaultValue !== undefined || /default|required/i.test(option.description);
        expect(statesDefault, `${node.path} ${option.flags} states its default`).toBe(true);
      }
    }
    if (isLeaf(command)) expect(help, `${node.path} --help shows an example`).toMatch(/Examples?:/);
  });

  it("commands that talk to a server take --endpoint, and commands with results take --output", () => {
    const offline = new Set(["server", "generate-event", "init", "local invoke"]);
    for (const { path, command } of nodes) {
      if (!isLeaf(command) || offline.has(path) || path === "help") continue;
      const longs = command.options.map((o) => o.long);
      if (path.startsWith("dev")) continue; // starts or attaches to a server itself
      expect(longs, `${path} takes --endpoint`).toContain("--endpoint");
      expect(longs, `${path} takes --output`).toContain("--output");
    }
  });
});
