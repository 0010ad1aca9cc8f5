/**
 * The architecture's own floor (docs/benchmarks.md, invoke group): `bare/server.mjs` hands each
 * request to Nimbus's Node runtime over the framed protocol and answers with its response,
 * without anything else Nimbus does. Measured against the plain Node floor in the same rounds.
 *
 *   npx tsx bench/bare-invoke.ts        (BENCH_SECONDS per run, default 3; BENCH_ROUNDS, default 2)
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { startFloorServer } from "./lib/floor-server.js";
import { load } from "./lib/load.js";

const seconds = Number(process.env.BENCH_SECONDS ?? "3");
const rounds = Number(process.env.BENCH_ROUNDS ?? "2");

const floor = await startFloorServer();
const bare = spawn(process.execPath, [resolve(import.meta.dirname, "bare/server.mjs")], {
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  const port = await new Promise<string>((resolvePort, reject) => {
    bare.stdout?.once("data", (chunk: Buffer) => resolvePort(chunk.toString().trim()));
    bare.once("exit", (code) => reject(new Error(`bare server exited (${code})`)));
  });
  const url = `http://127.0.0.1:${port}/`;
  // Runtimes up and warm (V8 has compiled their invoke path).
  await new Promise((r) => setTimeout(r, 1000));
  await load({ url, method: "POST", body: "{}", connections: 10, seconds: 6 });
  for (let round = 1; round <= rounds; round++) {
    for (const connections of [1, 10]) {
      const f = await load({ url: floor.url, method: "POST", body: "{}", connections, seconds });
      const b = await load({ url, method: "POST", body: "{}", connections, seconds });
      process.stdout.write(
        `round ${round} c=${connections}: floor ${f.requestsPerSec.toFixed(0)} req/s, bare ${b.requestsPerSec.toFixed(0)} req/s, bare / floor ${(b.requestsPerSec / f.requestsPerSec).toFixed(3)}${b.errors + b.non2xx > 0 ? " (errors)" : ""}\n`,
      );
    }
  }
} finally {
  bare.kill();
  await floor.stop();
}
