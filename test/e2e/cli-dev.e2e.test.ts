import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

const CLI = resolve(import.meta.dirname, "../../packages/cli/bin/nimbus.js");

/** A running `nimbus dev` with everything it printed so far. */
class DevProcess {
  stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(args: string[], cwd: string) {
    this.child = spawn(process.execPath, [CLI, "dev", ...args], {
      cwd,
      env: { ...process.env, NIMBUS_ENDPOINT: "", NIMBUS_LOG_LEVEL: "" },
    });
    this.child.stdout.on("data", (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((done) => this.child.on("close", (code) => done(code)));
    this.child.stdin.end();
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Waits until stdout (or stderr) matches; fails with both when the process ends first. */
  async waitFor(
    pattern: RegExp,
    stream: "stdout" | "stderr" = "stdout",
    timeoutMs = 45_000,
  ): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.exited.then(() => {
      ended = true;
    });
    for (;;) {
      const match = pattern.exec(this[stream]);
      if (match) return match;
      if (ended || Date.now() > deadline) {
        throw new Error(`no ${pattern} in ${stream}\n--- stdout\n${this.stdout}\n--- stderr\n${this.stderr}`);
      }
      await sleep(25);
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** Polls the URL until its body contains `marker` (no timing asserted; the test timeout bounds it). */
async function until(url: string, marker: string): Promise<string> {
  for (;;) {
    const r = await get(url).catch(() => ({ status: 0, body: "" }));
    if (r.status === 200 && r.body.includes(marker)) return r.body;
    await sleep(20);
  }
}

/** Processes whose command line names this path (sandboxes and runtimes name their data dir). */
function processesNaming(path: string): string[] {
  const lines = execFileSync("ps", ["-eo", "pid=,args="]).toString().split("\n");
  return lines.filter((l) => l.includes(path) && !l.includes("ps -eo"));
}

const HANDLER = (marker: string) => `export const handler = async (event) => {
  console.log("handled ${marker}", event.rawPath);
  return { statusCode: 200, body: JSON.stringify({ marker: "${marker}", greeting: process.env.GREETING }) };
};
`;

async function initApp(dir: string): Promise<void> {
  execFileSync(process.execPath, [CLI, "init", dir], { stdio: "ignore" });
}

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "nimbus-dev-"));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("nimbus dev on the starter app, with its own server", () => {
  it("deploys, serves, reloads code in place, redeploys the template, streams logs, stops on SIGINT", async () => {
    const app = join(work, "starter");
    await initApp(app);
    const dev = new DevProcess(["--port", "0"], app);
    try {
      const endpoint = (await dev.waitFor(/^endpoint: (http:\/\/127\.0\.0\.1:\d+)$/m))[1] ?? "";
      expect(endpoint).not.toMatch(/:0$/);
      await dev.waitFor(/Watching for changes/, "stderr");
      // The functions and the HTTP API's local route URL are printed.
      expect(dev.stdout).toMatch(/^ {2}HelloFunction\s+starter-HelloFunction-\w+$/m);
      expect(dev.stdout).toMatch(/^ {2}WorkerFunction\s+starter-WorkerFunction-\w+$/m);
      const url = (await dev.waitFor(/GET\s+(http:\/\/\S+\/_nimbus\/execute-api\/\w+\/hello)$/m))[1] ?? "";
      expect(url.startsWith(endpoint)).toBe(true);
      const first = await get(`${url}?name=Ada`);
      expect(first.status).toBe(200);
      expect(JSON.parse(first.body)).toEqual({ message: "Hello, Ada!" });
      // The starter's log line comes back through the log stream, labelled with its logical id.
      await dev.waitFor(/^\[HelloFunction\] .*greeting Ada \(GET \/hello\)/m);

      // A code change: reloaded in place; once dev says so, no request gets the old code.
      await writeFile(join(app, "src/hello/app.mjs"), HANDLER("v2"));
      await dev.waitFor(/^reloaded HelloFunction in \d+ ms$/m);
      for (let i = 0; i < 5; i++) {
        const r = await get(url);
        expect(r.status).toBe(200);
        expect(JSON.parse(r.body)).toEqual({ marker: "v2", greeting: "Hello" });
      }
      await dev.waitFor(/^\[HelloFunction\] .*handled v2 \/hello/m);
      // The worker's folder did not change: only HelloFunction was reloaded.
      expect(dev.stdout).not.toMatch(/reloaded WorkerFunction/);

      // A second code change while serving: the answer changes again.
      await writeFile(join(app, "src/hello/app.mjs"), HANDLER("v3"));
      expect(JSON.parse(await until(url, '"v3"'))).toEqual({ marker: "v3", greeting: "Hello" });

      // A broken template is reported and dev keeps going; the fixed one is deployed in full.
      const templatePath = join(app, "template.yaml");
      const template = await readFile(templatePath, "utf8");
      await writeFile(templatePath, `${template}\n  Broken: [unclosed\n`);
      await dev.waitFor(/Fix the template/, "stderr");
      await writeFile(templatePath, template.replace("GREETING: Hello", "GREETING: Howdy"));
      expect(JSON.parse(await until(url, "Howdy"))).toEqual({ marker: "v3", greeting: "Howdy" });
      // The new setting is live mid-deploy; the deploy's end is reported after.
      await dev.waitFor(/Deployed stack starter \(UPDATE_COMPLETE\)/);

      dev.kill("SIGINT");
      expect(await dev.exited).toBe(0);
      expect(dev.stderr).toContain("Nimbus stopped.");
      expect(processesNaming(join(app, ".nimbus"))).toEqual([]);
      // The embedded server is gone with it.
      await expect(fetch(`${endpoint}/_nimbus/health`)).rejects.toThrow();
    } finally {
      dev.kill("SIGKILL");
    }
  });
});

describe("nimbus dev attached to a running server", () => {
  let nimbus: TestNimbus;

  beforeAll(async () => {
    nimbus = await startNimbus();
  });

  afterAll(async () => {
    await nimbus?.stop();
  });

  it("uses the server at --endpoint, leaves it running on SIGINT, and prints no logs with --no-logs", async () => {
    const app = join(work, "attached");
    await initApp(app);
    const dev = new DevProcess(["--endpoint", nimbus.url, "--no-logs", "--stack-name", "attached-app"], app);
    try {
      expect((await dev.waitFor(/^endpoint: (\S+)$/m))[1]).toBe(nimbus.url);
      await dev.waitFor(/Attached to the Nimbus server/, "stderr");
      await dev.waitFor(/Watching for changes/, "stderr");
      const url = (await dev.waitFor(/GET\s+(http:\/\/\S+\/hello)$/m))[1] ?? "";
      expect(JSON.parse((await get(url)).body)).toEqual({ message: "Hello, world!" });
      // Requests keep coming while the code is replaced: once dev has said "reloaded", every
      // request sent afterwards gets the new code (no old environment serves any more).
      let reloaded = false;
      let traffic = true;
      const after: string[] = [];
      const load = (async () => {
        while (traffic) {
          const sentAfterReload = reloaded;
          const r = await get(url);
          expect(r.status).toBe(200);
          if (sentAfterReload) after.push(r.body);
        }
      })();
      await writeFile(join(app, "src/hello/app.mjs"), HANDLER("attached"));
      await dev.waitFor(/^reloaded HelloFunction in \d+ ms$/m);
      reloaded = true;
      while (after.length < 10) await sleep(10);
      traffic = false;
      await load;
      for (const body of after) expect(JSON.parse(body)).toEqual({ marker: "attached", greeting: "Hello" });

      dev.kill("SIGINT");
      expect(await dev.exited).toBe(0);
      expect(dev.stdout).not.toMatch(/^\[HelloFunction\]/m);
      expect(dev.stderr).toContain("the server keeps running");
      // The server still serves the stack dev deployed; no data dir was made beside the template.
      expect((await get(url)).status).toBe(200);
      await expect(readFile(join(app, ".nimbus", "nimbus.db"))).rejects.toThrow();
    } finally {
      dev.kill("SIGKILL");
    }
  });
  it("redeploys the stack for a function that publishes versions (AutoPublishAlias), so its alias moves", async () => {
    const app = join(work, "published");
    await mkdir(join(app, "src"), { recursive: true });
    await writeFile(
      join(app, "template.yaml"),
      [
        "Transform: AWS::Serverless-2016-10-31",
        "Resources:",
        "  Fn:",
        "    Type: AWS::Serverless::Function",
        "    Properties:",
        "      CodeUri: src/",
        "      Handler: index.handler",
        "      Runtime: nodejs20.x",
        "      AutoPublishAlias: live",
        "      Events:",
        "        Get:",
        "          Type: HttpApi",
        "          Properties:",
        "            Path: /v",
        "            Method: GET",
        "",
      ].join("\n"),
    );
    await writeFile(join(app, "src/index.mjs"), HANDLER("one"));
    const dev = new DevProcess(["--endpoint", nimbus.url, "--no-logs"], app);
    try {
      await dev.waitFor(/Watching for changes/, "stderr");
      const url = (await dev.waitFor(/GET\s+(http:\/\/\S+\/v)$/m))[1] ?? "";
      expect(JSON.parse((await get(url)).body)).toMatchObject({ marker: "one" });
      await writeFile(join(app, "src/index.mjs"), HANDLER("two"));
      await dev.waitFor(/Deploying stack published \(Fn publishes versions \(AutoPublishAlias\)\)/, "stderr");
      expect(JSON.parse(await until(url, '"two"'))).toMatchObject({ marker: "two" });
      expect(dev.stdout).not.toMatch(/reloaded Fn/);
      dev.kill("SIGINT");
      expect(await dev.exited).toBe(0);
    } finally {
      dev.kill("SIGKILL");
    }
  });
});
