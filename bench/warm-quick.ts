/**
 * Quick loop for warm-invoke work (docs/roadmap.md item 1): only the warm Invoke API and the
 * HTTP API in front of the same Node hello, against the floor, all in one run.
 *
 *   npx tsc -b && npx tsx bench/warm-quick.ts
 *
 * BENCH_SECONDS (default 3) per load run, BENCH_ROUNDS (default 2) repetitions, BENCH_CONNECTIONS
 * (default "1,10"). BENCH_CPU_PROF=<dir> starts the server under `node --cpu-prof` writing its
 * profile into <dir> when it stops. BENCH_BASE=<path to another checkout's packages/cli/bin/nimbus.js>
 * also starts that build (e.g. a copy of the tree before a change) and measures it in the same
 * rounds, alternating the order, for a before/after in one run. Prints one line per run (req/s,
 * latency, CPU microseconds user+system and context switches per request of the server and of
 * its runtime processes) and the Nimbus/floor ratios; the machine is shared, so only ratios
 * measured in the same round compare.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { zipDirectory } from "../test/support/zip.js";
import { callApi } from "./lib/api.js";
import { startFloorServer } from "./lib/floor-server.js";
import { type LoadResult, load } from "./lib/load.js";
import { startNimbusProcess } from "./lib/nimbus-process.js";

const seconds = Number(process.env.BENCH_SECONDS ?? "3");
const rounds = Number(process.env.BENCH_ROUNDS ?? "2");
const connectionsList = (process.env.BENCH_CONNECTIONS ?? "1,10").split(",").map(Number);
const HELLO = resolve(import.meta.dirname, "../test/fixtures/functions/node/hello");

/** CPU seconds (user, system) and context switches of a process and its descendants, from /proc. */
interface Usage {
  user: number;
  sys: number;
  switches: number;
  /** Of which involuntary (preempted). */
  preempted: number;
}

