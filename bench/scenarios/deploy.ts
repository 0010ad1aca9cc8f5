import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startNimbusProcess } from "../lib/nimbus-process.js";
import { fmt } from "../lib/report.js";

const BIN = resolve(import.meta.dirname, "../../packages/cli/bin/nimbus.js");

/** The sample at quantile q (nearest rank), NaN for no samples. */
function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `nimbus init` into a new temp folder; answers the app folder. */
async function initStarter(name: string): Promise<{ app: string; cleanup(): Promise<void> }> {
  const work = await mkdtemp(join(tmpdir(), "nimbus-bench-dev-"));
  const app = join(work, name);
  execFileSync(process.execPath, [BIN, "init", app], { stdio: "ignore" });
  return { app, cleanup: () => rm(work, { recursive: true, force: true }) };
}

/** A `nimbus dev` child process and what it printed. */
class Dev {
  stdout = "";
  stderr = "";
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;

  constructor(app: string, args: string[]) {
    this.child = spawn(process.execPath, [BIN, "dev", ...args], {
      cwd: app,
      env: { ...process.env, NIMBUS_ENDPOINT: "" },
    });
    this.child.stdout.on("data", (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((done) => this.child.on("close", done));
    this.child.stdin.end();
  }

  /** Polls stdout from `from` on (every 2 ms) until it matches; throws if dev exits or 120 s pass. */
  async waitFor(pattern: RegExp, from = 0): Promise<RegExpExecArray> {
    const deadline = Date.now() + 120_000;
    let ended = false;
    void this.exited.then(() => {
      ended = true;
    });
    for (;;) {
      const m = pattern.exec(this.stdout.slice(from));
      if (m) return m;
      if (ended || Date.now() > deadline)
        throw new Error(`nimbus dev: no ${pattern}\n${this.stdout}\n${this.stderr}`);
      await sleep(2);
    }
  }

  async stop(): Promise<void> {
    this.child.kill("SIGINT");
    const code = await this.exited;
    if (code !== 0) throw new Error(`nimbus dev exited ${code}: ${this.stderr}`);
  }
}

/** GETs the URL until it answers 200 (and, if given, a body containing `marker`), every `everyMs`. */
async function until(url: string, everyMs: number, marker?: string): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(url);
      const body = await res.text();
      if (res.status === 200 && (marker === undefined || body.includes(marker))) return;
    } catch {
      // Not listening yet.
    }
    await sleep(everyMs);
  }
}

/**
 * a) `nimbus dev` start to first served request: a fresh starter app each sample, no server
 * running (dev starts its own on a free port), clock from spawning the CLI to the first 200 of
 * GET /hello. The API id is taken from the Outputs dev prints after the deploy; "listening" is when
 * dev printed its endpoint (the embedded server is up).
 */
export async function devStart(samples: number): Promise<string> {
  const listening: number[] = [];
  const served: number[] = [];
  for (let i = 0; i < samples; i++) {
    const starter = await initStarter(`dev-start-${i}`);
    try {
      const started = performance.now();
      const dev = new Dev(starter.app, ["--port", "0", "--no-logs"]);
      try {
        const endpoint = (await dev.waitFor(/^endpoint: (\S+)$/m))[1] ?? "";
        listening.push(performance.now() - started);
        const apiId = (await dev.waitFor(/^\s+HelloApiId\s+(\w+)/m))[1] ?? "";
        await until(`${endpoint}/_nimbus/execute-api/${apiId}/hello`, 2);
        served.push(performance.now() - started);
      } finally {
        await dev.stop();
      }
    } finally {
      await starter.cleanup();
    }
  }
  return [
    "### `nimbus dev`: start to first served request (starter app)",
    "",
    "A fresh `nimbus init` app per sample and no server running: `nimbus dev --port 0 --no-logs` is",
    "spawned, starts Nimbus in its own process, deploys the template (SAM transform, change set,",
    "two functions, an HTTP API, a queue and its event source mapping) and the clock stops at the",
    "first 200 from GET /hello (a cold start of the Node function included).",
    "",
    "| samples | server listening p50 (ms) | max | first 200 p50 (ms) | max |",
    "|---:|---:|---:|---:|---:|",
    `| ${samples} | ${fmt(quantile(listening, 0.5))} | ${fmt(Math.max(...listening))} | ${fmt(quantile(served, 0.5))} | ${fmt(Math.max(...served))} |`,
  ].join("\n");
}

