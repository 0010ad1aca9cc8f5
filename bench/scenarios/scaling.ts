import { join, resolve } from "node:path";
import { zipDirectory } from "../../test/support/zip.js";
import { callApi } from "../lib/api.js";
import { load } from "../lib/load.js";
import type { NimbusProcess } from "../lib/nimbus-process.js";
import { fmt } from "../lib/report.js";

const FIXTURES = resolve(import.meta.dirname, "../../test/fixtures/functions");
const ROLE = "arn:aws:iam::000000000000:role/bench";

/** Warm invoke through an alias vs the unqualified function, same code, same run. */
export async function aliasOverhead(nimbus: NimbusProcess, seconds: number): Promise<string> {
  const zip = await zipDirectory(join(FIXTURES, "node/hello"));
  await callApi(nimbus.url, "POST", "/2015-03-31/functions", {
    FunctionName: "bench-alias",
    Runtime: "nodejs20.x",
    Handler: "index.handler",
    Role: ROLE,
    Code: { ZipFile: zip.toString("base64") },
    Publish: true,
  });
  await callApi(nimbus.url, "POST", "/2015-03-31/functions/bench-alias/aliases", {
    Name: "live",
    FunctionVersion: "1",
  });
  const rows: string[] = [];
  for (const [label, path] of [
    ["unqualified ($LATEST)", "/2015-03-31/functions/bench-alias/invocations"],
    ["version 1", "/2015-03-31/functions/bench-alias/invocations?Qualifier=1"],
    ["alias live -> 1", "/2015-03-31/functions/bench-alias/invocations?Qualifier=live"],
  ] as const) {
    const url = `${nimbus.url}${path}`;
    await load({ url, method: "POST", body: "{}", connections: 10, seconds: 1 });
    const r = await load({ url, method: "POST", body: "{}", connections: 10, seconds });
    rows.push(
      `| ${label} | ${fmt(r.requestsPerSec)} | ${fmt(r.p50Ms, 2)} / ${fmt(r.p99Ms, 2)} | ${r.errors + r.non2xx} |`,
    );
  }
  return [
    "### Warm invoke: alias vs unqualified (Node hello, 10 connections)",
    "",
    "| target | req/s | p50 / p99 ms | errors |",
    "|---|---|---|---|",
    ...rows,
    "",
    "Target (issue 3): alias routing adds no measurable cost.",
  ].join("\n");
}

/** 200 concurrent invokes on a platform with no environments: time to all answered. */
export async function burst(nimbus: NimbusProcess, size: number): Promise<string> {
  const zip = await zipDirectory(join(FIXTURES, "node/sleep"));
  await callApi(nimbus.url, "POST", "/2015-03-31/functions", {
    FunctionName: "bench-burst",
    Runtime: "nodejs20.x",
    Handler: "index.handler",
    Role: ROLE,
    Timeout: 60,
    Code: { ZipFile: zip.toString("base64") },
  });
  const before = (await callApi(nimbus.url, "GET", "/_nimbus/health")) as {
    environments: { idle: number; busy: number };
  };
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: size }, () =>
      fetch(`${nimbus.url}/2015-03-31/functions/bench-burst/invocations`, {
        method: "POST",
        body: '{"sleepMs":100}',
      }).then(async (res) => {
        await res.arrayBuffer();
        return res.status === 200 && !res.headers.get("x-amz-function-error");
      }),
    ),
  );
  const elapsed = performance.now() - started;
  const after = (await callApi(nimbus.url, "GET", "/_nimbus/health")) as {
    environments: { idle: number; busy: number };
  };
  const created =
    after.environments.idle + after.environments.busy - (before.environments.idle + before.environments.busy);
  return [
    `### Burst: ${size} concurrent invokes on an empty platform`,
    "",
    "Each invoke runs a Node function that waits 100 ms, so every request needs its own environment.",
    "",
    "| invokes | succeeded | time to all answered | environments created |",
    "|---|---|---|---|",
    `| ${size} | ${results.filter(Boolean).length} | ${fmt(elapsed)} ms | ${created} |`,
  ].join("\n");
}