function usageOf(pid: number): Usage {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const switches = [...status.matchAll(/ctxt_switches:\s+(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    const preempted = Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100, switches, preempted };
  } catch {
    return { user: 0, sys: 0, switches: 0, preempted: 0 };
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim().split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function treeUsage(pid: number): { own: Usage; children: Usage } {
  const children: Usage = { user: 0, sys: 0, switches: 0, preempted: 0 };
  const stack = childrenOf(pid);
  for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
    const u = usageOf(p);
    children.user += u.user;
    children.sys += u.sys;
    children.switches += u.switches;
    children.preempted += u.preempted;
    stack.push(...childrenOf(p));
  }
  return { own: usageOf(pid), children };
}

/** Runs `run`, and adds the server's and its runtimes' CPU and context switches per request. */
async function measured(pid: number, run: () => Promise<LoadResult>) {
  const before = treeUsage(pid);
  const result = await run();
  const after = treeUsage(pid);
  const requests = result.requestsPerSec * seconds;
  const per = (a: Usage, b: Usage) =>
    `${(((a.user - b.user) / requests) * 1e6).toFixed(0)}+${(((a.sys - b.sys) / requests) * 1e6).toFixed(0)} us ` +
    `${((a.switches - b.switches) / requests).toFixed(2)} cs (${((a.preempted - b.preempted) / requests).toFixed(2)} preempted)`;
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  return {
    ...result,
    usage: `server ${per(after.own, before.own)} rss ${Math.round(rss / 1024)} MB  runtimes ${per(after.children, before.children)}`,
  };
}

const profileDir = process.env.BENCH_CPU_PROF;
const base = process.env.BENCH_BASE;
const pinTo = process.env.BENCH_PIN;
// BENCH_TWEAK / BENCH_UNTWEAK: a command run for each runtime process ({} = its pid), e.g.
// "chrt -b -a -p 0 {}" / "chrt -o -a -p 0 {}", measured like BENCH_PIN (same server, same round).
const tweak = process.env.BENCH_TWEAK;
const untweak = process.env.BENCH_UNTWEAK;
const forRuntimes = (pid: number, command: string) => {
  for (const p of descendants(pid))
    spawnSync("/bin/sh", ["-c", command.replaceAll("{}", String(p))], { stdio: "ignore" });
};

/** Every process below `pid` (the runtimes: bubblewrap and node processes). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const stack = childrenOf(pid);
  for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
    out.push(p);
    stack.push(...childrenOf(p));
  }
  return out;
}

/** Sets the CPU affinity of the server's threads and of all its runtimes' (taskset). */
function pin(pid: number, cpus: string): void {
  for (const p of [pid, ...descendants(pid)])
    spawnSync("taskset", ["-a", "-p", "-c", cpus, String(p)], { stdio: "ignore" });
}

interface Target {
  label: string;
  pid: number;
  invokeUrl: string;
  gatewayUrl: string;
  stop(): Promise<void>;
}

async function startTarget(label: string, bin?: string): Promise<Target> {
  const nimbus = await startNimbusProcess(
    [],
    profileDir && !bin ? ["--cpu-prof", "--cpu-prof-dir", resolve(profileDir)] : [],
    ...(bin ? [bin] : []),
  );
  const fn = (await callApi(nimbus.url, "POST", "/2015-03-31/functions", {
    FunctionName: "quick-hello",
    Runtime: "nodejs20.x",
    Handler: "index.handler",
    Role: "arn:aws:iam::000000000000:role/bench",
    MemorySize: 256,
    Code: { ZipFile: (await zipDirectory(HELLO)).toString("base64") },
  })) as { FunctionArn: string };
  const api = (await callApi(nimbus.url, "POST", "/v2/apis", {
    name: "quick",
    protocolType: "HTTP",
    target: fn.FunctionArn,
  })) as { apiId: string };
  const invokeUrl = `${nimbus.url}/2015-03-31/functions/quick-hello/invocations`;
  const gatewayUrl = `${nimbus.url}/_nimbus/execute-api/${api.apiId}/hello`;
  // Warm environments for the highest concurrency on both paths.
  const most = Math.max(...connectionsList);
  await load({ url: invokeUrl, method: "POST", body: "{}", connections: most, seconds: 2 });
  await load({ url: gatewayUrl, connections: most, seconds: 1 });
  process.stdout.write(`${label}: nimbus pid ${nimbus.child.pid}\n`);
  return { label, pid: nimbus.child.pid ?? 0, invokeUrl, gatewayUrl, stop: () => nimbus.stop() };
}

const floor = await startFloorServer();
const targets: Target[] = [];
try {
  if (base) targets.push(await startTarget("base", base));
  // BENCH_NEW_ENV="NAME=value,..." is set for the new build only (A/B of an environment switch).
  for (const pair of (process.env.BENCH_NEW_ENV ?? "").split(",").filter(Boolean)) {
    const at = pair.indexOf("=");
    process.env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  targets.push(await startTarget("new"));
  const ratios = new Map<string, number[]>();
  const note = (label: string, value: number) => ratios.set(label, [...(ratios.get(label) ?? []), value]);
  const print = (
    round: number,
    connections: number,
    label: string,
    r: Awaited<ReturnType<typeof measured>>,
  ) => {
    const bad = r.errors + r.non2xx;
    process.stdout.write(
      `round ${round} c=${connections} ${label.padEnd(15)} ${r.requestsPerSec.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms} p99 ${r.p99Ms}  per req (user+sys) ${r.usage}${bad ? `  FAILED ${bad}` : ""}\n`,
    );
  };
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 0 ? [...targets].reverse() : targets;
    for (const connections of connectionsList) {
      const floorPost = await measured(floor.pid, () =>
        load({ url: floor.url, method: "POST", body: "{}", connections, seconds }),
      );
      print(round, connections, "floor POST", floorPost);
      for (const t of order) {
        const r = await measured(t.pid, () =>
          load({ url: t.invokeUrl, method: "POST", body: "{}", connections, seconds }),
        );
        print(round, connections, `${t.label} invoke`, r);
        note(`${t.label} invoke c=${connections}`, r.requestsPerSec / floorPost.requestsPerSec);
        if (pinTo) {
          pin(t.pid, pinTo);
          const p = await measured(t.pid, () =>
            load({ url: t.invokeUrl, method: "POST", body: "{}", connections, seconds }),
          );
          pin(t.pid, `0-${cpus().length - 1}`);
          print(round, connections, `${t.label} invoke pinned`, p);
          note(`${t.label} invoke pinned c=${connections}`, p.requestsPerSec / floorPost.requestsPerSec);
        }
        if (tweak && untweak) {
          forRuntimes(t.pid, tweak);
          const p = await measured(t.pid, () =>
            load({ url: t.invokeUrl, method: "POST", body: "{}", connections, seconds }),
          );
          forRuntimes(t.pid, untweak);
          print(round, connections, `${t.label} invoke tweaked`, p);
          note(`${t.label} invoke tweaked c=${connections}`, p.requestsPerSec / floorPost.requestsPerSec);
        }
      }
      const floorGet = await measured(floor.pid, () => load({ url: floor.url, connections, seconds }));
      print(round, connections, "floor GET", floorGet);
      for (const t of order) {
        const r = await measured(t.pid, () => load({ url: t.gatewayUrl, connections, seconds }));
        print(round, connections, `${t.label} http api`, r);
        note(`${t.label} http api c=${connections}`, r.requestsPerSec / floorGet.requestsPerSec);
        if (pinTo) {
          pin(t.pid, pinTo);
          const p = await measured(t.pid, () => load({ url: t.gatewayUrl, connections, seconds }));
          pin(t.pid, `0-${cpus().length - 1}`);
          print(round, connections, `${t.label} http api pinned`, p);
          note(`${t.label} http api pinned c=${connections}`, p.requestsPerSec / floorGet.requestsPerSec);
        }
        if (tweak && untweak) {
          forRuntimes(t.pid, tweak);
          const p = await measured(t.pid, () => load({ url: t.gatewayUrl, connections, seconds }));
          forRuntimes(t.pid, untweak);
          print(round, connections, `${t.label} http api tweaked`, p);
          note(`${t.label} http api tweaked c=${connections}`, p.requestsPerSec / floorGet.requestsPerSec);
        }
      }
    }
  }
  process.stdout.write("Nimbus / floor, per round:\n");
  for (const [label, values] of [...ratios].sort(([a], [b]) => a.localeCompare(b)))
    process.stdout.write(`${label.padEnd(22)} ${values.map((v) => v.toFixed(3)).join("  ")}\n`);
} finally {
  await floor.stop();
  for (const t of targets) await t.stop();
}