const handler = (marker: string) => `// GET /hello
export const handler = async (event) => {
  const name = event.queryStringParameters?.name ?? "world";
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: \`Hello, \${name}!\`, marker: "${marker}" }),
  };
};
`;

/**
 * b) Save-to-live under `nimbus dev`: the handler file is rewritten with a new marker and GET /hello
 * is polled every ~5 ms until the marker is served. Also records what dev itself reports
 * (`reloaded HelloFunction in N ms`: first file event to UpdateFunctionCode done).
 */
export async function saveToLive(samples: number): Promise<string> {
  const starter = await initStarter("save-to-live");
  const live: number[] = [];
  const reported: number[] = [];
  try {
    const dev = new Dev(starter.app, ["--port", "0"]);
    try {
      const endpoint = (await dev.waitFor(/^endpoint: (\S+)$/m))[1] ?? "";
      const apiId = (await dev.waitFor(/^\s+HelloApiId\s+(\w+)/m))[1] ?? "";
      const url = `${endpoint}/_nimbus/execute-api/${apiId}/hello`;
      await until(url, 5);
      const file = join(starter.app, "src/hello/app.mjs");
      for (let i = 0; i < samples; i++) {
        const marker = `m-${i}-${Date.now()}`;
        const before = dev.stdout.length;
        const started = performance.now();
        await writeFile(file, handler(marker));
        await until(url, 5, marker);
        live.push(performance.now() - started);
        const m = await dev.waitFor(/reloaded HelloFunction in (\d+) ms/, before);
        reported.push(Number(m[1]));
        // A quiet moment between saves, as between a developer's edits.
        await sleep(250);
      }
    } finally {
      await dev.stop();
    }
  } finally {
    await starter.cleanup();
  }
  return [
    "### Save-to-live under `nimbus dev` (code change, starter app)",
    "",
    "The handler file is rewritten with a new marker; the clock runs from just before the write to",
    "the first GET /hello (polled every ~5 ms) that serves the marker. dev's path: fs.watch event,",
    "50 ms debounce, zip of the folder, UpdateFunctionCode (ZipFile), then the next request starts a",
    "new environment for the new code (from the pre-started pool). Target: p50 under 300 ms.",
    "",
    "| samples | save-to-live p50 (ms) | p95 | max | dev's own report p50 (ms) | p95 |",
    "|---:|---:|---:|---:|---:|---:|",
    `| ${samples} | ${fmt(quantile(live, 0.5))} | ${fmt(quantile(live, 0.95))} | ${fmt(Math.max(...live))} | ${fmt(quantile(reported, 0.5))} | ${fmt(quantile(reported, 0.95))} |`,
  ].join("\n");
}

const FUNCTIONS = 20;

/** A SAM app of 20 Node functions, each with its own code folder and an HttpApi route. */
async function writeTwentyFunctionApp(app: string): Promise<void> {
  const resources: string[] = [];
  for (let i = 1; i <= FUNCTIONS; i++) {
    const id = String(i).padStart(2, "0");
    await mkdir(join(app, "fns", `fn${id}`), { recursive: true });
    await writeFile(join(app, "fns", `fn${id}`, "index.mjs"), fnCode(id, "v1"));
    resources.push(
      [
        `  Fn${id}:`,
        "    Type: AWS::Serverless::Function",
        "    Properties:",
        `      CodeUri: fns/fn${id}/`,
        "      Handler: index.handler",
        "      Events:",
        "        Get:",
        "          Type: HttpApi",
        "          Properties:",
        `            Path: /fn${id}`,
        "            Method: GET",
      ].join("\n"),
    );
  }
  await writeFile(
    join(app, "template.yaml"),
    [
      'AWSTemplateFormatVersion: "2010-09-09"',
      "Transform: AWS::Serverless-2016-10-31",
      "Globals:",
      "  Function:",
      "    Runtime: nodejs20.x",
      "    MemorySize: 128",
      "Resources:",
      ...resources,
      "",
    ].join("\n"),
  );
}

