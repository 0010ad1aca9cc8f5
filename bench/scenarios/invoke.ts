import { join, resolve } from "node:path";
import { zipDirectory } from "../../test/support/zip.js";
import { startFloorServer } from "../lib/floor-server.js";
import { type LoadResult, load, percentiles } from "../lib/load.js";
import type { NimbusProcess } from "../lib/nimbus-process.js";
import { fmt, medianBy, range, repeats } from "../lib/report.js";

const FIXTURES = resolve(import.meta.dirname, "../../test/fixtures/functions");
const ROLE = "arn:aws:iam::000000000000:role/bench";

async function api(nimbus: NimbusProcess, method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${nimbus.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

async function createFunction(
  nimbus: NimbusProcess,
  name: string,
  fixture: string,
  runtime: string,
  handler: string,
): Promise<void> {
  const zip = await zipDirectory(join(FIXTURES, fixture));
  await api(nimbus, "POST", "/2015-03-31/functions", {
    FunctionName: name,
    Runtime: runtime,
    Handler: handler,
    Role: ROLE,
    MemorySize: 256,
    Code: { ZipFile: zip.toString("base64") },
  });
}

/**
 * Warm invoke throughput and latency against the floor, at concurrency 1 and 10: `repeats` pairs
 * of runs per concurrency, floor and Nimbus in turn (alternating which goes first); the table
 * shows the pair with the median ratio, and the range of all of them.
 */
export async function warmInvoke(nimbus: NimbusProcess, seconds: number): Promise<string> {
  await createFunction(nimbus, "bench-hello", "node/hello", "nodejs20.x", "index.handler");
  const invokeUrl = `${nimbus.url}/2015-03-31/functions/bench-hello/invocations`;
  // Warm enough environments for concurrency 10, and run them long enough that V8 has compiled
  // their invoke path (each sees a tenth of the traffic): the figures are steady-state ones.
  await load({ url: invokeUrl, method: "POST", body: "{}", connections: 10, seconds: 6 });
  const floor = await startFloorServer();
  const rows: string[] = [];
  try {
    for (const connections of [1, 10]) {
      const runFloor = () => load({ url: floor.url, method: "POST", body: "{}", connections, seconds });
      const runNimbus = async () => {
        const result = await load({ url: invokeUrl, method: "POST", body: "{}", connections, seconds });
        if (result.errors + result.non2xx > 0) {
          throw new Error(`warm invoke had ${result.errors} errors and ${result.non2xx} non-2xx answers`);
        }
        return result;
      };
      const pairs: { floor: LoadResult; nimbus: LoadResult; ratio: number }[] = [];
      for (let i = 0; i < repeats; i++) {
        const floorFirst = i % 2 === 0;
        const first = await (floorFirst ? runFloor() : runNimbus());
        const second = await (floorFirst ? runNimbus() : runFloor());
        const [f, n] = floorFirst ? [first, second] : [second, first];
        pairs.push({ floor: f, nimbus: n, ratio: n.requestsPerSec / f.requestsPerSec });
      }
      const { floor: f, nimbus: n, ratio } = medianBy(pairs, (p) => p.ratio);
      rows.push(
        `| ${connections} | ${fmt(f.requestsPerSec)} | ${fmt(f.p50Ms, 2)} / ${fmt(f.p99Ms, 2)} | ` +
          `${fmt(n.requestsPerSec)} | ${fmt(n.p50Ms, 2)} / ${fmt(n.p99Ms, 2)} | ` +
          `**${fmt(ratio, 2)}** | ${range(
            pairs.map((p) => p.ratio),
            2,
          )} |`,
      );
    }
  } finally {
    await floor.stop();
  }
  return [
    "### Warm invoke (Invoke API, Node hello) vs a plain Node http server (the floor)",
    "",
    `autocannon, ${seconds} s per run after a 6 s warm-up at 10 connections, POST with body \`{}\`, the server in its own process.`,
    `${repeats} pairs of runs per row, floor and Nimbus in turn; the row is the pair with the median ratio.`,
    "",
    `| connections | floor req/s | floor p50 / p99 ms | Nimbus req/s | Nimbus p50 / p99 ms | Nimbus / floor | range over ${repeats} pairs |`,
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "Target (issue 2): at least 0.30 of the floor.",
  ].join("\n");
}

/** Cold start: a new environment to its first response, forced by a configuration change. */
export async function coldStarts(nimbus: NimbusProcess, iterations: number, label = ""): Promise<string> {
  const cases = [
    {
      name: "cold-node",
      fixture: "node/hello",
      runtime: "nodejs20.x",
      handler: "index.handler",
      label: "Node hello",
    },
    {
      name: "cold-python",
      fixture: "python/hello",
      runtime: "python3.11",
      handler: "lambda_function.lambda_handler",
      label: "Python hello",
    },
  ];
  const rows: string[] = [];
  for (const c of cases) {
    await createFunction(nimbus, c.name, c.fixture, c.runtime, c.handler);
    // Let the pre-started pool (when on) refill between samples, as between real cold starts.
    const pause = () => new Promise((r) => setTimeout(r, 150));
    const total: number[] = [];
    const init: number[] = [];
    for (let i = 0; i < iterations; i++) {
      await api(nimbus, "PUT", `/2015-03-31/functions/${c.name}/configuration`, { Description: `cold ${i}` });
      await pause();
      const started = performance.now();
      const res = await api(nimbus, "POST", `/2015-03-31/functions/${c.name}/invocations`, {});
      await res.arrayBuffer();
      total.push(performance.now() - started);
      if (res.headers.get("x-amz-function-error"))
        throw new Error(`${c.label} failed during the cold start benchmark`);
    }
    // One more pass reading Init Duration from the REPORT line.
    for (let i = 0; i < Math.min(iterations, 20); i++) {
      await api(nimbus, "PUT", `/2015-03-31/functions/${c.name}/configuration`, { Description: `init ${i}` });
      await pause();
      const res = await fetch(`${nimbus.url}/2015-03-31/functions/${c.name}/invocations`, {
        method: "POST",
        body: "{}",
        headers: { "x-amz-log-type": "Tail" },
      });
      await res.arrayBuffer();
      const log = Buffer.from(res.headers.get("x-amz-log-result") ?? "", "base64").toString();
      const match = /Init Duration: ([\d.]+) ms/.exec(log);
      if (match?.[1]) init.push(Number(match[1]));
    }
    const t = percentiles(total);
    const d = percentiles(init);
    rows.push(
      `| ${c.label} | ${iterations} | ${fmt(t.p50, 1)} | ${fmt(t.p99, 1)} | ${fmt(d.p50, 1)} | ${fmt(d.p99, 1)} |`,
    );
  }
  return [
    `### Cold start (new environment to first response)${label}`,
    "",
    "Each sample changes the function's configuration first, so the next invoke must start a new",
    "environment (sandbox + runtime process + module load + init). Measured by the client around the",
    "Invoke call; Init Duration is what the REPORT line says.",
    "",
    "| function | samples | p50 ms | p99 ms | Init Duration p50 ms | Init Duration p99 ms |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    "Targets: Node hello p50 under 120 ms under bubblewrap without the pool (issue 2), under 20 ms with it (issue 3).",
  ].join("\n");
}
