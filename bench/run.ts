import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { startNimbusProcess } from "./lib/nimbus-process.js";
import { environmentTable } from "./lib/report.js";
import { coldStarts, warmInvoke } from "./scenarios/invoke.js";
import { aliasOverhead, burst } from "./scenarios/scaling.js";

/**
 * `npm run bench`: runs every scenario against the real server and rewrites
 * docs/benchmarks.md. BENCH_SECONDS shortens or lengthens each load run (default 10).
 */
const seconds = Number(process.env.BENCH_SECONDS ?? "10");
const coldSamples = Number(process.env.BENCH_COLD_SAMPLES ?? "50");

const nimbus = await startNimbusProcess();
const health = (await (await fetch(`${nimbus.url}/_nimbus/health`)).json()) as {
  sandbox: { driver: string };
};
const sections: string[] = [];
try {
  process.stderr.write("warm invoke...\n");
  sections.push(await warmInvoke(nimbus, seconds));
  process.stderr.write("cold starts (pre-started pool on)...\n");
  sections.push(await coldStarts(nimbus, coldSamples, ", pre-started pool on (default)"));
  process.stderr.write("alias overhead...\n");
  sections.push(await aliasOverhead(nimbus, seconds));
  process.stderr.write("burst...\n");
  sections.push(await burst(nimbus, Number(process.env.BENCH_BURST ?? "200")));
} finally {
  await nimbus.stop();
}
const noPool = await startNimbusProcess(["--prestart", "0"]);
try {
  process.stderr.write("cold starts (pool off)...\n");
  sections.push(await coldStarts(noPool, coldSamples, ", pre-started pool off"));
} finally {
  await noPool.stop();
}

const doc = [
  "# Benchmarks",
  "",
  "Written by `npm run bench` (bench/run.ts); do not edit by hand. Every figure comes from one run on",
  "the machine below, against the real server started as `nimbus server` in its own process, with the",
  `peer or floor measured in the same run. Sandbox driver: **${health.sandbox.driver}**.`,
  "",
  environmentTable(),
  "",
  ...sections.flatMap((s) => [s, ""]),
  "### Reading these numbers",
  "",
  "- Every warm invoke crosses two more processes than the floor (server -> runtime -> server),",
  "  each crossing a socket write and a wake-up. At one connection the added latency is that hop;",
  "  at ten, the two cores are shared by the load generator, the server and ten runtimes, and the",
  "  server's socket writes dominate its profile (about 40 % of its busy time), so the ratio falls.",
  "  Cutting it further means fewer wake-ups per invoke (batching frames to a runtime is not",
  "  possible: one request per environment), or more server processes (scale-out).",
  "- Cold starts with the pre-started pool cost the function's own Init plus linking its code;",
  "  the sandbox and runtime start happen before the request (see docs/prestarted-pool.md).",
  "",
].join("\n");
await writeFile(resolve(import.meta.dirname, "../docs/benchmarks.md"), doc);
process.stdout.write(doc);