const fnCode = (id: string, version: string) =>
  `export const handler = async () => ({ statusCode: 200, body: "fn${id} ${version}" });\n`;

/** Runs `nimbus deploy` as its own process; answers its wall time. */
function timedDeploy(app: string, endpoint: string, stackName: string): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [BIN, "deploy", "--endpoint", endpoint, "--stack-name", stackName],
      {
        cwd: app,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      if (code !== 0) fail(new Error(`nimbus deploy exited ${code}:\n${out}`));
      else done(performance.now() - started);
    });
  });
}

/**
 * c) `nimbus deploy` of a 20-function SAM template (own code folder and HttpApi route each), as the
 * CLI process end to end: create, an update changing one function's code, a deploy with no change.
 * Each round uses a fresh server (so the create uploads every archive).
 */
export async function twentyFunctionDeploy(rounds: number): Promise<string> {
  const create: number[] = [];
  const update: number[] = [];
  const noChange: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const work = await mkdtemp(join(tmpdir(), "nimbus-bench-deploy-"));
    const nimbus = await startNimbusProcess();
    try {
      const app = join(work, "twenty");
      await writeTwentyFunctionApp(app);
      create.push(await timedDeploy(app, nimbus.url, "twenty"));
      await writeFile(join(app, "fns", "fn07", "index.mjs"), fnCode("07", `v2-${r}`));
      update.push(await timedDeploy(app, nimbus.url, "twenty"));
      noChange.push(await timedDeploy(app, nimbus.url, "twenty"));
    } finally {
      await nimbus.stop();
      await rm(work, { recursive: true, force: true });
    }
  }
  const row = (label: string, s: number[]) =>
    `| ${label} | ${s.length} | ${fmt(quantile(s, 0.5))} | ${fmt(Math.max(...s))} |`;
  return [
    `### \`nimbus deploy\`: a ${FUNCTIONS}-function SAM template`,
    "",
    `${FUNCTIONS} Node functions, each with its own code folder and an HttpApi GET route (one HTTP`,
    "API; after the SAM transform, a function, its role and its permission each). Wall time of the",
    "`nimbus deploy` process from spawn to exit: Node start, packaging (zip + SHA-256 +",
    "HeadObject/PutObject per folder), change set, execution with stack events polled every",
    "500 ms, outputs. Each round starts a fresh server, so the create uploads every archive.",
    "",
    "| deploy | rounds | p50 (ms) | max (ms) |",
    "|---|---:|---:|---:|",
    row("create (uploads 20 archives)", create),
    row("update: one function's code changed", update),
    row("no change", noChange),
  ].join("\n");
}

/** The group's "Reading these numbers" note. */
export function deployNotes(): string {
  return [
    "### Reading these numbers",
    "",
    "- Save-to-live is the developer loop's fast path: one folder zipped in memory and one",
    "  UpdateFunctionCode, no CloudFormation. Most of it is fixed: the 50 ms debounce (editors write",
    "  a file in several steps), the new environment's Init for the new code, and the 5 ms poll.",
    "  Full redeploys under dev (template edits) go through a change set like `nimbus deploy`, but",
    "  from the running dev process (no Node start) and polled every 100 ms instead of 500 ms.",
    "- `nimbus deploy` polls the change set and the stack every 500 ms (lib/deploy-stack.ts), so",
    "  create and update times move in 500 ms steps; the no-change deploy ends at the change set",
    "  (FAILED: no changes) and mostly measures Node start plus packaging (zipping 20 folders, 20",
    "  HeadObject calls).",
    "- dev start to first request is Node start, the embedded server's start (SQLite, pre-started",
    "  runtime pool), the deploy and one cold start of the Node function.",
  ].join("\n");
}
